package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"ipmatch/data"
	"ipmatch/slots"
)

// Files in the index directory besides one bleve index per kind.
const (
	metaFile   = "meta.json" // mapping version of a complete index
	dirtyFile  = "DIRTY"     // present while a write may not be indexed yet
	lockFile   = "LOCK"      // held by the process that has the index open
	kindSuffix = ".bleve"
)

// Defaults of Options.
const (
	DefaultBatchSize = 4000
	maxBatchSize     = 10000
)

// errClosed reports a use of a closed index.
var errClosed = errors.New("search: the index is closed")

// errInUse reports an index directory locked by another process.
var errInUse = errors.New("the index directory is in use by another process (is ipmatch serve running?)")

// Options configure Open. Zero fields take their defaults.
type Options struct {
	// Logger receives what the index does (rebuilds, failed updates); nil
	// discards it.
	Logger *slog.Logger
	// Progress, when not nil, shows a progress bar while the index is
	// rebuilt; give it the terminal (stderr) and leave it nil otherwise,
	// where a log line per tenth of the work is written instead.
	Progress io.Writer
	// Writers is how many goroutines build index batches in a rebuild
	// (default GOMAXPROCS).
	Writers int
	// BatchSize is how many records go into one index batch in a rebuild
	// (default DefaultBatchSize).
	BatchSize int
	// Rebuild forces a rebuild on Open even when the index looks sound.
	Rebuild bool
	// Observe, when set, is told how long each Search and Similar took
	// (op "search" or "similar", the kind searched), waiting in line and
	// kept answers included: the hook of a server's search latency
	// metrics. It is called from many goroutines at once.
	Observe func(op, kind string, d time.Duration)
	// Rebuilding, when set, is called with true as a rebuild starts and
	// with false as it ends, however it ends: a server answers "not
	// ready" meanwhile (its readiness check).
	Rebuilding func(bool)
	// Searches is how many searches of each kind run at once (default
	// GOMAXPROCS); the others wait in line (gate.go).
	Searches int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Writers <= 0 {
		o.Writers = runtime.GOMAXPROCS(0)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	o.BatchSize = min(o.BatchSize, maxBatchSize)
	return o
}

// Index holds the search indexes of patents, enterprises and products in
// one directory, kept in step with a data.Store: Open rebuilds them from the
// store when they are missing, damaged, of another MappingVersion, out of
// count with the store, or when a write was in flight when the process
// stopped; Wrap keeps them in step afterwards.
//
// An Index is safe for concurrent use by many goroutines. Only one process
// may have a directory open at a time.
type Index struct {
	dir    string
	store  data.Store // undecorated: bank names, facet labels, rebuilds
	opts   Options
	logger *slog.Logger
	lock   *os.File

	// rw guards the kind indexes: searches and updates hold it for
	// reading, a rebuild and Close for writing.
	rw    sync.RWMutex
	kinds map[string]*kindIndex

	// mu guards the dirty-marker state.
	mu      sync.Mutex
	pending int  // writes begun whose index update is not yet persisted
	marked  bool // the dirty marker is on disk
	failed  bool // an index update failed: keep the marker until a rebuild
	idle    *sync.Cond

	gen        atomic.Uint64 // bumped by every index update; keys the caches
	closed     atomic.Bool
	facetCache *genCache[map[string]*Facet] // facet counts, by facetKey
	results    *genCache[*Result]           // whole answers, by resultKey (Search)
	scoped     *genCache[bool]              // whether a term is in a scope, by compiler.exists
	gates      map[string]*slots.Line       // searches at once, by kind (gate.go)
	stopAdvice chan struct{}                // ends adviseLoop (advise_linux.go)

	// skipIndex, set by tests, makes Wrap write the store and mark the
	// index dirty but skip the index update, as if the process died.
	skipIndex bool
}

// kindIndex is the bleve index of one kind.
type kindIndex struct {
	name string
	bi   bleve.Index
	m    *mapping.IndexMappingImpl
	b    *builder
}

// meta is the content of metaFile.
type meta struct {
	MappingVersion int       `json:"mapping_version"`
	BuiltAt        time.Time `json:"built_at"`
}

// Open opens the index in dir (created when missing) for store, rebuilding
// it from store when needed; see Index. A damaged index is rebuilt, never
// reported as an error. Open fails when dir cannot be used, another
// process holds it, or the store cannot be read.
func Open(ctx context.Context, dir string, store data.Store, opts Options) (*Index, error) {
	opts = opts.withDefaults()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("search: create index directory: %w", err)
	}
	lock, err := lockDir(filepath.Join(dir, lockFile))
	if err != nil {
		return nil, fmt.Errorf("search: %s: %w", dir, err)
	}
	x := &Index{
		dir: dir, store: store, opts: opts, logger: opts.Logger, lock: lock,
		kinds: map[string]*kindIndex{}, facetCache: newGenCache[map[string]*Facet](256), results: newGenCache[*Result](resultsKept), scoped: newGenCache[bool](scopedTerms),
		gates: map[string]*slots.Line{Patents: newGate(opts.Searches), Enterprises: newGate(opts.Searches), Products: newGate(opts.Searches)},
	}
	x.idle = sync.NewCond(&x.mu)
	reason := x.check(ctx)
	if reason == "" && opts.Rebuild {
		reason = "a rebuild was asked for"
	}
	if reason != "" {
		if err := x.Rebuild(ctx, reason); err != nil {
			x.closeKinds()
			lock.Close()
			return nil, err
		}
	}
	x.stopAdvice = make(chan struct{})
	go adviseLoop(dir, x.stopAdvice)
	return x, nil
}

