package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/mongo"
	"ipmatch/data/sqlite"
	"ipmatch/data/storetest"
	"ipmatch/internal/ferrettest"
	"ipmatch/search"
)

// crashRows is how many patents the crash test imports into the embedded
// store: ten batches of data.DefaultImportBatch, which take seconds to
// import and index, so a kill lands in the middle of the import.
const crashRows = 10 * data.DefaultImportBatch

// crashWait bounds every wait of the crash test: a server start (which may
// rebuild the index), an import, a stop. It is generous because the test
// shares a slow machine; nothing the test asserts depends on timing.
const crashWait = 5 * time.Minute

// TestCrashDuringImport kills a serving ipmatch process (SIGKILL) in the
// middle of a large patent import and restarts it on the same store, a
// few times over: the first import is killed once its first batch is
// stored, and each later round posts the same file again and kills that
// import further on. After each restart every stored patent equals its row in the
// file (no row is written in part), the rows the server had reported
// stored before the kill are all there, and the search index holds exactly
// the stored patents. A last import of the file completes the work: it
// imports the missing rows, finds the present ones unchanged, and leaves
// store and index with every row.
func TestCrashDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test kills a server mid-import over and over (≈60 s); CI runs it")
	}
	if testing.Short() || runtime.GOOS == "windows" {
		t.Skip("builds ipmatch, imports thousands of patents and kills the server")
	}
	bin := buildIpmatch(t)
	t.Run("sqlite", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		// Kill just after the first batch is committed (during its index
		// update); in the store write of a batch once a quarter of the
		// rows are in; between two batches (the index persisted, no write
		// in flight) once half are.
		crashRounds(t, bin, newCrashSource(t, crashRows), []crashKill{
			{1, atCount},
			{crashRows / 4, inStoreWrite},
			{crashRows / 2, betweenBatches},
		}, crashStore{
			flags: []string{"--data", dir},
			index: filepath.Join(dir, "index"),
			open:  func(ctx context.Context) (data.Store, error) { return sqlite.Open(ctx, dir, nil) },
		})
	})
	// On MongoDB (an embedded FerretDB here, which outlives the killed
	// server) a batch is not one transaction: a kill may leave part of a
	// batch stored, but never part of a record. FerretDB is slow, so
	// fewer rows and two kills: after the first batch, and in the middle
	// of a batch once half the rows are in.
	t.Run("ferretdb", func(t *testing.T) {
		uri := startFerretDB(t)
		crashRounds(t, bin, newCrashSource(t, crashRowsMongo), []crashKill{
			{1, atCount},
			{crashRowsMongo / 2, atCount},
		}, crashStore{
			flags: []string{"--mongo-uri", uri, "--mongo-db", "crash"},
			index: filepath.Join(t.TempDir(), "index"),
			open: func(ctx context.Context) (data.Store, error) {
				return mongo.Open(ctx, uri, "crash", nil)
			},
		})
	})
}

// crashRowsMongo is how many patents the crash test imports into FerretDB,
// which writes them more slowly than the embedded store.
const crashRowsMongo = 3 * data.DefaultImportBatch

