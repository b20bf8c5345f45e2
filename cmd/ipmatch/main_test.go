package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"ipmatch/data"
	"ipmatch/data/demo"
)

// cnipaFile is the real 199-record CNIPA export kept in the data package's
// testdata.
var cnipaFile = filepath.Join("..", "..", "data", "testdata", "cnipa_biblio_export_199.csv")

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestImportCNIPATwice(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := runCLI(t, "import", "--data", dir, "--kind", "patents", "--format", "cnipa-csv", cnipaFile)
	if code != 0 {
		t.Fatalf("first import exit %d: %s %s", code, out, errOut)
	}
	var rep data.ImportReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out)
	}
	if rep.Imported != 199 || rep.Updated != 0 || len(rep.Rejected) != 0 {
		t.Fatalf("first import: %+v", rep)
	}
	out, _, code = runCLI(t, "import", "--data", dir, "--kind", "patents", "--format", "cnipa-csv", cnipaFile)
	if code != 0 {
		t.Fatalf("second import exit %d", code)
	}
	rep = data.ImportReport{}
	json.Unmarshal([]byte(out), &rep)
	if rep.Imported != 0 || rep.Updated != 0 || rep.Unchanged != 199 {
		t.Fatalf("re-import changed something: %+v", rep)
	}
	// Export gives back 199 utility models with IPC, dates, applicants and a region.
	out, _, code = runCLI(t, "export", "--data", dir, "--kind", "patents", "--format", "jsonl")
	if code != 0 {
		t.Fatalf("export exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 199 {
		t.Fatalf("exported %d patents, want 199", len(lines))
	}
	noRegion := 0
	for _, l := range lines {
		var p data.Patent
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatal(err)
		}
		if p.Type != data.UtilityModel || len(p.IPC) == 0 || p.FilingDate.IsZero() || len(p.Applicants) == 0 {
			t.Fatalf("incomplete patent %s: type %s ipc %v filed %s applicants %v", p.ApplicationNumber, p.Type, p.IPC, p.FilingDate, p.Applicants)
		}
		if p.Region == "" {
			// Only the applicants abroad (Australia, Germany) have no Chinese region code.
			if !strings.HasPrefix(p.Address, "澳大利亚") && !strings.HasPrefix(p.Address, "德国") {
				t.Errorf("%s: no region for %q", p.ApplicationNumber, p.Address)
			}
			noRegion++
		}
	}
	if noRegion != 2 {
		t.Errorf("%d patents without a region, want the 2 from abroad", noRegion)
	}
}

func TestImportReportsRejectedRows(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(t.TempDir(), "bad.jsonl")
	writeFile(t, in, `{"application_number":"201220249767.4","title":"一种钢筋混凝土轨枕","ipc":["E01B3/32"],"applicants":["海安县建莲商品混凝土有限公司"],"filing_date":"2012-05-31"}
{"application_number":"201220249767.5","title":"校验位错误","ipc":["E01B3/32"],"applicants":["甲"],"filing_date":"2012-05-31"}
`)
	out, _, code := runCLI(t, "import", "--data", dir, "--kind", "patents", "--format", "jsonl", in)
	if code != exitRejected {
		t.Fatalf("exit %d, want %d\n%s", code, exitRejected, out)
	}
	var rep data.ImportReport
	json.Unmarshal([]byte(out), &rep)
	if rep.Imported != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Field != "application_number" {
		t.Fatalf("report %+v", rep)
	}
}

// TestCommandHelp checks that -h of every command with flags lists them
// on stdout and exits 0, and that an unknown flag points to -h.
func TestCommandHelp(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string // one flag the help must list
	}{
		{[]string{"serve", "-h"}, "-addr"},
		{[]string{"serve", "--help"}, "-memory-limit"},
		{[]string{"import", "-h"}, "-format"},
		{[]string{"export", "-h"}, "-data"},
		{[]string{"token", "create", "-h"}, "-role"},
		{[]string{"reindex", "-h"}, "-index"},
		{[]string{"bench-data", "-h"}, "-enterprises"},
		{[]string{"calibrate", "-h"}, "-out"},
	} {
		out, errOut, code := runCLI(t, c.args...)
		if code != 0 || !strings.Contains(out, "usage: ipmatch") || !strings.Contains(out, c.flag) || errOut != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 0 and the flags, %s among them, on stdout", c.args, code, out, errOut, c.flag)
		}
	}
	_, errOut, code := runCLI(t, "serve", "--bogus")
	if code != 2 || !strings.Contains(errOut, "-bogus") || !strings.Contains(errOut, "ipmatch serve -h") {
		t.Errorf("serve --bogus: exit %d, %q; want 2, naming the flag and pointing to -h", code, errOut)
	}
}

func TestCLIUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"import", "--data", t.TempDir(), "x.csv"},
		{"frobnicate"},
		{"token", "create", "--data", t.TempDir(), "--bogus"},
		{"serve", "--data", t.TempDir(), "--follow-interval", "soon"},
		{"serve", "--data", t.TempDir(), "--follow-interval", "-1s"},
		{"serve", "--data", t.TempDir(), "--trusted-proxies", "10.0.0.0/8,proxy.example"},
	} {
		if _, _, code := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	// A bank token needs an existing bank.
	_, errOut, code := runCLI(t, "token", "create", "--data", t.TempDir(), "--role", "bank", "--bank", "bank_nope")
	if code != 1 || !strings.Contains(errOut, "bank_nope") {
		t.Errorf("token for a missing bank: exit %d, %s", code, errOut)
	}
}

func TestServeDemoEndToEnd(t *testing.T) {
	t.Parallel()
	m := &Main{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0", Demo: true}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	get := func(path, token string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("GET", m.URL()+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var v map[string]any
		json.Unmarshal(body, &v)
		return resp.StatusCode, v
	}
	if code, _ := get("/healthz", ""); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	if code, _ := get("/api/v1/products", ""); code != 401 {
		t.Fatalf("no token: %d, want 401", code)
	}
	code, body := get("/api/v1/products?size=100", m.DemoTokens[data.RoleOrganizer])
	if code != 200 || body["total"].(float64) < 10 {
		t.Fatalf("organizer products: %d %v", code, body["total"])
	}
	code, body = get("/api/v1/patents?size=1", m.DemoTokens[data.RoleOrganizer])
	if code != 200 || body["total"].(float64) < 600 {
		t.Fatalf("organizer patents: %d %v", code, body["total"])
	}
	// The demo is matched as of its event day (2021-04-23), when the
	// on-site signer ent_0003 qualified for several products.
	code, body = get("/api/v1/enterprises/ent_0003/matches", m.DemoTokens[data.RoleOrganizer])
	if code != 200 {
		t.Fatalf("matches: %d %v", code, body)
	}
	if asOf := body["parameters"].(map[string]any)["as_of"]; asOf != "2021-04-23" || body["eligible"].(float64) < 1 {
		t.Fatalf("demo matches as of %v: %v eligible products", asOf, body["eligible"])
	}
	// A bank sees only its own products.
	code, body = get("/api/v1/products?size=100", m.DemoTokens[data.RoleBank])
	if code != 200 {
		t.Fatalf("bank products: %d", code)
	}
	items := body["items"].([]any)
	if len(items) == 0 {
		t.Fatal("the demo bank has no products")
	}
	bankID := items[0].(map[string]any)["bank_id"]
	for _, it := range items {
		if it.(map[string]any)["bank_id"] != bankID {
			t.Fatalf("bank token sees another bank's product: %v", it)
		}
	}
	// Starting again on the same directory re-imports the demo without duplicates.
	dir := m.Store.DataDir
	oldOrganizer := m.DemoTokens[data.RoleOrganizer]
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", Demo: true}
	if err := m2.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	*m = *m2
	code, body = get("/api/v1/patents?size=1", m.DemoTokens[data.RoleOrganizer])
	// The first start's tokens are retired by the second.
	if code, _ := get("/api/v1/products", oldOrganizer); code != 401 {
		t.Errorf("the previous demo token still works: %d", code)
	}
	want := float64(bytes.Count(demo.File("patents"), []byte("\n")))
	if code != 200 || body["total"].(float64) != want {
		t.Fatalf("after restart: %d, %v patents; the demo has %v", code, body["total"], want)
	}
}

// TestImportKeepsSearchInStep replaces a record from the command line (the
// counts stay equal, so a later start could not tell) and checks that the
// server then finds the new title.
func TestImportKeepsSearchInStep(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(t.TempDir(), "p.jsonl")
	line := `{"application_number":"201220249767.4","title":"%s","ipc":["E01B3/32"],"applicants":["海安县建莲商品混凝土有限公司"],"filing_date":"2012-05-31"}` + "\n"
	writeFile(t, in, fmt.Sprintf(line, "一种钢筋混凝土轨枕"))
	if out, errOut, code := runCLI(t, "import", "--data", dir, "--kind", "patents", in); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	writeFile(t, in, fmt.Sprintf(line, "一种液压升降平台"))
	if out, errOut, code := runCLI(t, "import", "--data", dir, "--kind", "patents", in); code != 0 {
		t.Fatalf("re-import: %d %s %s", code, out, errOut)
	}
	token, _, code := runCLI(t, "token", "create", "--data", dir, "--role", "organizer")
	if code != 0 {
		t.Fatal("token create failed")
	}
	m := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0"}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	req, _ := http.NewRequest("GET", m.URL()+"/api/v1/search/patents?q="+url.QueryEscape("液压"), nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(token))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Total int `json:"total"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 200 || body.Total != 1 {
		t.Fatalf("search for the re-imported title: status %d, total %d; want 1 hit", resp.StatusCode, body.Total)
	}
	// While the server holds the index, a command-line import is refused
	// with a pointer to the API instead of writing behind its back.
	_, errOut, code := runCLI(t, "import", "--data", dir, "--kind", "patents", in)
	if code == 0 || !strings.Contains(errOut, "/api/v1/import/patents") {
		t.Fatalf("import while serving: exit %d, %s", code, errOut)
	}
}
