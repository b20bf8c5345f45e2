package app

import (
	"testing"

	"ipmatch/data"
	"ipmatch/matcher/schedule"
)

// TestCheckOverridesRefusesRepeats: a pair overridden twice in one request
// is refused naming the second entry (the record keeps one override per
// pair, data.Schedule.Validate).
func TestCheckOverridesRefusesRepeats(t *testing.T) {
	w := &EventWorld{Event: data.Event{ID: "evt_1"},
		EntPart:  map[string]*data.Participant{"ent_a": {}},
		BankPart: map[string]*data.Participant{"bank_a": {}, "bank_b": {}}}
	ok := []ScheduleOverride{{EnterpriseID: "ent_a", BankID: "bank_a", Reason: " 组织方安排 "}, {EnterpriseID: "ent_a", BankID: "bank_b", Reason: "另一原因"}}
	got, err := checkOverrides(w, ok)
	if err != nil || len(got) != 2 || got[0].Reason != "组织方安排" {
		t.Fatalf("checkOverrides = %+v, %v; want both, the reason trimmed", got, err)
	}
	_, err = checkOverrides(w, append(ok, ok[0]))
	if fields := data.ErrorFields(err); len(fields) != 1 || fields[0].Field != "overrides[2]" {
		t.Errorf("a repeated pair: %v; want one error naming overrides[2]", err)
	}
}

// TestMarkMustMeet marks meetings and counts from the preferences as they
// stand, whatever the record says.
func TestMarkMustMeet(t *testing.T) {
	sch := &data.Schedule{MustMeet: 5, MustMeetMet: 3, Meetings: []data.Meeting{
		{EnterpriseID: "e1", BankID: "b1", MustMeet: true}, {EnterpriseID: "e2", BankID: "b1"}}}
	markMustMeet(sch, map[schedule.Pair]bool{{EnterpriseID: "e2", BankID: "b1"}: true, {EnterpriseID: "e3", BankID: "b1"}: true})
	if sch.Meetings[0].MustMeet || !sch.Meetings[1].MustMeet || sch.MustMeet != 2 || sch.MustMeetMet != 1 {
		t.Errorf("got %+v", sch)
	}
}
