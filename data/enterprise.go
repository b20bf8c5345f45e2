package data

import (
	"slices"
	"strings"
	"time"
)

// Certification is a government recognition that loan products ask for.
type Certification string

// The certifications.
const (
	CertHighTech    Certification = "high_tech"    // 高新技术企业
	CertSpecialized Certification = "specialized"  // 专精特新中小企业
	CertLittleGiant Certification = "little_giant" // 专精特新"小巨人"
	CertTechSME     Certification = "tech_sme"     // 科技型中小企业
)

var certificationLabels = map[Certification]string{
	CertHighTech: "高新技术企业", CertSpecialized: "专精特新", CertLittleGiant: "小巨人", CertTechSME: "科技型中小企业",
}

// Label returns the Chinese name of c.
func (c Certification) Label() string {
	if l, ok := certificationLabels[c]; ok {
		return l
	}
	return string(c)
}

// ParseCertification reads a certification in English or Chinese.
func ParseCertification(s string) (Certification, bool) {
	s = strings.TrimSpace(s)
	if _, ok := certificationLabels[Certification(s)]; ok {
		return Certification(s), true
	}
	for k, v := range certificationLabels {
		if v == s {
			return k, true
		}
	}
	switch s {
	case "专精特新中小企业":
		return CertSpecialized, true
	case "专精特新小巨人", "专精特新“小巨人”":
		return CertLittleGiant, true
	}
	return "", false
}

// TaxGrades are the 纳税信用等级 from best to worst.
var TaxGrades = []string{"A", "B", "M", "C", "D"}

// TaxGradeAtLeast reports whether grade is min or better.
func TaxGradeAtLeast(grade, min string) bool {
	g, m := slices.Index(TaxGrades, grade), slices.Index(TaxGrades, min)
	return g >= 0 && m >= 0 && g <= m
}

// Financials are one year's figures in yuan. Profit may be negative (a loss);
// the others may not.
type Financials struct {
	Year        int   `json:"year"`
	Revenue     int64 `json:"revenue"`
	Profit      int64 `json:"profit"`
	Assets      int64 `json:"assets"`
	Liabilities int64 `json:"liabilities"`
}

// FinancingNeed is what an enterprise wants to borrow.
type FinancingNeed struct {
	Amount     int64  `json:"amount"` // yuan
	TermMonths int    `json:"term_months"`
	Purpose    string `json:"purpose,omitempty"`
}

// Consents record what an enterprise allowed. Banks see an enterprise only
// if it joined the pool's enterprise register (入库) or an event they attend.
type Consents struct {
	Pool      bool `json:"pool"`       // 企业入库: visible to the pool's banks
	ShareData bool `json:"share_data"` // financials may be shown to banks
}

// Enterprise is a company that pledges patents for loans.
type Enterprise struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	CreditCode    string          `json:"credit_code"`
	Region        string          `json:"region"`
	Industry      string          `json:"industry"`
	Founded       Date            `json:"founded"`
	Employees     int             `json:"employees,omitempty"`
	Financials    []Financials    `json:"financials,omitempty"`
	TaxGrade      string          `json:"tax_grade,omitempty"`
	Certs         []Certification `json:"certifications,omitempty"`
	BusinessScope string          `json:"business_scope,omitempty"`
	Address       string          `json:"address,omitempty"`
	Need          FinancingNeed   `json:"need"`
	Consents      Consents        `json:"consents"`
	CreatedAt     time.Time       `json:"created_at,omitzero"`
	UpdatedAt     time.Time       `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize trims e's fields, upper-cases codes, canonicalises the industry
// code, orders the financials by year and fills the region from the credit
// code when none is given.
func (e *Enterprise) Normalize() {
	e.Name = strings.TrimSpace(e.Name)
	e.CreditCode = strings.ToUpper(strings.TrimSpace(e.CreditCode))
	e.TaxGrade = strings.ToUpper(strings.TrimSpace(e.TaxGrade))
	e.Region = strings.TrimSpace(e.Region)
	if e.Region == "" && len(e.CreditCode) == 18 {
		if _, ok := LookupRegion(e.CreditCode[2:8]); ok {
			e.Region = e.CreditCode[2:8]
		}
	}
	if ind, ok := LookupIndustry(strings.TrimSpace(e.Industry)); ok {
		e.Industry = ind.Code
	}
	slices.SortFunc(e.Financials, func(a, b Financials) int { return a.Year - b.Year })
	slices.Sort(e.Certs)
	e.Certs = slices.Compact(e.Certs)
}

// Validate checks e against the record rules.
func (e *Enterprise) Validate() error {
	var v fieldErrors
	if e.Name == "" {
		v.add("name", "is required")
	}
	if _, err := NormalizeCreditCode(e.CreditCode); err != nil {
		v.add("credit_code", "%v", err)
	}
	if _, ok := LookupRegion(e.Region); !ok {
		v.add("region", "%q is not a known region code", e.Region)
	}
	if ind, ok := LookupIndustry(e.Industry); !ok {
		v.add("industry", "%q is not a GB/T 4754-2017 code", e.Industry)
	} else if ind.Code != e.Industry {
		v.add("industry", "not normalised: want %s", ind.Code)
	}
	if e.Founded.IsZero() {
		v.add("founded", "is required")
	}
	if e.Employees < 0 {
		v.add("employees", "must not be negative")
	}
	years := map[int]bool{}
	for i, f := range e.Financials {
		p := indexed("financials", i)
		if f.Year < 1949 || f.Year > 2200 {
			v.add(p+".year", "%d is not a plausible year", f.Year)
		}
		if years[f.Year] {
			v.add(p+".year", "%d appears twice", f.Year)
		}
		years[f.Year] = true
		if f.Revenue < 0 {
			v.add(p+".revenue", "must not be negative")
		}
		if f.Assets < 0 {
			v.add(p+".assets", "must not be negative")
		}
		if f.Liabilities < 0 {
			v.add(p+".liabilities", "must not be negative")
		}
	}
	if e.TaxGrade != "" && !slices.Contains(TaxGrades, e.TaxGrade) {
		v.add("tax_grade", "%q is not one of A, B, M, C, D", e.TaxGrade)
	}
	for i, c := range e.Certs {
		if _, ok := certificationLabels[c]; !ok {
			v.add(indexed("certifications", i), "%q is not one of high_tech, specialized, little_giant, tech_sme", c)
		}
	}
	if e.Need.Amount < 0 {
		v.add("need.amount", "must not be negative")
	}
	if e.Need.TermMonths < 0 || e.Need.TermMonths > 360 {
		v.add("need.term_months", "must be between 0 and 360")
	}
	return v.err("enterprise")
}

// Latest returns the most recent year's financials and whether there are any.
func (e *Enterprise) Latest() (Financials, bool) {
	if len(e.Financials) == 0 {
		return Financials{}, false
	}
	return e.Financials[len(e.Financials)-1], true
}

// HasCert reports whether e holds certification c. A little giant counts
// as specialized too, since it is the higher tier of the same programme.
func (e *Enterprise) HasCert(c Certification) bool {
	if slices.Contains(e.Certs, c) {
		return true
	}
	return c == CertSpecialized && slices.Contains(e.Certs, CertLittleGiant)
}

// CanonicalName is a party's name as compared with another's: without
// spaces, and with full-width brackets as ASCII ones (CNIPA's records and
// business registers write 有限公司（分公司） both ways).
func CanonicalName(s string) string { return nameReplacer.Replace(strings.TrimSpace(s)) }

var nameReplacer = strings.NewReplacer("（", "(", "）", ")", " ", "", "\u3000", "")
