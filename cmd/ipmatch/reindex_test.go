package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ipmatch/data"
	"ipmatch/data/sqlite"
)

// TestReindex imports patents (which creates the index next to the store)
// and then rebuilds the index on demand.
func TestReindex(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, errOut, code := runCLI(t, "import", "--data", dir, "--kind", "patents", "--format", "cnipa-csv", cnipaFile)
	if code != 0 {
		t.Fatalf("import exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "there is no index yet") {
		t.Errorf("the first import logged %q", errOut)
	}
	out, errOut, code := runCLI(t, "reindex", "--data", dir)
	if code != 0 {
		t.Fatalf("reindex exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "indexed 199 patents, 0 enterprises and 0 products in "+filepath.Join(dir, "index")) {
		t.Errorf("reindex said %q", out)
	}
	if !strings.Contains(errOut, "a rebuild was asked for") {
		t.Errorf("reindex logged %q", errOut)
	}
	// A sound index is rebuilt too when asked.
	if _, errOut, code = runCLI(t, "reindex", "--data", dir, "--index", filepath.Join(dir, "index")); code != 0 || !strings.Contains(errOut, "a rebuild was asked for") {
		t.Errorf("second reindex exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "index", "meta.json")); err != nil {
		t.Error(err)
	}
	if _, errOut, code := runCLI(t, "reindex", "--data", dir, "extra"); code != 2 {
		t.Errorf("reindex with an argument: exit %d %s", code, errOut)
	}
	// Each rebuild is in the audit log: who rebuilt which node's index.
	s, err := sqlite.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := s.Audit().List(context.Background(), data.ListOptions{})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	node, _ := os.ReadFile(filepath.Join(dir, "index", "node"))
	rebuilds := 0
	for _, e := range entries {
		if e.Kind == data.AuditSearchIndex {
			rebuilds++
			if e.Via != data.ViaCLI || e.Action != data.AuditUpdate || e.Request != "ipmatch reindex" || e.Actor.Name == "" ||
				len(e.IDs) != 1 || e.IDs[0] != strings.TrimSpace(string(node)) || e.Node != e.IDs[0] {
				t.Errorf("reindex audit entry %+v; want the command's, naming the index's node %q", e, node)
			}
		}
	}
	if rebuilds != 2 {
		t.Errorf("%d reindex entries in the audit log, want 2", rebuilds)
	}
}

// TestServeSearch starts the server with the demo: the index is built and
// kept in step, and searching works end to end; a restart reuses it.
func TestServeSearch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var logs bytes.Buffer
	for round := range 2 {
		m := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", Demo: true, Logger: newLogger(&logs)}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, m.URL()+"/api/v1/search/patents?facets=type&q="+url.QueryEscape("数控机床"), nil)
		req.Header.Set("Authorization", "Bearer "+m.DemoTokens[data.RoleOrganizer])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Total int `json:"total"`
		}
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || body.Total < 20 {
			t.Errorf("round %d: status %d, %d hits", round, resp.StatusCode, body.Total)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), "rebuilding the search index"); n != 1 {
		t.Errorf("the index was rebuilt %d times over two starts, want once:\n%s", n, logs.String())
	}
	// The index sits next to the store and agrees with it.
	s, err := sqlite.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(filepath.Join(dir, "index", "patents.bleve")); err != nil {
		t.Error(err)
	}
}
