package data

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

// legalEventsFixture is a utility model's life as CNIPA's legal-status
// search prints it: granted, pledged to a bank, the pledge released,
// pledged again, an invalidation request that failed, a court's
// preservation, and the fees left unpaid.
func legalEventsFixture() []LegalEvent {
	d := func(y int, m time.Month, day int) Date { return NewDate(y, m, day) }
	return []LegalEvent{
		{d(2012, time.November, 21), "授权", ""},
		{d(2016, time.March, 2), "专利权质押合同登记的生效", "质权人：中国建设银行股份有限公司肇庆分行"},
		{d(2017, time.March, 8), "专利权质押合同登记的注销", ""},
		{d(2019, time.May, 10), "专利权质押合同登记的生效", "质权人：肇庆农村商业银行股份有限公司"},
		{d(2019, time.July, 1), "专利权无效宣告请求", ""},
		{d(2020, time.January, 15), "维持专利权有效", ""},
		{d(2020, time.June, 30), "专利权的保全", "（2020）粤12民初1号"},
		{d(2021, time.June, 4), "未缴年费专利权终止", "终止日期：20210418"},
		{d(2021, time.June, 4), "专利权人的姓名或者名称、地址的变更", "变更后：肇庆市某某有限公司"},
	}
}

func legalEventsPatent() Patent {
	return Patent{ApplicationNumber: "201220249767.4", Type: UtilityModel, Title: "一种模具", FilingDate: NewDate(2012, time.April, 18),
		Applicants: []string{"肇庆市某某有限公司"}, LegalStatus: StatusValid, IPC: []string{"B21D37/10"}, ExpiryDate: NewDate(2022, time.April, 18),
		History: []Transaction{{Kind: TxLicence, Date: NewDate(2014, time.May, 1), Open: true, Party: "entered by hand"}}}
}

// TestAddLegalEvents checks what a patent's legal events make of it: the
// status of the last event that sets one, the grant date, the pledges,
// the invalidation request and the preservation as history with their
// ends, hand-entered history kept, an event ipmatch does not know kept
// without effect; and the pledge rules reading the result.
func TestAddLegalEvents(t *testing.T) {
	p := legalEventsPatent()
	evs := legalEventsFixture()
	if n := p.AddLegalEvents(evs...); n != len(evs) {
		t.Fatalf("added %d of %d events", n, len(evs))
	}
	if p.LegalStatus != StatusLapsed || p.GrantDate != NewDate(2012, time.November, 21) {
		t.Errorf("status %s, grant date %s; want lapsed (fees unpaid), granted 2012-11-21", p.LegalStatus, p.GrantDate)
	}
	want := []Transaction{
		{Kind: TxLicence, Date: NewDate(2014, time.May, 1), Open: true, Party: "entered by hand"},
		{Kind: TxPledge, Date: NewDate(2016, time.March, 2), End: NewDate(2017, time.March, 8), Source: SourceCNIPA},
		{Kind: TxPledge, Date: NewDate(2019, time.May, 10), Open: true, Source: SourceCNIPA},
		{Kind: TxInvalidation, Date: NewDate(2019, time.July, 1), End: NewDate(2020, time.January, 15), Source: SourceCNIPA},
		{Kind: TxPreservation, Date: NewDate(2020, time.June, 30), Open: true, Source: SourceCNIPA},
	}
	if !reflect.DeepEqual(p.History, want) {
		t.Errorf("history\n got %+v\nwant %+v", p.History, want)
	}
	if _, known := effectOf("专利权人的姓名或者名称、地址的变更", ""); known {
		t.Error("a change of name is not known to change anything")
	}
	if _, known := effectOf("未缴年费专利权终止", ""); !known {
		t.Error("a lapse is known")
	}
	bars := p.PledgeBars()
	for _, b := range []PledgeBar{BarLapsed, BarPledged, BarPreservation} {
		if !slices.Contains(bars, b) {
			t.Errorf("pledge bars %v lack %s", bars, b)
		}
	}
	if err := p.Validate(); err != nil {
		t.Errorf("the derived patent does not validate: %v", err)
	}
}

