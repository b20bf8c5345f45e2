package main

import (
	"context"
	"encoding/json"
	"testing"

	"ipmatch/data"
	"ipmatch/data/sqlite"
)

func TestBenchData(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, errOut, code := runCLI(t, "bench-data", "--data", dir, "--enterprises", "300", "--patents", "2500", "--batch", "700")
	if code != 0 {
		t.Fatalf("bench-data: exit %d: %s", code, errOut)
	}
	var rep benchDataReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report %q: %v", out, err)
	}
	if rep.Enterprises != 300 || rep.Patents != 2500 || !rep.DemoLoaded || rep.RecordsPerSecond <= 0 {
		t.Errorf("report %+v", rep)
	}
	s, err := sqlite.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	// The demo's 72 enterprises and 700 patents, plus the generated ones.
	if n, _ := s.Enterprises().Count(ctx); n != 72+300 {
		t.Errorf("%d enterprises, want %d", n, 72+300)
	}
	if n, _ := s.Patents().Count(ctx); n != 700+2500 {
		t.Errorf("%d patents, want %d", n, 700+2500)
	}
	if n, _ := s.Products().Count(ctx); n == 0 {
		t.Error("no products: matching would have nothing to match")
	}
	// Every generated patent belongs to a generated enterprise.
	owned, _, err := s.Patents().List(ctx, data.ListOptions{Refs: data.Refs{Enterprise: "ent_000300"}})
	if err != nil || len(owned) == 0 {
		t.Errorf("ent_000300 owns %d patents (%v), want some", len(owned), err)
	}
	// The writes are in the audit log as the command's.
	entries, _, _ := s.Audit().List(ctx, data.ListOptions{})
	ids := 0
	for _, e := range entries {
		if e.Via != data.ViaCLI {
			t.Fatalf("entry %+v not the CLI's", e)
		}
		if e.Kind == "patents" {
			ids += len(e.IDs)
		}
	}
	if ids != 700+2500 {
		t.Errorf("audit log names %d patents, want %d", ids, 700+2500)
	}

	// A serve on the result rebuilds its index and finds the new records.
	m := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0"}
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := createToken(ctx, m.store, data.Token{Role: data.RoleOrganizer})
	if err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, m: m, token: tok}
	var res struct {
		Total int `json:"total"`
	}
	if code := n.call("GET", "/api/v1/search/patents?size=1", nil, "", &res); code != 200 || res.Total != 3200 {
		t.Errorf("search finds %d patents (status %d), want 3200", res.Total, code)
	}

	for _, args := range [][]string{
		{"bench-data", "--data", dir, "--enterprises", "0", "--patents", "5"},
		{"bench-data", "--data", dir, "--patents", "-1"},
		{"bench-data", "--data", dir, "--batch", "0"},
		{"bench-data", "--data", dir, "--patents", "9000001"},
	} {
		if _, _, code := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
