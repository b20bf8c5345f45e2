package data

import (
	"slices"
	"strings"
	"time"
)

// Appraiser is an asset-appraisal firm (资产评估机构) whose patent
// appraisals banks accept as the basis of a pledge loan. Since the 2016
// Asset Appraisal Law (资产评估法) firms file with the provincial finance
// department (备案) instead of holding a licence; Licence is the filing or
// certificate number the firm quotes on its reports.
type Appraiser struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Licence string `json:"licence"`
	// CreditCode is the firm's 统一社会信用代码, when known.
	CreditCode string    `json:"credit_code,omitempty"`
	Region     string    `json:"region,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// Normalize trims a's fields and upper-cases its credit code.
func (a *Appraiser) Normalize() {
	a.Name = strings.TrimSpace(a.Name)
	a.Licence = strings.TrimSpace(a.Licence)
	a.CreditCode = strings.ToUpper(strings.TrimSpace(a.CreditCode))
	a.Region = strings.TrimSpace(a.Region)
}

// Validate checks a against the record rules.
func (a *Appraiser) Validate() error {
	var v fieldErrors
	if a.Name == "" {
		v.add("name", "is required")
	} else if len(a.Name) > 200 {
		v.add("name", "must be at most 200 bytes")
	}
	if a.Licence == "" {
		v.add("licence", "is required: the filing or certificate number the firm quotes on its reports")
	} else if len(a.Licence) > 64 {
		v.add("licence", "must be at most 64 bytes")
	}
	if a.CreditCode != "" {
		if _, err := NormalizeCreditCode(a.CreditCode); err != nil {
			v.add("credit_code", "%v", err)
		}
	}
	if a.Region != "" {
		if _, ok := LookupRegion(a.Region); !ok {
			v.add("region", "%q is not a known region code", a.Region)
		}
	}
	return v.err("appraiser")
}

// AppraisalMethod is the approach of an appraisal (评估方法).
type AppraisalMethod string

// The appraisal methods of 资产评估执业准则—无形资产.
const (
	MethodIncome AppraisalMethod = "income" // 收益法
	MethodMarket AppraisalMethod = "market" // 市场法
	MethodCost   AppraisalMethod = "cost"   // 成本法
)

var appraisalMethodLabels = map[AppraisalMethod]string{MethodIncome: "收益法", MethodMarket: "市场法", MethodCost: "成本法"}

// AppraisalMethods lists the methods.
var AppraisalMethods = []AppraisalMethod{MethodIncome, MethodMarket, MethodCost}

// Label returns the Chinese name of m.
func (m AppraisalMethod) Label() string { return appraisalMethodLabels[m] }

// Valid reports whether m is a known method.
func (m AppraisalMethod) Valid() bool { _, ok := appraisalMethodLabels[m]; return ok }

// AppraisalValidityMonths is how long an appraisal may back a loan after
// its base date: an appraisal report's conclusion is used only when the
// economic act (here the pledge) takes place within one year of the base
// date (评估基准日), as 资产评估执业准则—资产评估报告 and banks' pledge
// rules state.
const AppraisalValidityMonths = 12

// Appraisal is a recorded appraisal report (资产评估报告) of some of an
// enterprise's patents, made by an appraisal firm for a pledge: the
// patents, the appraised value of them together, the base date, the method
// and the report number. Where a current appraisal covers the patents a
// bank would take as collateral, loan estimates use it instead of the
// model's figure. BankID is the lending bank that recorded it, empty when
// the organizer did.
type Appraisal struct {
	ID           string `json:"id"`
	EnterpriseID string `json:"enterprise_id"`
	AppraiserID  string `json:"appraiser_id"`
	BankID       string `json:"bank_id,omitempty"`
	// Patents are the application numbers appraised together.
	Patents []string `json:"patents"`
	// Value is the appraised value of the patents together, in yuan.
	Value        int64           `json:"value"`
	BaseDate     Date            `json:"base_date"`
	Method       AppraisalMethod `json:"method"`
	ReportNumber string          `json:"report_number"`
	Note         string          `json:"note,omitempty"`
	CreatedAt    time.Time       `json:"created_at,omitzero"`
	UpdatedAt    time.Time       `json:"updated_at,omitzero"`
	// Revision is set by the store (see Kind.Rev).
	Revision int64 `json:"revision,omitzero"`
}

// AppraisalKey is the natural key of an appraisal: a firm numbers its
// reports uniquely.
func AppraisalKey(a *Appraisal) string {
	if a.AppraiserID == "" || a.ReportNumber == "" {
		return ""
	}
	return a.AppraiserID + "|" + a.ReportNumber
}

// Normalize trims a's fields and normalises and sorts its application
// numbers (a number that does not parse is kept for Validate to name).
func (a *Appraisal) Normalize() {
	a.EnterpriseID = strings.TrimSpace(a.EnterpriseID)
	a.AppraiserID = strings.TrimSpace(a.AppraiserID)
	a.BankID = strings.TrimSpace(a.BankID)
	a.ReportNumber = strings.TrimSpace(a.ReportNumber)
	a.Note = strings.TrimSpace(a.Note)
	a.Method = AppraisalMethod(strings.ToLower(strings.TrimSpace(string(a.Method))))
	for i, n := range a.Patents {
		if norm, err := NormalizeApplicationNumber(n); err == nil {
			a.Patents[i] = norm
		} else {
			a.Patents[i] = strings.TrimSpace(n)
		}
	}
	slices.Sort(a.Patents)
	if a.Patents == nil {
		a.Patents = []string{}
	}
}

// Validate checks a against the record rules. That the enterprise, the
// firm, the bank and the patents exist, and that the patents are the
// enterprise's, needs the store: see CheckRefs.
func (a *Appraisal) Validate() error {
	var v fieldErrors
	if a.EnterpriseID == "" {
		v.add("enterprise_id", "is required")
	}
	if a.AppraiserID == "" {
		v.add("appraiser_id", "is required")
	}
	if len(a.Patents) == 0 {
		v.add("patents", "at least one application number is required")
	} else if len(a.Patents) > 200 {
		v.add("patents", "at most 200 patents in one appraisal")
	}
	for i, n := range a.Patents {
		if _, err := NormalizeApplicationNumber(n); err != nil {
			v.add(indexed("patents", i), "%q: %v", n, err)
		} else if i > 0 && a.Patents[i-1] == n {
			v.add(indexed("patents", i), "%s appears twice", n)
		}
	}
	if a.Value <= 0 {
		v.add("value", "must be a positive number of yuan")
	} else if a.Value > 1_000_000_000_000 {
		v.add("value", "must be at most 1,000,000,000,000 yuan")
	}
	if a.BaseDate.IsZero() {
		v.add("base_date", "is required (评估基准日)")
	} else if a.BaseDate.Year < 1990 || a.BaseDate.Year > 2200 {
		v.add("base_date", "%s is not a plausible date", a.BaseDate)
	}
	if !a.Method.Valid() {
		v.add("method", "%q is not one of income, market, cost", a.Method)
	}
	if a.ReportNumber == "" {
		v.add("report_number", "is required (评估报告编号)")
	} else if len(a.ReportNumber) > 128 {
		v.add("report_number", "must be at most 128 bytes")
	}
	if len(a.Note) > 2000 {
		v.add("note", "must be at most 2000 bytes")
	}
	return v.err("appraisal")
}

// ExpiresOn returns the first day a is no longer current.
func (a *Appraisal) ExpiresOn() Date { return a.BaseDate.AddMonths(AppraisalValidityMonths) }

// CurrentOn reports whether a may back a loan on day d: on or after its
// base date and before it expires.
func (a *Appraisal) CurrentOn(d Date) bool {
	return !d.Before(a.BaseDate) && d.Before(a.ExpiresOn())
}

// Covers reports whether a appraised the patent with application number n.
func (a *Appraisal) Covers(n string) bool {
	_, ok := slices.BinarySearch(a.Patents, n)
	return ok
}
