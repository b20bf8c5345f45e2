package data

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Policy is a public support policy for IP-pledge financing (政策): a
// city's or a pool's risk-compensation measures, an interest subsidy
// (贴息), an appraisal-fee or a guarantee-fee subsidy, with its caps, its
// yearly budget, who may claim it and the published document it comes
// from. Figures not taken from the source are marked: Assumption is true
// and AssumptionNotes says which and why. Amounts are yuan; shares are
// fractions (0.5 is 50 %).
type Policy struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Issuer string `json:"issuer"`
	// Region is the 行政区划代码 of the issuer's area.
	Region  string       `json:"region"`
	Summary string       `json:"summary,omitempty"`
	Source  PolicySource `json:"source"`
	// RiskShare is the share of a loan's loss the fund bears (risk
	// compensation), for the policy's page; the pool record (PoolID)
	// carries the figure the pool's numbers use.
	RiskShare float64 `json:"risk_share,omitempty"`
	PoolID    string  `json:"pool_id,omitempty"`
	// Interest, Appraisal and Guarantee are the subsidies the policy pays
	// the enterprise, nil when it pays none of that kind.
	Interest  *InterestSubsidy `json:"interest,omitempty"`
	Appraisal *FeeSubsidy      `json:"appraisal_fee,omitempty"`
	Guarantee *FeeSubsidy      `json:"guarantee_fee,omitempty"`
	// BudgetPerYear is what the issuer sets aside a year for the policy's
	// subsidies, 0 when not stated.
	BudgetPerYear int64             `json:"budget_per_year,omitempty"`
	Eligibility   PolicyEligibility `json:"eligibility"`
	ValidFrom     Date              `json:"valid_from,omitzero"`
	ValidUntil    Date              `json:"valid_until,omitzero"`
	// Assumption says that some figures are not the source's;
	// AssumptionNotes names them and gives the reason.
	Assumption      bool      `json:"assumption,omitempty"`
	AssumptionNotes string    `json:"assumption_notes,omitempty"`
	CreatedAt       time.Time `json:"created_at,omitzero"`
	UpdatedAt       time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// PolicySource is the published document a policy comes from.
type PolicySource struct {
	URL    string `json:"url"`
	Title  string `json:"title"`
	Number string `json:"number,omitempty"` // 文号, e.g. 穗知规字〔2020〕1号
}

// InterestSubsidy is an interest subsidy (贴息): Share of the interest
// actually paid, or Points percentage points of the loan a year (0.01 is
// one point), whichever is given; capped per enterprise a year and per
// loan, for at most Years years. MaxRateOverLPR, when set, admits only
// loans whose rate is at most the one-year LPR × (1 + MaxRateOverLPR).
type InterestSubsidy struct {
	Share                float64 `json:"share,omitempty"`
	Points               float64 `json:"points,omitempty"`
	MaxRateOverLPR       float64 `json:"max_rate_over_lpr,omitempty"`
	CapPerEnterpriseYear int64   `json:"cap_per_enterprise_year,omitempty"`
	CapPerLoan           int64   `json:"cap_per_loan,omitempty"`
	Years                int     `json:"years,omitempty"`
}

// FeeSubsidy pays Share of a fee actually paid (appraisal or guarantee),
// or a Fixed amount per loan, at most Cap per enterprise a year.
type FeeSubsidy struct {
	Share float64 `json:"share,omitempty"`
	Fixed int64   `json:"fixed,omitempty"`
	Cap   int64   `json:"cap,omitempty"`
}

// PolicyEligibility says who may claim a policy. Empty fields admit
// everyone: Regions are 行政区划代码 prefixes of the enterprise's region,
// Industries GB/T 4754 code prefixes, Certs any one of the certifications,
// PoolID the pool whose products' loans qualify, MinEnterpriseYears the
// enterprise's age, MaxRevenue its latest revenue (yuan).
type PolicyEligibility struct {
	Regions            []string        `json:"regions,omitempty"`
	Industries         []string        `json:"industries,omitempty"`
	Certs              []Certification `json:"certifications,omitempty"`
	PoolID             string          `json:"pool_id,omitempty"`
	MinEnterpriseYears float64         `json:"min_enterprise_years,omitempty"`
	MaxRevenue         int64           `json:"max_revenue,omitempty"`
	Text               string          `json:"text,omitempty"` // the source's words, for the page
}

// Normalize trims p's text fields.
func (p *Policy) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.Issuer = strings.TrimSpace(p.Issuer)
	p.Region = strings.TrimSpace(p.Region)
	p.Summary = strings.TrimSpace(p.Summary)
	p.PoolID = strings.TrimSpace(p.PoolID)
	p.Source.URL = strings.TrimSpace(p.Source.URL)
	p.Source.Title = strings.TrimSpace(p.Source.Title)
	p.Source.Number = strings.TrimSpace(p.Source.Number)
	p.AssumptionNotes = strings.TrimSpace(p.AssumptionNotes)
	el := &p.Eligibility
	el.PoolID = strings.TrimSpace(el.PoolID)
	el.Text = strings.TrimSpace(el.Text)
	for i := range el.Regions {
		el.Regions[i] = strings.TrimSpace(el.Regions[i])
	}
	for i := range el.Industries {
		el.Industries[i] = strings.ToUpper(strings.TrimSpace(el.Industries[i]))
	}
}

