package web

import (
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/search"
)

// Three pages over the API's search, valuation and pool risk:
//
//	GET /app/enterprise/products      enterprise: product search (as GET /api/v1/search/products)
//	GET /app/enterprise/valuation     enterprise: Monte Carlo value of its portfolio (as GET /api/v1/enterprises/{id}/valuation)
//	GET /app/organizer/pools/{id}     organizer: a pool's risk (as GET /api/v1/pools/{id}/risk)

// ---- Product search ----

// productSearchForm are the parameters of the product search form.
var productSearchForm = []string{"q", "bank", "amount", "term", "page"}

// productHitView is one product found.
type productHitView struct {
	ID, Name, BankName string
	MinAmount          int64
	MaxAmount          int64
	MinTerm, MaxTerm   int64
	Spread             string
	// Fragments are the highlighted fragments: escaped text with <mark>.
	Fragments []template.HTML
	// Eligibility is whether the signed-in enterprise qualifies.
	Eligibility hitEligibility
}

// productSearchView is the data of /app/enterprise/products.
type productSearchView struct {
	// Off is set when the server has no search index.
	Off                   bool
	Q, Bank, Amount, Term string
	Banks                 []bankOption
	Searched              bool
	Total                 int
	Relaxed               bool
	Hits                  []productHitView
	Page, Pages           int
	PrevURL, NextURL      string
	// Error says, in Chinese, what is wrong with the form's input; the
	// page shows it beside the form.
	Error string
}

// bankOption is one bank of the filter's list.
type bankOption struct{ ID, Name string }

// productSearchPage handles GET /app/enterprise/products: the search form
// and, when a query or filter is given, the products found with the
// caller's scope (active products), highlighted and paged.
func (h *webHandlers) productSearchPage(c *gin.Context) error {
	if err := requireRole(c, data.RoleCompany, "/app/enterprise/products"); err != nil {
		return err
	}
	v := productSearchView{Off: h.s.Cfg.Search == nil, Page: 1}
	if v.Off {
		return h.render(c, http.StatusOK, "products", webPage{Title: "搜索贷款产品", Data: v})
	}
	err := h.searchProducts(c, &v)
	if code := data.ErrorCode(err); code == data.CodeMalformed || code == data.CodeInvalid {
		// Bad input is answered on the form, in Chinese, with the
		// status it deserves; the user fixes it where it was typed.
		v.Error, v.Hits, v.Searched = searchFormError(err), nil, false
		c.Set(door.KeyErrorCode, string(code))
		return h.render(c, door.StatusOf[code], "products", webPage{Title: "搜索贷款产品", Data: v})
	}
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "products", webPage{Title: "搜索贷款产品", Data: v})
}

// searchFormFields names the product search form's fields in Chinese.
var searchFormFields = map[string]string{"q": "关键词", "bank": "银行", "amount": "贷款金额", "term": "期限", "page": "页码"}

// searchFormError says in Chinese what is wrong with the search form's
// input err names: the search package's reasons are English (they serve
// the API), so the page gives the field and what to check; a reason that
// is already Chinese is kept.
func searchFormError(err error) string {
	for _, f := range data.ErrorFields(err) {
		if hasHan(f.Reason) && !englishWord.MatchString(f.Reason) {
			return f.Reason
		}
		label, ok := searchFormFields[f.Field]
		if !ok {
			return "搜索地址含有表单以外的参数，请从本页的搜索表单重新搜索。"
		}
		switch f.Field {
		case "q":
			return "无法理解" + label + "：请检查引号（\"、「」）和括号是否成对、字段名是否正确；关键词不宜过长，单个汉字最多 4 个。"
		case "amount":
			return label + "应为正数，如 300万 或 3000000。"
		case "term":
			return label + "应为正整数（月），如 12。"
		default:
			return label + "有误，请检查后重试。"
		}
	}
	return "搜索条件有误，请检查后重试。"
}

// englishWord finds an English word (not a unit such as 万 or a code).
var englishWord = regexp.MustCompile(`[A-Za-z]{3,}`)

