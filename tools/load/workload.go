package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The demo's roles, as "ipmatch serve --demo" prints them.
const (
	organizer  = "organizer"
	bank       = "bank"
	enterprise = "enterprise"
)

var roles = []string{organizer, bank, enterprise}

// kinds are the records read by get_record and list_records.
var kinds = []string{"enterprises", "patents", "banks", "products", "events", "participants", "deals", "pools"}

// defaultMix is the default weight of each request type of ipmatch (see
// the package doc).
var defaultMix = []typeInfo{
	{"search_patents", 18},
	{"search_products", 12},
	{"search_enterprises", 8},
	{"similar_patents", 4},
	{"matches", 12},
	{"pipeline", 5},
	{"valuation", 5},
	{"income", 3},
	{"get_record", 18},
	{"list_records", 15},
}

// parseMix parses "name=weight,…".
func parseMix(s string) (map[string]int, error) {
	out := map[string]int{}
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("%q: want name=weight with a weight of 0 or more", part)
		}
		out[strings.TrimSpace(name)] = n
	}
	return out, nil
}

// buildMix applies the weights of m to defaultMix.
func buildMix(m map[string]int) ([]typeInfo, error) {
	mix := slices.Clone(defaultMix)
	var names []string
	for i := range mix {
		names = append(names, mix[i].Name)
		if w, ok := m[mix[i].Name]; ok {
			mix[i].Weight = w
		}
	}
	sum := 0
	for name := range m {
		if !slices.Contains(names, name) {
			return nil, fmt.Errorf("unknown request type %q; known: %s", name, strings.Join(names, ", "))
		}
	}
	for _, t := range mix {
		sum += t.Weight
	}
	if sum == 0 {
		return nil, fmt.Errorf("every weight of the mix is 0")
	}
	return mix, nil
}

// targets are the records of the demo each role may read, found by
// listing them as that role.
type targets struct {
	tokens map[string]string
	ids    map[string]map[string][]string // role → kind → ids
	totals map[string]map[string]int      // role → kind → total
}

// discover lists the records of every kind as every role.
func discover(ctx context.Context, base string, tokens map[string]string) (*targets, error) {
	t := &targets{tokens: tokens, ids: map[string]map[string][]string{}, totals: map[string]map[string]int{}}
	for _, role := range roles {
		t.ids[role] = map[string][]string{}
		t.totals[role] = map[string]int{}
		for _, kind := range kinds {
			ids, total, err := listIDs(ctx, base, tokens[role], kind)
			if err != nil {
				return nil, fmt.Errorf("listing %s as %s: %w", kind, role, err)
			}
			t.ids[role][kind], t.totals[role][kind] = ids, total
		}
	}
	for _, need := range []struct{ role, kind string }{
		{organizer, "enterprises"}, {organizer, "patents"}, {organizer, "products"},
		{bank, "products"}, {enterprise, "enterprises"},
	} {
		if len(t.ids[need.role][need.kind]) == 0 {
			return nil, fmt.Errorf("the demo shows %s no %s", need.role, need.kind)
		}
	}
	return t, nil
}