// startFerretDB starts an embedded FerretDB (SQLite backend, in a
// temporary directory) on a free loopback port for the rest of the test,
// and returns its URI.
func startFerretDB(t *testing.T) string {
	t.Helper()
	srv, err := ferrettest.Start(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.URI()
}

// crashSource is the patent file of the crash test and what it holds.
type crashSource struct {
	n        int
	file     []byte
	rows     map[string]map[string]any // by application number: the fields each row gives
	owners   int                       // enterprises named as owners
	entsFile string                    // JSON Lines of those enterprises
}

// newCrashSource generates n patents as JSON Lines, and the enterprises
// they name as owners.
func newCrashSource(t *testing.T, n int) *crashSource {
	t.Helper()
	src := &crashSource{n: n, rows: map[string]map[string]any{}}
	patents := storetest.GeneratePatents(11, n)
	var file bytes.Buffer
	owners := map[string]bool{}
	for i := range patents {
		line, err := json.Marshal(&patents[i])
		if err != nil {
			t.Fatal(err)
		}
		file.Write(line)
		file.WriteByte('\n')
		var fields map[string]any
		if err := json.Unmarshal(line, &fields); err != nil {
			t.Fatal(err)
		}
		src.rows[patents[i].ApplicationNumber] = fields
		if o := patents[i].OwnerID; o != "" {
			owners[o] = true
		}
	}
	if len(src.rows) != n {
		t.Fatalf("the generated patents have %d distinct numbers, want %d", len(src.rows), n)
	}
	src.file, src.owners = file.Bytes(), len(owners)
	var ents bytes.Buffer
	for i, id := range slices.Sorted(maps.Keys(owners)) {
		e := storetest.Enterprise(i)
		e.ID = id
		line, err := json.Marshal(&e)
		if err != nil {
			t.Fatal(err)
		}
		ents.Write(line)
		ents.WriteByte('\n')
	}
	src.entsFile = filepath.Join(t.TempDir(), "enterprises.jsonl")
	writeFile(t, src.entsFile, ents.String())
	return src
}

// crashStore says which store the processes of the crash test use.
type crashStore struct {
	flags []string // the store flags of every command
	index string   // the search index directory
	// open opens the store in the test process, once the server stopped.
	open func(ctx context.Context) (data.Store, error)
}

// crashKill is one kill of TestCrashDuringImport: once at least at
// patents are stored, at the moment when says. When a restart found at
// or more stored, the kill waits for one more.
type crashKill struct {
	at   int
	when killWhen
}

// crashRounds runs the rounds of TestCrashDuringImport on store st: one
// per kill, then the last import.
func crashRounds(t *testing.T, bin string, src *crashSource, kills []crashKill, st crashStore) {
	token := cliOutput(t, bin, append([]string{"token", "create", "--role", "organizer", "--label", "crash test"}, st.flags...)...)
	cliOutput(t, bin, append(append([]string{"import", "--kind", "enterprises", "--index", st.index}, st.flags...), src.entsFile)...)
	t.Logf("%d patents (%.1f MB of JSON Lines) owned by %d enterprises", src.n, float64(len(src.file))/1e6, src.owners)

	ctx, cancel := context.WithTimeout(t.Context(), 4*crashWait)
	defer cancel()
	srv := startIpmatch(t, bin, st)
	stored := 0 // patents stored after the last restart
	for round, kill := range kills {
		start := time.Now()
		at := max(kill.at, stored+1)
		done := make(chan importResult, 1)
		url := srv.url
		go func() { done <- postImport(ctx, url, token, src.file) }()
		seen, moment := awaitKillPoint(ctx, t, srv, token, st.index, src.n, at, kill.when, done)
		if seen >= src.n {
			t.Fatalf("round %d: the whole import was stored before the kill", round)
		}
		srv.kill(t)
		r := <-done
		if r.err == nil && r.status == http.StatusOK {
			t.Fatalf("round %d: the import answered although the server was killed: %+v", round, r.report)
		}
		killedAt := time.Since(start)

		// Restart: what is stored is whole, and the index agrees.
		srv = startIpmatch(t, bin, st)
		restart := "the index was sound"
		if line := srv.logLine("rebuilding the search index"); line != "" {
			_, reason, _ := strings.Cut(line, "reason=")
			restart = "rebuilt: " + reason
		}
		if line := srv.logLine("left unlogged"); line != "" {
			restart += "; " + line[strings.Index(line, "msg="):]
		}
		stored = countPatents(t, srv.url, token)
		if stored <= 0 || stored >= src.n {
			t.Fatalf("round %d: %d patents stored after the kill, want some but not all of %d", round, stored, src.n)
		}
		if stored < seen {
			t.Fatalf("round %d: %d patents stored after the restart, but %d were reported stored before the kill", round, stored, seen)
		}
		checkSearchTotals(t, srv.url, token, stored, src.owners)
		srv.stop(t)
		checkStoreAndIndex(t, st, src, stored)
		if t.Failed() {
			t.FailNow()
		}
		t.Logf("round %d: killed %v in, %s, %d rows seen; %d stored after the restart (%s); round took %v",
			round, killedAt.Round(time.Millisecond), moment, seen, stored, restart, time.Since(start).Round(time.Millisecond))
		srv = startIpmatch(t, bin, st)
	}

	// The same import again completes the killed ones.
	start := time.Now()
	r := postImport(ctx, srv.url, token, src.file)
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("last import: status %d, %v; logs:\n%s", r.status, r.err, srv.logs())
	}
	rep := r.report
	if rep.Rows != src.n || rep.Imported != src.n-stored || rep.Unchanged != stored || rep.Updated != 0 || len(rep.Rejected) != 0 {
		t.Errorf("last import, with %d of %d rows stored: rows %d, imported %d, unchanged %d, updated %d, rejected %v",
			stored, src.n, rep.Rows, rep.Imported, rep.Unchanged, rep.Updated, rep.Rejected)
	}
	checkSearchTotals(t, srv.url, token, src.n, src.owners)
	srv.stop(t)
	checkStoreAndIndex(t, st, src, src.n)
	t.Logf("last import: %d imported, %d unchanged in %v", rep.Imported, rep.Unchanged, time.Since(start).Round(time.Millisecond))
}

