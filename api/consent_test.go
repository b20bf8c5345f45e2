package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/storetest"
)

// consentAsOf is inside the LPR table, after the fixture's financial years.
const consentAsOf = "as_of=2025-06-02"

const entWSecret = "ipm_test_ent_w"

// consentWorld is the fixture with enterprise W (registered for event E,
// where bank A has a desk; not in the pool) keeping its data to itself
// (share_data false) and X (pool) sharing it, both with financials whose
// figures appear nowhere else; and prodStrict, a product of bank A whose
// revenue and debt-ratio criteria W and X fail, so that the reasons would
// carry their observed figures.
type consentWorld struct {
	*fixture
	hidden, shared data.Enterprise
	prodStrict     string
}

func newConsentWorld(t *testing.T) *consentWorld {
	t.Helper()
	f := newFixture(t, Config{})
	w := &consentWorld{fixture: f}
	ctx := t.Context()
	var err error
	if w.hidden, err = f.store.Enterprises().Get(ctx, f.entW); err != nil {
		t.Fatal(err)
	}
	w.hidden.Consents.ShareData = false
	w.hidden.Financials = []data.Financials{
		{Year: 2023, Revenue: 61_234_567, Profit: 3_456_789, Assets: 77_654_321, Liabilities: 31_987_654},
		{Year: 2024, Revenue: 67_891_234, Profit: 4_567_891, Assets: 81_234_567, Liabilities: 35_678_912},
	}
	if w.shared, err = f.store.Enterprises().Get(ctx, f.entX); err != nil {
		t.Fatal(err)
	}
	w.shared.Financials = []data.Financials{
		{Year: 2023, Revenue: 52_468_013, Profit: 2_975_311, Assets: 70_864_209, Liabilities: 30_197_531},
		{Year: 2024, Revenue: 58_642_097, Profit: 3_197_537, Assets: 74_086_421, Liabilities: 33_579_135},
	}
	put(t, f.store.Enterprises(), &w.hidden, &w.shared)
	strict := storetest.Product(4, f.bankA)
	strict.MinRevenue, strict.MaxDebtRatio = 900_000_000, 0.2
	put(t, f.store.Products(), &strict)
	w.prodStrict = strict.ID
	put(t, f.store.Tokens(), &data.Token{Hash: data.HashToken(entWSecret), Role: data.RoleCompany, EnterpriseID: f.entW})
	return w
}

// yuanFigures are e's financial figures as a JSON record writes them.
func yuanFigures(e *data.Enterprise) []string {
	var out []string
	for _, f := range e.Financials {
		for _, v := range []int64{f.Revenue, f.Profit, f.Assets, f.Liabilities} {
			out = append(out, strconv.FormatInt(v, 10))
		}
	}
	return out
}

// financialTraces are the strings that would betray e's financials in an
// answer: every figure in yuan and in 万元, and the latest year's debt
// ratio and margin as the matcher writes them.
func financialTraces(e *data.Enterprise) []string {
	out := yuanFigures(e)
	for _, f := range e.Financials {
		for _, v := range []int64{f.Revenue, f.Profit, f.Assets, f.Liabilities} {
			out = append(out, app.Wan(v))
		}
	}
	f, _ := e.Latest()
	debt := float64(f.Liabilities) / float64(f.Assets)
	margin := float64(f.Profit) / float64(f.Revenue)
	r4 := func(x float64) string { return strconv.FormatFloat(math.Round(x*1e4)/1e4, 'f', -1, 64) }
	return append(out, r4(debt), app.Pct(debt), r4(margin), app.Pct(margin))
}

// recordFields are the JSON names of an enterprise record's financials.
var recordFields = []string{`"financials"`, `"revenue"`, `"profit"`, `"assets"`, `"liabilities"`}

// itemOf returns the JSON of the list item with the given id.
func itemOf(t *testing.T, body []byte, id string) string {
	t.Helper()
	var l struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatal(err)
	}
	for _, raw := range l.Items {
		var it struct {
			ID string `json:"id"`
		}
		json.Unmarshal(raw, &it)
		if it.ID == id {
			return string(raw)
		}
	}
	t.Fatalf("no item %s in %s", id, body)
	return ""
}

// ratioFields are the JSON names of what is computed from financials.
var ratioFields = []string{`"pd"`, `"z"`, `"pd_parts"`, `"expected_loss"`, `"el_rate"`, `"debt_ratio"`, `"profit_margin"`,
	`"revenue_growth"`, `"asset_turnover"`, `"log_revenue"`, `"revenue_base"`, `"revenue_year"`, `"margin_years"`}

