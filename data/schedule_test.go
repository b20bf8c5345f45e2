package data

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestScheduleLegacyParams reads schedules as older versions stored them:
// the legacy Params keys fill the fields, and a value that does not parse
// stays in Params with its field empty, as the older version read it.
func TestScheduleLegacyParams(t *testing.T) {
	for _, c := range []struct {
		name   string
		params map[string]string
		want   Schedule
	}{
		{"well formed", map[string]string{"weight_basis": "b", "computed_by": "user:o", "computed_at": "2025-05-20T09:30:00Z",
			"overrides": "e1:b1,e1:b1", "override_reasons": `{"e1:b1":"因"}`},
			Schedule{WeightBasis: "b", ComputedBy: "user:o", ComputedAt: time.Date(2025, 5, 20, 9, 30, 0, 0, time.UTC),
				Overrides: []ScheduleOverride{{EnterpriseID: "e1", BankID: "b1", Reason: "因"}}}},
		{"no overrides", map[string]string{"overrides": "", "computed_at": "0001-01-01T00:00:00Z"}, Schedule{}},
		{"bad time and reasons kept", map[string]string{"computed_at": "yesterday", "overrides": "e1:b1", "override_reasons": "{"},
			Schedule{Overrides: []ScheduleOverride{{EnterpriseID: "e1", BankID: "b1"}},
				Params: map[string]string{"computed_at": "yesterday", "override_reasons": "{"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw, err := json.Marshal(Schedule{Params: c.params})
			if err != nil {
				t.Fatal(err)
			}
			var got Schedule
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			got.Meetings, got.Unscheduled = nil, nil
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestScheduleFieldsWin keeps a field the record has over a stale legacy
// key of the same meaning.
func TestScheduleFieldsWin(t *testing.T) {
	raw := []byte(`{"id":"e","event_id":"e","meetings":[],"unscheduled":[],"total_score":0,"must_meet":0,"must_meet_met":0,
		"computed_by":"new","overrides":[{"enterprise_id":"e2","bank_id":"b2"}],"params":{"computed_by":"old","overrides":"e1:b1"}}`)
	var got Schedule
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.ComputedBy != "new" || len(got.Overrides) != 1 || got.Overrides[0].EnterpriseID != "e2" || got.Params != nil {
		t.Errorf("got %+v", got)
	}
}
