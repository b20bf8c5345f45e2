package matcher

import (
	"slices"
	"strings"
	"testing"
	"time"

	"ipmatch/data"
)

// TestReasonCodesStable pins the reason codes: clients branch on them, so
// a change here is a breaking change of the API.
func TestReasonCodesStable(t *testing.T) {
	want := []ReasonCode{
		"product_inactive", "region_not_served", "industry_not_targeted", "enterprise_too_young", "financials_missing",
		"revenue_low", "debt_ratio_high", "not_profitable", "tax_grade_low", "certification_missing",
		"pledger_not_owner", "legal_status_unknown", "patent_not_granted", "patent_lapsed", "patent_invalidated",
		"fees_unpaid", "patent_suspended", "court_preservation", "term_past_expiry", "co_owned_without_consent",
		"already_pledged", "invalidation_open", "patent_type_not_accepted", "ipc_not_accepted", "remaining_term_short",
		"implementation_too_short", "no_patents", "no_eligible_patent", "valuation_unavailable", "amount_below_minimum",
		"appraisal_expired",
	}
	var got []ReasonCode
	for _, r := range ReasonCodes() {
		got = append(got, r.Code)
		if r.Title == "" || r.Scope == "" || r.Source == "" {
			t.Errorf("%s: incomplete %+v", r.Code, r)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("codes changed:\n got %v\nwant %v", got, want)
	}
	if len(reasonTable) > 32 {
		t.Errorf("%d codes do not fit the 32-bit masks", len(reasonTable))
	}
	if c := codesOf(bitAmountBelowMin | bitProductInactive); !slices.Equal(c, []ReasonCode{ReasonProductInactive, ReasonAmountBelowMinimum}) {
		t.Errorf("codesOf: %v", c)
	}
}

// cleanPatent is a granted utility model owned by cleanEnterprise, with
// fees paid and no proceedings: it breaks no pledge rule on cleanAsOf.
func cleanPatent() data.Patent {
	return data.Patent{
		ApplicationNumber: "201920000001.5", Type: data.UtilityModel, Title: "一种液压阀",
		IPC: []string{"F16K31/00"}, Applicants: []string{"肇庆市示例液压有限公司"}, OwnerID: "ent_clean",
		FilingDate: data.NewDate(2019, time.May, 6), GrantDate: data.NewDate(2020, time.January, 10),
		ExpiryDate: data.NewDate(2029, time.May, 6), LegalStatus: data.StatusValid,
		FeesPaidThrough: data.NewDate(2021, time.May, 5),
	}
}

var cleanAsOf = data.NewDate(2021, time.April, 23)

func cleanEnterprise() *data.Enterprise {
	return &data.Enterprise{ID: "ent_clean", Name: "肇庆市示例液压有限公司", Region: "441204", Industry: "C3444",
		Founded: data.NewDate(2010, time.March, 1)}
}

func TestPledgeRules(t *testing.T) {
	e := cleanEnterprise()
	if r := PledgeRules(e, ptr(cleanPatent()), cleanAsOf, 36); len(r) != 0 {
		t.Fatalf("clean patent: %+v", r)
	}
	tests := []struct {
		name  string
		edit  func(*data.Patent)
		loan  int
		codes []ReasonCode
	}{
		{"founder holds it", func(p *data.Patent) { p.Applicants = []string{"张伟"} }, 0, []ReasonCode{ReasonPledgerNotOwner}},
		{"another enterprise's", func(p *data.Patent) { p.OwnerID = "ent_other" }, 0, []ReasonCode{ReasonPledgerNotOwner}},
		{"no status", func(p *data.Patent) { p.LegalStatus = "" }, 0, []ReasonCode{ReasonLegalStatusUnknown}},
		{"pending", func(p *data.Patent) { p.LegalStatus = data.StatusPending }, 0, []ReasonCode{ReasonPatentNotGranted}},
		{"rejected", func(p *data.Patent) { p.LegalStatus = data.StatusRejected }, 0, []ReasonCode{ReasonPatentNotGranted}},
		{"lapsed", func(p *data.Patent) { p.LegalStatus = data.StatusLapsed }, 0, []ReasonCode{ReasonPatentLapsed}},
		{"invalidated", func(p *data.Patent) { p.LegalStatus = data.StatusInvalidated }, 0, []ReasonCode{ReasonPatentInvalidated}},
		{"fees unpaid", func(p *data.Patent) { p.FeesPaidThrough = data.NewDate(2021, time.April, 22) }, 0, []ReasonCode{ReasonFeesUnpaid}},
		{"no fee record", func(p *data.Patent) { p.FeesPaidThrough = data.Date{} }, 0, []ReasonCode{ReasonFeesUnpaid}},
		{"suspended", func(p *data.Patent) { p.History = []data.Transaction{{Kind: data.TxSuspension, Open: true}} }, 0, []ReasonCode{ReasonPatentSuspended}},
		{"preserved", func(p *data.Patent) { p.History = []data.Transaction{{Kind: data.TxPreservation, Open: true}} }, 0, []ReasonCode{ReasonCourtPreservation}},
		{"loan past expiry", nil, 97, []ReasonCode{ReasonTermPastExpiry}},
		{"co-owned", func(p *data.Patent) { p.Applicants = append(p.Applicants, "华南理工大学") }, 0, []ReasonCode{ReasonCoOwnedNoConsent}},
		{"pledged", func(p *data.Patent) {
			p.History = []data.Transaction{{Kind: data.TxPledge, Date: data.NewDate(2021, time.January, 26), Party: "某银行", Open: true, Amount: 1_200_000}}
		}, 0, []ReasonCode{ReasonAlreadyPledged}},
		{"invalidation open", func(p *data.Patent) { p.History = []data.Transaction{{Kind: data.TxInvalidation, Open: true}} }, 0, []ReasonCode{ReasonInvalidationOpen}},
		{"released pledge, litigation, licence", func(p *data.Patent) {
			p.History = []data.Transaction{{Kind: data.TxPledge}, {Kind: data.TxLitigation, Open: true}, {Kind: data.TxLicence, Open: true}}
		}, 0, nil},
		{"co-owned with consent", func(p *data.Patent) {
			p.Applicants = append(p.Applicants, "华南理工大学")
			p.CoOwnersConsent = true
		}, 0, nil},
		{"applicant name with a trailing space", func(p *data.Patent) { p.Applicants = []string{"肇庆市示例液压有限公司 "} }, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := cleanPatent()
			if tc.edit != nil {
				tc.edit(&p)
			}
			rs := PledgeRules(e, &p, cleanAsOf, tc.loan)
			var got []ReasonCode
			for _, r := range rs {
				got = append(got, r.Code)
				if r.Source != SourceCNIPA || r.Scope != ScopePatent || r.Patent != p.ApplicationNumber || r.Message == "" || r.Fix == "" {
					t.Errorf("incomplete reason %+v", r)
				}
			}
			if !slices.Equal(got, tc.codes) {
				t.Errorf("codes %v, want %v", got, tc.codes)
			}
		})
	}
}

