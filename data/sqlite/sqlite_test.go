package sqlite_test

import (
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/sqlite"
	"ipmatch/data/storetest"
)

// open opens a store in dir (a new temporary one when dir is "") and closes
// it when the test ends.
func open(t testing.TB, dir string) *sqlite.Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s, err := sqlite.Open(t.Context(), dir, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) data.Store { return open(t, "") })
}

// fill puts a few records of several kinds into s and returns them.
func fill(t *testing.T, s data.Store) ([]*data.Enterprise, []*data.Patent, *data.Token) {
	t.Helper()
	var es []*data.Enterprise
	for i := range 5 {
		e := storetest.Enterprise(i)
		es = append(es, &e)
	}
	if _, err := s.Enterprises().Put(t.Context(), es...); err != nil {
		t.Fatalf("Put enterprises: %v", err)
	}
	gen := storetest.GeneratePatents(1, 300)
	ps := make([]*data.Patent, len(gen))
	for i := range gen {
		ps[i] = &gen[i]
	}
	if _, err := s.Patents().Put(t.Context(), ps...); err != nil {
		t.Fatalf("Put patents: %v", err)
	}
	tok := storetest.Token(1, "bank_a")
	if _, err := s.Tokens().Put(t.Context(), &tok); err != nil {
		t.Fatalf("Put token: %v", err)
	}
	return es, ps, &tok
}

// check reads back what fill wrote.
func check(t *testing.T, s data.Store, es []*data.Enterprise, ps []*data.Patent, tok *data.Token) {
	t.Helper()
	ctx := t.Context()
	for _, e := range es {
		got, err := s.Enterprises().GetByKey(ctx, e.CreditCode)
		if err != nil || !reflect.DeepEqual(&got, e) {
			t.Errorf("enterprise %s = %+v, %v; want %+v", e.CreditCode, got, err, *e)
		}
	}
	for _, p := range ps {
		got, err := s.Patents().Get(ctx, p.ApplicationNumber)
		if err != nil || !reflect.DeepEqual(&got, p) {
			t.Fatalf("patent %s = %+v, %v; want %+v", p.ApplicationNumber, got, err, *p)
		}
	}
	if n, err := s.Patents().Count(ctx); err != nil || n != len(ps) {
		t.Errorf("patents = %d, %v; want %d", n, err, len(ps))
	}
	got, err := s.Tokens().GetByKey(ctx, tok.Hash)
	if err != nil || !reflect.DeepEqual(&got, tok) {
		t.Errorf("token = %+v, %v; want %+v", got, err, *tok)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	es, ps, tok := fill(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		t.Fatalf("database file: %v", err)
	}
	check(t, open(t, dir), es, ps, tok)
}

func TestOpenCreatesDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := open(t, dir)
	if s.Path() != filepath.Join(dir, sqlite.FileName) {
		t.Errorf("Path = %s", s.Path())
	}
	if _, err := os.Stat(s.Path()); err != nil {
		t.Errorf("database file: %v", err)
	}
}

