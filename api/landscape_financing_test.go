package api

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/matcher"
)

// newLandscapeDemoFixture loads the demo into a SQLite store wrapped by a
// search index, with the demo fixture's tokens (newMatchFixture).
func newLandscapeDemoFixture(t *testing.T) *fixture {
	t.Helper()
	return newDemoFixture(t, Config{})
}

// newDemoFixture is newLandscapeDemoFixture with cfg (its Search set to
// the demo's index).
func newDemoFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	store, idx := openSearchStore(t)
	if err := demo.Load(t.Context(), store); err != nil {
		t.Fatal(err)
	}
	put(t, store.Tokens(),
		&data.Token{Hash: data.HashToken(matchOrgToken), Role: data.RoleOrganizer, Label: "交易中心"},
		&data.Token{Hash: data.HashToken(matchCCBToken), Role: data.RoleBank, BankID: demo.BankCCB},
		&data.Token{Hash: data.HashToken(matchZQRCBToken), Role: data.RoleBank, BankID: demo.BankZQRCB},
		&data.Token{Hash: data.HashToken(matchEnt7Token), Role: data.RoleCompany, EnterpriseID: "ent_0007"},
	)
	cfg.Search = idx
	return &fixture{t: t, store: store, logs: &syncBuffer{}, h: validating(t, New(store, nil, cfg))}
}

