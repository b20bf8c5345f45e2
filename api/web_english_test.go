package api

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/web"
)

// visibleText returns what a reader of an HTML page sees or hears: its
// text, and the attributes a browser shows or reads aloud (title, alt,
// placeholder, aria-label, a button's value), each separated by a space.
// Scripts, styles and the other attributes are left out, and so are
// <pre>, <code>, <kbd> and <samp>: they show commands and files a reader
// types or saves as they are (ipmatch calibrate, a calibration's JSON).
func visibleText(page string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(page))
	skip := 0 // depth inside an element whose text is not read
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
				b.WriteByte(' ')
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.DataAtom {
			case atom.Script, atom.Style, atom.Template, atom.Pre, atom.Code, atom.Kbd, atom.Samp:
				if tok.Type == html.StartTagToken {
					skip++
				}
				continue
			}
			if skip > 0 {
				continue
			}
			button := tok.DataAtom == atom.Input && slices.ContainsFunc(tok.Attr, func(a html.Attribute) bool {
				return a.Key == "type" && (a.Val == "submit" || a.Val == "button" || a.Val == "reset")
			})
			for _, a := range tok.Attr {
				switch {
				case a.Key == "title", a.Key == "alt", a.Key == "placeholder", a.Key == "aria-label", button && a.Key == "value":
					b.WriteString(a.Val)
					b.WriteByte(' ')
				}
			}
		case html.EndTagToken:
			switch z.Token().DataAtom {
			case atom.Script, atom.Style, atom.Template, atom.Pre, atom.Code, atom.Kbd, atom.Samp:
				if skip > 0 {
					skip--
				}
			}
		}
	}
}

// pageWords are the Latin-letter words a Chinese page may show: names
// and abbreviations a Chinese reader of these pages knows as they are.
// Codes never count: words with a digit, an underscore, a dot or a slash
// (ent_0038, C34, G06F, P90, GB/T, ipmatch-match/2.0, an address such as
// /app/nope) and single letters (tax grades A–D, M); everything else here
// needs a reason.
var pageWords = map[string]bool{
	"ipmatch": true, // the product's name, in the footer
	"LPR":     true, // 贷款市场报价利率, quoted as LPR by every bank
	"CSV":     true, // the download formats, named as the files are
	"Excel":   true,
	"XLSX":    true,
	"ics":     true, // the calendar file's extension (.ics)
	"IPC":     true, // 国际专利分类 codes are called IPC in CNIPA's own forms
	"AHP":     true, // the valuation's weighting method, as appraisers name it
	"EL":      true, // expected loss, probability of default, loss given
	"PD":      true, // default: the pool page's risk terms, as banks write them
	"LGD":     true,
	"API":     true, // the audit log's kind 「API 令牌」, as the tokens are called
	"log":     true, // functions in the formulas of the calibration and pool pages
	"min":     true,
	"OR":      true, // the search syntax's operator, typed as it is (如：专利贷 OR 知识产权)
	"Vasicek": true, // the pool model's author (Vasicek 模型), a proper name
	"PLC":     true, // 可编程逻辑控制器, as Chinese engineers write it: the demo's patent titles and the landscape's clusters name it
}

// englishWordRe finds candidate words: runs of letters, digits and
// underscores, joined by single hyphens, dots or slashes, so that an ID,
// a version or an address is one word, not English parts and a number.
var englishWordRe = regexp.MustCompile(`/?[A-Za-z0-9_]+(?:[-./][A-Za-z0-9_]+)*`)

// englishWords returns the English words of text a reader would see, in
// order, with repeats: every word of two or more Latin letters that is
// not a code (it has a digit or an underscore) nor one of pageWords.
func englishWords(text string) []string {
	var words []string
	for _, w := range englishWordRe.FindAllString(text, -1) {
		if !isEnglishWord(w) {
			continue
		}
		words = append(words, w)
	}
	return words
}

func isEnglishWord(w string) bool {
	if len(w) < 2 || strings.ContainsAny(w, "0123456789_./") || pageWords[w] {
		return false
	}
	return true
}

// englishOnPage describes each English word of page's visible text with a
// little of the text around it; nil when there is none.
func englishOnPage(page string) []string {
	text := strings.Join(strings.Fields(visibleText(page)), " ")
	var found []string
	for _, loc := range englishWordRe.FindAllStringIndex(text, -1) {
		w := text[loc[0]:loc[1]]
		if !isEnglishWord(w) {
			continue
		}
		found = append(found, fmt.Sprintf("%q in «%s»", w, around(text, loc[0], loc[1], 30)))
	}
	return found
}

