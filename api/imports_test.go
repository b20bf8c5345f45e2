package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/sqlite"
	"ipmatch/data/storetest"
	"ipmatch/door"
)

// blockedImport starts an import by tok whose body is held open until the
// returned function is called; it returns the answer then.
func blockedImport(t *testing.T, h http.Handler, tok, path string) (finish func() *httptest.ResponseRecorder) {
	t.Helper()
	pr, pw := io.Pipe()
	req := httptest.NewRequest("POST", path, pr)
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { h.ServeHTTP(w, req); close(done) }()
	// The handler has its slot once it reads the body.
	if _, err := pw.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	return func() *httptest.ResponseRecorder {
		pw.Close()
		<-done
		return w
	}
}

func postImport(h http.Handler, tok, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func wantRetryAfter(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	wantError(t, w, http.StatusTooManyRequests, door.CodeRateLimited)
	if s, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After = %q", w.Header().Get("Retry-After"))
	}
}

// TestImportConcurrency is issue 12 item 11: one import at a time per
// party, whatever its token, and MaxConcurrentImports in all.
func TestImportConcurrency(t *testing.T) {
	f := newFixture(t, Config{})
	// The bare handler: the OpenAPI check of f.h reads bodies whole.
	h := New(f.store, nil, Config{MaxConcurrentImports: 2, ImportSpoolDir: t.TempDir()})
	put(t, f.store.Tokens(), &data.Token{Hash: data.HashToken("ipm_test_ent_x_2"), Role: data.RoleCompany, EnterpriseID: f.entX})
	row, _ := json.Marshal(storetest.Patent(70))

	finishX := blockedImport(t, h, entXToken, "/api/v1/import/patents")
	// X again, with another token: 429.
	wantRetryAfter(t, postImport(h, "ipm_test_ent_x_2", "/api/v1/import/patents", string(row)))
	// Bank A may run one beside X's; then two run, and Y must wait.
	finishA := blockedImport(t, h, bankAToken, "/api/v1/import/products")
	wantRetryAfter(t, postImport(h, entYToken, "/api/v1/import/patents", string(row)))

	if w := finishX(); w.Code != http.StatusOK {
		t.Errorf("X's import: %d %s", w.Code, w.Body)
	}
	if w := postImport(h, entYToken, "/api/v1/import/patents", string(row)); w.Code != http.StatusOK {
		t.Errorf("Y's import once X's ended: %d %s", w.Code, w.Body)
	}
	if w := finishA(); w.Code != http.StatusOK {
		t.Errorf("bank A's import: %d %s", w.Code, w.Body)
	}
}

// TestImportTooLargeSpool: a body over the limit without Content-Length is
// refused with 413, writes nothing and leaves no spool file; a good import
// leaves none either.
func TestImportTooLargeSpool(t *testing.T) {
	f := newFixture(t, Config{})
	spool := t.TempDir()
	h := New(f.store, nil, Config{MaxImportBytes: 1024, ImportSpoolDir: spool})
	var lines []string
	for i := 200; len(strings.Join(lines, "\n")) <= 1024; i++ {
		j, _ := json.Marshal(storetest.Enterprise(i))
		lines = append(lines, string(j))
	}
	before := f.snapshot()
	req := httptest.NewRequest("POST", "/api/v1/import/enterprises", struct{ io.Reader }{strings.NewReader(strings.Join(lines, "\n"))})
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+orgToken)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	wantError(t, w, http.StatusRequestEntityTooLarge, data.CodeTooLarge)
	f.unchanged(before)
	if w := postImport(h, orgToken, "/api/v1/import/enterprises", lines[0]); w.Code != http.StatusOK {
		t.Errorf("small import: %d %s", w.Code, w.Body)
	}
	if left, _ := os.ReadDir(spool); len(left) != 0 {
		t.Errorf("spool files left: %v", left)
	}
}

// patentImportBody returns n JSONL patent rows.
func patentImportBody(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		p := storetest.Patent(100000 + i)
		p.Abstract = strings.Repeat("一种用于测试的装置，", 40)
		j, _ := json.Marshal(p)
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// peakHeap runs fn and returns the most live heap seen while it ran
// (runtime/metrics' /gc/heap/live:bytes, as of each collection, sampled
// every millisecond) above the live heap before: garbage not yet collected
// is not counted, so the figure is what the import holds.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	live := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := live()
	peak := base
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				peak = max(peak, live())
			}
		}
	}()
	fn()
	close(stop)
	<-done
	runtime.GC() // the collection at the end sees what fn still held
	return max(peak, live()) - base
}

// BenchmarkImportBodyMemory compares the peak live heap of one large
// import (about 23 MB of patents, read from a file as from the network)
// when the body is read whole, as the API did, and when it is spooled, as
// it is now. The figure is peak-MB.
func BenchmarkImportBodyMemory(b *testing.B) {
	path := filepath.Join(b.TempDir(), "patents.jsonl")
	if err := os.WriteFile(path, patentImportBody(12000), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"buffered", "spooled"} {
		b.Run(mode, func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				b.StopTimer()
				store, err := sqlite.Open(b.Context(), b.TempDir(), nil)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { store.Close() })
				if _, err := store.Tokens().Put(b.Context(), &data.Token{Hash: data.HashToken(orgToken), Role: data.RoleOrganizer}); err != nil {
					b.Fatal(err)
				}
				h := New(store, nil, Config{ImportSpoolDir: b.TempDir()})
				in, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				peak = max(peak, peakHeap(func() {
					if mode == "buffered" {
						// What the API did: the whole body in memory, then
						// imported from it.
						whole, _ := io.ReadAll(in)
						rep, err := data.Import(b.Context(), store, bytes.NewReader(whole), data.ImportOptions{Kind: "patents"})
						if err != nil || rep.Imported != 12000 {
							b.Fatalf("%+v %v", rep.Imported, err)
						}
						return
					}
					req := httptest.NewRequest("POST", "/api/v1/import/patents", in)
					req.ContentLength = -1
					req.Header.Set("Authorization", "Bearer "+orgToken)
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("%d %s", w.Code, w.Body)
					}
				}))
				in.Close()
			}
			b.ReportMetric(float64(peak)/1e6, "peak-MB")
		})
	}
}
