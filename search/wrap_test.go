package search

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/data/sqlite"
	"ipmatch/data/storetest"
)

// waitIdle waits until every index update of x is persisted.
func waitIdle(t testing.TB, x *Index) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		x.mu.Lock()
		for x.pending > 0 {
			x.idle.Wait()
		}
		x.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("index updates not persisted after 30s")
	}
}

func dirty(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, dirtyFile))
	return err == nil
}

func TestWrapKeepsIndexInStep(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	dir := t.TempDir()
	x := openIndex(t, s, dir)
	w := Wrap(s, x)

	bank := storetest.Bank(1)
	if _, err := w.Banks().Put(ctx, &bank); err != nil {
		t.Fatal(err)
	}
	prod := storetest.Product(1, bank.ID)
	ent := storetest.Enterprise(1)
	pat := storetest.Patent(1)
	for _, err := range []error{
		put(ctx, w.Products(), &prod), put(ctx, w.Enterprises(), &ent), put(ctx, w.Patents(), &pat),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for k, id := range map[string]string{Products: prod.ID, Enterprises: ent.ID, Patents: pat.ApplicationNumber} {
		res := find(t, x, k, Request{Filters: nil, Size: 10})
		if res.Total != 1 || res.Hits[0].ID != id {
			t.Errorf("%s: %v, want %s", k, ids(res), id)
		}
	}
	// An update replaces the document.
	pat.Title = "一种桁架机械手的夹爪快换装置"
	if err := put(ctx, w.Patents(), &pat); err != nil {
		t.Fatal(err)
	}
	if res := find(t, x, Patents, Request{Query: "桁架机械手"}); res.Total != 1 {
		t.Errorf("updated title: %d hits", res.Total)
	}
	// Renaming the bank re-indexes its products.
	bank.Name = "肇庆测试农村商业银行"
	if err := put(ctx, w.Banks(), &bank); err != nil {
		t.Fatal(err)
	}
	if res := find(t, x, Products, Request{Query: "bank_name:测试农村商业银行"}); res.Total != 1 {
		t.Errorf("renamed bank: %d products", res.Total)
	}
	// A refused write changes nothing and leaves no marker.
	bad := storetest.Patent(2)
	bad.Title = ""
	if _, err := w.Patents().Put(ctx, &bad); data.ErrorCode(err) != data.CodeInvalid {
		t.Fatalf("invalid patent: %v", err)
	}
	// A delete removes the document.
	if err := w.Patents().Delete(ctx, pat.ApplicationNumber); err != nil {
		t.Fatal(err)
	}
	if n, _ := x.DocCount(Patents); n != 0 {
		t.Errorf("%d patents left after the delete", n)
	}
	// An import through the wrapped store is indexed too.
	rep, err := data.Import(ctx, w, bytes.NewReader(demo.File("patents")), data.ImportOptions{Kind: "patents", Format: "jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := x.DocCount(Patents); n != rep.Imported {
		t.Errorf("%d patents indexed, %d imported", n, rep.Imported)
	}
	waitIdle(t, x)
	if dirty(dir) {
		t.Error("the dirty marker is left after every write was persisted")
	}
}

func put[T any](ctx context.Context, tbl data.Table[T], rec *T) error {
	_, err := tbl.Put(ctx, rec)
	return err
}

// logBuffer captures what an index logs.
func logBuffer() (*bytes.Buffer, *slog.Logger) {
	var b bytes.Buffer
	return &b, slog.New(slog.NewTextHandler(&b, nil))
}

// reopen opens the index in dir over s, returning it and what it logged.
func reopen(t *testing.T, dir string, s data.Store) (*Index, string) {
	t.Helper()
	buf, logger := logBuffer()
	x, err := Open(t.Context(), dir, s, Options{Logger: logger})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x, buf.String()
}

// TestRecovery covers every reason to rebuild, and that a sound index is
// opened as it is.
func TestRecovery(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	if err := loadDemo(ctx, s, false); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	x, log := reopen(t, dir, s)
	if !strings.Contains(log, "there is no index yet") {
		t.Errorf("first open: %s", log)
	}
	x.Close()

	for _, c := range []struct {
		name   string
		damage func(t *testing.T)
		reason string
	}{
		{"sound", func(t *testing.T) {}, ""},
		{"write in flight", func(t *testing.T) {
			// The process wrote the store and died before the index.
			x, _ := reopen(t, dir, s)
			x.skipIndex = true
			p := storetest.Patent(9001)
			p.Title = "一种防爆型液压升降平台"
			if err := put(ctx, Wrap(s, x).Patents(), &p); err != nil {
				t.Fatal(err)
			}
			x.Close()
			if !dirty(dir) {
				t.Fatal("no dirty marker after a write that was not indexed")
			}
		}, "a write was in flight"},
		{"store written behind the index", func(t *testing.T) {
			p := storetest.Patent(9002)
			if err := put(ctx, s.Patents(), &p); err != nil {
				t.Fatal(err)
			}
		}, "the patents index has"},
		{"older mapping", func(t *testing.T) {
			b, _ := json.Marshal(meta{MappingVersion: MappingVersion - 1})
			os.WriteFile(filepath.Join(dir, metaFile), b, 0o644)
		}, fmt.Sprintf("mapping version %d", MappingVersion-1)},
		{"meta unreadable", func(t *testing.T) {
			os.WriteFile(filepath.Join(dir, metaFile), []byte("{"), 0o644)
		}, "meta.json is unreadable"},
		{"index files damaged", func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(dir, Enterprises+kindSuffix, "*"))
			for _, f := range files {
				os.WriteFile(f, []byte("garbage"), 0o644)
			}
		}, "the enterprises index is damaged"},
		{"index removed", func(t *testing.T) {
			os.RemoveAll(filepath.Join(dir, Products+kindSuffix))
		}, "the products index is damaged"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.damage(t)
			x, log := reopen(t, dir, s)
			if c.reason == "" {
				if strings.Contains(log, "rebuilding") {
					t.Errorf("a sound index was rebuilt: %s", log)
				}
			} else if !strings.Contains(log, c.reason) {
				t.Errorf("log %q, want the reason %q", log, c.reason)
			}
			// Search and store agree.
			for _, k := range kinds {
				n, err := x.DocCount(k)
				want, _ := countOf(ctx, s, k)
				if err != nil || n != want {
					t.Errorf("%s: %d documents (%v), %d records", k, n, err, want)
				}
			}
			if c.name == "write in flight" {
				if res := find(t, x, Patents, Request{Query: "防爆型液压升降平台"}); res.Total != 1 {
					t.Errorf("the write in flight is not found after the rebuild: %d", res.Total)
				}
			}
			x.Close()
			if dirty(dir) {
				t.Error("dirty marker left after the rebuild")
			}
		})
	}
}

