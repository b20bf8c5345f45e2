package data

import (
	"reflect"
	"testing"
	"time"
)

// watchDeal is a three-year loan disbursed on 2021-05-10 on three patents,
// one of which ipmatch does not hold.
func watchDeal() Deal {
	return Deal{ID: "deal_1", EnterpriseID: "ent_1", BankID: "bank_1", ProductID: "prod_1", Amount: 3_000_000, TermMonths: 36,
		Patents: []string{"201220249767.4", "201220249771.0", "201720843829.7"}, Stage: StagePledgeRegistered,
		History: []StageChange{
			{Stage: StageDisbursed, At: time.Date(2021, time.May, 10, 10, 0, 0, 0, ChinaZone)},
			{Stage: StagePledgeRegistered, At: time.Date(2021, time.May, 20, 10, 0, 0, 0, ChinaZone)},
		}}
}

// watchPatents: a utility model filed 2012-04-18 (its term ends
// 2022-04-18, before the loan's maturity 2024-05-10) whose tenth year's
// fee is due 2021-04-18 … paid through 2022-04-17, and an invention with
// its fee paid through 2021-06-30 (next due 2021-07-01).
func watchPatents() []Patent {
	return []Patent{
		{ApplicationNumber: "201220249767.4", Type: UtilityModel, FilingDate: NewDate(2012, time.April, 18), GrantDate: NewDate(2012, time.November, 21),
			ExpiryDate: NewDate(2022, time.April, 18), LegalStatus: StatusValid, FeesPaidThrough: NewDate(2022, time.April, 17)},
		{ApplicationNumber: "201220249771.0", Type: Invention, FilingDate: NewDate(2012, time.July, 1), GrantDate: NewDate(2015, time.March, 2),
			ExpiryDate: NewDate(2032, time.July, 1), LegalStatus: StatusValid, FeesPaidThrough: NewDate(2021, time.June, 30)},
	}
}

// TestCollateralRisks walks a live deal's collateral through a year: the
// missing patent always, the short term from the start, the invention's
// fee due within the warning days, then overdue in its grace, then lapsed
// when the grace ends unpaid; and the risks a legal-status file brings.
func TestCollateralRisks(t *testing.T) {
	d := watchDeal()
	pats := watchPatents()
	missing := CollateralRisk{DealID: "deal_1", Patent: "201720843829.7", Kind: RiskMissing}
	short := CollateralRisk{DealID: "deal_1", Patent: "201220249767.4", Kind: RiskExpiresFirst, Date: NewDate(2022, time.April, 18)}
	fee := func(k RiskKind) CollateralRisk {
		return CollateralRisk{DealID: "deal_1", Patent: "201220249771.0", Kind: k, Date: NewDate(2021, time.July, 1)}
	}
	for _, c := range []struct {
		day  Date
		want []CollateralRisk
	}{
		{NewDate(2021, time.May, 20), []CollateralRisk{short, missing}},
		{NewDate(2021, time.June, 1), []CollateralRisk{short, fee(RiskFeeDue), missing}},   // 30 days before the due day
		{NewDate(2021, time.July, 1), []CollateralRisk{short, fee(RiskFeeDue), missing}},   // the due day itself
		{NewDate(2021, time.July, 2), []CollateralRisk{short, fee(RiskFeeGrace), missing}}, // overdue
		{NewDate(2022, time.January, 1), []CollateralRisk{short, fee(RiskFeeGrace), missing}},
		{NewDate(2022, time.January, 2), []CollateralRisk{short, fee(RiskLapsed), missing}}, // the grace ended 2022-01-01
	} {
		if got := d.CollateralRisks(pats, c.day, 30); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.day, got, c.want)
		}
	}

	// A legal-status file: the utility model's invalidation requested and
	// preserved by a court, the invention transferred after the loan.
	pats[0].AddLegalEvents(LegalEvent{Date: NewDate(2021, time.August, 2), Name: "专利权无效宣告请求"}, LegalEvent{Date: NewDate(2021, time.August, 9), Name: "专利权的保全"})
	pats[1].AddLegalEvents(LegalEvent{Date: NewDate(2021, time.September, 1), Name: "专利权的转移"}, LegalEvent{Date: NewDate(2019, time.March, 1), Name: "专利权的转移"})
	pats[1].FeesPaidThrough = NewDate(2022, time.June, 30)
	got := d.CollateralRisks(pats, NewDate(2021, time.October, 1), 30)
	want := []CollateralRisk{
		{DealID: "deal_1", Patent: "201220249767.4", Kind: RiskInvalidationOpen, Date: NewDate(2021, time.August, 2)},
		{DealID: "deal_1", Patent: "201220249767.4", Kind: RiskPreserved, Date: NewDate(2021, time.August, 9)},
		short,
		{DealID: "deal_1", Patent: "201220249771.0", Kind: RiskTransferred, Date: NewDate(2021, time.September, 1)}, // not the one before the loan
		missing,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after the legal-status file:\n got %+v\nwant %+v", got, want)
	}
	pats[0].AddLegalEvents(LegalEvent{Date: NewDate(2021, time.November, 3), Name: "未缴年费专利权终止"})
	if got := d.CollateralRisks(pats, NewDate(2021, time.December, 1), 30); got[0].Kind != RiskLapsed || got[0].Date != NewDate(2021, time.November, 3) || !got[0].Kind.LostCollateral() {
		t.Errorf("after the lapse is recorded: %+v", got)
	}

	// Keys name the event: the same risk on another day is the same key
	// while its own day is the same.
	a := d.CollateralRisks(watchPatents(), NewDate(2021, time.July, 5), 30)
	b := d.CollateralRisks(watchPatents(), NewDate(2021, time.August, 5), 30)
	if a[1].Key() != b[1].Key() || a[1].Key() == fee(RiskFeeDue).Key() {
		t.Errorf("keys %q, %q: the same overdue fee should keep its key, and differ from its warning's", a[1].Key(), b[1].Key())
	}

	// Only live deals are watched.
	for _, st := range []Stage{StageAccepted, StageRepaid, StageCompensated, StageDeclined} {
		d.Stage = st
		if got := d.CollateralRisks(pats, NewDate(2021, time.June, 1), 30); got != nil {
			t.Errorf("%s: %+v", st, got)
		}
	}
}