// TestLandscapeFinancing checks the financing part of the Gaoyao
// landscape (高要区 × 智能制造装备 as of the event day) against each
// enterprise's own matches through the API: the enterprises in scope, the
// pledgeable patents by the CNIPA rules, the largest eligible loan of an
// active product, the needs and the gap. A bank's sums hold only the
// enterprises it may read, an enterprise's only itself, and the district
// rows of a city add up to its total.
func TestLandscapeFinancing(t *testing.T) {
	f := newLandscapeDemoFixture(t)
	ctx := t.Context()
	const query = "/api/v1/landscape?region=441204&industry=2.1&" + matchAsOfParam
	asOf := data.NewDate(2021, 4, 23)
	_, rules, _ := data.StrategicIndustryRules("2.1")

	ents, err := app.All(ctx, f.store.Enterprises(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	products, err := app.All(ctx, f.store.Products(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	active := map[string]bool{}
	for _, p := range products {
		active[p.ID] = p.Active
	}
	// want sums, from the records and each enterprise's matches, the
	// enterprises of 441204 with an industry 2.1 patent filed by the day
	// that mayRead accepts.
	want := func(mayRead func(e *data.Enterprise) bool) app.LandscapePotential {
		var s app.LandscapePotential
		for i := range ents {
			e := &ents[i]
			if !data.RegionWithin(e.Region, "441204") || !mayRead(e) {
				continue
			}
			pats, err := app.All(ctx, f.store.Patents(), data.ListOptions{Refs: data.Refs{Enterprise: e.ID}})
			if err != nil {
				t.Fatal(err)
			}
			inScope, pledgeable := false, 0
			for j := range pats {
				p := &pats[j]
				if !p.FilingDate.After(asOf) && data.InStrategicIndustry(rules, p.IPC) {
					inScope = true
				}
				if len(matcher.PledgeRules(e, p, asOf, 0)) == 0 {
					pledgeable++
				}
			}
			if !inScope {
				continue
			}
			var res app.Matches
			decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/enterprises/"+e.ID+"/matches?"+matchAsOfParam, nil), http.StatusOK, &res)
			var loan int64
			for _, m := range res.Matches {
				if m.Eligible && active[m.ProductID] && m.Loan != nil {
					loan = max(loan, m.Loan.Amount)
				}
			}
			s.Enterprises++
			if pledgeable > 0 {
				s.Pledgeable++
				s.PledgeablePatents += pledgeable
			}
			if loan > 0 {
				s.Borrowers++
				s.SupportableLoans += loan
			}
			if e.Need.Amount > 0 {
				s.WithNeed++
				s.Needs += e.Need.Amount
				s.Gap += max(0, e.Need.Amount-loan)
			}
		}
		return s
	}
	check := func(t *testing.T, tok, scope string, mayRead func(e *data.Enterprise) bool) app.Landscape {
		t.Helper()
		var got app.Landscape
		decodeBody(t, f.do(tok, "GET", query, nil), http.StatusOK, &got)
		fin := got.Financing
		if fin == nil || fin.Scope != scope {
			t.Fatalf("financing %+v, want scope %s", fin, scope)
		}
		w := want(mayRead)
		g := fin.Total
		if g.AppraisedValue < 0 || g.Pledgeable > 0 && g.AppraisedValue == 0 && g.Borrowers > 0 {
			t.Errorf("appraised value %d with %d enterprises pledgeable, %d borrowing", g.AppraisedValue, g.Pledgeable, g.Borrowers)
		}
		g.AppraisedValue = 0
		if g != w {
			t.Errorf("financing total\n got %+v\nwant %+v (from the records and each enterprise's matches)", g, w)
		}
		if len(fin.ByDistrict) != min(1, w.Enterprises) || w.Enterprises > 0 && fin.ByDistrict[0].Region != "441204" {
			t.Errorf("districts %+v of a district: want itself", fin.ByDistrict)
		}
		return got
	}

	all := check(t, matchOrgToken, "all", func(*data.Enterprise) bool { return true })

	// The patents pledgeable on the day and the top applicants, counted
	// from the records; the enterprises among the applicants are named to
	// the organizer, and to a bank only those it may read.
	patents, err := app.All(ctx, f.store.Patents(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pledgeable, total := 0, 0
	byApplicant := map[string]int{}
	for i := range patents {
		p := &patents[i]
		if p.FilingDate.After(asOf) || !data.RegionWithin(p.Region, "441204") || !data.InStrategicIndustry(rules, p.IPC) {
			continue
		}
		total++
		if len(p.PledgeBars()) == 0 && p.FeesPaidOn(asOf) {
			pledgeable++
		}
		for _, a := range p.Applicants {
			byApplicant[a]++
		}
	}
	if all.Total != total || all.Pledgeable != pledgeable || pledgeable == 0 || pledgeable == total {
		t.Errorf("%d patents, %d pledgeable; the records say %d, %d", all.Total, all.Pledgeable, total, pledgeable)
	}
	names := map[string]string{}
	for i := range ents {
		names[ents[i].Name] = ents[i].ID
	}
	if len(all.TopApplicants) == 0 {
		t.Fatal("no top applicants")
	}
	for _, a := range all.TopApplicants {
		if a.Count != byApplicant[a.Name] || a.EnterpriseID != names[a.Name] {
			t.Errorf("applicant %+v: the records say %d patents, enterprise %q", a, byApplicant[a.Name], names[a.Name])
		}
	}
	if all.Financing.Total.Enterprises < 5 || all.Financing.Total.Borrowers == 0 || all.Financing.Total.Gap == 0 {
		t.Errorf("the Gaoyao landscape's financing %+v: the demo's district should have enterprises, borrowers and a gap", all.Financing.Total)
	}
	t.Logf("高要区 × 2.1 as of 2021-04-23: %+v", all.Financing.Total)

	// A bank: the enterprises it may read (GET /enterprises/{id} answers).
	readBy := func(tok string) func(e *data.Enterprise) bool {
		return func(e *data.Enterprise) bool {
			return f.do(tok, "GET", "/api/v1/enterprises/"+e.ID, nil).Code == http.StatusOK
		}
	}
	ccb := check(t, matchCCBToken, "visible", readBy(matchCCBToken))
	zq := check(t, matchZQRCBToken, "visible", readBy(matchZQRCBToken))
	if ccb.Financing.Total.Enterprises >= all.Financing.Total.Enterprises && zq.Financing.Total.Enterprises >= all.Financing.Total.Enterprises {
		t.Errorf("both banks see all %d enterprises: the test shows nothing of the rule", all.Financing.Total.Enterprises)
	}
	// The technology part is the same for every caller: patents are public.
	if ccb.Total != all.Total || !slices.Equal(ccb.ByYear, all.ByYear) || ccb.Pledgeable != all.Pledgeable {
		t.Errorf("a bank's patent counts differ from the organizer's")
	}
	// An enterprise: itself only.
	own := check(t, matchEnt7Token, "own", func(e *data.Enterprise) bool { return e.ID == "ent_0007" })
	hidden := 0
	for _, bank := range []struct {
		tok string
		l   app.Landscape
	}{{matchCCBToken, ccb}, {matchZQRCBToken, zq}, {matchEnt7Token, own}} {
		for i, a := range bank.l.TopApplicants {
			id := all.TopApplicants[i].EnterpriseID
			readable := id != "" && f.do(bank.tok, "GET", "/api/v1/enterprises/"+id, nil).Code == http.StatusOK
			if a.Name != all.TopApplicants[i].Name || readable != (a.EnterpriseID == id && id != "") || !readable && a.EnterpriseID != "" {
				t.Errorf("the caller's applicant %+v; the organizer's %+v (readable by the caller: %v)", a, all.TopApplicants[i], readable)
			}
			if id != "" && !readable {
				hidden++
			}
		}
	}
	if hidden == 0 {
		t.Error("the banks and the enterprise may read every top applicant's enterprise: the test shows nothing of the rule")
	}

	// A city: its districts' rows add up to its total.
	var city app.Landscape
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/landscape?region=4412&"+matchAsOfParam, nil), http.StatusOK, &city)
	var sum app.LandscapePotential
	for _, d := range city.Financing.ByDistrict {
		if len(d.Region) != 6 || d.Region[:4] != "4412" || d.RegionName == "" {
			t.Errorf("district row %+v of 肇庆市", d)
		}
		sum.Enterprises += d.Enterprises
		sum.SupportableLoans += d.SupportableLoans
		sum.Gap += d.Gap
	}
	if tot := city.Financing.Total; len(city.Financing.ByDistrict) < 2 || sum.Enterprises != tot.Enterprises ||
		sum.SupportableLoans != tot.SupportableLoans || sum.Gap != tot.Gap {
		t.Errorf("肇庆市's %d district rows sum to %+v, its total is %+v", len(city.Financing.ByDistrict), sum, tot)
	}

	// The organizer's page and workbook show the same sums.
	b := newBrowser(f)
	b.signIn(matchOrgToken)
	w, _ := b.get("/app/organizer/landscape?region=441204&industry=2.1&" + matchAsOfParam)
	page := w.Body.String()
	tot := all.Financing.Total
	for _, want := range []string{"融资潜力", app.Wan(tot.SupportableLoans), app.Wan(tot.Gap), app.Wan(tot.Needs), "高要区：需求"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	w = f.do(matchOrgToken, "GET", "/api/v1/landscape?region=441204&industry=2.1&format=xlsx&"+matchAsOfParam, nil)
	book, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := book.GetRows("融资潜力")
	if err != nil || len(rows) != 4 || rows[3][0] != "合计" || rows[3][6] != strconv.FormatInt(tot.SupportableLoans, 10) || rows[3][8] != strconv.FormatInt(tot.Gap, 10) {
		t.Errorf("the workbook's financing sheet %q (%v), want the total %+v", rows, err, tot)
	}
	// The technology clusters and the financing by cluster, on the page and
	// in the workbook: each cluster's name and its enterprises' loans.
	if len(all.Clusters) < 2 || len(all.Financing.ByCluster) != len(all.Clusters) {
		t.Fatalf("%d clusters, %d financing rows by cluster", len(all.Clusters), len(all.Financing.ByCluster))
	}
	clusterRows, err := book.GetRows("技术集群")
	if err != nil || len(clusterRows) != 2+len(all.Clusters) {
		t.Fatalf("the workbook's cluster sheet %q (%v), want %d clusters", clusterRows, err, len(all.Clusters))
	}
	byCluster, err := book.GetRows("融资潜力（按技术集群）")
	if err != nil || len(byCluster) != 2+len(all.Clusters)+2 || byCluster[len(byCluster)-1][6] != strconv.FormatInt(tot.SupportableLoans, 10) {
		t.Fatalf("the workbook's financing by cluster %q (%v), want %d clusters, the unclustered and the total", byCluster, err, len(all.Clusters))
	}
	for i, c := range all.Clusters {
		fc := all.Financing.ByCluster[i]
		if !strings.Contains(page, "<td>"+c.Name+"</td>") || clusterRows[2+i][0] != c.Name || byCluster[2+i][0] != c.Name ||
			byCluster[2+i][6] != strconv.FormatInt(fc.SupportableLoans, 10) {
			t.Errorf("cluster %q (loans %d) is not on the page or in the workbook as the API has it", c.Name, fc.SupportableLoans)
		}
	}
	// Before the first LPR fixing no loan is priced: said, not guessed.
	var early app.Landscape
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/landscape?region=441204&as_of=2018-01-01", nil), http.StatusOK, &early)
	if early.Financing == nil || early.Financing.Unavailable == "" || early.Financing.Total.Enterprises != 0 || early.Total == 0 {
		t.Errorf("as of 2018: %d patents, financing %+v; want the patents counted and the financing unavailable", early.Total, early.Financing)
	}
}

// TestLandscapeByOwnerIndustry checks a GB/T 4754 industry (装备制造业,
// C33–C40, the owners' industry) against the records: the patents of
// 高要区 whose owner is in one of its divisions, and the financing of the
// district's enterprises in it; and that a bad code is refused naming the
// field, on the API and the page.
func TestLandscapeByOwnerIndustry(t *testing.T) {
	f := newLandscapeDemoFixture(t)
	ctx := t.Context()
	asOf := data.NewDate(2021, 4, 23)
	ents, err := app.All(ctx, f.store.Enterprises(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	patents, err := app.All(ctx, f.store.Patents(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	industryOf := map[string]string{}
	for _, e := range ents {
		industryOf[e.ID] = e.Industry
	}
	for _, tc := range []struct {
		industry, name string
		divisions      []string
	}{
		{"装备制造业", "装备制造业", []string{"C33", "C34", "C35", "C36", "C37", "C38", "C39", "C40"}},
		{"C33-C40", "装备制造业", []string{"C33", "C34", "C35", "C36", "C37", "C38", "C39", "C40"}},
		{"C34", "通用设备制造业", []string{"C34"}},
		{"c35, C38", "专用设备制造业、电气机械和器材制造业", []string{"C35", "C38"}},
	} {
		in := func(code string) bool {
			return slices.ContainsFunc(tc.divisions, func(d string) bool { return data.IndustryWithin(code, d) })
		}
		total, outside := 0, 0
		owners := map[string]bool{}
		for _, p := range patents {
			if p.FilingDate.After(asOf) || p.OwnerID == "" || !in(industryOf[p.OwnerID]) {
				if !p.FilingDate.After(asOf) && data.RegionWithin(p.Region, "441204") {
					outside++
				}
				continue
			}
			owners[p.OwnerID] = true
			if data.RegionWithin(p.Region, "441204") {
				total++
			}
		}
		inDistrict := 0
		for _, e := range ents {
			if owners[e.ID] && data.RegionWithin(e.Region, "441204") {
				inDistrict++
			}
		}
		var got app.Landscape
		decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/landscape?region=441204&industry="+url.QueryEscape(tc.industry)+"&"+matchAsOfParam, nil), http.StatusOK, &got)
		if got.Total != total || total == 0 {
			t.Errorf("%s: %d patents, the records say %d (and %d of the district outside it)", tc.industry, got.Total, total, outside)
		}
		if got.IndustryScheme != app.IndustryGBT4754 || got.IndustryName != tc.name || got.Industry != strings.Join(tc.divisions, ",") {
			t.Errorf("%s: industry %q %q %q", tc.industry, got.IndustryScheme, got.Industry, got.IndustryName)
		}
		if got.Financing.Total.Enterprises != inDistrict || inDistrict == 0 {
			t.Errorf("%s: financing of %d enterprises, the records say %d", tc.industry, got.Financing.Total.Enterprises, inDistrict)
		}
		t.Logf("%s: %d patents of the district's %d; %d enterprises", tc.industry, total, total+outside, inDistrict)
		if tc.industry == "C34" && outside == 0 {
			t.Errorf("C34 takes in all %d patents of the district: the test shows nothing of the filter", total)
		}
	}
	env := wantError(t, f.do(matchOrgToken, "GET", "/api/v1/landscape?industry=C33-C99", nil), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("industry") {
		t.Errorf("a bad GB/T 4754 range: fields %+v, want industry", env.Error.Fields)
	}
	b := newBrowser(f)
	b.signIn(matchOrgToken)
	if w, _ := b.get("/app/organizer/landscape?industry=C99"); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "国民经济行业代码") {
		t.Errorf("a bad industry on the page: %d", w.Code)
	}
	w, _ := b.get("/app/organizer/landscape?region=441204&industry=" + url.QueryEscape("装备制造业") + "&" + matchAsOfParam)
	if page := w.Body.String(); w.Code != http.StatusOK || !strings.Contains(page, "高要区 · 装备制造业") {
		t.Errorf("the page of 高要区 × 装备制造业: %d", w.Code)
	}
}

// TestLandscapeBySavedSearch checks a landscape whose technology is a
// search's words (q, as a saved search holds them) against the search
// itself: the patents the search finds in the district by the day, their
// subclasses, and, in the financing part, the district's enterprises that
// own one of the patents the words find; a query the search refuses is
// refused naming q, on the API and the page.
func TestLandscapeBySavedSearch(t *testing.T) {
	f := newLandscapeDemoFixture(t)
	ctx := t.Context()
	const words = "数控"
	q := url.Values{"q": {words}, "region": {"441204"}, "as_of": {"2021-04-23"}}
	var got app.Landscape
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/landscape?"+q.Encode(), nil), http.StatusOK, &got)
	if got.Query != words {
		t.Errorf("the landscape's query %q, want %q", got.Query, words)
	}

	// The search's answer, every page of it: the patents of the words
	// filed by the day anywhere, and those in the district.
	owners := map[string]bool{}
	inDistrict := 0
	for page := 1; ; page++ {
		b := f.search(matchOrgToken, "/api/v1/search/patents?"+url.Values{"q": {words}, "filing_date": {"..2021-04-23"},
			"size": {"100"}, "page": {strconv.Itoa(page)}}.Encode())
		for _, h := range b.Hits {
			owners[h.OwnerID] = true
		}
		if page*100 >= b.Total {
			break
		}
	}
	district := f.search(matchOrgToken, "/api/v1/search/patents?"+url.Values{"q": {words}, "filing_date": {"..2021-04-23"}, "region": {"441204"},
		"facets": {"ipc_subclass"}, "exact_facets": {"true"}}.Encode())
	inDistrict = district.Total
	if got.Total != inDistrict || inDistrict == 0 {
		t.Fatalf("the landscape counts %d patents, the search finds %d", got.Total, inDistrict)
	}
	for _, v := range district.Facets["ipc_subclass"].Values {
		i := slices.IndexFunc(got.ByIPC, func(c app.LandscapeIPC) bool { return c.Code == v.Value })
		if i < 0 && len(got.ByIPC) < 20 || i >= 0 && got.ByIPC[i].Count != v.Count {
			t.Errorf("subclass %s: the search counts %d, the landscape %+v", v.Value, v.Count, got.ByIPC)
		}
	}
	ents, err := app.All(ctx, f.store.Enterprises(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, all := 0, 0
	for _, e := range ents {
		if data.RegionWithin(e.Region, "441204") {
			all++
			if owners[e.ID] {
				want++
			}
		}
	}
	if got.Financing.Total.Enterprises != want || want == 0 || want == all {
		t.Errorf("the financing part sums %d enterprises; %d of the district's %d own a patent the words find", got.Financing.Total.Enterprises, want, all)
	}

	env := wantError(t, f.do(matchOrgToken, "GET", "/api/v1/landscape?q="+url.QueryEscape(`"数控`), nil), http.StatusBadRequest, data.CodeMalformed)
	if !env.hasField("q") {
		t.Errorf("an unclosed quote: fields %+v, want q", env.Error.Fields)
	}
	// The words may not pick one enterprise's patents: a bank would learn
	// what an enterprise it may not read owns, and that it is here.
	for _, tok := range []string{matchCCBToken, matchOrgToken} {
		env = wantError(t, f.do(tok, "GET", "/api/v1/landscape?q="+url.QueryEscape("数控 owner_id:ent_0007"), nil), http.StatusUnprocessableEntity, data.CodeInvalid)
		if !env.hasField("q") {
			t.Errorf("words naming owner_id: fields %+v, want q", env.Error.Fields)
		}
	}
	b := newBrowser(f)
	b.signIn(matchOrgToken)
	w, _ := b.get("/app/organizer/landscape?" + url.Values{"q": {`"数控`}}.Encode())
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "检索式：") {
		t.Errorf("the page with an unclosed quote: %d, %q", w.Code, w.Body.String())
	}
	w, _ = b.get("/app/organizer/landscape?" + q.Encode())
	if page := w.Body.String(); w.Code != http.StatusOK || !strings.Contains(page, "“数控”") || !strings.Contains(page, `value="数控"`) {
		t.Errorf("the page of the saved search: %d", w.Code)
	}
}
