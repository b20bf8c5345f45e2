package mongo

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"ipmatch/data"
	"ipmatch/data/storetest"
	"ipmatch/internal/ferrettest"
)

// mongoURIEnv names the variable holding the URI of a real MongoDB server
// (a replica set, for majority writes and retries) to run the suite against
// as well, e.g. mongodb://localhost:27017/?replicaSet=rs0.
const mongoURIEnv = "IPMATCH_TEST_MONGO_URI"

// ferret is the embedded FerretDB shared by the tests of this binary,
// started on first use and stopped by TestMain.
var ferret struct {
	once sync.Once
	srv  *ferrettest.Server
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if ferret.srv != nil {
		if err := ferret.srv.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping FerretDB:", err)
		}
	}
	if ferret.dir != "" {
		os.RemoveAll(ferret.dir)
	}
	os.Exit(code)
}

// ferretURI returns the URI of the shared FerretDB, starting it if need be.
func ferretURI(tb testing.TB) string {
	tb.Helper()
	ferret.once.Do(func() {
		ferret.dir, ferret.err = os.MkdirTemp("", "ipmatch-ferretdb-")
		if ferret.err == nil {
			ferret.srv, ferret.err = ferrettest.Start(ferret.dir, nil)
		}
	})
	if ferret.err != nil {
		tb.Fatalf("starting FerretDB: %v", ferret.err)
	}
	return ferret.srv.URI()
}

// mongoURI returns the URI of the real MongoDB server or skips tb.
func mongoURI(tb testing.TB) string {
	tb.Helper()
	uri := os.Getenv(mongoURIEnv)
	if uri == "" {
		tb.Skipf("set %s to the URI of a MongoDB server to run this against it", mongoURIEnv)
	}
	return uri
}

var (
	runID = time.Now().UnixNano()
	dbSeq atomic.Int64
)

// openStore opens a store on a new, empty database of the server at uri,
// and drops the database and closes the store when tb ends.
func openStore(tb testing.TB, uri string) *Store {
	tb.Helper()
	name := fmt.Sprintf("ipmatch_test_%x_%d", runID, dbSeq.Add(1))
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: level}))
	s, err := Open(tb.Context(), uri, name, log)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.db.Drop(ctx); err != nil {
			tb.Errorf("dropping %s: %v", name, err)
		}
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func opener(uri string) func(t *testing.T) data.Store {
	return func(t *testing.T) data.Store { return openStore(t, uri) }
}

func TestStoreFerretDB(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test runs the store contract on an embedded FerretDB (≈13 s); CI runs it")
	}
	storetest.Run(t, opener(ferretURI(t)))
}

func TestStoreMongoDB(t *testing.T) {
	storetest.Run(t, opener(mongoURI(t)))
}

// BenchmarkImport imports storetest.ImportSize patents in batches into the
// embedded FerretDB (SQLite), e.g. go test -bench Import -benchtime 1x.
func BenchmarkImport(b *testing.B) {
	uri := ferretURI(b)
	storetest.BenchmarkImport(b, func(b *testing.B) data.Store { return openStore(b, uri) })
}

// BenchmarkImportAudited is BenchmarkImport through data.Audited, as
// imports run: each batch marked, logged, then unmarked (audit.go).
func BenchmarkImportAudited(b *testing.B) {
	uri := ferretURI(b)
	storetest.BenchmarkImport(b, func(b *testing.B) data.Store { return data.Audited(openStore(b, uri), "bench", nil) })
}

// BenchmarkImportMongoDB is BenchmarkImport against IPMATCH_TEST_MONGO_URI.
func BenchmarkImportMongoDB(b *testing.B) {
	uri := mongoURI(b)
	storetest.BenchmarkImport(b, func(b *testing.B) data.Store { return openStore(b, uri) })
}

// servers runs f against the embedded FerretDB and, when configured, the
// real MongoDB server.
func servers(t *testing.T, f func(t *testing.T, uri string)) {
	t.Run("ferretdb", func(t *testing.T) { f(t, ferretURI(t)) })
	t.Run("mongodb", func(t *testing.T) { f(t, mongoURI(t)) })
}