// wantNone fails for each trace found in body.
func wantNone(t *testing.T, what, body string, traces []string) {
	t.Helper()
	for _, s := range traces {
		if strings.Contains(body, s) {
			i := strings.Index(body, s)
			t.Errorf("%s holds %s: …%s…", what, s, body[max(0, i-120):min(len(body), i+80)])
		}
	}
}

// wantAll fails for each trace missing from body.
func wantAll(t *testing.T, what, body string, traces []string) {
	t.Helper()
	for _, s := range traces {
		if !strings.Contains(body, s) {
			t.Errorf("%s lacks %s", what, s)
		}
	}
}

// matchOf returns the JSON of enterprise id's match in a pipeline body.
func matchOf(t *testing.T, body []byte, id string) (string, map[string]any) {
	t.Helper()
	var pl struct {
		Matches []json.RawMessage `json:"matches"`
	}
	if err := json.Unmarshal(body, &pl); err != nil {
		t.Fatal(err)
	}
	for _, raw := range pl.Matches {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if m["enterprise_id"] == id {
			return string(raw), m
		}
	}
	t.Fatalf("no match of %s in %s", id, body)
	return "", nil
}

func TestConsentEnterpriseReadsHideFinancials(t *testing.T) {
	w := newConsentWorld(t)
	hid := append(financialTraces(&w.hidden), recordFields...)

	r := w.do(bankAToken, "GET", "/api/v1/enterprises/"+w.entW, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("bank A GET W: %d %s", r.Code, r.Body)
	}
	wantNone(t, "bank A's GET of W", r.Body.String(), hid)
	wantAll(t, "bank A's GET of W", r.Body.String(), []string{w.hidden.Name, w.hidden.CreditCode, `"need"`, `"share_data":false`})

	r = w.do(bankAToken, "GET", "/api/v1/enterprises?size=100", nil)
	wantNone(t, "bank A's list", r.Body.String(), financialTraces(&w.hidden))
	wantNone(t, "W in bank A's list", itemOf(t, r.Body.Bytes(), w.entW), hid)
	wantAll(t, "X in bank A's list", itemOf(t, r.Body.Bytes(), w.entX), yuanFigures(&w.shared))

	r = w.do(bankAToken, "GET", "/api/v1/enterprises/"+w.entX, nil)
	wantAll(t, "bank A's GET of X (shared)", r.Body.String(), yuanFigures(&w.shared))

	for _, tok := range []string{orgToken, entWSecret} {
		r = w.do(tok, "GET", "/api/v1/enterprises/"+w.entW, nil)
		wantAll(t, tok+"'s GET of W", r.Body.String(), yuanFigures(&w.hidden))
	}
	r = w.do(orgToken, "GET", "/api/v1/enterprises?size=100", nil)
	wantAll(t, "W in the organizer's list", itemOf(t, r.Body.Bytes(), w.entW), yuanFigures(&w.hidden))
}

func TestConsentPipelineHidesFinancials(t *testing.T) {
	w := newConsentWorld(t)
	hid := financialTraces(&w.hidden)
	for _, prod := range []string{w.prodA, w.prodStrict} {
		path := "/api/v1/products/" + prod + "/pipeline?" + consentAsOf
		r := w.do(bankAToken, "GET", path, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.Code, r.Body)
		}
		wantNone(t, "bank A's pipeline "+prod, r.Body.String(), hid)
		raw, m := matchOf(t, r.Body.Bytes(), w.entW)
		wantNone(t, "W's match in "+prod, raw, ratioFields)
		if m["financials_hidden"] != true {
			t.Errorf("%s: W's match has no financials_hidden: %s", prod, raw)
		}
		xRaw, _ := matchOf(t, r.Body.Bytes(), w.entX)
		if strings.Contains(xRaw, "financials_hidden") {
			t.Errorf("%s: X shared its data but its match is hidden: %s", prod, xRaw)
		}

		org := w.do(orgToken, "GET", path, nil)
		orgRaw, _ := matchOf(t, org.Body.Bytes(), w.entW)
		if strings.Contains(orgRaw, "financials_hidden") {
			t.Errorf("%s: the organizer's match of W is hidden: %s", prod, orgRaw)
		}
		if prod == w.prodA {
			// Eligible: the risk is given as a band, the score rounded.
			risk, _ := m["risk"].(map[string]any)
			if band, _ := risk["pd_band"].(string); band == "" {
				t.Errorf("W's risk has no PD band: %s", raw)
			}
			if s, _ := m["score"].(float64); s <= 0 || math.Mod(s, app.HiddenScoreStep) != 0 {
				t.Errorf("W's score %v is not a positive multiple of %d", m["score"], app.HiddenScoreStep)
			}
			wantAll(t, "X's match", xRaw, []string{`"pd"`, `"expected_loss"`, `"pd_parts"`, `"debt_ratio"`})
			wantAll(t, "the organizer's match of W", orgRaw, []string{`"pd"`, `"expected_loss"`, `"pd_parts"`})
		} else {
			// Ineligible on revenue and debt ratio: codes and required
			// values stay, the observed figures go.
			wantAll(t, "W's reasons", raw, []string{`"revenue_low"`, `"debt_ratio_high"`, `"required":900000000`, `"required":0.2`, app.NotShared})
			wantAll(t, "the organizer's reasons of W", orgRaw, []string{"67891234", `"debt_ratio_high"`})
			wantAll(t, "X's reasons", xRaw, []string{strconv.FormatInt(w.shared.Financials[1].Revenue, 10)})
		}
	}
}

