package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"ipmatch/data"
	"ipmatch/data/storetest"
	"ipmatch/search"
)

// newSearchFixture is the fixture over a store wrapped by a search index,
// with the search endpoints on.
func newSearchFixture(t *testing.T) *fixture {
	t.Helper()
	store, idx := openSearchStore(t)
	return newFixtureOn(t, store, Config{Search: idx})
}

// openSearchStore opens a fresh SQLite store wrapped by a search index in
// temporary directories.
func openSearchStore(t *testing.T) (data.Store, *search.Index) {
	t.Helper()
	s := openStore(t)
	idx, err := search.Open(t.Context(), t.TempDir(), s, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	return search.Wrap(s, idx), idx
}

// searchBody is a decoded search answer.
type searchBody struct {
	Total int `json:"total"`
	Page  int `json:"page"`
	Size  int `json:"size"`
	Hits  []struct {
		ID        string              `json:"id"`
		Score     float64             `json:"score"`
		Title     string              `json:"title"`
		Name      string              `json:"name"`
		OwnerID   string              `json:"owner_id"`
		Fragments map[string][]string `json:"fragments"`
	} `json:"hits"`
	Facets map[string]*search.Facet `json:"facets"`
}

func (b searchBody) ids() []string {
	var out []string
	for _, h := range b.Hits {
		out = append(out, h.ID)
	}
	slices.Sort(out)
	return out
}

func (f *fixture) search(tok, path string) searchBody {
	f.t.Helper()
	var b searchBody
	decodeBody(f.t, f.do(tok, http.MethodGet, path, nil), http.StatusOK, &b)
	return b
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// TestSearchRoles checks that every role finds exactly what it may read,
// with totals and facets counting only that.
func TestSearchRoles(t *testing.T) {
	f := newSearchFixture(t)
	for _, c := range []struct {
		tok, kind string
		want      []string
	}{
		{orgToken, "patents", sorted(f.patX, f.patY, f.patZ, f.patW)},
		{bankAToken, "patents", sorted(f.patX, f.patY, f.patW)}, // W is at bank A's event; Z did not consent
		{bankBToken, "patents", sorted(f.patX, f.patY, f.patZ)},
		{entXToken, "patents", sorted(f.patX)},
		{orgToken, "enterprises", sorted(f.entX, f.entY, f.entZ, f.entW)},
		{bankAToken, "enterprises", sorted(f.entX, f.entY, f.entW)},
		{bankBToken, "enterprises", sorted(f.entX, f.entY, f.entZ)},
		{entYToken, "enterprises", sorted(f.entY)},
		{orgToken, "products", sorted(f.prodA, f.prodB, f.prodAOff)},
		{bankAToken, "products", sorted(f.prodA, f.prodAOff)},
		{entXToken, "products", sorted(f.prodA, f.prodB)}, // active only
	} {
		facet := map[string]string{"patents": "type", "enterprises": "region", "products": "bank"}[c.kind]
		b := f.search(c.tok, "/api/v1/search/"+c.kind+"?size=100&facets="+facet)
		if got := b.ids(); !slices.Equal(got, c.want) || b.Total != len(c.want) {
			t.Errorf("%s searching %s: %v (total %d), want %v", c.tok, c.kind, got, b.Total, c.want)
		}
		sum := 0
		for _, v := range b.Facets[facet].Values {
			sum += v.Count
		}
		if sum+b.Facets[facet].Missing != b.Total {
			t.Errorf("%s searching %s: facet %s counts %d of %d", c.tok, c.kind, facet, sum, b.Total)
		}
	}
	// A filter naming an enterprise the bank may not see finds nothing.
	if b := f.search(bankAToken, "/api/v1/search/patents?owner_id="+f.entZ); b.Total != 0 {
		t.Errorf("bank A found %d patents of Z", b.Total)
	}
}

func TestSearchAnswer(t *testing.T) {
	f := newSearchFixture(t)
	b := f.search(orgToken, "/api/v1/search/patents?q="+url.QueryEscape("数控机床 主轴")+"&facets=type,status&sort=-filing_date&size=2&page=2")
	if b.Total != 4 || len(b.Hits) != 2 || b.Page != 2 || b.Size != 2 {
		t.Fatalf("total %d, %d hits, page %d, size %d", b.Total, len(b.Hits), b.Page, b.Size)
	}
	h := b.Hits[0]
	if h.Title == "" || h.OwnerID == "" {
		t.Errorf("hit without its summary: %+v", h)
	}
	// Sorted by a field only, relevance is not computed (search.go): the
	// score is 0. Sorted by relevance, it is there.
	if h.Score != 0 {
		t.Errorf("a hit sorted by filing date has score %v, want 0", h.Score)
	}
	if r := f.search(orgToken, "/api/v1/search/patents?q="+url.QueryEscape("数控机床 主轴")); len(r.Hits) == 0 || r.Hits[0].Score <= 0 {
		t.Errorf("sorted by relevance, the first hit has no score: %+v", r.Hits)
	}
	if frag := strings.Join(h.Fragments["title"], ""); !strings.Contains(frag, "<mark>数控机床</mark>") || !strings.Contains(frag, "<mark>主轴</mark>") {
		t.Errorf("title fragments %q", h.Fragments["title"])
	}
	if v := b.Facets["type"].Values; len(v) != 1 || v[0].Value != "invention" || v[0].Label != "发明" || v[0].Count != 4 {
		t.Errorf("type facet %+v", b.Facets["type"])
	}
	// Filters by parameter, repeated or comma-separated.
	if b := f.search(orgToken, "/api/v1/search/patents?owner_id="+f.entX+"&owner_id="+f.entY); b.Total != 2 {
		t.Errorf("two owners: %d", b.Total)
	}
	if b := f.search(orgToken, "/api/v1/search/products?amount=3000000&term=24&active=true"); b.Total == 0 {
		t.Error("no product lends 3,000,000 over 24 months")
	}
	// A patent written through the API is found at once.
	p := storetest.Patent(77)
	p.Title = "一种焊接机器人的送丝机构"
	p.OwnerID = f.entX
	decodeBody(t, f.do(entXToken, http.MethodPost, "/api/v1/patents", p), http.StatusCreated, nil)
	if b := f.search(entXToken, "/api/v1/search/patents?q="+url.QueryEscape("送丝机构")); b.Total != 1 {
		t.Errorf("the new patent: %d hits", b.Total)
	}
	decodeBody(t, f.do(entXToken, http.MethodDelete, "/api/v1/patents/"+p.ApplicationNumber, nil), http.StatusNoContent, nil)
	if b := f.search(entXToken, "/api/v1/search/patents?q="+url.QueryEscape("送丝机构")); b.Total != 0 {
		t.Errorf("the deleted patent: %d hits", b.Total)
	}
}

func TestSimilarPatentsEndpoint(t *testing.T) {
	f := newSearchFixture(t)
	b := f.search(orgToken, "/api/v1/patents/"+f.patX+"/similar?facets=type")
	if slices.Contains(b.ids(), f.patX) {
		t.Error("a patent is similar to itself")
	}
	if b.Total != 3 {
		t.Errorf("%d similar patents, want the three others (same title)", b.Total)
	}
	// Bank A may not read Z's patent, nor find it as similar.
	wantError(t, f.do(bankAToken, http.MethodGet, "/api/v1/patents/"+f.patZ+"/similar", nil), http.StatusNotFound, data.CodeNotFound)
	if b := f.search(bankAToken, "/api/v1/patents/"+f.patX+"/similar"); slices.Contains(b.ids(), f.patZ) || b.Total != 2 {
		t.Errorf("bank A finds %v similar", b.ids())
	}
	wantError(t, f.do(orgToken, http.MethodGet, "/api/v1/patents/209999999999.9/similar", nil), http.StatusNotFound, data.CodeNotFound)
	wantError(t, f.do(orgToken, http.MethodGet, "/api/v1/patents/"+f.patX+"/similar?q=x", nil), http.StatusBadRequest, data.CodeMalformed)
}

// TestSearchBadInput checks that mistakes are 400s that say what to
// change, never 500s.
func TestSearchBadInput(t *testing.T) {
	f := newSearchFixture(t)
	for _, c := range []struct {
		path, field, want string
	}{
		{"/api/v1/search/patents?q=" + url.QueryEscape(`"数控机床`), "q", "not closed"},
		{"/api/v1/search/patents?q=" + url.QueryEscape(`(数控 OR 液压`), "q", "not closed"},
		{"/api/v1/search/patents?q=" + url.QueryEscape(`colour:red`), "q", "not a field you can search"},
		{"/api/v1/search/patents?colour=red", "colour", "is not a filter of patents; known:"},
		{"/api/v1/search/patents?ipc=Z99", "ipc", "unknown section"},
		{"/api/v1/search/patents?filing_date=2015-13", "filing_date", "is not a date"},
		{"/api/v1/search/patents?facets=colour", "facets", "is not a facet of patents; known:"},
		{"/api/v1/search/patents?sort=colour", "sort", "is not a sort of patents; known:"},
		{"/api/v1/search/patents?size=100000", "size", "must be an integer from 1 to 100"},
		{"/api/v1/search/patents?size=0", "size", "must be an integer from 1 to 100"},
		{"/api/v1/search/patents?page=0", "page", "must be an integer of at least 1"},
		{"/api/v1/search/patents?page=99999999999999999999", "page", "must be an integer of at least 1"},
		{"/api/v1/search/patents?page=101&size=100", "page", "beyond the first 10000 hits"},
		{"/api/v1/search/patents?page=3&size=2", "page", "page 3 is past the end: 4 hits make 2 page(s) of 2; ask for page 2 or less"},
		{"/api/v1/search/products?amount=lots", "amount", "is not a number"},
	} {
		w := f.do(orgToken, http.MethodGet, c.path, nil)
		env := wantError(t, w, http.StatusBadRequest, data.CodeMalformed)
		if !env.hasField(c.field) || !strings.Contains(env.Error.Message, c.want) {
			t.Errorf("%s: %s, want field %s and %q", c.path, w.Body, c.field, c.want)
		}
	}
	// Page 1 of nothing is fine.
	if b := f.search(orgToken, "/api/v1/search/patents?q="+url.QueryEscape("压路机")); b.Total != 0 || b.Hits == nil {
		t.Errorf("empty result: %+v", b)
	}
	if logs := f.logs.String(); strings.Contains(logs, "internal error") {
		t.Errorf("an internal error was logged: %s", logs)
	}
}

// TestSearchOff checks that without an index there are no search routes.
func TestSearchOff(t *testing.T) {
	f := newFixture(t, Config{})
	wantError(t, f.do(orgToken, http.MethodGet, "/api/v1/search/patents", nil), http.StatusNotFound, data.CodeNotFound)
}

// TestSearchHitJSON checks the flat shape of a hit.
func TestSearchHitJSON(t *testing.T) {
	f := newSearchFixture(t)
	w := f.do(orgToken, http.MethodGet, "/api/v1/search/products?q="+url.QueryEscape("知识产权"), nil)
	var raw struct {
		Hits []map[string]json.RawMessage `json:"hits"`
	}
	decodeBody(t, w, http.StatusOK, &raw)
	if len(raw.Hits) == 0 {
		t.Fatalf("no hits: %s", w.Body)
	}
	for _, k := range []string{"id", "score", "name", "bank_id", "max_amount", "fragments"} {
		if _, ok := raw.Hits[0][k]; !ok {
			t.Errorf("hit lacks %q: %s", k, w.Body)
		}
	}
}
