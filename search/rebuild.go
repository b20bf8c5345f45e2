package search

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/schollz/progressbar/v3"

	"ipmatch/data"
)

// Rebuild replaces the index with one built from the store, giving reason
// in the log. Searches and updates wait until it is done. While it runs
// the dirty marker is on disk, so a rebuild cut short is redone by the
// next Open.
func (x *Index) Rebuild(ctx context.Context, reason string) error {
	x.rw.Lock()
	defer x.rw.Unlock()
	if f := x.opts.Rebuilding; f != nil {
		f(true)
		defer f(false)
	}
	start := time.Now()
	x.logger.Info("rebuilding the search index", "dir", x.dir, "reason", reason)

	x.mu.Lock()
	err := writeSynced(filepath.Join(x.dir, dirtyFile), []byte("rebuild "+time.Now().UTC().Format(time.RFC3339Nano)+"\n"))
	if err == nil {
		x.marked = true
	}
	x.mu.Unlock()
	if err != nil {
		return fmt.Errorf("search: mark the index dirty: %w", err)
	}
	if err := os.Remove(filepath.Join(x.dir, metaFile)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("search: %w", err)
	}
	x.closeKinds() // a damaged index may fail to close; it is removed next

	counts := map[string]int{}
	total := 0
	for _, k := range kinds {
		n, err := countOf(ctx, x.store, k)
		if err != nil {
			return fmt.Errorf("search: rebuild: count %s: %w", k, err)
		}
		counts[k] = n
		total += n
	}
	banks, err := bankNames(ctx, x.store)
	if err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	owners, err := ownersOf(ctx, x.store)
	if err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	prog := newProgress(x.opts.Progress, x.logger, int64(total))
	for _, k := range kinds {
		ki, err := createKind(x.dir, k)
		if err != nil {
			return fmt.Errorf("search: rebuild: create the %s index: %w", k, err)
		}
		x.kinds[k] = ki
		jobs := make(chan job, x.opts.Writers)
		var perr error
		go func() {
			defer close(jobs)
			perr = x.produce(ctx, ki, banks, owners, jobs)
		}()
		err = bulk(ctx, ki.bi, x.opts.Writers, jobs, prog.add)
		for range jobs { // let the producer finish after a failure
		}
		if err == nil {
			err = perr
		}
		if err == nil {
			err = waitPersisted(ctx, ki.bi)
		}
		if err != nil {
			return fmt.Errorf("search: rebuild %s: %w", k, err)
		}
	}
	prog.finish()

	b, _ := json.Marshal(meta{MappingVersion: MappingVersion, BuiltAt: time.Now().UTC()})
	if err := writeSynced(filepath.Join(x.dir, metaFile), b); err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	// The rebuild read the store after start: a follower need only apply
	// the writes logged since (see Follower).
	if err := writeCursor(x.dir, data.AuditIDAt(start)); err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	x.mu.Lock()
	x.failed = false
	if x.pending == 0 {
		if err := os.Remove(filepath.Join(x.dir, dirtyFile)); err == nil || os.IsNotExist(err) {
			x.marked = false
		}
	}
	x.mu.Unlock()
	x.gen.Add(1)
	x.facetCache.clear()
	x.results.clear()
	x.scoped.clear()
	d := time.Since(start)
	x.logger.Info("search index rebuilt", "patents", counts[Patents], "enterprises", counts[Enterprises],
		"products", counts[Products], "duration", d.Round(time.Millisecond),
		"docs_per_second", int(float64(total)/max(d.Seconds(), 1e-9)))
	return nil
}

// job builds the documents of one index batch.
type job func() []*document.Document

// produce reads the records of ki's kind from the store a batch at a time,
// in ID order, and sends a job for each batch.
func (x *Index) produce(ctx context.Context, ki *kindIndex, banks map[string]string, owners map[string]owner, jobs chan<- job) error {
	size := x.opts.BatchSize
	switch ki.name {
	case Patents:
		return produce(ctx, x.store.Patents(), size, jobs, func(p *data.Patent) *document.Document {
			return ki.b.patent(p, owners[p.OwnerID])
		})
	case Enterprises:
		return produce(ctx, x.store.Enterprises(), size, jobs, ki.b.enterprise)
	case Products:
		return produce(ctx, x.store.Products(), size, jobs, func(p *data.Product) *document.Document {
			return ki.b.product(p, banks[p.BankID])
		})
	}
	panic("search: unknown kind " + ki.name)
}

func produce[T any](ctx context.Context, tbl data.Table[T], size int, jobs chan<- job, build func(*T) *document.Document) error {
	for off := 0; ; off += size {
		if err := ctx.Err(); err != nil {
			return err
		}
		recs, _, err := tbl.List(ctx, data.ListOptions{Offset: off, Limit: size})
		if err != nil {
			return err
		}
		if len(recs) > 0 {
			jobs <- func() []*document.Document {
				docs := make([]*document.Document, len(recs))
				for i := range recs {
					docs[i] = build(&recs[i])
				}
				return docs
			}
		}
		if len(recs) < size {
			return nil
		}
	}
}