// CheckFree returns an error when another process has the index in dir
// open (ipmatch serve, reindex or import on it), so that a command that
// would replace the directory under it can refuse. A directory that holds
// no index is free.
func CheckFree(dir string) error {
	name := filepath.Join(dir, lockFile)
	if _, err := os.Stat(name); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	lock, err := lockDir(name)
	if err != nil {
		return fmt.Errorf("search: %s: %w", dir, err)
	}
	return lock.Close()
}

// check opens the kind indexes and returns why they must be rebuilt, or ""
// when they are sound.
func (x *Index) check(ctx context.Context) string {
	if _, err := os.Stat(filepath.Join(x.dir, dirtyFile)); err == nil {
		return "a write was in flight when the index was last closed"
	}
	b, err := os.ReadFile(filepath.Join(x.dir, metaFile))
	if errors.Is(err, os.ErrNotExist) {
		return "there is no index yet"
	}
	var m meta
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		return fmt.Sprintf("%s is unreadable: %v", metaFile, err)
	}
	if m.MappingVersion != MappingVersion {
		return fmt.Sprintf("the index has mapping version %d, this program %d", m.MappingVersion, MappingVersion)
	}
	for _, k := range kinds {
		ki, err := openKind(x.dir, k)
		if err != nil {
			return fmt.Sprintf("the %s index is damaged: %v", k, err)
		}
		x.kinds[k] = ki
		n, err := ki.bi.DocCount()
		if err != nil {
			return fmt.Sprintf("the %s index is damaged: %v", k, err)
		}
		want, err := countOf(ctx, x.store, k)
		if err != nil {
			return fmt.Sprintf("the store cannot count %s: %v", k, err)
		}
		if int(n) != want {
			return fmt.Sprintf("the %s index has %d documents, the store %d records", k, n, want)
		}
	}
	return ""
}

// runtimeConfig is the scorch configuration of every index. Batches return
// once their documents are searchable, without waiting for the disk; the
// dirty marker is cleared only when bleve reports them persisted.
func runtimeConfig() map[string]any {
	return map[string]any{"unsafe_batch": true, "bolt_timeout": "5s"}
}