func TestOpen(t *testing.T) {
	if _, err := Open(t.Context(), "mongodb://127.0.0.1:1/", "", nil); err == nil {
		t.Error("Open without a database name succeeded")
	}
	if _, err := Open(t.Context(), "no-scheme://x", "ipmatch", nil); err == nil {
		t.Error("Open with a malformed URI succeeded")
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	start := time.Now()
	if _, err := Open(ctx, "mongodb://127.0.0.1:1/", "ipmatch", nil); err == nil {
		t.Error("Open of a closed port succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open of a closed port took %v", d)
	}
}

// TestDocument checks the stored form: the key field, references present
// only when set, millisecond UTC dates, the body as JSON text and the
// hidden fields.
func TestDocument(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		ctx := t.Context()
		s := openStore(t, uri)

		p := storetest.Patent(1)
		p.OwnerID = "ent_owner"
		mustPut(t, s.Patents(), &p)
		if !p.CreatedAt.Equal(p.CreatedAt.Truncate(time.Millisecond)) || p.CreatedAt.Location() != time.UTC {
			t.Errorf("created_at %v is not UTC milliseconds", p.CreatedAt)
		}
		raw := rawDoc(t, s, "patents", p.ApplicationNumber)
		wantString(t, raw, "key", "id:"+p.ApplicationNumber)
		wantString(t, raw, "enterprise_id", "ent_owner")
		for _, f := range []string{"bank_id", "event_id", "pool_id", "product_id", "hidden"} {
			if _, err := raw.LookupErr(f); err == nil {
				t.Errorf("patent document has %s", f)
			}
		}
		if v := raw.Lookup("created_at"); v.Type != bson.TypeDateTime || !v.Time().Equal(p.CreatedAt) {
			t.Errorf("created_at is %v, want the date %v", v, p.CreatedAt)
		}
		body, ok := raw.Lookup("body").StringValueOK()
		if !ok || !strings.Contains(body, `"title":"一种数控机床的主轴冷却装置"`) {
			t.Errorf("body is not the record's JSON: %.200s", body)
		}

		tok := storetest.Token(1, "bank_a")
		mustPut(t, s.Tokens(), &tok)
		raw = rawDoc(t, s, "tokens", tok.ID)
		wantString(t, raw, "key", "k:"+tok.Hash)
		wantString(t, raw, "bank_id", "bank_a")
		wantString(t, raw, "hidden", `{"Hash":"`+tok.Hash+`"}`)
		if body := raw.Lookup("body").StringValue(); strings.Contains(body, tok.Hash) {
			t.Errorf("the token body holds its hash: %s", body)
		}

		// Indexes: unique key plus the references each kind uses.
		for coll, want := range map[string][]string{
			"patents":      {"_id_", "enterprise_id", "key_unique"},
			"participants": {"_id_", "bank_id", "enterprise_id", "event_id", "key_unique"},
			"banks":        {"_id_", "key_unique"},
		} {
			cur, err := s.db.Collection(coll).Indexes().List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var idx []struct {
				Name   string `bson:"name"`
				Unique bool   `bson:"unique"`
			}
			if err := cur.All(ctx, &idx); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, x := range idx {
				names = append(names, x.Name)
				if x.Name == "key_unique" && !x.Unique {
					t.Errorf("%s: key index is not unique", coll)
				}
			}
			slices.Sort(names)
			if !slices.Equal(names, want) {
				t.Errorf("%s indexes = %v, want %v", coll, names, want)
			}
		}
	})
}

func rawDoc(t *testing.T, s *Store, coll, id string) bson.Raw {
	t.Helper()
	raw, err := s.db.Collection(coll).FindOne(t.Context(), bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		t.Fatalf("reading %s %s: %v", coll, id, err)
	}
	return raw
}