// Validate checks p against the record rules, naming the fields at fault.
func (p *Policy) Validate() error {
	var v fieldErrors
	if p.Name == "" {
		v.add("name", "is required")
	} else if len(p.Name) > 300 {
		v.add("name", "must be at most 300 bytes")
	}
	if p.Issuer == "" {
		v.add("issuer", "is required: the body that issued the policy")
	}
	if p.Region == "" {
		v.add("region", "is required: the issuer's region code")
	} else if _, ok := LookupRegion(p.Region); !ok {
		v.add("region", "%q is not a known region code", p.Region)
	}
	if p.Source.Title == "" {
		v.add("source.title", "is required: the published document's title")
	}
	if p.Source.URL == "" {
		v.add("source.url", "is required: where the document is published")
	} else if u, err := url.Parse(p.Source.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add("source.url", "must be an http or https address")
	}
	share := func(field string, x float64) {
		if x < 0 || x > 1 {
			v.add(field, "%v must be a fraction between 0 and 1 (0.5 is 50 %%)", x)
		}
	}
	money := func(field string, x int64) {
		if x < 0 {
			v.add(field, "must not be negative")
		}
	}
	share("risk_share", p.RiskShare)
	if in := p.Interest; in != nil {
		share("interest.share", in.Share)
		if in.Points < 0 || in.Points > 0.2 {
			v.add("interest.points", "%v must be between 0 and 0.2 (0.01 is one percentage point)", in.Points)
		}
		if (in.Share == 0) == (in.Points == 0) {
			v.add("interest.share", "give either share (of the interest paid) or points, not both nor neither")
		}
		if in.MaxRateOverLPR < 0 || in.MaxRateOverLPR > 5 {
			v.add("interest.max_rate_over_lpr", "%v must be between 0 and 5", in.MaxRateOverLPR)
		}
		money("interest.cap_per_enterprise_year", in.CapPerEnterpriseYear)
		money("interest.cap_per_loan", in.CapPerLoan)
		if in.Years < 0 || in.Years > 10 {
			v.add("interest.years", "%d must be between 0 and 10", in.Years)
		}
	}
	for name, f := range map[string]*FeeSubsidy{"appraisal_fee": p.Appraisal, "guarantee_fee": p.Guarantee} {
		if f == nil {
			continue
		}
		share(name+".share", f.Share)
		money(name+".fixed", f.Fixed)
		money(name+".cap", f.Cap)
		if f.Share == 0 && f.Fixed == 0 {
			v.add(name+".share", "give a share of the fee or a fixed amount")
		}
	}
	if p.RiskShare == 0 && p.Interest == nil && p.Appraisal == nil && p.Guarantee == nil {
		v.add("interest", "a policy must offer something: risk_share, interest, appraisal_fee or guarantee_fee")
	}
	money("budget_per_year", p.BudgetPerYear)
	el := &p.Eligibility
	for i, r := range el.Regions {
		if r == "" || len(r) > 12 || strings.Trim(r, "0123456789") != "" {
			v.add("eligibility.regions["+itoa(i)+"]", "%q must be a region code or its leading digits", r)
		}
	}
	for i, c := range el.Industries {
		if c == "" || len(c) > 5 {
			v.add("eligibility.industries["+itoa(i)+"]", "%q must be a GB/T 4754 code or its leading part", c)
		}
	}
	for i, c := range el.Certs {
		if _, ok := certificationLabels[c]; !ok {
			v.add("eligibility.certifications["+itoa(i)+"]", "%q is not a known certification", c)
		}
	}
	if el.MinEnterpriseYears < 0 {
		v.add("eligibility.min_enterprise_years", "must not be negative")
	}
	money("eligibility.max_revenue", el.MaxRevenue)
	if !p.ValidFrom.IsZero() && !p.ValidUntil.IsZero() && p.ValidUntil.Before(p.ValidFrom) {
		v.add("valid_until", "%s is before valid_from %s", p.ValidUntil, p.ValidFrom)
	}
	if p.Assumption && p.AssumptionNotes == "" {
		v.add("assumption_notes", "is required when assumption is set: say which figures are assumed and why")
	}
	return v.err("policy")
}

// ActiveOn reports whether p is in force on day.
func (p *Policy) ActiveOn(day Date) bool {
	if !p.ValidFrom.IsZero() && day.Before(p.ValidFrom) {
		return false
	}
	return p.ValidUntil.IsZero() || !day.After(p.ValidUntil)
}

func itoa(i int) string { return strconv.Itoa(i) }
