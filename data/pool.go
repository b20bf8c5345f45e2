package data

import (
	"strings"
	"time"
)

// Pool is a risk-compensation fund pool (风险补偿资金池): when a filed loan
// defaults the fund bears FundShare of the loss, within its caps.
type Pool struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Region  string `json:"region"`
	Manager string `json:"manager,omitempty"` // 资金管理人, e.g. 广东股权交易中心
	Size    int64  `json:"size"`              // yuan
	// FundShare is the fund's share of a loss (0.5 means half).
	FundShare float64 `json:"fund_share"`
	// PerLoanCap and PerBorrowerCap bound compensation in yuan; 0 means none.
	PerLoanCap     int64 `json:"per_loan_cap,omitempty"`
	PerBorrowerCap int64 `json:"per_borrower_cap,omitempty"`
	// Leverage is how many yuan of loans each yuan of the pool may back.
	Leverage  float64   `json:"leverage"`
	Since     Date      `json:"since,omitzero"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize trims p's fields.
func (p *Pool) Normalize() { p.Name = strings.TrimSpace(p.Name) }

// Validate checks p against the record rules.
func (p *Pool) Validate() error {
	var v fieldErrors
	if p.Name == "" {
		v.add("name", "is required")
	}
	if _, ok := LookupRegion(p.Region); !ok {
		v.add("region", "%q is not a known region code", p.Region)
	}
	if p.Size <= 0 {
		v.add("size", "must be positive")
	}
	if p.FundShare <= 0 || p.FundShare > 1 {
		v.add("fund_share", "%.2f must be above 0 and at most 1", p.FundShare)
	}
	if p.PerLoanCap < 0 {
		v.add("per_loan_cap", "must not be negative")
	}
	if p.PerBorrowerCap < 0 {
		v.add("per_borrower_cap", "must not be negative")
	}
	if p.Leverage < 1 || p.Leverage > 50 {
		v.add("leverage", "%.1f must be between 1 and 50", p.Leverage)
	}
	return v.err("pool")
}