func wantString(t *testing.T, raw bson.Raw, field, want string) {
	t.Helper()
	if got, ok := raw.Lookup(field).StringValueOK(); !ok || got != want {
		t.Errorf("%s = %v, want %q", field, raw.Lookup(field), want)
	}
}

// TestBatch checks how a batch plays out in order: repeated IDs and keys,
// keys moved and taken within one batch, and that a natural-key conflict
// anywhere in a batch writes nothing.
func TestBatch(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		ctx := t.Context()
		s := openStore(t, uri)
		tab := s.Enterprises()

		// The same record twice, once by ID and once by key: one record,
		// created by the first, replaced by the second.
		a1, a2 := storetest.Enterprise(1), storetest.Enterprise(1)
		a2.Employees = 999
		out, err := tab.Put(ctx, &a1, &a2)
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		if out[0].ID != out[1].ID || !out[0].Created || out[1].Created || a1.ID != a2.ID {
			t.Errorf("a record twice in a batch gave %+v", out)
		}
		if got := get(t, tab, a1.ID); got.Employees != 999 || !got.CreatedAt.Equal(a1.CreatedAt) {
			t.Errorf("stored %d employees created %v; want the second version, created %v", got.Employees, got.CreatedAt, a1.CreatedAt)
		}
		wantCount(t, tab, 1)

		// A patent twice by ID: the last version wins.
		p1, p2 := storetest.Patent(1), storetest.Patent(1)
		p2.Claims = 77
		out, err = s.Patents().Put(ctx, &p1, &p2)
		if err != nil || !out[0].Created || out[1].Created {
			t.Fatalf("Put of a patent twice = %+v, %v", out, err)
		}
		if got := get(t, s.Patents(), p1.ApplicationNumber); got.Claims != 77 {
			t.Errorf("stored claims %d, want 77", got.Claims)
		}

		// b gives its code to a new record c in the same batch: fine, in
		// that order.
		b := storetest.Enterprise(2)
		mustPut(t, tab, &b)
		bMoved := b
		bMoved.CreditCode = storetest.CreditCode(3)
		c := storetest.Enterprise(2)
		out, err = tab.Put(ctx, &bMoved, &c)
		if err != nil {
			t.Fatalf("Put moving a key: %v", err)
		}
		if out[0].ID != b.ID || out[0].Created || out[1].ID == b.ID || !out[1].Created {
			t.Errorf("moving a key gave %+v", out)
		}
		if got, err := tab.GetByKey(ctx, storetest.CreditCode(2)); err != nil || got.ID != c.ID {
			t.Errorf("GetByKey(code 2) = %s, %v; want %s", got.ID, err, c.ID)
		}
		wantCount(t, tab, 3)

		// The other order is a conflict, found before anything is written.
		d := storetest.Enterprise(4)
		mustPut(t, tab, &d)
		e := storetest.Enterprise(5)
		e.ID = "ent_takes_d"
		e.CreditCode = d.CreditCode
		dMoved := d
		dMoved.CreditCode = storetest.CreditCode(6)
		fresh := storetest.Enterprise(7)
		_, err = tab.Put(ctx, &fresh, &e, &dMoved)
		if data.ErrorCode(err) != data.CodeConflict {
			t.Fatalf("taking a key before it is freed: %v, want a conflict", err)
		}
		if fresh.ID != "" {
			t.Errorf("a refused batch set the ID %q", fresh.ID)
		}
		wantCount(t, tab, 4)
		if got := get(t, tab, d.ID); got.CreditCode != d.CreditCode {
			t.Errorf("a refused batch changed d's code to %s", got.CreditCode)
		}
	})
}