// killWhen says at which moment of an import's batch to kill the server.
type killWhen int

const (
	atCount        killWhen = iota // as soon as the count reaches the kill point
	inStoreWrite                   // then when the next write begins (the dirty marker appears)
	betweenBatches                 // then when no write is in flight (the dirty marker is gone)
)

// awaitKillPoint watches a running import of n rows until at least at
// patents are stored (asking the server on a second connection) and then,
// as when says, until the search index's dirty marker in indexDir (the
// DIRTY file search.Wrap writes before each write and removes once no
// index update is pending) shows a write beginning or none in flight. It
// returns the count seen and a word on the moment. The marker is read from
// outside the server, so the moment is a best effort: when it has not come
// by the time two more batches are stored, or only two batches are left,
// awaitKillPoint returns anyway. It fails the test when the import ends
// first.
func awaitKillPoint(ctx context.Context, t *testing.T, srv *ipmatchProc, token, indexDir string, n, at int, when killWhen, done <-chan importResult) (int, string) {
	t.Helper()
	marker := func() bool {
		_, err := os.Stat(filepath.Join(indexDir, "DIRTY"))
		return err == nil
	}
	seen, sawIdle := 0, false
	var counted time.Time
	for {
		select {
		case r := <-done:
			t.Fatalf("the import ended before the kill point (%d of %d rows seen, waiting for %d): %+v", seen, n, at, r)
		case <-ctx.Done():
			t.Fatalf("%d of %d rows stored when the test timed out; logs:\n%s", seen, n, srv.logs())
		case <-time.After(time.Millisecond):
		}
		// Count often until the kill point, then watch the marker closely
		// and count now and then.
		every := 5 * time.Millisecond
		if seen >= at {
			every = 50 * time.Millisecond
		}
		if time.Since(counted) >= every {
			seen, counted = countPatents(t, srv.url, token), time.Now()
		}
		if seen < at {
			continue
		}
		busy := marker()
		switch {
		case when == atCount:
			return seen, "as soon as the count got there"
		case when == inStoreWrite && busy && sawIdle:
			return seen, "as a write began"
		case when == betweenBatches && !busy:
			return seen, "with no write in flight"
		case seen >= min(at+2*data.DefaultImportBatch, n-2*data.DefaultImportBatch):
			return seen, "at a fallback point (the wanted moment was not seen)"
		}
		sawIdle = sawIdle || !busy
	}
}

// buildIpmatch builds the ipmatch binary into a temporary directory.
func buildIpmatch(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ipmatch")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashEnv is the environment of the processes the crash test starts:
// the test's own, without IPMATCH_* settings that could point them
// elsewhere.
func crashEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "IPMATCH_") })
}

