package data

import (
	"fmt"
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
	Leverage float64 `json:"leverage"`
	Since    Date    `json:"since,omitzero"`
	// Book is the pool's loans: the deals filed (备案) under it and those
	// it compensated. The application enters a filing in the same
	// conditional write of the pool that checks the caps against the book,
	// so no interleaving of filings on any nodes passes a cap; a caller's
	// own copy of it is ignored (app/pool_book.go).
	Book      []PoolFiling `json:"book,omitempty"`
	CreatedAt time.Time    `json:"created_at,omitzero"`
	UpdatedAt time.Time    `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// PoolFiling is one loan on a pool's book, as its deal stood when entered.
type PoolFiling struct {
	DealID       string `json:"deal_id"`
	EnterpriseID string `json:"enterprise_id"`
	BankID       string `json:"bank_id"`
	ProductID    string `json:"product_id"`
	Amount       int64  `json:"amount"` // yuan
	// Stage is a filed stage (备案 to 质押登记) or compensated.
	Stage Stage `json:"stage"`
	// At is when it was entered: an entry whose deal never reached it (a
	// node died between the two writes) is dropped only after a while.
	At time.Time `json:"at"`
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
	seen := map[string]bool{}
	for i, f := range p.Book {
		switch {
		case f.DealID == "" || seen[f.DealID]:
			v.add(fmt.Sprintf("book[%d].deal_id", i), "must name a deal once")
		case f.Amount <= 0:
			v.add(fmt.Sprintf("book[%d].amount", i), "must be positive")
		}
		seen[f.DealID] = true
	}
	return v.err("pool")
}