// TestAddLegalEventsIsIdempotent checks that the same events given again,
// in another order, or the older after the newer, come to the same
// patent, and that events given twice are added once.
func TestAddLegalEventsIsIdempotent(t *testing.T) {
	evs := legalEventsFixture()
	once := legalEventsPatent()
	once.AddLegalEvents(evs...)

	again := once
	again.History, again.LegalEvents = slices.Clone(once.History), slices.Clone(once.LegalEvents)
	if n := again.AddLegalEvents(evs...); n != 0 || !reflect.DeepEqual(again, once) {
		t.Errorf("the same events again: %d added, patent changed: %v", n, !reflect.DeepEqual(again, once))
	}

	reversed := legalEventsPatent()
	rev := slices.Clone(evs)
	slices.Reverse(rev)
	reversed.AddLegalEvents(rev...)
	if !reflect.DeepEqual(reversed.History, once.History) || reversed.LegalStatus != once.LegalStatus || len(reversed.LegalEvents) != len(evs) {
		t.Errorf("the events in reverse order: status %s, history %+v", reversed.LegalStatus, reversed.History)
	}

	split := legalEventsPatent()
	split.AddLegalEvents(evs[4:]...) // the newer first, as a second file might
	split.AddLegalEvents(evs[:5]...) // then the older, one of them again
	if !reflect.DeepEqual(split.History, once.History) || split.LegalStatus != once.LegalStatus || !reflect.DeepEqual(split.LegalEvents, once.LegalEvents) {
		t.Errorf("newer then older: status %s, history %+v", split.LegalStatus, split.History)
	}
}

// TestLegalEventsStatus checks the status the events leave: restored after
// a lapse; invalidated in full; a publication event does not take back a
// grant the patent already has.
func TestLegalEventsStatus(t *testing.T) {
	d := NewDate
	p := legalEventsPatent()
	p.AddLegalEvents(LegalEvent{Date: d(2021, time.June, 4), Name: "未缴年费专利权终止"}, LegalEvent{Date: d(2021, time.September, 1), Name: "专利权的恢复"})
	if p.LegalStatus != StatusValid {
		t.Errorf("restored: %s", p.LegalStatus)
	}
	p.AddLegalEvents(LegalEvent{Date: d(2022, time.March, 1), Name: "专利权无效宣告请求"}, LegalEvent{Date: d(2022, time.October, 1), Name: "宣告专利权全部无效"})
	if p.LegalStatus != StatusInvalidated || p.HasOpen(TxInvalidation) {
		t.Errorf("invalidated in full: %s, an invalidation still open: %v", p.LegalStatus, p.HasOpen(TxInvalidation))
	}
	q := legalEventsPatent()
	q.GrantDate = d(2012, time.November, 21)
	q.AddLegalEvents(LegalEvent{Date: d(2012, time.May, 2), Name: "公开"})
	if q.LegalStatus != StatusValid {
		t.Errorf("a publication event took back the grant: %s", q.LegalStatus)
	}
}