// cliOutput runs one ipmatch command that must succeed and returns its
// trimmed standard output.
func cliOutput(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = crashEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ipmatch %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// lockedBuffer is a bytes.Buffer safe for a process's output and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// ipmatchProc is an "ipmatch serve" process.
type ipmatchProc struct {
	cmd            *exec.Cmd
	url            string
	stdout, stderr lockedBuffer
	exited         chan struct{}
	waitErr        error
}

// startIpmatch starts "ipmatch serve" on a free loopback port over store
// st and waits until it listens. The process is killed at the end of the
// test if still running.
func startIpmatch(t *testing.T, bin string, st crashStore) *ipmatchProc {
	t.Helper()
	p := &ipmatchProc{exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--index", st.index}, st.flags...)...)
	p.cmd.Env = crashEnv()
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	deadline := time.After(crashWait)
	for {
		if _, rest, ok := strings.Cut(p.stdout.String(), " listening on "); ok {
			if u, _, ok := strings.Cut(rest, "\n"); ok {
				p.url = u
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("ipmatch serve exited before listening: %v\n%s", p.waitErr, p.logs())
		case <-deadline:
			t.Fatalf("ipmatch serve is not listening after %v:\n%s", crashWait, p.logs())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// logs returns what the process wrote.
func (p *ipmatchProc) logs() string {
	return p.stdout.String() + p.stderr.String()
}

// logLine returns the first line of the process's log that contains s,
// or "".
func (p *ipmatchProc) logLine(s string) string {
	for line := range strings.Lines(p.stderr.String()) {
		if strings.Contains(line, s) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// kill sends SIGKILL and waits for the process to end.
func (p *ipmatchProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// stop asks the process to shut down (as Ctrl-C does) and waits until it
// has, successfully.
func (p *ipmatchProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(crashWait):
		t.Fatalf("ipmatch serve has not stopped %v after an interrupt:\n%s", crashWait, p.logs())
	}
	if p.waitErr != nil {
		t.Fatalf("ipmatch serve stopped with %v:\n%s", p.waitErr, p.logs())
	}
}

// importResult is the outcome of one POST /api/v1/import/patents.
type importResult struct {
	status int
	report data.ImportReport
	err    error
}

// postImport posts body as a JSON Lines patent import on its own
// connection.
func postImport(ctx context.Context, base, token string, body []byte) importResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/import/patents?format=jsonl", bytes.NewReader(body))
	if err != nil {
		return importResult{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return importResult{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	res := importResult{status: resp.StatusCode, err: err}
	if err == nil && resp.StatusCode == http.StatusOK {
		res.err = json.Unmarshal(b, &res.report)
	} else if err == nil {
		res.err = fmt.Errorf("%s", b)
	}
	return res
}

// crashClient serves the test's reads, with a timeout per request.
var crashClient = &http.Client{Timeout: crashWait}

// crashTotal returns the "total" of a GET answer.
func crashTotal(t *testing.T, url, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := crashClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var body struct {
		Total *int `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.Total == nil {
		t.Fatalf("GET %s: status %d, %v", url, resp.StatusCode, err)
	}
	return *body.Total
}

// countPatents returns how many patents the server's store holds.
func countPatents(t *testing.T, base, token string) int {
	t.Helper()
	return crashTotal(t, base+"/api/v1/patents?size=1", token)
}

// checkSearchTotals checks that the server finds as many patents and
// enterprises by search as it lists.
func checkSearchTotals(t *testing.T, base, token string, patents, enterprises int) {
	t.Helper()
	for _, c := range []struct {
		kind string
		want int
	}{{"patents", patents}, {"enterprises", enterprises}} {
		listed := crashTotal(t, base+"/api/v1/"+c.kind+"?size=1", token)
		found := crashTotal(t, base+"/api/v1/search/"+c.kind+"?size=1", token)
		if listed != c.want || found != c.want {
			t.Errorf("%s: %d listed, %d found by search; want %d", c.kind, listed, found, c.want)
		}
	}
}

// checkStoreAndIndex opens store st and its search index (the server is
// stopped) and checks that the store holds want patents, each equal in
// every field to its row of src, and that the index holds the same
// patents: as many documents, and each stored patent found by its number
// with its title. The index must open as it is, without a rebuild: the
// server that stopped left it in step.
func checkStoreAndIndex(t *testing.T, st crashStore, src *crashSource, want int) {
	t.Helper()
	ctx := t.Context()
	s, err := st.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ps, n, err := s.Patents().List(ctx, data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n != want || len(ps) != want {
		t.Errorf("the store holds %d patents (%d listed), want %d", n, len(ps), want)
	}
	bad := 0
	for i := range ps {
		if msg := diffSource(&ps[i], src.rows[ps[i].ApplicationNumber]); msg != "" {
			if bad++; bad <= 5 {
				t.Errorf("stored patent %s differs from its row: %s", ps[i].ApplicationNumber, msg)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d stored patents differ from their rows", bad)
	}
	checkAuditCovers(t, s, ps)

	var logs bytes.Buffer
	x, err := search.Open(ctx, st.index, s, search.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if strings.Contains(logs.String(), "rebuilding") {
		t.Errorf("the index the server left had to be rebuilt: %s", logs.String())
	}
	if docs, err := x.DocCount(search.Patents); err != nil || docs != len(ps) {
		t.Errorf("the index holds %d patents (%v), the store %d", docs, err, len(ps))
	}
	// A number filter takes at most 50 values.
	const chunk = 50
	missing := 0
	for lo := 0; lo < len(ps); lo += chunk {
		group := ps[lo:min(lo+chunk, len(ps))]
		title := map[string]string{}
		var ids []string
		for _, p := range group {
			title[p.ApplicationNumber] = p.Title
			ids = append(ids, p.ApplicationNumber)
		}
		res, err := x.Search(ctx, search.Patents, search.Request{Filters: map[string]string{"number": strings.Join(ids, ",")}, Size: chunk})
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, h := range res.Hits {
			if want, ok := title[h.ID]; !ok || h.Fields["title"] != want {
				t.Errorf("searching numbers %s…: hit %s with title %v", ids[0], h.ID, h.Fields["title"])
				continue
			}
			found++
		}
		if res.Total != len(group) || found != len(group) {
			missing += len(group) - found
		}
	}
	if missing > 0 {
		t.Errorf("%d stored patents are not in the index", missing)
	}
}

// checkAuditCovers checks that the kill left each patent write with its
// audit entry or neither (issue 16): every stored patent is in an entry of
// the log, and every patent an entry names is stored.
func checkAuditCovers(t *testing.T, s data.Store, ps []data.Patent) {
	t.Helper()
	entries, _, err := s.Audit().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	logged := map[string]bool{}
	for _, e := range entries {
		if e.Kind == data.PatentKind.Name {
			for _, id := range e.IDs {
				logged[id] = true
			}
		}
	}
	stored := map[string]bool{}
	unlogged := 0
	for _, p := range ps {
		stored[p.ApplicationNumber] = true
		if !logged[p.ApplicationNumber] {
			unlogged++
		}
	}
	phantom := 0
	for id := range logged {
		if !stored[id] {
			phantom++
		}
	}
	if unlogged > 0 || phantom > 0 {
		t.Errorf("after the kill %d stored patents have no audit entry and %d logged patents are not stored", unlogged, phantom)
	}
}

// diffSource says how the stored patent p differs from its source row (as
// decoded from the file), or returns "" when every field the row gives has
// the same value in p and p has no other field than its timestamps and
// revision.
func diffSource(p *data.Patent, row map[string]any) string {
	if row == nil {
		return "no such row"
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err.Error()
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		return err.Error()
	}
	var diffs []string
	for k, v := range row {
		if !reflect.DeepEqual(got[k], v) {
			diffs = append(diffs, fmt.Sprintf("%s is %v, the row says %v", k, got[k], v))
		}
	}
	for k, v := range got {
		if _, ok := row[k]; !ok && k != "created_at" && k != "updated_at" && k != "revision" {
			diffs = append(diffs, fmt.Sprintf("%s is %v, the row has none", k, v))
		}
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "; ")
}