func TestDirectoryLock(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock")
	}
	s := openStore(t)
	dir := t.TempDir()
	openIndex(t, s, dir)
	_, err := Open(t.Context(), dir, s, Options{})
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second Open: %v", err)
	}
}

// TestKillWhileWriting kills a process that writes through the wrapped
// store (new patents and changes to existing ones) at a random moment,
// then reopens: search and store must agree, documents as well as counts.
func TestKillWhileWriting(t *testing.T) {
	if dir := os.Getenv("IPMATCH_SEARCH_WRITER"); dir != "" {
		writeForever(dir)
		return
	}
	if testing.Short() || runtime.GOOS == "windows" {
		t.Skip("starts a writer process and kills it")
	}
	ctx := t.Context()
	dir := t.TempDir()
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillWhileWriting$")
		cmd.Env = append(os.Environ(), "IPMATCH_SEARCH_WRITER="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it after a few batches, mid-write.
		sc := bufio.NewScanner(out)
		batches := 0
		for sc.Scan() && batches < 3+round {
			if strings.HasPrefix(sc.Text(), "wrote") {
				batches++
			}
		}
		time.Sleep(time.Duration(round*7) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if batches == 0 {
			t.Fatal("the writer wrote nothing")
		}

		s, err := sqlite.Open(ctx, filepath.Join(dir, "data"), nil)
		if err != nil {
			t.Fatal(err)
		}
		x, log := reopen(t, filepath.Join(dir, "index"), s)
		t.Logf("round %d: killed after %d batches; reopen: %s", round, batches, strings.TrimSpace(log))
		ps, _, err := s.Patents().List(ctx, data.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := x.DocCount(Patents); n != len(ps) {
			t.Errorf("round %d: %d patents indexed, %d stored", round, n, len(ps))
		}
		for _, p := range ps {
			res := find(t, x, Patents, Request{Filters: map[string]string{"number": p.ApplicationNumber}})
			if res.Total != 1 || res.Hits[0].Fields["title"] != p.Title {
				t.Errorf("round %d: %s %q: index has %v", round, p.ApplicationNumber, p.Title, res.Hits)
				break
			}
		}
		x.Close()
		s.Close()
	}
}

// writeForever is the writer process of TestKillWhileWriting: it adds
// patents and renames existing ones through the wrapped store, printing a
// line after each batch, until it is killed.
func writeForever(dir string) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "data"), nil)
	if err != nil {
		panic(err)
	}
	x, err := Open(ctx, filepath.Join(dir, "index"), s, Options{})
	if err != nil {
		panic(err)
	}
	w := Wrap(s, x)
	n, _ := s.Patents().Count(ctx)
	for batch := 0; ; batch++ {
		var recs []*data.Patent
		for i := range 20 {
			p := storetest.Patent(n + i + 1)
			recs = append(recs, &p)
		}
		if _, err := w.Patents().Put(ctx, recs...); err != nil {
			panic(err)
		}
		n += len(recs)
		// Change existing records: counts stay, contents move.
		old, _, err := s.Patents().List(ctx, data.ListOptions{Limit: 10, Offset: batch % max(1, n-10)})
		if err != nil {
			panic(err)
		}
		for i := range old {
			old[i].Title = "一种第" + strconv.Itoa(batch) + "批改名的装置"
			if _, err := w.Patents().Put(ctx, &old[i]); err != nil {
				panic(err)
			}
		}
		if batch%3 == 0 && len(old) > 0 {
			if err := w.Patents().Delete(ctx, old[0].ApplicationNumber); err != nil {
				panic(err)
			}
			n--
		}
		fmt.Println("wrote", batch)
	}
}
