package app

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/data/memstore"
	"ipmatch/matcher"
)

// freshPipeline ranks the product's pipeline for the organizer from
// records read from the store right now: the answer the records copy
// must give.
func freshPipeline(t *testing.T, a *App, productID string, asOf data.Date) matcher.ProductPipeline {
	t.Helper()
	ctx := t.Context()
	prod, err := a.store.Products().Get(ctx, productID)
	if err != nil {
		t.Fatal(err)
	}
	ents, err := All(ctx, a.store.Enterprises(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pats, err := All(ctx, a.store.Patents(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pats = slices.DeleteFunc(pats, func(p data.Patent) bool { return p.OwnerID == "" })
	slices.SortStableFunc(pats, func(x, y data.Patent) int {
		if x.OwnerID < y.OwnerID {
			return -1
		}
		if x.OwnerID > y.OwnerID {
			return 1
		}
		return 0
	})
	pools, _ := All(ctx, a.store.Pools(), data.ListOptions{})
	apprs, _ := All(ctx, a.store.Appraisals(), data.ListOptions{})
	res, err := a.model.Pipeline(ctx, matcher.PipelineRequest{Product: &prod, Pools: pools, Enterprises: ents, Patents: pats,
		Appraisals: apprs, AsOf: asOf, Offset: 0, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// samePipeline fails unless the two answers are the same, byte for byte.
func samePipeline(t *testing.T, what string, got, want matcher.ProductPipeline) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s: the pipeline from the records copy differs from a fresh one:\n got %.400s\nwant %.400s", what, g, w)
	}
}

// TestRecordsFollowEveryWrite: the pipeline an App ranks from its copy of
// the records is the one a fresh read of the store gives, after every kind
// of write, on the node that made the write and on another node on the
// same store (a second App), at its next request.
func TestRecordsFollowEveryWrite(t *testing.T) {
	ctx := t.Context()
	raw := memstore.New()
	if err := demo.Load(ctx, raw); err != nil {
		t.Fatal(err)
	}
	asOf := data.NewDate(2021, time.April, 23)
	nodeA := New(data.Audited(raw, "node-a", nil), Config{AsOf: asOf})
	nodeB := New(data.Audited(raw, "node-b", nil), Config{AsOf: asOf})
	org := &Caller{Token: data.Token{Role: data.RoleOrganizer}}
	check := func(what string) {
		t.Helper()
		for name, a := range map[string]*App{"node A": nodeA, "node B": nodeB} {
			_, got, err := a.Pipeline(ctx, org, demo.ProdCCBKechuang, PipelineQuery{AsOf: asOf, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			samePipeline(t, what+" ("+name+")", got, freshPipeline(t, a, demo.ProdCCBKechuang, asOf))
			sameBankLists(t, what+" ("+name+")", a, demo.BankABC)
		}
	}
	check("as loaded")

	st := nodeA.store // writes through node A, audited as node A's
	ents, _ := All(ctx, st.Enterprises(), data.ListOptions{})
	pats, _ := All(ctx, st.Patents(), data.ListOptions{})

	// An enterprise's profit changes; another leaves the pool.
	e := ents[3]
	for i := range e.Financials {
		e.Financials[i].Profit *= 3
	}
	f := ents[5]
	f.Consents.Pool = !f.Consents.Pool
	if _, err := st.Enterprises().Put(ctx, &e, &f); err != nil {
		t.Fatal(err)
	}
	check("after an enterprise update")

	// A patent moves to another owner, another lapses, a third is deleted.
	p, q, r := pats[0], pats[1], pats[2]
	p.OwnerID = ents[7].ID
	q.LegalStatus = data.StatusLapsed
	if _, err := st.Patents().Put(ctx, &p, &q); err != nil {
		t.Fatal(err)
	}
	if err := st.Patents().Delete(ctx, r.ApplicationNumber); err != nil {
		t.Fatal(err)
	}
	check("after patent moves, a lapse and a delete")

	// A new enterprise with a patent of its own.
	n := demo.GenerateEnterprises(99, 1)[0]
	n.ID = ""
	if _, err := st.Enterprises().Put(ctx, &n); err != nil {
		t.Fatal(err)
	}
	np := demo.GeneratePatents(99, 1, []string{n.ID})[0]
	if _, err := st.Patents().Put(ctx, &np); err != nil {
		t.Fatal(err)
	}
	check("after a new enterprise and patent")

	// An appraisal is withdrawn, then recorded again, at twice the value,
	// under a new ID.
	apprs, _ := All(ctx, st.Appraisals(), data.ListOptions{})
	if len(apprs) == 0 {
		t.Fatal("the demo has no appraisal")
	}
	if err := st.Appraisals().Delete(ctx, apprs[0].ID); err != nil {
		t.Fatal(err)
	}
	check("after an appraisal is withdrawn")
	again := apprs[0]
	again.ID, again.ReportNumber = "", again.ReportNumber+"-2"
	again.Value *= 2
	if _, err := st.Appraisals().Put(ctx, &again); err != nil {
		t.Fatal(err)
	}
	check("after an appraisal is recorded")
	check("asked again (the ranking kept)")

	// The product and its pool change: the kept ranking is not theirs.
	prod, err := st.Products().Get(ctx, demo.ProdCCBKechuang)
	if err != nil {
		t.Fatal(err)
	}
	prod.MaxAmount, prod.SpreadBP = prod.MaxAmount/4, prod.SpreadBP+80
	if _, err := st.Products().Put(ctx, &prod); err != nil {
		t.Fatal(err)
	}
	check("after the product changed")
	pools, _ := All(ctx, st.Pools(), data.ListOptions{})
	for i := range pools {
		pools[i].FundShare /= 2
		if _, err := st.Pools().Put(ctx, &pools[i]); err != nil {
			t.Fatal(err)
		}
	}
	check("after the pools changed")
}

// sameBankLists fails unless bank bankID's lists of enterprises and
// patents, read page by page from the node's records, are those a scan of
// the store with the bank's visibility rule (BankSees) gives.
func sameBankLists(t *testing.T, what string, a *App, bankID string) {
	t.Helper()
	ctx := t.Context()
	bank := &Caller{Token: data.Token{Role: data.RoleBank, BankID: bankID}}
	ents, err := All(ctx, a.store.Enterprises(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var wantEnts []string
	sees := map[string]bool{}
	for i := range ents {
		ok, err := a.BankSees(ctx, bankID, &ents[i])
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			wantEnts = append(wantEnts, ents[i].ID)
			sees[ents[i].ID] = true
		}
	}
	pats, err := All(ctx, a.store.Patents(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var wantPats []string
	for _, p := range pats {
		if sees[p.OwnerID] {
			wantPats = append(wantPats, p.ApplicationNumber)
		}
	}
	slices.Sort(wantPats)
	if len(wantEnts) == 0 || len(wantPats) == 0 {
		t.Fatalf("%s: bank %s sees no enterprise or no patent: the check would prove nothing", what, bankID)
	}
	// Pages of 7 cross the ends of pages and of nothing else: the demo
	// is smaller than a chunk of poolOrder.
	const size = 7
	var gotEnts, gotPats []string
	for pg := 1; ; pg++ {
		res, err := a.Enterprises.List(ctx, bank, ListQuery{Page: pg, Size: size})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != len(wantEnts) {
			t.Errorf("%s: enterprise list total %d, want %d", what, res.Total, len(wantEnts))
		}
		for _, e := range res.Items {
			gotEnts = append(gotEnts, e.ID)
		}
		if len(res.Items) < size {
			break
		}
	}
	for pg := 1; ; pg++ {
		res, err := a.Patents.List(ctx, bank, ListQuery{Page: pg, Size: size})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != len(wantPats) {
			t.Errorf("%s: patent list total %d, want %d", what, res.Total, len(wantPats))
		}
		for _, p := range res.Items {
			gotPats = append(gotPats, p.ApplicationNumber)
		}
		if len(res.Items) < size {
			break
		}
	}
	if !slices.Equal(gotEnts, wantEnts) {
		t.Errorf("%s: the bank's enterprise list\n got %v\nwant %v", what, gotEnts, wantEnts)
	}
	if !slices.Equal(gotPats, wantPats) {
		t.Errorf("%s: the bank's patent list\n got %v\nwant %v", what, gotPats, wantPats)
	}
	// The bank's pipeline of its own product (matcher.Seen, kept by state,
	// bank and registrations): every enterprise it sees, no other.
	for _, eligibleOnly := range []bool{false, true} {
		_, pipe, err := a.Pipeline(ctx, bank, "prod_abc_kejie", PipelineQuery{AsOf: data.NewDate(2021, time.June, 18), EligibleOnly: eligibleOnly, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var gotPipe []string
		for _, m := range pipe.Matches {
			gotPipe = append(gotPipe, m.EnterpriseID)
		}
		slices.Sort(gotPipe)
		if !eligibleOnly && !slices.Equal(gotPipe, wantEnts) {
			t.Errorf("%s: the bank's pipeline\n got %v\nwant %v", what, gotPipe, wantEnts)
		}
		if eligibleOnly && (len(gotPipe) != pipe.Eligible || !isSubset(gotPipe, sees)) {
			t.Errorf("%s: the bank's eligible pipeline: %d of %d eligible, some unseen: %v", what, len(gotPipe), pipe.Eligible, gotPipe)
		}
	}
}

// isSubset reports whether every id is in set.
func isSubset(ids []string, set map[string]bool) bool {
	for _, id := range ids {
		if !set[id] {
			return false
		}
	}
	return true
}

// TestPackPatents checks that packing a page changes no patent: the same
// numbers, titles and lists, nil lists nil, and a list cut to its length
// so that appending to one never writes into the next patent's.
func TestPackPatents(t *testing.T) {
	page := []data.Patent{
		{ApplicationNumber: "201220249767.4", Title: "一种焊接夹具", IPC: []string{"B23K37/04", "B25B11/00"}, Applicants: []string{"肇庆市甲机械有限公司"},
			History: []data.Transaction{{Kind: data.TxPledge, Party: "中国农业银行肇庆分行", Open: true, Amount: 1_000_000}}},
		{ApplicationNumber: "201320000001.X", Title: "", IPC: []string{}, Applicants: nil},
		{ApplicationNumber: "202110000002.3", Title: "数控机床主轴", IPC: []string{"B23Q1/70"}, Applicants: []string{"乙", "丙"}},
	}
	want := make([]data.Patent, len(page))
	for i := range page {
		want[i] = page[i]
		want[i].IPC, want[i].Applicants, want[i].History = slices.Clone(page[i].IPC), slices.Clone(page[i].Applicants), slices.Clone(page[i].History)
	}
	packPatents(page)
	if !reflect.DeepEqual(page, want) {
		t.Fatalf("packed:\n%+v\nwant:\n%+v", page, want)
	}
	if page[1].IPC == nil || page[1].Applicants != nil {
		t.Errorf("nil-ness changed: IPC %#v, applicants %#v", page[1].IPC, page[1].Applicants)
	}
	_ = append(page[0].IPC, "X")
	if page[2].IPC[0] != "B23Q1/70" {
		t.Errorf("appending to one patent's IPC codes wrote into the next: %v", page[2].IPC)
	}
}
