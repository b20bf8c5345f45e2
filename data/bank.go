package data

import (
	"slices"
	"strings"
	"time"
)

// Bank is a lender taking part in pledge financing, usually one branch.
type Bank struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Type      string    `json:"type,omitempty"`      // e.g. 国有大型商业银行, 农村商业银行 (NFRA list)
	Branch    string    `json:"branch,omitempty"`    // e.g. 肇庆市分行
	Region    string    `json:"region"`              // where the branch is
	NFRACode  string    `json:"nfra_code,omitempty"` // 金融许可证机构编码 of the legal entity
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize trims b's fields.
func (b *Bank) Normalize() {
	b.Name = strings.TrimSpace(b.Name)
	b.Branch = strings.TrimSpace(b.Branch)
	b.Region = strings.TrimSpace(b.Region)
}

// Validate checks b against the record rules.
func (b *Bank) Validate() error {
	var v fieldErrors
	if b.Name == "" {
		v.add("name", "is required")
	}
	if _, ok := LookupRegion(b.Region); !ok {
		v.add("region", "%q is not a known region code", b.Region)
	}
	return v.err("bank")
}

// ByType holds one value per patent type.
type ByType struct {
	Invention    float64 `json:"invention"`
	UtilityModel float64 `json:"utility_model"`
	Design       float64 `json:"design"`
}

// Of returns the value for type t.
func (b ByType) Of(t PatentType) float64 {
	switch t {
	case Invention:
		return b.Invention
	case UtilityModel:
		return b.UtilityModel
	case Design:
		return b.Design
	}
	return 0
}

// Product is a bank's patent-pledge loan product and its criteria. Amounts
// are yuan; rates are fractions (0.3 is 30%).
type Product struct {
	ID          string `json:"id"`
	BankID      string `json:"bank_id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	MinAmount   int64  `json:"min_amount"`
	MaxAmount   int64  `json:"max_amount"`
	MinTerm     int    `json:"min_term_months"`
	MaxTerm     int    `json:"max_term_months"`
	// SpreadBP is the rate over the one-year LPR in basis points (may be negative).
	SpreadBP int `json:"spread_bp"`
	// PledgeRates is the loan-to-appraised-value ratio by patent type.
	PledgeRates ByType `json:"pledge_rates"`
	// Regions lists region codes served (a city serves its counties); empty means anywhere.
	Regions []string `json:"regions,omitempty"`
	// Industries lists GB/T 4754 prefixes targeted; empty means any.
	Industries []string `json:"industries,omitempty"`
	// IPCAreas lists IPC prefixes (B23, B23K, F16H …) of accepted patents; empty means any.
	IPCAreas []string `json:"ipc_areas,omitempty"`
	// PatentTypes accepted; empty means all three.
	PatentTypes []PatentType `json:"patent_types,omitempty"`
	// MinRemainingYears of legal term by patent type.
	MinRemainingYears ByType `json:"min_remaining_years"`
	// MinImplementedYears the patent must have been in use.
	MinImplementedYears float64 `json:"min_implemented_years,omitempty"`
	// MinEnterpriseYears since founding.
	MinEnterpriseYears float64         `json:"min_enterprise_years,omitempty"`
	MinRevenue         int64           `json:"min_revenue,omitempty"`    // latest year, yuan
	MaxDebtRatio       float64         `json:"max_debt_ratio,omitempty"` // liabilities / assets; 0 means no limit
	RequireProfit      bool            `json:"require_profit,omitempty"`
	MinTaxGrade        string          `json:"min_tax_grade,omitempty"`
	RequiredCerts      []Certification `json:"required_certifications,omitempty"`
	// PoolID is the risk-compensation pool that covers the product's loans, if any.
	PoolID    string    `json:"pool_id,omitempty"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize trims p's fields and canonicalises its code lists.
func (p *Product) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.MinTaxGrade = strings.ToUpper(strings.TrimSpace(p.MinTaxGrade))
	for i, c := range p.Industries {
		if ind, ok := LookupIndustry(strings.TrimSpace(c)); ok {
			p.Industries[i] = ind.Code
		}
	}
	for i, c := range p.IPCAreas {
		if n, err := NormalizeIPC(c); err == nil {
			p.IPCAreas[i] = n
		}
	}
	slices.Sort(p.PatentTypes)
	p.PatentTypes = slices.Compact(p.PatentTypes)
}