// around returns text[i:j] with up to n runes either side.
func around(text string, i, j, n int) string {
	before, after := []rune(text[:i]), []rune(text[j:])
	before = before[max(0, len(before)-n):]
	after = after[:min(len(after), n)]
	return string(before) + text[i:j] + string(after)
}

func TestEnglishWords(t *testing.T) {
	page := `<html><head><title>估值 Report</title><style>.a{color:red}</style><script>var x = "hidden";</script></head>
<body><p class="note" data-x="attribute words">利率 LPR + 50 个基点，ent_0038 行业 C34 P10–P90 A 级</p>
<img alt="pool chart"><input placeholder="enter words"><input type="submit" value="Save it"><input type="hidden" value="secret value">
<svg aria-label="value bars"></svg><a title="a tooltip" href="/x?y=z">链接</a> application pending
<pre>{"basis": "fitted"}</pre> 运行 <code>ipmatch calibrate --out file</code> 没有这个页面：/app/nope 版本 ipmatch-match/2.0 GB/T 42748-2023</body></html>`
	got := englishWords(visibleText(page))
	want := []string{"Report", "pool", "chart", "enter", "words", "Save", "it", "value", "bars", "tooltip", "application", "pending"}
	if !slices.Equal(got, want) {
		t.Errorf("englishWords = %q, want %q", got, want)
	}
}

// englishPageCheck is one page the checker fetches: as whom, where, and
// the status it should answer with.
type englishPageCheck struct {
	role, path string
	status     int
}

// englishCheckPages are the pages checked besides those linked from each
// role's home page: the sub-pages, a search with a good and a bad query,
// a pipeline's second page, and the error pages each role meets.
func englishCheckPages() []englishPageCheck {
	event := "/app/organizer/events/" + demo.EventID
	pipeline := "/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline"
	return []englishPageCheck{
		{"organizer", event, http.StatusOK},
		{"organizer", event + "/matrix", http.StatusOK},
		{"organizer", event + "/schedule.html", http.StatusOK},
		{"organizer", "/app/organizer/pools/" + demo.PoolID, http.StatusOK},
		{"organizer", "/app/organizer/audit", http.StatusOK},
		{"organizer", "/app/organizer/calibration", http.StatusOK},
		{"organizer", "/app/appraisals", http.StatusOK},
		{"organizer", "/app/organizer/events/evt_nope", http.StatusNotFound},
		{"organizer", "/app/organizer/pools/pool_nope", http.StatusNotFound},
		{"organizer", "/app/bank/deals", http.StatusForbidden},
		{"organizer", "/app/enterprise/valuation", http.StatusForbidden},
		{"organizer", "/app/nope", http.StatusNotFound},

		{"bank", "/app/bank/deals", http.StatusOK},
		{"bank", "/app/bank/meetings", http.StatusOK},
		{"bank", "/app/bank/enterprises/ent_0007?" + matchAsOfParam, http.StatusOK},
		{"bank", "/app/bank/enterprises/ent_nope", http.StatusNotFound},
		{"bank", pipeline + "?" + matchAsOfParam, http.StatusOK},
		{"bank", pipeline + "?" + matchAsOfParam + "&page=2", http.StatusOK},
		{"bank", "/app/appraisals", http.StatusOK},
		{"bank", "/app/bank/products/" + demo.ProdSihuiPatentLoan + "/pipeline", http.StatusNotFound},
		{"bank", "/app/bank/products/prod_nope/pipeline", http.StatusNotFound},
		{"bank", "/app/organizer", http.StatusForbidden},
		{"bank", "/app/organizer/pools/" + demo.PoolID, http.StatusForbidden},
		{"bank", event + "/matrix", http.StatusForbidden},
		{"bank", "/app/enterprise/events", http.StatusForbidden},
		{"bank", "/app/bank/nope", http.StatusNotFound},

		{"enterprise", "/app/enterprise/events", http.StatusOK},
		{"enterprise", "/app/enterprise/valuation", http.StatusOK},
		{"enterprise", "/app/enterprise/products?q=" + url.QueryEscape("专利贷"), http.StatusOK},
		{"enterprise", "/app/enterprise/products?q=" + url.QueryEscape(`专利"贷`), http.StatusBadRequest},
		{"enterprise", "/app/appraisals", http.StatusOK},
		{"enterprise", "/app/bank", http.StatusForbidden},
		{"enterprise", "/app/organizer/audit", http.StatusForbidden},
		{"enterprise", pipeline, http.StatusForbidden},
		{"enterprise", "/app/enterprise/prodcuts", http.StatusNotFound},
		{"bank", "/app/organizer/users", http.StatusForbidden},
		{"bank", "/reset/user_nope." + strings.Repeat("A", 43), http.StatusNotFound},
		{"bank", "/apply/status", http.StatusOK},
	}
}