// listIDs returns the ids (at most 2,000) of the records of kind that the
// holder of token may list, and their total. A kind the role may not list
// (403) has none.
func listIDs(ctx context.Context, base, token, kind string) ([]string, int, error) {
	var ids []string
	for page := 1; ; page++ {
		req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/%s?size=500&page=%d", base, kind, page), nil)
		if err != nil {
			return nil, 0, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, 0, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, 0, err
		}
		if resp.StatusCode == http.StatusForbidden {
			return nil, 0, nil
		}
		if resp.StatusCode != http.StatusOK {
			return nil, 0, fmt.Errorf("status %d: %.300s", resp.StatusCode, b)
		}
		var body struct {
			Items []struct {
				ID    string `json:"id"`
				AppNo string `json:"application_number"`
			} `json:"items"`
			Total int `json:"total"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, 0, err
		}
		for _, it := range body.Items {
			id := it.ID
			if id == "" {
				id = it.AppNo
			}
			if id != "" {
				ids = append(ids, id)
			}
		}
		if len(body.Items) == 0 || len(ids) >= body.Total || len(ids) >= 2000 {
			return ids, body.Total, nil
		}
	}
}

// ipmatchWorkload is the mixed workload of ipmatch's API.
type ipmatchWorkload struct {
	t   *targets
	mix []typeInfo
	gen []func(r *rand.Rand) request // by type, as mix
	cum []int                        // cumulative weights
}

func newIPMatchWorkload(t *targets, mix []typeInfo) *ipmatchWorkload {
	w := &ipmatchWorkload{t: t, mix: mix}
	gens := map[string]func(r *rand.Rand) request{
		"search_patents":     w.searchPatents,
		"search_products":    w.searchProducts,
		"search_enterprises": w.searchEnterprises,
		"similar_patents":    w.similarPatents,
		"matches":            w.matches,
		"pipeline":           w.pipeline,
		"valuation":          w.valuation,
		"income":             w.income,
		"get_record":         w.getRecord,
		"list_records":       w.listRecords,
	}
	sum := 0
	for _, m := range mix {
		w.gen = append(w.gen, gens[m.Name])
		sum += m.Weight
		w.cum = append(w.cum, sum)
	}
	return w
}

func (w *ipmatchWorkload) types() []typeInfo { return w.mix }

func (w *ipmatchWorkload) next(r *rand.Rand) request {
	n := r.IntN(w.cum[len(w.cum)-1])
	i := sort.SearchInts(w.cum, n+1)
	req := w.gen[i](r)
	req.typ = i
	if req.method == "" {
		req.method = "GET"
	}
	req.token = w.t.tokens[req.role]
	return req
}

// pick returns a random element of list.
func pick[T any](r *rand.Rand, list []T) T {
	return list[r.IntN(len(list))]
}

// role picks a role by weights (organizer, bank, enterprise), leaving out
// those that may read no record of kind ("" needs none).
func (w *ipmatchWorkload) role(r *rand.Rand, kind string, org, bnk, ent int) string {
	ws := []int{org, bnk, ent}
	sum := 0
	for i, role := range roles {
		if kind != "" && len(w.t.ids[role][kind]) == 0 {
			ws[i] = 0
		}
		sum += ws[i]
	}
	if sum == 0 {
		return organizer
	}
	n := r.IntN(sum)
	for i, role := range roles {
		if n < ws[i] {
			return role
		}
		n -= ws[i]
	}
	return organizer
}

// query builds a URL query from name, value pairs, leaving out empty
// values.
func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// maybe returns s with probability p, else "".
func maybe(r *rand.Rand, p float64, s string) string {
	if r.Float64() < p {
		return s
	}
	return ""
}

// facets returns 1 to 3 distinct facets of names.
func facets(r *rand.Rand, names []string) string {
	n := 1 + r.IntN(min(3, len(names)))
	perm := r.Perm(len(names))[:n]
	out := make([]string, n)
	for i, j := range perm {
		out[i] = names[j]
	}
	return strings.Join(out, ",")
}

var patentWords = []string{"焊接", "机床", "主轴", "液压", "阀", "模具", "铸造", "轴承", "减速器", "冲压", "折弯", "数控",
	"散热", "机器人", "电机", "密封", "激光", "齿轮", "砂型", "防护", "冷却", "控制方法", "夹具", "清理", "自动化"}

var patentPhrases = []string{"冲压模具", "砂型铸造", "数控机床", "调心滚子轴承", "焊接电源", "减速电机"}

// patentQuery returns a search query over patents, in one of several
// forms of the query syntax.
func patentQuery(r *rand.Rand) string {
	a, b, c := pick(r, patentWords), pick(r, patentWords), pick(r, patentWords)
	switch r.IntN(9) {
	case 0:
		return ""
	case 1:
		return a + " " + b
	case 2:
		return a + " OR " + b
	case 3:
		return `"` + pick(r, patentPhrases) + `"`
	case 4:
		return "title:" + a
	case 5:
		return a + " -" + b
	case 6:
		return "(" + a + " OR " + b + ") " + c
	case 7:
		return a + b // typed without a space: relaxed bigram match
	}
	return a
}

func (w *ipmatchWorkload) searchPatents(r *rand.Rand) request {
	// An enterprise searches its own few patents: mostly a bank's or the
	// organizer's search.
	role := w.role(r, "", 55, 30, 15)
	q := patentQuery(r)
	filters := []string{
		"type", maybe(r, 0.25, pick(r, []string{"invention", "utility_model", "design", "invention,utility_model"})),
		"status", maybe(r, 0.15, pick(r, []string{"valid", "pending"})),
		"ipc", maybe(r, 0.2, pick(r, []string{"B", "B23", "B23K", "B21D", "F16C", "B22C", "B23Q", "F16H"})),
		"region", maybe(r, 0.15, pick(r, []string{"4412", "441204", "441226", "441284"})),
		"filing_date", maybe(r, 0.15, pick(r, []string{"2015..", "2018..2020", "..2012", "2019"})),
	}
	filtered := false
	for i := 1; i < len(filters); i += 2 {
		filtered = filtered || filters[i] != ""
	}
	kv := append([]string{"q", q}, filters...)
	kv = append(kv,
		"facets", maybe(r, 0.5, facets(r, []string{"type", "status", "ipc_section", "ipc_class", "ipc_subclass", "region", "city", "filing_year"})),
		"exact_facets", maybe(r, 0.1, "true"),
		"sort", maybe(r, 0.25, pick(r, []string{"score", "-filing_date", "expiry_date", "-grant_date"})),
		"size", maybe(r, 0.5, pick(r, []string{"10", "20", "50"})),
	)
	if q == "" && !filtered && role != enterprise {
		// Hundreds of hits: a later page exists.
		kv = append(kv, "page", pick(r, []string{"2", "3"}))
	}
	return request{role: role, path: "/api/v1/search/patents" + query(kv...)}
}

func (w *ipmatchWorkload) searchProducts(r *rand.Rand) request {
	role := w.role(r, "", 25, 15, 60)
	return request{role: role, path: "/api/v1/search/products" + query(
		"q", pick(r, []string{"", "", "知识产权", "质押", "专利", "科技", "贷款", "银行"}),
		"amount", maybe(r, 0.4, pick(r, []string{"500000", "100万", "3000000"})),
		"term", maybe(r, 0.3, pick(r, []string{"12", "24", "36"})),
		"region", maybe(r, 0.3, pick(r, []string{"4412", "441204"})),
		"industry", maybe(r, 0.3, pick(r, []string{"C34", "C3425", "C33"})),
		"ipc", maybe(r, 0.15, pick(r, []string{"B23K", "B23"})),
		"patent_type", maybe(r, 0.3, pick(r, []string{"invention", "utility_model"})),
		"facets", maybe(r, 0.5, facets(r, []string{"bank", "patent_type", "pool"})),
		"sort", maybe(r, 0.3, pick(r, []string{"spread_bp", "-max_amount", "max_term"})),
	)}
}

func (w *ipmatchWorkload) searchEnterprises(r *rand.Rand) request {
	role := w.role(r, "", 70, 30, 0)
	return request{role: role, path: "/api/v1/search/enterprises" + query(
		"q", pick(r, []string{"", "机械", "精密", "铸造", "五金", "模具", "科技", "钢结构", "肇庆", "高要", "机械 科技"}),
		"industry", maybe(r, 0.2, pick(r, []string{"C34", "C33", "C3425"})),
		"region", maybe(r, 0.2, pick(r, []string{"4412", "441204"})),
		"tax_grade", maybe(r, 0.2, pick(r, []string{"A", "B", "A,B"})),
		"cert", maybe(r, 0.1, "tech_sme"),
		"pool", maybe(r, 0.1, "true"),
		"employees", maybe(r, 0.1, "10..100"),
		"facets", maybe(r, 0.5, facets(r, []string{"cert", "city", "industry", "pool", "region", "tax_grade"})),
		"sort", maybe(r, 0.3, pick(r, []string{"-revenue", "employees", "-founded", "need_amount"})),
		"size", maybe(r, 0.3, pick(r, []string{"10", "50"})),
	)}
}

func (w *ipmatchWorkload) similarPatents(r *rand.Rand) request {
	role := w.role(r, "patents", 60, 25, 15)
	id := pick(r, w.t.ids[role]["patents"])
	return request{role: role, path: "/api/v1/patents/" + url.PathEscape(id) + "/similar" + query(
		"type", maybe(r, 0.2, "invention,utility_model"),
		"size", maybe(r, 0.3, "5"),
	)}
}

func (w *ipmatchWorkload) matches(r *rand.Rand) request {
	// A bank sees enterprises through its products' pipelines (403 here).
	role := w.role(r, "enterprises", 60, 0, 40)
	id := pick(r, w.t.ids[role]["enterprises"])
	return request{role: role, path: "/api/v1/enterprises/" + url.PathEscape(id) + "/matches" + query(
		"eligible", maybe(r, 0.4, "true"),
	)}
}

func (w *ipmatchWorkload) pipeline(r *rand.Rand) request {
	role := w.role(r, "products", 40, 60, 0)
	id := pick(r, w.t.ids[role]["products"])
	return request{role: role, path: "/api/v1/products/" + url.PathEscape(id) + "/pipeline" + query(
		"eligible", maybe(r, 0.4, "true"),
		"size", pick(r, []string{"10", "20", "50"}),
	)}
}

func (w *ipmatchWorkload) valuation(r *rand.Rand) request {
	role := w.role(r, "enterprises", 40, 30, 30)
	id := pick(r, w.t.ids[role]["enterprises"])
	q := ""
	switch r.IntN(3) {
	case 0:
		q = query("draws", "1000", "seed", strconv.Itoa(1+r.IntN(1000)))
	case 1:
		q = query("draws", "5000")
	}
	return request{role: role, path: "/api/v1/enterprises/" + url.PathEscape(id) + "/valuation" + q}
}

func (w *ipmatchWorkload) income(r *rand.Rand) request {
	role := w.role(r, "", 30, 40, 30)
	cf := make([]float64, 3+r.IntN(6))
	for i := range cf {
		cf[i] = float64(100000 + r.IntN(900000))
	}
	body, _ := json.Marshal(map[string]any{
		"cash_flows":    cf,
		"share_rate":    0.1 + 0.3*r.Float64(),
		"tax_rate":      pick(r, []float64{0.15, 0.25}),
		"discount_rate": 0.08 + 0.07*r.Float64(),
	})
	return request{role: role, method: "POST", path: "/api/v1/valuations/income", body: body}
}

// readable returns the kinds role may read at least one record of.
func (w *ipmatchWorkload) readable(role string) []string {
	var out []string
	for _, k := range kinds {
		if len(w.t.ids[role][k]) > 0 {
			out = append(out, k)
		}
	}
	return out
}

func (w *ipmatchWorkload) getRecord(r *rand.Rand) request {
	role := w.role(r, "", 60, 20, 20)
	kind := pick(r, w.readable(role))
	id := pick(r, w.t.ids[role][kind])
	return request{role: role, path: "/api/v1/" + kind + "/" + url.PathEscape(id)}
}

func (w *ipmatchWorkload) listRecords(r *rand.Rand) request {
	role := w.role(r, "", 60, 20, 20)
	kind := pick(r, w.readable(role))
	size := pick(r, []int{10, 20, 50, 100})
	pages := max(1, (w.t.totals[role][kind]+size-1)/size)
	owner := ""
	if role == organizer && kind == "patents" && r.IntN(4) == 0 {
		owner = pick(r, w.t.ids[organizer]["enterprises"])
		pages = 1
	}
	return request{role: role, path: "/api/v1/" + kind + query(
		"owner_id", owner,
		"page", strconv.Itoa(1+r.IntN(pages)),
		"size", strconv.Itoa(size),
	)}
}

// ceilingWorkload is the bare gin server's one request.
type ceilingWorkload struct{}

func (ceilingWorkload) types() []typeInfo { return []typeInfo{{"ping", 1}} }

func (ceilingWorkload) next(*rand.Rand) request {
	return request{method: "GET", path: ceilingPath}
}