// hasHan reports whether s holds a Chinese character.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// searchProducts fills v from the request's search form: the products
// found with the caller's scope (active products), highlighted and paged.
// Bad input is a malformed or invalid error naming the field.
func (h *webHandlers) searchProducts(c *gin.Context, v *productSearchView) error {
	ctx, p := c.Request.Context(), door.Caller(c)
	// Only the form's fields, and only those filled in, go to the search.
	in := c.Request.URL.Query()
	clean := url.Values{}
	for name, vals := range in {
		found := false
		for _, f := range productSearchForm {
			found = found || f == name
		}
		if !found {
			return data.MalformedField(name, "is not a field of the search form; known: %s", strings.Join(productSearchForm, ", "))
		}
		if val := strings.TrimSpace(vals[len(vals)-1]); val != "" {
			clean.Set(name, val)
		}
	}
	v.Q, v.Bank, v.Amount, v.Term = clean.Get("q"), clean.Get("bank"), clean.Get("amount"), clean.Get("term")
	banks, err := h.bankNames(ctx, p)
	if err != nil {
		return err
	}
	for id, name := range banks {
		v.Banks = append(v.Banks, bankOption{ID: id, Name: name})
	}
	slices.SortFunc(v.Banks, func(a, b bankOption) int { return cmp.Compare(a.Name, b.Name) })
	if len(clean) == 0 || len(clean) == 1 && clean.Has("page") {
		return nil
	}
	v.Searched = true
	c.Request.URL.RawQuery = clean.Encode()
	req, page, err := door.ParseSearchQuery(c, true)
	if err != nil {
		return err
	}
	if req.Scope, err = h.s.App.SearchScope(ctx, p, search.Products); err != nil {
		return err
	}
	res, err := h.s.Cfg.Search.Search(ctx, search.Products, req)
	if err != nil {
		return err
	}
	if page > 1 && req.From >= res.Total {
		last := max(1, (res.Total+req.Size-1)/req.Size)
		return data.MalformedField("page", "第 %d 页超出范围：共 %d 条结果，%d 页", page, res.Total, last)
	}
	v.Total, v.Relaxed, v.Page = res.Total, res.Relaxed, page
	v.Pages = max(1, (res.Total+req.Size-1)/req.Size)
	if maxPages := search.MaxWindow / req.Size; v.Pages > maxPages {
		v.Pages = maxPages
	}
	for _, hit := range res.Hits {
		v.Hits = append(v.Hits, productHit(hit, banks))
	}
	if err := h.searchHitsEligibility(ctx, p, v.Hits); err != nil {
		return err
	}
	pageURL := func(n int) string {
		q := url.Values{}
		for k, vs := range clean {
			q[k] = vs
		}
		q.Set("page", strconv.Itoa(n))
		return "/app/enterprise/products?" + q.Encode()
	}
	if page > 1 {
		v.PrevURL = pageURL(page - 1)
	}
	if page < v.Pages {
		v.NextURL = pageURL(page + 1)
	}
	return nil
}

// productHit turns a search hit into its view.
func productHit(hit search.Hit, banks map[string]string) productHitView {
	str := func(k string) string { s, _ := hit.Fields[k].(string); return s }
	num := func(k string) int64 {
		switch x := hit.Fields[k].(type) {
		case int64:
			return x
		case float64:
			return int64(x)
		}
		return 0
	}
	v := productHitView{ID: hit.ID, Name: str("name"), BankName: str("bank_name"),
		MinAmount: num("min_amount"), MaxAmount: num("max_amount"), MinTerm: num("min_term"), MaxTerm: num("max_term"),
		Spread: "LPR " + spreadLabel(int(num("spread_bp")))}
	if v.BankName == "" {
		v.BankName = banks[str("bank_id")]
	}
	for _, field := range []string{"name", "description"} {
		for _, f := range hit.Fragments[field] {
			v.Fragments = append(v.Fragments, markOnly(f))
		}
	}
	return v
}

// markOnly makes a search fragment (HTML-escaped text with <mark> and
// </mark> around matches) safe to show: the text between the tags is
// unescaped and escaped again, and only balanced <mark> tags are kept.
func markOnly(frag string) template.HTML {
	var b strings.Builder
	open := false
	for frag != "" {
		i := strings.Index(frag, "<mark>")
		j := strings.Index(frag, "</mark>")
		next, tag := -1, ""
		switch {
		case i >= 0 && (j < 0 || i < j):
			next, tag = i, "<mark>"
		case j >= 0:
			next, tag = j, "</mark>"
		}
		if next < 0 {
			b.WriteString(template.HTMLEscapeString(unescapeFragment(frag)))
			break
		}
		b.WriteString(template.HTMLEscapeString(unescapeFragment(frag[:next])))
		if tag == "<mark>" && !open {
			b.WriteString(tag)
			open = true
		} else if tag == "</mark>" && open {
			b.WriteString(tag)
			open = false
		}
		frag = frag[next+len(tag):]
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}

// unescapeFragment undoes the HTML escaping of a fragment's text.
func unescapeFragment(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#34;", `"`, "&#39;", "'", "&amp;", "&").Replace(s)
}

// ---- Portfolio valuation ----