// TestCrash copies the database files as they are on disk while the store
// is open, as if the process had died: the commits are in the WAL, not yet
// checkpointed into the database file. The copy must open and read back.
// A WAL torn inside the last transaction loses that transaction whole.
func TestCrash(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	es, ps, tok := fill(t, s)

	wal := filepath.Join(dir, sqlite.FileName+"-wal")
	walInfo, err := os.Stat(wal)
	if err != nil || walInfo.Size() == 0 {
		t.Fatalf("no WAL to recover (%v): the test would prove nothing", err)
	}
	crashed := t.TempDir()
	copyFile(t, filepath.Join(dir, sqlite.FileName), filepath.Join(crashed, sqlite.FileName))
	copyFile(t, wal, filepath.Join(crashed, sqlite.FileName+"-wal"))
	check(t, open(t, crashed), es, ps, tok)

	// A last batch whose commit frame never reached the disk.
	more := storetest.GeneratePatents(2, 400)
	for i := range more { // new serials, same year and type digit
		n := more[i].ApplicationNumber
		year, _ := strconv.Atoi(n[:4])
		more[i].ApplicationNumber = storetest.ApplicationNumber(year, n[4], 5_000_000+i)
	}
	ptrs := make([]*data.Patent, len(more))
	for i := range more {
		ptrs[i] = &more[i]
	}
	if _, err := s.Patents().Put(t.Context(), ptrs...); err != nil {
		t.Fatalf("Put: %v", err)
	}
	torn := t.TempDir()
	copyFile(t, filepath.Join(dir, sqlite.FileName), filepath.Join(torn, sqlite.FileName))
	copyFile(t, wal, filepath.Join(torn, sqlite.FileName+"-wal"))
	tw := filepath.Join(torn, sqlite.FileName+"-wal")
	info, err := os.Stat(tw)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(tw, info.Size()-3000); err != nil { // into the last frame
		t.Fatal(err)
	}
	check(t, open(t, torn), es, ps, tok)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestAtomicBatch checks that a batch failing after validation (a key
// conflict in its second record) writes nothing and leaves the records as
// they were apart from normalisation.
func TestAtomicBatch(t *testing.T) {
	ctx := t.Context()
	s := open(t, "")
	a := storetest.Enterprise(1)
	if _, err := s.Enterprises().Put(ctx, &a); err != nil {
		t.Fatal(err)
	}
	b, c := storetest.Enterprise(2), storetest.Enterprise(3)
	c.ID = "ent_other"
	c.CreditCode = a.CreditCode
	_, err := s.Enterprises().Put(ctx, &b, &c)
	if data.ErrorCode(err) != data.CodeConflict {
		t.Fatalf("Put = %v, want a conflict", err)
	}
	if b.ID != "" || !b.CreatedAt.IsZero() || c.ID != "ent_other" || !c.UpdatedAt.IsZero() {
		t.Errorf("a refused batch changed the records: %q %v, %q %v", b.ID, b.CreatedAt, c.ID, c.UpdatedAt)
	}
	if n, _ := s.Enterprises().Count(ctx); n != 1 {
		t.Errorf("Count = %d after a refused batch, want 1", n)
	}
}

// TestTwoStoresOneFile writes through two Stores on one directory at once,
// as two processes would: the busy timeout must absorb the lock waits.
func TestTwoStoresOneFile(t *testing.T) {
	dir := t.TempDir()
	stores := []*sqlite.Store{open(t, dir), open(t, dir)}
	var wg sync.WaitGroup
	for g, s := range stores {
		wg.Go(func() {
			for j := range 10 {
				batch := make([]*data.Patent, 20)
				for i := range batch {
					p := storetest.Patent(g*10_000 + j*100 + i)
					batch[i] = &p
				}
				if _, err := s.Patents().Put(t.Context(), batch...); err != nil {
					t.Errorf("store %d: Put: %v", g, err)
					return
				}
				if _, _, err := s.Patents().List(t.Context(), data.ListOptions{Limit: 10}); err != nil {
					t.Errorf("store %d: List: %v", g, err)
				}
			}
		})
	}
	wg.Wait()
	for _, s := range stores {
		if n, err := s.Patents().Count(t.Context()); err != nil || n != 400 {
			t.Errorf("Count = %d, %v; want 400", n, err)
		}
	}
}

func TestSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil || v != 10 {
		t.Fatalf("schema version = %d, %v; want 10", v, err)
	}
	var mode string
	var pageSize int
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode = %q, %v; want wal", mode, err)
	}
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil || pageSize != 8192 {
		t.Errorf("page size = %d, %v; want 8192", pageSize, err)
	}
	if _, err := db.Exec(`UPDATE schema_version SET version = 99`); err != nil {
		t.Fatal(err)
	}
	if s, err := sqlite.Open(t.Context(), dir, nil); err == nil {
		s.Close()
		t.Errorf("Open of a newer schema succeeded")
	}
}