// TestCollateralRisksAsOf: events count from their own day; a day before
// the disbursal has no risks; the lapse the fee calendar foresees and
// CNIPA's announcement of it have one key.
func TestCollateralRisksAsOf(t *testing.T) {
	d := watchDeal()
	pats := watchPatents()
	if got := d.CollateralRisks(pats, NewDate(2021, time.May, 9), 30); got != nil {
		t.Errorf("the day before the disbursal: %+v", got)
	}
	foreseen := d.CollateralRisks(pats, NewDate(2022, time.January, 2), 30)
	p := &pats[1]
	p.AddLegalEvents(LegalEvent{Date: NewDate(2022, time.March, 4), Name: "专利权的终止", Info: "未缴年费专利权终止"},
		LegalEvent{Date: NewDate(2022, time.February, 1), Name: "专利权的保全及其解除", Info: "专利权的保全"})
	before := d.CollateralRisks(pats, NewDate(2022, time.January, 20), 30)
	after := d.CollateralRisks(pats, NewDate(2022, time.March, 10), 30)
	kinds := func(rs []CollateralRisk) (out []RiskKind) {
		for _, r := range rs {
			if r.Patent == p.ApplicationNumber {
				out = append(out, r.Kind)
			}
		}
		return out
	}
	if !reflect.DeepEqual(kinds(before), []RiskKind{RiskLapsed}) {
		t.Errorf("before the announcement (past the grace): %v", kinds(before))
	}
	if !reflect.DeepEqual(kinds(after), []RiskKind{RiskLapsed, RiskPreserved}) {
		t.Errorf("after it: %v", kinds(after))
	}
	key := func(rs []CollateralRisk) string {
		for _, r := range rs {
			if r.Patent == p.ApplicationNumber && r.Kind == RiskLapsed {
				return r.Key()
			}
		}
		return ""
	}
	if k := key(foreseen); k == "" || k != key(after) {
		t.Errorf("the foreseen lapse's key %q, the announced one's %q", k, key(after))
	}
}