func TestPledgeRulesSayByHowMuch(t *testing.T) {
	p := cleanPatent()
	p.FeesPaidThrough = data.NewDate(2021, time.March, 23)
	rs := PledgeRules(cleanEnterprise(), &p, cleanAsOf, 0)
	if len(rs) != 1 || rs[0].Observed != "2021-03-23" || rs[0].Unit != "days" || rs[0].Gap != 31 {
		t.Errorf("fees: %+v", rs)
	}
	p = cleanPatent()
	rs = PledgeRules(cleanEnterprise(), &p, cleanAsOf, 120)
	if len(rs) != 1 || rs[0].Observed != 96.0 || rs[0].Required != 120 || rs[0].Unit != "months" {
		t.Errorf("term: %+v", rs)
	}
}

// TestExpiredPatentReadsExpired: a patent whose term ran out before the
// as-of date says so, not "expires on …, 0 months left".
func TestExpiredPatentReadsExpired(t *testing.T) {
	p := cleanPatent()
	p.ExpiryDate = data.NewDate(2021, time.March, 1)
	for _, r := range PledgeRules(cleanEnterprise(), &p, cleanAsOf, 12) {
		if r.Code != ReasonTermPastExpiry {
			continue
		}
		if !strings.Contains(r.Message, "已于 2021-03-01 届满") || strings.Contains(r.Message, "剩余 0") {
			t.Errorf("expired patent: %q", r.Message)
		}
		return
	}
	t.Fatal("no term_past_expiry reason for an expired patent")
}

func TestOwnedByNames(t *testing.T) {
	e := &data.Enterprise{ID: "ent_1", Name: "广东某某（肇庆）机械有限公司"}
	for _, tc := range []struct {
		applicant, owner string
		want             bool
	}{
		{"广东某某（肇庆）机械有限公司", "ent_1", true},
		{"广东某某(肇庆)机械有限公司", "", true},
		{" 广东某某 （肇庆） 机械有限公司", "ent_1", true},
		{"广东某某（肇庆）机械有限公司", "ent_2", false},
		{"广东某某机械有限公司", "ent_1", false},
	} {
		p := &data.Patent{Applicants: []string{tc.applicant}, OwnerID: tc.owner}
		if got := ownedBy(p, e); got != tc.want {
			t.Errorf("%q (%s): %v", tc.applicant, tc.owner, got)
		}
	}
}

func ptr[T any](v T) *T { return &v }
