package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"ipmatch/data/demo"
	"ipmatch/web"
)

func TestWebMatchMatrix(t *testing.T) {
	f := newMatchFixture(t)
	b := newBrowser(f)
	b.signIn(matchOrgToken)
	eventURL := "/app/organizer/events/" + demo.EventID
	w, _ := b.get(eventURL)
	wantText(t, htmlPage(t, w, http.StatusOK), eventURL+"/matrix", "匹配矩阵")

	w, _ = b.get(eventURL + "/matrix")
	body := htmlPage(t, w, http.StatusOK)
	wantText(t, body, "匹配矩阵", "中国建设银行", "科创知识产权质押贷", `<td class="yes">✓ `, `<td class="no" title="`)
	// A ✗ cell names its first failed rule in Chinese.
	i := strings.Index(body, `<td class="no" title="`)
	if i >= 0 {
		title := body[i+len(`<td class="no" title="`):]
		title = title[:strings.Index(title, `"`)]
		if title == "" || !strings.ContainsFunc(title, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("✗ cell title %q is not a Chinese message", title)
		}
	}

	// A bank gets the 403 page.
	bank := newBrowser(f)
	bank.signIn(matchCCBToken)
	w, _ = bank.get(eventURL + "/matrix")
	wantText(t, htmlPage(t, w, http.StatusForbidden), "无权访问")
}

func TestWebPinMeeting(t *testing.T) {
	f := newMatchFixture(t)
	ctx := t.Context()
	b := newBrowser(f)
	b.signIn(matchOrgToken)
	eventURL := "/app/organizer/events/" + demo.EventID
	w, _ := b.get(eventURL)
	token := csrf(t, w)
	if w := b.do("POST", eventURL+"/schedule", url.Values{web.CSRFField: {token}}); w.Code != http.StatusSeeOther {
		t.Fatalf("POST schedule: %d %s", w.Code, w.Body)
	}
	w, _ = b.get(eventURL)
	body := htmlPage(t, w, http.StatusOK)
	wantText(t, body, eventURL+"/pins", `value="固定"`)
	rec, err := f.store.Schedules().Get(ctx, demo.EventID)
	if err != nil || len(rec.Meetings) == 0 {
		t.Fatalf("no schedule: %v", err)
	}
	m := rec.Meetings[0]
	pinned := func() bool {
		t.Helper()
		sch, err := f.store.Schedules().Get(ctx, demo.EventID)
		if err != nil {
			t.Fatalf("schedule: %v", err)
		}
		for _, s := range sch.Meetings {
			if s.EnterpriseID == m.EnterpriseID && s.BankID == m.BankID {
				return s.Pinned
			}
		}
		t.Fatalf("meeting %s × %s gone", m.EnterpriseID, m.BankID)
		return false
	}
	if pinned() {
		t.Fatalf("a computed meeting is pinned")
	}
	form := func(p string, csrf string) url.Values {
		v := url.Values{"enterprise_id": {m.EnterpriseID}, "bank_id": {m.BankID}, "pinned": {p}}
		if csrf != "" {
			v.Set(web.CSRFField, csrf)
		}
		return v
	}

	// Without or with a wrong CSRF token nothing changes.
	before := f.snapshot()
	for _, tok := range []string{"", "wrong"} {
		wantText(t, htmlPage(t, b.do("POST", eventURL+"/pins", form("true", tok)), http.StatusForbidden), "无权访问", "CSRF")
	}
	f.unchanged(before)

	// Pin.
	w = b.do("POST", eventURL+"/pins", form("true", token))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != eventURL {
		t.Fatalf("POST pins: %d %q %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	if !pinned() {
		t.Fatalf("the meeting is not pinned")
	}
	w, _ = b.get(eventURL)
	body = htmlPage(t, w, http.StatusOK)
	wantText(t, body, "已固定该会谈", `class="pinned"`, `value="取消固定"`)

	// Unpin.
	w = b.do("POST", eventURL+"/pins", form("false", token))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST pins: %d %s", w.Code, w.Body)
	}
	if pinned() {
		t.Fatalf("the meeting is still pinned")
	}
	w, _ = b.get(eventURL)
	body = htmlPage(t, w, http.StatusOK)
	wantText(t, body, "已取消固定")
	if strings.Contains(body, `class="pinned"`) {
		t.Errorf("an unpinned grid shows a pin")
	}

	// A bank may not pin.
	bank := newBrowser(f)
	bank.signIn(matchCCBToken)
	w, _ = bank.get("/app/bank")
	htmlPage(t, bank.do("POST", eventURL+"/pins", form("true", csrf(t, w))), http.StatusForbidden)
	if pinned() {
		t.Errorf("a bank pinned a meeting")
	}
}

func TestWebPipelineXLSX(t *testing.T) {
	f := newMatchFixture(t)
	b := newBrowser(f)
	b.signIn(matchCCBToken)
	pipeURL := "/app/bank/products/" + demo.ProdCCBKechuang + "/pipeline"
	w, _ := b.get(pipeURL + "?" + matchAsOfParam)
	wantText(t, htmlPage(t, w, http.StatusOK), "pipeline.xlsx?", "下载 Excel")

	w, _ = b.get(pipeURL + ".csv?" + matchAsOfParam)
	if w.Code != http.StatusOK {
		t.Fatalf("CSV: %d", w.Code)
	}
	csvRows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(w.Body.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}

	w, _ = b.get(pipeURL + ".xlsx?" + matchAsOfParam)
	if w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("XLSX: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if cd := w.Header().Get("Content-Disposition"); !strings.Contains(cd, ".xlsx") {
		t.Errorf("Content-Disposition %q", cd)
	}
	x, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) != 1 {
		t.Fatalf("sheets %v", sheets)
	}
	rows, err := x.GetRows(sheets[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(csvRows) || len(csvRows) < 2 {
		t.Fatalf("XLSX %d rows, CSV %d", len(rows), len(csvRows))
	}
	if strings.Join(rows[0], ",") != strings.Join(csvRows[0], ",") {
		t.Errorf("header %v, want %v", rows[0], csvRows[0])
	}
	for i := 1; i < len(rows); i++ {
		if rows[i][0] != csvRows[i][0] || rows[i][1] != csvRows[i][1] || rows[i][2] != csvRows[i][2] || rows[i][3] != csvRows[i][3] {
			t.Errorf("row %d: %v, CSV %v", i, rows[i][:4], csvRows[i][:4])
			break
		}
	}

	// Another bank's product is the 404 page.
	other := newBrowser(f)
	other.signIn(matchZQRCBToken)
	w, _ = other.get(pipeURL + ".xlsx?" + matchAsOfParam)
	wantText(t, htmlPage(t, w, http.StatusNotFound), "页面或记录不存在")
}
