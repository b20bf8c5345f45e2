package schedule

import (
	"context"
	"testing"
)

// TestMustMeetBlocked: before scheduling, the must-meet pairs no schedule
// can meet are the no-thanks and the ineligible, non-overridden ones, with
// the very reasons Compute gives them afterwards.
func TestMustMeetBlocked(t *testing.T) {
	in := Input{
		Slots:       4,
		Enterprises: []Enterprise{{ID: "e1", MaxMeetings: 3}, {ID: "e2", MaxMeetings: 3}},
		Banks:       []Bank{{ID: "b1", Tables: 1}, {ID: "b2", Tables: 1}, {ID: "b3", Tables: 1}},
		Candidates: []Candidate{
			{EnterpriseID: "e1", BankID: "b1", Weight: 50, Eligible: true},
			{EnterpriseID: "e1", BankID: "b3", Weight: 40, Eligible: true},
			{EnterpriseID: "e2", BankID: "b1", Weight: 30, Eligible: true},
		},
		// e1–b1 meets; e1–b2 is ineligible; e1–b3 is declined by one
		// side; e2–b2 is ineligible but overridden.
		MustMeet:  []Pair{{"e1", "b1"}, {"e1", "b2"}, {"e1", "b3"}, {"e2", "b2"}},
		NoThanks:  []Pair{{"e1", "b3"}},
		Overrides: []Pair{{"e2", "b2"}},
	}
	blocked, err := MustMeetBlocked(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Pair]ShortfallCode{{"e1", "b2"}: ShortIneligible, {"e1", "b3"}: ShortNoThanks}
	if len(blocked) != len(want) {
		t.Fatalf("blocked %+v, want %v", blocked, want)
	}
	res, err := Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	after := map[Pair]Shortfall{}
	for _, sf := range res.Shortfalls {
		if sf.EnterpriseID != "" && sf.BankID != "" {
			after[Pair{sf.EnterpriseID, sf.BankID}] = sf
		}
	}
	for _, sf := range blocked {
		pr := Pair{sf.EnterpriseID, sf.BankID}
		if sf.Code != want[pr] || sf.Reason == "" {
			t.Errorf("%v: code %q reason %q, want code %q and a reason", pr, sf.Code, sf.Reason, want[pr])
		}
		if a := after[pr]; a.Code != sf.Code || a.Reason != sf.Reason {
			t.Errorf("%v: before scheduling %q %q, Compute says %q %q", pr, sf.Code, sf.Reason, a.Code, a.Reason)
		}
	}
	// Bad input is refused as by Compute.
	if _, err := MustMeetBlocked(Input{Slots: 0}); err == nil {
		t.Error("slots 0: no error")
	}
}