func TestErrorsAfterClose(t *testing.T) {
	s, err := sqlite.Open(t.Context(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	e := storetest.Enterprise(1)
	_, putErr := s.Enterprises().Put(t.Context(), &e)
	_, getErr := s.Enterprises().Get(t.Context(), "ent_x")
	_, _, listErr := s.Enterprises().List(t.Context(), data.ListOptions{})
	for _, err := range []error{putErr, getErr, listErr, s.Enterprises().Delete(t.Context(), "ent_x")} {
		if data.ErrorCode(err) != data.CodeInternal || data.ErrorMessage(err) != "internal error" {
			t.Errorf("after Close: %v (code %s, message %q); want internal with no detail", err, data.ErrorCode(err), data.ErrorMessage(err))
		}
	}
}

// BenchmarkImport compares Table.Put ("store") with writing the same
// patents' JSON through the raw driver into a table of (id, body)
// ("baseline"), both in transactions of storetest.ImportBatch.
func BenchmarkImport(b *testing.B) {
	b.Run("store", func(b *testing.B) {
		storetest.BenchmarkImport(b, func(b *testing.B) data.Store { return open(b, "") })
	})
	// Through data.Audited, as imports run: each batch's audit entry in the
	// batch's transaction.
	b.Run("audited", func(b *testing.B) {
		storetest.BenchmarkImport(b, func(b *testing.B) data.Store { return data.Audited(open(b, ""), "bench", nil) })
	})
	b.Run("baseline", benchmarkRawImport)
}

// rawParams are the store's writer settings (sqlite.go), so that the
// baseline differs from the store only in what the store does on top.
const rawParams = "_pragma=busy_timeout(10000)&_pragma=page_size(8192)&_pragma=cache_size(-32768)" +
	"&_pragma=wal_autocheckpoint(4000)&_pragma=journal_size_limit(67108864)" +
	"&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=0&_txlock=immediate"

func benchmarkRawImport(b *testing.B) {
	ps := storetest.ImportPatents()
	ctx := b.Context()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db, err := sql.Open("sqlite", filepath.Join(b.TempDir(), "raw.db")+"?"+rawParams)
		if err != nil {
			b.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		if _, err := db.ExecContext(ctx, `CREATE TABLE raw (id TEXT PRIMARY KEY NOT NULL, body TEXT NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for batch := range slices.Chunk(ps, storetest.ImportBatch) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			st, err := tx.PrepareContext(ctx, `INSERT INTO raw (id, body) VALUES (?, ?)`)
			if err != nil {
				b.Fatal(err)
			}
			for _, p := range batch {
				body, err := json.Marshal(p)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := st.ExecContext(ctx, p.ApplicationNumber, string(body)); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(ps)*b.N)/b.Elapsed().Seconds(), "patents/s")
}

// TestMigrateFromVersion1 opens a database as version 1 left it (no
// schedules, users, audit, appraisers, appraisals, sign-in, alert or webhook
// tables, no revisions) and checks that Open adds the tables and the revisions.
func TestMigrateFromVersion1(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	drop := []string{`DROP TABLE schedules`, `DROP TABLE users`, `DROP TABLE audit`, `DROP TABLE appraisers`, `DROP TABLE appraisals`,
		`DROP TABLE sessions`, `DROP TABLE signin_failures`, `DROP TABLE secrets`, `DROP TABLE alerts`, `DROP TABLE webhooks`, `DROP TABLE policies`, `DROP TABLE applications`,
		`UPDATE schema_version SET version = 1`}
	for _, name := range []string{"enterprises", "patents", "banks", "products", "events", "participants", "deals", "pools", "tokens"} {
		drop = append(drop, `ALTER TABLE `+name+` DROP COLUMN rev`)
	}
	for _, q := range drop {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err = sqlite.Open(t.Context(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sched := storetest.Schedule(1)
	if _, err := s.Schedules().Put(t.Context(), &sched); err != nil {
		t.Fatalf("put a schedule after migrating: %v", err)
	}
	firm := storetest.Appraiser(1)
	if _, err := s.Appraisers().Put(t.Context(), &firm); err != nil {
		t.Fatalf("put an appraiser after migrating: %v", err)
	}
	e := data.AuditEntry{ID: data.NewAuditID(time.Now()), Via: data.ViaCLI, Action: data.AuditCreate, Kind: "schedules", IDs: []string{sched.ID}}
	if _, err := s.Audit().Put(t.Context(), &e); err != nil {
		t.Fatalf("put an audit entry after migrating: %v", err)
	}
	ent := storetest.Enterprise(1)
	if _, err := s.Enterprises().Put(t.Context(), &ent); err != nil || ent.Revision != 1 {
		t.Fatalf("put an enterprise after migrating: revision %d, %v", ent.Revision, err)
	}
	if err := s.Enterprises().Update(t.Context(), &ent); err != nil || ent.Revision != 2 {
		t.Fatalf("update an enterprise after migrating: revision %d, %v", ent.Revision, err)
	}
	ses := storetest.Session(1)
	if _, err := s.Sessions().Put(t.Context(), &ses); err != nil {
		t.Fatalf("put a session after migrating: %v", err)
	}
	alert := storetest.Alert(1)
	if err := s.Alerts().Create(t.Context(), &alert); err != nil || alert.Revision != 1 {
		t.Fatalf("create an alert after migrating: revision %d, %v", alert.Revision, err)
	}
	pol := storetest.Policy(1)
	if err := s.Policies().Create(t.Context(), &pol); err != nil || pol.Revision != 1 {
		t.Fatalf("create a policy after migrating: revision %d, %v", pol.Revision, err)
	}
}
