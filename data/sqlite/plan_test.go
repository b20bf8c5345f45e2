package sqlite

import (
	"strings"
	"testing"

	"ipmatch/data"
)

// TestQueryPlans checks that lookups and reference filters use indexes
// rather than scanning a table.
func TestQueryPlans(t *testing.T) {
	s, err := Open(t.Context(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		refs  data.Refs
		index string
	}{
		{data.Refs{Enterprise: "ent_a"}, "deals_enterprise_id"},
		{data.Refs{Bank: "bank_a"}, "deals_bank_id"},
		{data.Refs{Product: "prod_a"}, "deals_product_id"},
		{data.Refs{Event: "evt_a"}, "deals_event_id"},
		{data.Refs{Pool: "pool_a"}, "deals_pool_id"},
	} {
		conds, args := refConds(tc.refs)
		plan := explain(t, s, `SELECT key, body FROM "deals" WHERE `+strings.Join(conds, " AND ")+` ORDER BY id LIMIT 10 OFFSET 0`, args...)
		if !strings.Contains(plan, tc.index) {
			t.Errorf("List by %+v: plan %q does not use %s", tc.refs, plan, tc.index)
		}
	}
	if plan := explain(t, s, `SELECT key, body FROM "tokens" WHERE key = ? AND key <> ''`, "h"); !strings.Contains(plan, "tokens_key") {
		t.Errorf("GetByKey: plan %q does not use tokens_key", plan)
	}
	if plan := explain(t, s, `SELECT key, body FROM "patents" WHERE id = ?`, "x"); strings.Contains(plan, "SCAN") {
		t.Errorf("Get: plan %q scans", plan)
	}
}

func explain(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}