// bulk indexes what jobs produce into bi with several writers: each builds
// its batch's documents and hands the batch to bleve, which builds the
// batch's segment in the writer's goroutine, so writers work in parallel.
// done is told how many documents each batch held. bulk returns the first
// error and then drains nothing; the caller drains jobs.
func bulk(ctx context.Context, bi bleve.Index, writers int, jobs <-chan job, done func(int)) error {
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		stop     = make(chan struct{})
	)
	fail := func(err error) {
		once.Do(func() { firstErr = err; close(stop) })
	}
	for range max(writers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var j job
				var ok bool
				select {
				case <-stop:
					return
				case <-ctx.Done():
					fail(ctx.Err())
					return
				case j, ok = <-jobs:
					if !ok {
						return
					}
				}
				docs := j()
				b := bi.NewBatch()
				for _, d := range docs {
					if err := b.IndexAdvanced(d); err != nil {
						fail(err)
						return
					}
				}
				if err := bi.Batch(b); err != nil {
					fail(err)
					return
				}
				done(len(docs))
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// persistedKey is an internal key written last by a rebuild; its batch's
// persistence means every earlier batch is on disk too.
var persistedKey = []byte("ipmatch_rebuilt_at")

// waitPersisted returns once everything indexed into bi so far is on disk.
func waitPersisted(ctx context.Context, bi bleve.Index) error {
	b := bi.NewBatch()
	b.SetInternal(persistedKey, []byte(time.Now().UTC().Format(time.RFC3339Nano)))
	ch := make(chan error, 1)
	b.SetPersistedCallback(func(err error) {
		select {
		case ch <- err:
		default:
		}
	})
	if err := bi.Batch(b); err != nil {
		return err
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bankNames maps every bank's ID to its name (products show and match
// their bank's name).
func bankNames(ctx context.Context, s data.Store) (map[string]string, error) {
	banks, _, err := s.Banks().List(ctx, data.ListOptions{})
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(banks))
	for _, b := range banks {
		m[b.ID] = bankLabel(&b)
	}
	return m, nil
}

// ownersOf returns what the patents' documents hold of every enterprise
// (owner), by ID.
func ownersOf(ctx context.Context, s data.Store) (map[string]owner, error) {
	m := map[string]owner{}
	after := ""
	for {
		ents, _, err := s.Enterprises().List(ctx, data.ListOptions{After: after, Limit: 10_000})
		if err != nil {
			return nil, err
		}
		for i := range ents {
			m[ents[i].ID] = ownerOf(&ents[i])
		}
		if len(ents) < 10_000 {
			return m, nil
		}
		after = ents[len(ents)-1].ID
	}
}

// bankLabel is how a bank is named in product documents and facets.
func bankLabel(b *data.Bank) string {
	return b.Name
}

// progress reports a rebuild: a progress bar on a terminal, otherwise a
// log line per tenth of the work.
type progress struct {
	bar    *progressbar.ProgressBar
	logger *slog.Logger
	total  int64
	done   atomic.Int64
	tenth  atomic.Int64
	start  time.Time
}

func newProgress(w io.Writer, logger *slog.Logger, total int64) *progress {
	p := &progress{logger: logger, total: total, start: time.Now()}
	if w != nil && total > 0 {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("indexing"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("docs"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionFullWidth(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		)
	}
	return p
}

func (p *progress) add(n int) {
	done := p.done.Add(int64(n))
	if p.bar != nil {
		p.bar.Add(n)
		return
	}
	if p.total == 0 {
		return
	}
	t := done * 10 / p.total
	if prev := p.tenth.Load(); t > prev && t < 10 && p.tenth.CompareAndSwap(prev, t) {
		p.logger.Info("rebuilding the search index", "done", done, "of", p.total,
			"elapsed", time.Since(p.start).Round(time.Second))
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

// indexPatents indexes ps with the rebuild pipeline and waits until they
// are on disk. It serves benchmarks and tests that index generated data
// without a store.
func (x *Index) indexPatents(ctx context.Context, ps []data.Patent) error {
	x.rw.RLock()
	defer x.rw.RUnlock()
	ki, ok := x.kinds[Patents]
	if !ok {
		return errClosed
	}
	size := x.opts.BatchSize
	jobs := make(chan job, x.opts.Writers)
	go func() {
		defer close(jobs)
		for i := 0; i < len(ps); i += size {
			chunk := ps[i:min(i+size, len(ps))]
			jobs <- func() []*document.Document {
				docs := make([]*document.Document, len(chunk))
				for j := range chunk {
					docs[j] = ki.b.patent(&chunk[j], owner{})
				}
				return docs
			}
		}
	}()
	err := bulk(ctx, ki.bi, x.opts.Writers, jobs, func(int) {})
	for range jobs {
	}
	if err != nil {
		return err
	}
	x.gen.Add(1)
	return waitPersisted(ctx, ki.bi)
}