// TestLostRace plays the races that plan cannot see: another Put stores the
// natural key between plan and the writes.
func TestLostRace(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		ctx := t.Context()
		s := openStore(t, uri)
		tab := s.enterprises
		now := stamp(time.Now())

		// Without an ID: the record becomes the winner's.
		lost := storetest.Enterprise(1)
		ws := mustPlan(t, tab, &lost)
		winner := storetest.Enterprise(1)
		mustPut(t, tab, &winner)
		if err := writePlan(ctx, tab, ws, now); err != nil {
			t.Fatalf("writing after a lost race: %v", err)
		}
		if lost.ID != winner.ID || ws[0].isNew || !lost.CreatedAt.Equal(winner.CreatedAt) {
			t.Errorf("lost race gave ID %s new %v created %v; want %s, not new, created %v",
				lost.ID, ws[0].isNew, lost.CreatedAt, winner.ID, winner.CreatedAt)
		}
		wantCount(t, tab, 1)

		// With a new ID of its own: a conflict.
		mine := storetest.Enterprise(2)
		mine.ID = "ent_mine"
		ws = mustPlan(t, tab, &mine)
		other := storetest.Enterprise(2)
		mustPut(t, tab, &other)
		err := writePlan(ctx, tab, ws, now)
		if data.ErrorCode(err) != data.CodeConflict {
			t.Errorf("a given ID losing the race: %v, want a conflict", err)
		}
		if _, err := tab.Get(ctx, "ent_mine"); data.ErrorCode(err) != data.CodeNotFound {
			t.Errorf("the loser was stored: %v", err)
		}

		// A stored record moving to a key taken meanwhile: a conflict, even
		// where the server reports no duplicate key (FerretDB on update).
		moving := storetest.Enterprise(3)
		mustPut(t, tab, &moving)
		moving.CreditCode = storetest.CreditCode(4)
		ws = mustPlan(t, tab, &moving)
		taker := storetest.Enterprise(4)
		mustPut(t, tab, &taker)
		err = writePlan(ctx, tab, ws, now)
		if data.ErrorCode(err) != data.CodeConflict {
			t.Errorf("moving onto a key taken meanwhile: %v, want a conflict", err)
		}
		if got := get(t, tab, moving.ID); got.CreditCode != storetest.CreditCode(3) {
			t.Errorf("the refused move stored code %s", got.CreditCode)
		}

		// A patent stored meanwhile by another writer: replaced, and
		// created_at is the stored one.
		p := storetest.Patent(1)
		pws := mustPlan(t, s.patents, &p)
		early := storetest.Patent(1)
		mustPut(t, s.Patents(), &early)
		if err := writePlan(ctx, s.patents, pws, stamp(time.Now().Add(time.Second))); err != nil {
			t.Fatal(err)
		}
		if pws[0].isNew || !p.CreatedAt.Equal(early.CreatedAt) {
			t.Errorf("patent stored meanwhile: new %v, created %v; want not new, created %v", pws[0].isNew, p.CreatedAt, early.CreatedAt)
		}
		if p.Revision != 2 {
			t.Errorf("patent stored meanwhile: written as revision %d, want 2 (after the other writer's 1)", p.Revision)
		}

		// A stored record written by another writer after it was read: the
		// replace follows that writer's revision instead of reusing it.
		again := get(t, tab, winner.ID)
		ws = mustPlan(t, tab, &again)
		meanwhile := get(t, tab, winner.ID)
		mustPut(t, tab, &meanwhile)
		if err := writePlan(ctx, tab, ws, now); err != nil {
			t.Fatal(err)
		}
		if got := get(t, tab, winner.ID); got.Revision != meanwhile.Revision+1 || again.Revision != got.Revision {
			t.Errorf("replace after another write: stored revision %d, record %d; want %d", got.Revision, again.Revision, meanwhile.Revision+1)
		}
	})
}