// Validate checks p against the record rules.
func (p *Product) Validate() error {
	var v fieldErrors
	if p.BankID == "" {
		v.add("bank_id", "is required")
	}
	if p.Name == "" {
		v.add("name", "is required")
	}
	if p.MinAmount < 0 {
		v.add("min_amount", "must not be negative")
	}
	if p.MaxAmount <= 0 {
		v.add("max_amount", "must be positive")
	} else if p.MaxAmount < p.MinAmount {
		v.add("max_amount", "%d is below min_amount %d", p.MaxAmount, p.MinAmount)
	}
	if p.MinTerm < 0 {
		v.add("min_term_months", "must not be negative")
	}
	if p.MaxTerm <= 0 || p.MaxTerm > 360 {
		v.add("max_term_months", "must be between 1 and 360")
	} else if p.MaxTerm < p.MinTerm {
		v.add("max_term_months", "%d is below min_term_months %d", p.MaxTerm, p.MinTerm)
	}
	if p.SpreadBP < -500 || p.SpreadBP > 2000 {
		v.add("spread_bp", "%d basis points is outside -500..2000", p.SpreadBP)
	}
	for _, t := range []PatentType{Invention, UtilityModel, Design} {
		if r := p.PledgeRates.Of(t); r < 0 || r > 1 {
			v.add("pledge_rates."+string(t), "%.2f must be between 0 and 1", r)
		}
		if y := p.MinRemainingYears.Of(t); y < 0 || y > 20 {
			v.add("min_remaining_years."+string(t), "%.1f must be between 0 and 20", y)
		}
	}
	if p.PledgeRates == (ByType{}) {
		v.add("pledge_rates", "at least one patent type needs a pledge rate")
	}
	for i, r := range p.Regions {
		if _, ok := LookupRegion(r); !ok {
			v.add(indexed("regions", i), "%q is not a known region code", r)
		}
	}
	for i, c := range p.Industries {
		if ind, ok := LookupIndustry(c); !ok || ind.Code != c {
			v.add(indexed("industries", i), "%q is not a GB/T 4754-2017 code", c)
		}
	}
	for i, c := range p.IPCAreas {
		if n, err := NormalizeIPC(c); err != nil {
			v.add(indexed("ipc_areas", i), "%v", err)
		} else if n != c {
			v.add(indexed("ipc_areas", i), "not normalised: want %s", n)
		}
	}
	for i, t := range p.PatentTypes {
		if !t.Valid() {
			v.add(indexed("patent_types", i), "%q must be invention, utility_model or design", t)
		}
	}
	if p.MinImplementedYears < 0 {
		v.add("min_implemented_years", "must not be negative")
	}
	if p.MinEnterpriseYears < 0 {
		v.add("min_enterprise_years", "must not be negative")
	}
	if p.MinRevenue < 0 {
		v.add("min_revenue", "must not be negative")
	}
	if p.MaxDebtRatio < 0 || p.MaxDebtRatio > 1.5 {
		v.add("max_debt_ratio", "%.2f must be between 0 and 1.5", p.MaxDebtRatio)
	}
	if p.MinTaxGrade != "" && !slices.Contains(TaxGrades, p.MinTaxGrade) {
		v.add("min_tax_grade", "%q is not one of A, B, M, C, D", p.MinTaxGrade)
	}
	for i, c := range p.RequiredCerts {
		if _, ok := certificationLabels[c]; !ok {
			v.add(indexed("required_certifications", i), "%q is not one of high_tech, specialized, little_giant, tech_sme", c)
		}
	}
	return v.err("product")
}

// Accepts reports whether p accepts patents of type t.
func (p *Product) Accepts(t PatentType) bool {
	return (len(p.PatentTypes) == 0 || slices.Contains(p.PatentTypes, t)) && p.PledgeRates.Of(t) > 0
}