func TestConsentPipelinePagesHideFinancials(t *testing.T) {
	w := newConsentWorld(t)
	hid := financialTraces(&w.hidden)
	b := newBrowser(w.fixture)
	b.signIn(bankAToken)
	org := newBrowser(w.fixture)
	org.signIn(orgToken)
	for _, prod := range []string{w.prodA, w.prodStrict} {
		base := "/app/bank/products/" + prod + "/pipeline"
		r, _ := b.get(base + "?" + consentAsOf)
		page := htmlPage(t, r, http.StatusOK)
		wantNone(t, "pipeline page "+prod, page, hid)
		wantAll(t, "pipeline page "+prod, page, []string{w.hidden.Name, "财务数据未授权查看"})

		r, _ = b.get(base + ".csv?" + consentAsOf)
		if r.Code != http.StatusOK {
			t.Fatalf("CSV %s: %d", prod, r.Code)
		}
		wantNone(t, "pipeline CSV "+prod, r.Body.String(), hid)
		wantAll(t, "pipeline CSV "+prod, r.Body.String(), []string{w.hidden.Name})

		r, _ = b.get(base + ".xlsx?" + consentAsOf)
		if r.Code != http.StatusOK {
			t.Fatalf("XLSX %s: %d", prod, r.Code)
		}
		x, err := excelize.OpenReader(bytes.NewReader(r.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows(x.GetSheetList()[0])
		x.Close()
		if err != nil {
			t.Fatal(err)
		}
		var cells strings.Builder
		for _, row := range rows {
			fmt.Fprintln(&cells, strings.Join(row, "\t"))
		}
		wantNone(t, "pipeline XLSX "+prod, cells.String(), hid)
		wantAll(t, "pipeline XLSX "+prod, cells.String(), []string{w.hidden.Name})

		if prod == w.prodStrict {
			r, _ = org.get(base + ".csv?" + consentAsOf)
			wantAll(t, "the organizer's CSV", r.Body.String(), []string{app.Wan(w.hidden.Financials[1].Revenue)})
		}
	}
}

func TestConsentValuationHidesFinancials(t *testing.T) {
	w := newConsentWorld(t)
	hid := financialTraces(&w.hidden)
	path := "/api/v1/enterprises/" + w.entW + "/valuation?draws=1000&" + consentAsOf
	r := w.do(bankAToken, "GET", path, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("bank A: %d %s", r.Code, r.Body)
	}
	body := r.Body.String()
	wantNone(t, "bank A's valuation of W", body, hid)
	// The model's parameters name the scorecard's ratios for every
	// enterprise; the portfolio's own parameters must not carry W's.
	var v struct {
		Valuation json.RawMessage `json:"valuation"`
	}
	if err := json.Unmarshal(r.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	wantNone(t, "bank A's portfolio valuation of W", string(v.Valuation),
		[]string{`"revenue_base"`, `"revenue_year"`, `"profit_margin"`, `"margin_years"`, `"name":"revenue"`})
	wantNone(t, "bank A's indicators of W", body, []string{`"name":"revenue"`})
	wantAll(t, "bank A's valuation of W", body, []string{`"portfolio"`, `"p50"`, "financial inputs withheld"})

	for _, tok := range []string{orgToken, entWSecret} {
		r = w.do(tok, "GET", path, nil)
		wantAll(t, tok+"'s valuation of W", r.Body.String(), []string{`"revenue_base":67891234`, `"name":"revenue"`})
	}
	r = w.do(bankAToken, "GET", "/api/v1/enterprises/"+w.entX+"/valuation?draws=1000&"+consentAsOf, nil)
	wantAll(t, "bank A's valuation of X", r.Body.String(), []string{`"revenue_base":58642097`, `"name":"revenue"`})
}