// TestRevisionlessDocument checks that a document written before
// revisions (no rev field) reads as revision 0 and takes both writes.
func TestRevisionlessDocument(t *testing.T) {
	servers(t, func(t *testing.T, uri string) {
		ctx := t.Context()
		s := openStore(t, uri)
		for i, write := range []func(*data.Enterprise) error{
			func(e *data.Enterprise) error { _, err := s.Enterprises().Put(ctx, e); return err },
			func(e *data.Enterprise) error { return s.Enterprises().Update(ctx, e) },
		} {
			e := storetest.Enterprise(i + 1)
			mustPut(t, s.enterprises, &e)
			if _, err := s.enterprises.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: e.ID}}, bson.D{{Key: "$unset", Value: bson.D{{Key: "rev", Value: ""}}}}); err != nil {
				t.Fatal(err)
			}
			old := get(t, s.enterprises, e.ID)
			if old.Revision != 0 {
				t.Fatalf("a document without rev reads as revision %d", old.Revision)
			}
			old.Name += "（新）"
			if err := write(&old); err != nil {
				t.Fatalf("write %d of a document without rev: %v", i, err)
			}
			if got := get(t, s.enterprises, e.ID); got.Revision != 1 || got.Name != old.Name {
				t.Errorf("write %d of a document without rev stored revision %d name %q", i, got.Revision, got.Name)
			}
		}
	})
}

func mustPlan[T any](t *testing.T, tab *table[T], recs ...*T) []write[T] {
	t.Helper()
	if err := tab.kind.Check(recs); err != nil {
		t.Fatal(err)
	}
	ws, err := tab.plan(t.Context(), recs, stamp(time.Now()))
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return ws
}

func writePlan[T any](ctx context.Context, tab *table[T], ws []write[T], now time.Time) error {
	if err := tab.insertNew(ctx, ws, now); err != nil {
		return err
	}
	return tab.replaceRest(ctx, ws, now)
}

// TestErrors checks that driver failures are internal errors whose
// details stay out of the user-facing message.
func TestErrors(t *testing.T) {
	s := openStore(t, ferretURI(t))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Patents().Get(ctx, "202010000001.0")
	if data.ErrorCode(err) != data.CodeInternal || data.ErrorMessage(err) != "internal error" {
		t.Errorf("Get with a cancelled context: code %q, message %q", data.ErrorCode(err), data.ErrorMessage(err))
	}
	if !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("the wrapped error %q lost its cause", err)
	}
}

// TestNoFerretDBInBinary checks that FerretDB stays in the tests: the
// production package must not depend on it, nor on any ipmatch package but
// data.
func TestNoFerretDBInBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(goBin, "list", "-deps", "ipmatch/data/mongo").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(strings.ToLower(dep), "ferret") {
			t.Errorf("ipmatch/data/mongo depends on %s", dep)
		}
		if strings.HasPrefix(dep, "ipmatch/") && dep != "ipmatch/data" && dep != "ipmatch/data/mongo" {
			t.Errorf("ipmatch/data/mongo depends on %s", dep)
		}
	}
}

func mustPut[T any](t *testing.T, tab data.Table[T], recs ...*T) {
	t.Helper()
	if _, err := tab.Put(t.Context(), recs...); err != nil {
		t.Fatalf("Put: %v", err)
	}
}

func get[T any](t *testing.T, tab data.Table[T], id string) T {
	t.Helper()
	rec, err := tab.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return rec
}

func wantCount[T any](t *testing.T, tab data.Table[T], want int) {
	t.Helper()
	if n, err := tab.Count(t.Context()); err != nil || n != want {
		t.Errorf("Count = %d, %v; want %d", n, err, want)
	}
}

// TestSecondNodeOpensTheDatabase opens a second store on a database another
// store has set up and written to, as a second ipmatch node does: its
// indexes are found, not made again (FerretDB 1.24 used to panic on that).
func TestSecondNodeOpensTheDatabase(t *testing.T) {
	first := openStore(t, ferretURI(t))
	p := storetest.Patent(1)
	p.OwnerID = "ent_a"
	if _, err := first.Patents().Put(t.Context(), &p); err != nil {
		t.Fatal(err)
	}
	second, err := Open(t.Context(), ferretURI(t), first.db.Name(), nil)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer second.Close()
	got, _, err := second.Patents().List(t.Context(), data.ListOptions{Refs: data.Refs{Enterprise: "ent_a"}})
	if err != nil || len(got) != 1 || got[0].ApplicationNumber != p.ApplicationNumber {
		t.Fatalf("second node lists %v, %v; want the first node's patent", got, err)
	}
}
