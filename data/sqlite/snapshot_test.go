package sqlite_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"ipmatch/data"
	"ipmatch/data/sqlite"
	"ipmatch/data/storetest"
)

// TestSnapshotWhileWriting copies a store while another goroutine keeps
// creating enterprises in it: the copy holds every enterprise created
// before the snapshot began, opens as a store of the same schema, and is a
// single file (rollback journal, no WAL) that Inspect reads without
// changing a byte.
func TestSnapshotWhileWriting(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := t.Context()
	fill(t, s)

	var (
		mu      sync.Mutex
		created = map[string]int{} // ID → sequence number
		seq     atomic.Int64
		stop    = make(chan struct{})
		first   = make(chan struct{})
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 100; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			e := storetest.Enterprise(i)
			if err := s.Enterprises().Create(context.Background(), &e); err != nil {
				t.Errorf("create: %v", err)
				return
			}
			n := int(seq.Add(1))
			mu.Lock()
			created[e.ID] = n
			mu.Unlock()
			if n == 20 {
				close(first)
			}
		}
	}()
	<-first
	before := int(seq.Load()) // these were committed before the snapshot began
	out := filepath.Join(t.TempDir(), "snap.db")
	if _, err := sqlite.Snapshot(ctx, dir, out); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()

	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// Bytes 18 and 19 of the header are 2 in WAL mode, 1 in rollback mode.
	if raw[18] != 1 || raw[19] != 1 {
		t.Errorf("the snapshot's header says file format %d/%d; want 1/1 (no WAL)", raw[18], raw[19])
	}
	sum := sha256.Sum256(raw)
	info, err := sqlite.Inspect(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(out); sha256.Sum256(again) != sum {
		t.Error("Inspect changed the file")
	}
	if _, err := os.Stat(out + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Inspect left a -wal file: %v", err)
	}
	if info.SchemaVersion != sqlite.SchemaVersion() {
		t.Errorf("schema version %d, want %d", info.SchemaVersion, sqlite.SchemaVersion())
	}
	if info.Counts["patents"] != 300 || info.Counts["enterprises"] < 5+before {
		t.Errorf("counts %v; want 300 patents and at least %d enterprises", info.Counts, 5+before)
	}

	// The copy opens as a store and holds every enterprise created before.
	copyDir := t.TempDir()
	if err := os.Rename(out, filepath.Join(copyDir, sqlite.FileName)); err != nil {
		t.Fatal(err)
	}
	c := open(t, copyDir)
	ents, _, err := c.Enterprises().List(ctx, data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range ents {
		have[e.ID] = true
	}
	if len(ents) != info.Counts["enterprises"] {
		t.Errorf("the copy lists %d enterprises, Inspect counted %d", len(ents), info.Counts["enterprises"])
	}
	mu.Lock()
	defer mu.Unlock()
	for id, n := range created {
		if n <= before && !have[id] {
			t.Errorf("enterprise %s (#%d) was created before the snapshot began and is missing from it", id, n)
		}
	}
}

func TestSnapshotRefusals(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	if _, err := sqlite.Snapshot(ctx, dir, filepath.Join(t.TempDir(), "x.db")); err == nil {
		t.Error("a snapshot of a directory without a store succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused snapshot created a store: %v", err)
	}
	open(t, dir)
	taken := filepath.Join(t.TempDir(), "taken.db")
	if err := os.WriteFile(taken, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Snapshot(ctx, dir, taken); err == nil {
		t.Error("a snapshot over an existing file succeeded")
	}
	if b, _ := os.ReadFile(taken); !bytes.Equal(b, []byte("keep me")) {
		t.Errorf("the existing file was changed: %q", b)
	}

	// Inspect refuses what is not an ipmatch database.
	for name, content := range map[string][]byte{
		"text.db":  []byte("hello, this is not a database at all, just some text to fill a page"),
		"empty.db": nil,
	} {
		f := filepath.Join(t.TempDir(), name)
		os.WriteFile(f, content, 0o600)
		if _, err := sqlite.Inspect(ctx, f); !errors.Is(err, sqlite.ErrNotStore) {
			t.Errorf("Inspect(%s) = %v, want ErrNotStore", name, err)
		}
	}
}