// openKind opens the bleve index of kind k in dir. A panic inside bleve
// (a damaged segment) is reported as an error.
func openKind(dir, k string) (ki *kindIndex, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("opening panicked: %v", v)
		}
	}()
	bi, err := bleve.OpenUsing(filepath.Join(dir, k+kindSuffix), runtimeConfig())
	if err != nil {
		return nil, err
	}
	m := newMapping(k)
	return &kindIndex{name: k, bi: bi, m: m, b: newBuilder(k, m)}, nil
}

// createKind creates an empty bleve index of kind k in dir, replacing
// whatever is there.
func createKind(dir, k string) (*kindIndex, error) {
	path := filepath.Join(dir, k+kindSuffix)
	if err := os.RemoveAll(path); err != nil {
		return nil, err
	}
	m := newMapping(k)
	bi, err := bleve.NewUsing(path, m, scorch.Name, scorch.Name, runtimeConfig())
	if err != nil {
		return nil, err
	}
	return &kindIndex{name: k, bi: bi, m: m, b: newBuilder(k, m)}, nil
}

// countOf returns how many records of kind k the store holds.
func countOf(ctx context.Context, s data.Store, k string) (int, error) {
	switch k {
	case Patents:
		return s.Patents().Count(ctx)
	case Enterprises:
		return s.Enterprises().Count(ctx)
	case Products:
		return s.Products().Count(ctx)
	}
	panic("search: unknown kind " + k)
}

// DocCount returns how many documents the index of kind k (Patents,
// Enterprises or Products) holds.
func (x *Index) DocCount(k string) (int, error) {
	x.rw.RLock()
	defer x.rw.RUnlock()
	ki, ok := x.kinds[k]
	if !ok {
		return 0, fmt.Errorf("search: unknown kind %q", k)
	}
	n, err := ki.bi.DocCount()
	return int(n), err
}

// DropCaches forgets every answer, facet count and scope check the index
// keeps, as an update does, so that the next requests are answered cold:
// for benchmarks that time a first request over and over.
func (x *Index) DropCaches() {
	x.gen.Add(1)
	x.facetCache.clear()
	x.results.clear()
	x.scoped.clear()
}

// Close waits (up to ten seconds) for index updates to reach the disk,
// then closes the index. When they did, the dirty marker is removed; when
// not, it stays and the next Open rebuilds. Closing twice does nothing.
func (x *Index) Close() error {
	if x.closed.Swap(true) {
		return nil
	}
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
	case <-time.After(10 * time.Second):
		x.logger.Warn("search index updates still pending at close; the index will be rebuilt on the next start")
	}
	close(x.stopAdvice)
	x.rw.Lock()
	err := x.closeKinds()
	x.rw.Unlock()
	if x.lock != nil {
		x.lock.Close()
		x.lock = nil
	}
	return err
}

func (x *Index) closeKinds() error {
	var errs []error
	for k, ki := range x.kinds {
		errs = append(errs, ki.bi.Close())
		delete(x.kinds, k)
	}
	return errors.Join(errs...)
}

// ---- The dirty marker ----

// begin marks the index dirty before a store write: the marker is on disk
// before the write starts and stays until end is called for every begin.
// A crash in between leaves the marker, and the next Open rebuilds.
func (x *Index) begin() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.marked {
		if err := writeSynced(filepath.Join(x.dir, dirtyFile), []byte(time.Now().UTC().Format(time.RFC3339Nano)+"\n")); err != nil {
			return fmt.Errorf("search: mark the index dirty: %w", err)
		}
		x.marked = true
	}
	x.pending++
	return nil
}

// end undoes one begin once its index update is persisted (or was not
// needed). failed keeps the marker for good: the index missed a write.
func (x *Index) end(failed bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.pending--
	if failed {
		x.failed = true
	}
	if x.pending == 0 {
		if x.marked && !x.failed {
			if err := os.Remove(filepath.Join(x.dir, dirtyFile)); err == nil || errors.Is(err, os.ErrNotExist) {
				x.marked = false
			}
		}
		x.idle.Broadcast()
	}
}

// writeSynced writes a small file and flushes it and its directory to disk.
func writeSynced(name string, b []byte) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(name)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
