package main

import (
	"context"
	"slices"
	"testing"

	"ipmatch/data"
	"ipmatch/data/sqlite"
)

// TestCommandsAreAudited checks that the writes of import, token create and
// user create land in the audit log as the command's, and that a demo
// start logs its loading as the system's.
func TestCommandsAreAudited(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, errOut, code := runCLI(t, "import", "--data", dir, "--kind", "patents", "--format", "cnipa-csv", cnipaFile); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, "token", "create", "--data", dir, "--role", "organizer"); code != 0 {
		t.Fatalf("token create: exit %d: %s", code, errOut)
	}
	s, err := sqlite.Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := s.Audit().List(context.Background(), data.ListOptions{})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	var patents int
	var kinds []string
	for _, e := range entries {
		if e.Via != data.ViaCLI || e.Actor.Name == "" || e.Node == "" {
			t.Errorf("entry %+v: want a CLI entry naming the user and node", e)
		}
		if e.Kind == "patents" {
			patents += len(e.IDs)
			if e.Request != "ipmatch import --kind patents" {
				t.Errorf("import entry request = %q", e.Request)
			}
		}
		kinds = append(kinds, e.Kind)
	}
	if patents != 199 || !slices.Contains(kinds, "tokens") {
		t.Errorf("audit log names %d patents and kinds %v; want the 199 imported and the token", patents, kinds)
	}

	m := &Main{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0", Demo: true, Node: "node-demo"}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	entries, _, err = m.store.Audit().List(context.Background(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if len(entries) == 0 {
		t.Fatal("a demo start logged nothing")
	}
	for _, e := range entries {
		if e.Via != data.ViaSystem || e.Node != "node-demo" {
			t.Errorf("demo entry %+v: want the system's on node-demo", e)
			break
		}
	}
}

// TestImportThroughTheIndexIsNotIndexedTwice checks that a server does not
// re-index what ipmatch import wrote through the same index directory: both
// audit under the index's node name, which the server's follower skips.
func TestImportThroughTheIndexIsNotIndexedTwice(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, code := runCLI(t, "import", "--data", dir, "--kind", "patents", "--format", "cnipa-csv", cnipaFile); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	m := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0"}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	entries, _, err := m.store.Audit().List(context.Background(), data.ListOptions{})
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit log: %d entries, %v", len(entries), err)
	}
	for _, e := range entries {
		if e.Node != m.Node {
			t.Errorf("import entry on node %q, the server's index is %q", e.Node, m.Node)
		}
	}
}