// TestFeePaidEvents: a fee paid ahead of its due day or late within the
// grace pays that year, through its last day; a payment after the grace
// pays the next year's fee; a paid-through day already later is kept;
// adding the same event again, or another event after, changes nothing
// more. And the next fee then falls a year later, so its risk is a new
// event.
func TestFeePaidEvents(t *testing.T) {
	filed := NewDate(2012, time.April, 18)
	for _, c := range []struct {
		name    string
		through Date // before
		paid    Date
		want    Date
	}{
		{"ahead of the 10th year's due day", NewDate(2021, time.April, 17), NewDate(2021, time.March, 20), NewDate(2022, time.April, 17)},
		{"late, in the 10th year's grace", NewDate(2021, time.April, 17), NewDate(2021, time.August, 1), NewDate(2022, time.April, 17)},
		{"the grace's last day", NewDate(2021, time.April, 17), NewDate(2021, time.October, 18), NewDate(2022, time.April, 17)},
		{"already paid further", NewDate(2022, time.April, 17), NewDate(2020, time.March, 1), NewDate(2022, time.April, 17)},
	} {
		p := legalEventsPatent()
		p.GrantDate, p.FilingDate, p.FeesPaidThrough = NewDate(2012, time.November, 21), filed, c.through
		p.AddLegalEvents(LegalEvent{Date: c.paid, Name: "年费缴纳"})
		if p.FeesPaidThrough != c.want {
			t.Errorf("%s: paid through %s, want %s", c.name, p.FeesPaidThrough, c.want)
		}
		p.AddLegalEvents(LegalEvent{Date: c.paid, Name: "年费缴纳"}, LegalEvent{Date: c.paid.AddYears(0), Name: "专利实施许可合同备案的生效"})
		if p.FeesPaidThrough != c.want || p.LegalStatus != StatusValid {
			t.Errorf("%s, derived again: paid through %s, %s", c.name, p.FeesPaidThrough, p.LegalStatus)
		}
	}
	p := legalEventsPatent()
	p.GrantDate, p.FeesPaidThrough = NewDate(2012, time.November, 21), NewDate(2020, time.April, 17)
	before, _ := p.NextAnnualFee()
	p.AddLegalEvents(LegalEvent{Date: NewDate(2020, time.April, 1), Name: "年费缴纳"})
	after, _ := p.NextAnnualFee()
	if before.Year != 9 || after.Year != 10 || after.Due != NewDate(2021, time.April, 18) {
		t.Errorf("next fee before the payment %+v, after %+v", before, after)
	}
	if eff, _ := effectOf("未缴纳年费专利权终止", ""); eff.status != StatusLapsed || eff.feePaid {
		t.Errorf("未缴纳年费…: %+v", eff)
	}
}

// TestLegalEventNamesAsCNIPAWritesThem: an event named with or without 的,
// and the categories that name several actions, read by their details.
func TestLegalEventNamesAsCNIPAWritesThem(t *testing.T) {
	for _, c := range []struct {
		name, info string
		want       legalEffect
	}{
		{"专利权的终止", "未缴年费专利权终止IPC(主分类)：B23K9/00", legalEffect{status: StatusLapsed}},
		{"专利权终止", "", legalEffect{status: StatusLapsed}},
		{"专利权有效期届满", "", legalEffect{status: StatusLapsed}},
		{"专利权质押合同登记的生效、变更及注销", "专利权质押合同登记的生效IPC(主分类)：B23K9/00 质权人：中国建设银行", legalEffect{open: TxPledge}},
		{"专利权质押合同登记的生效、变更及注销", "专利权质押合同登记的注销IPC(主分类)：B23K9/00", legalEffect{close: TxPledge}},
		{"专利权质押合同登记的生效、变更及注销", "专利权质押合同登记的变更", legalEffect{}},
		{"专利实施许可合同备案的生效、变更及注销", "专利实施许可合同备案的注销", legalEffect{close: TxLicence}},
		{"专利权的保全及其解除", "专利权的保全 保全登记生效日：20200630", legalEffect{open: TxPreservation}},
		{"专利权的保全及其解除", "专利权保全的解除", legalEffect{close: TxPreservation}},
		{"专利权质押合同登记的注销", "", legalEffect{close: TxPledge}},
	} {
		got, ok := effectOf(c.name, c.info)
		if !ok || got != c.want {
			t.Errorf("%s / %s: %+v, %v; want %+v", c.name, c.info, got, ok, c.want)
		}
	}
	if _, known := effectOf("专利权人的姓名或者名称、地址的变更", "变更后：某某公司"); known {
		t.Error("a change of the owner's name or address has an effect")
	}
}