// englishCheckTokens are the roles' sign-ins. The bank's and enterprise's
// labels are in English as serve --demo's are, and not shown; the
// organizer's label is (in the header and the audit log), so it is
// Chinese here and TestWebHeaderTokenLabel checks an English one.
var englishCheckTokens = map[string]*data.Token{
	"organizer":  {Role: data.RoleOrganizer, Label: "交易中心"},
	"bank":       {Role: data.RoleBank, BankID: demo.BankCCB, Label: "demo bank"},
	"enterprise": {Role: data.RoleCompany, EnterpriseID: "ent_0007", Label: "demo enterprise"},
}

var appLinkRe = regexp.MustCompile(`href="(/app[^"]*)"`)

// TestWebPagesSpeakChinese signs in as each role, fetches every page its
// home page links to and the pages of englishCheckPages, and lists every
// English word a reader would see on them.
func TestWebPagesSpeakChinese(t *testing.T) {
	f := newWebSearchFixture(t)
	browsers := map[string]*browser{}
	for role, tok := range englishCheckTokens {
		secret := "ipm_english_" + role
		tok.Hash = data.HashToken(secret)
		put(t, f.store.Tokens(), tok)
		b := newBrowser(f)
		b.signIn(secret)
		browsers[role] = b
	}
	// The event's schedule, so that its printable form is there to check.
	w, _ := browsers["organizer"].get("/app/organizer/events/" + demo.EventID)
	if w = browsers["organizer"].do("POST", "/app/organizer/events/"+demo.EventID+"/schedule", url.Values{web.CSRFField: {csrf(t, w)}}); w.Code != http.StatusSeeOther {
		t.Fatalf("computing the schedule: %d %s", w.Code, w.Body)
	}
	checked := map[string]bool{}
	check := func(role, path string, status int) {
		t.Helper()
		if checked[role+" "+path] {
			return
		}
		checked[role+" "+path] = true
		w, at := browsers[role].get(path)
		if status != 0 && w.Code != status {
			t.Errorf("%s %s: status %d, want %d", role, path, w.Code, status)
		}
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			return
		}
		for _, hit := range englishOnPage(w.Body.String()) {
			t.Errorf("%s %s (%d): English %s", role, at, w.Code, hit)
		}
	}
	for _, role := range []string{"organizer", "bank", "enterprise"} {
		home := web.RoleHome(englishCheckTokens[role].Role)
		w, _ := browsers[role].get(home)
		check(role, home, http.StatusOK)
		for _, m := range appLinkRe.FindAllStringSubmatch(w.Body.String(), -1) {
			link := html.UnescapeString(m[1])
			if strings.HasSuffix(strings.SplitN(link, "?", 2)[0], ".csv") || strings.Contains(link, ".xlsx") || strings.Contains(link, ".ics") {
				continue
			}
			check(role, link, 0)
		}
	}
	for _, p := range englishCheckPages() {
		check(p.role, p.path, p.status)
	}
}

// TestWebHeaderTokenLabel: the header names a token sign-in in Chinese
// when the token's label is English (serve --demo's 「demo organizer」),
// and by its label when that is Chinese.
func TestWebHeaderTokenLabel(t *testing.T) {
	f := newMatchFixture(t)
	for label, want := range map[string]string{"demo organizer": "令牌登录", "交易中心二部": "交易中心二部"} {
		secret := "ipm_header_" + strings.ReplaceAll(label, " ", "_")
		put(t, f.store.Tokens(), &data.Token{Hash: data.HashToken(secret), Role: data.RoleOrganizer, Label: label})
		b := newBrowser(f)
		b.signIn(secret)
		w, _ := b.get("/app/organizer")
		page := htmlPage(t, w, http.StatusOK)
		wantText(t, page, `<span class="who">`+want+`</span>`)
		for _, hit := range englishOnPage(w.Body.String()) {
			t.Errorf("label %q: English %s", label, hit)
		}
	}
}
