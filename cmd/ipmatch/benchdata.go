package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"ipmatch/data"
	"ipmatch/data/demo"
)

// benchDataReport is what bench-data prints when done.
type benchDataReport struct {
	Enterprises      int     `json:"enterprises"`
	Patents          int     `json:"patents"`
	Seconds          float64 `json:"seconds"`
	RecordsPerSecond int     `json:"records_per_second"`
	DemoLoaded       bool    `json:"demo_loaded"`
}

// runBenchData generates a province-sized synthetic dataset into the store:
// the demo's banks, products, pools and event (so matching has something to
// match against), then N equipment manufacturers across Guangdong and M
// patents owned by them, in batches so memory stays flat. Writes go to the
// store and the audit log, not through a search index: a large set is
// indexed faster by the rebuild the next start (or ipmatch reindex) runs
// on seeing the counts differ, and running nodes follow the audit log.
func runBenchData(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-data", flag.ContinueOnError)
	var sc StoreConfig
	addStoreFlags(fs, &sc)
	nEnt := fs.Int("enterprises", 10_000, "enterprises to generate (IDs ent_000001 …)")
	nPat := fs.Int("patents", 100_000, "patents to generate, owned round-robin by the enterprises")
	seed := fs.Int64("seed", 1, "generator seed: the same seed gives the same records")
	batch := fs.Int("batch", 2000, "records per store write")
	withDemo := fs.Bool("demo", true, "load the demo dataset first (banks, products, pools, event)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *nEnt < 1 && *nPat > 0:
		return usageError("--enterprises must be at least 1 when --patents is given (patents need owners)")
	case *nEnt < 0 || *nPat < 0:
		return usageError("--enterprises and --patents must not be negative")
	case *nPat > 9_000_000:
		return usageError("--patents may be at most 9000000 (the generator's distinct application numbers)")
	case *batch < 1 || *batch > 100_000:
		return usageError("--batch must be from 1 to 100000")
	}
	logger := newLogger(stderr)
	raw, err := openStore(ctx, sc, logger)
	if err != nil {
		return err
	}
	defer raw.Close()
	ctx, store := auditCLI(ctx, raw, logger, data.NodeName(), fmt.Sprintf("bench-data --enterprises %d --patents %d --seed %d", *nEnt, *nPat, *seed))

	start := time.Now()
	if *withDemo {
		if err := demo.Load(ctx, store); err != nil {
			return fmt.Errorf("load the demo: %w", err)
		}
	}
	bar := newBar(progressOut(stderr), int64(*nEnt+*nPat), "generating")

	eg := demo.NewEnterpriseGenerator(*seed)
	ownerIDs := make([]string, 0, *nEnt)
	for done := 0; done < *nEnt; {
		n := min(*batch, *nEnt-done)
		ents := eg.Next(n)
		if err := putAll(ctx, store.Enterprises(), ents); err != nil {
			return fmt.Errorf("enterprises %d–%d: %w", done+1, done+n, err)
		}
		for i := range ents {
			ownerIDs = append(ownerIDs, ents[i].ID)
		}
		done += n
		bar.add(n)
	}
	pg := demo.NewPatentGenerator(*seed, ownerIDs)
	for done := 0; done < *nPat; {
		n := min(*batch, *nPat-done)
		if err := putAll(ctx, store.Patents(), pg.Next(n)); err != nil {
			return fmt.Errorf("patents %d–%d: %w", done+1, done+n, err)
		}
		done += n
		bar.add(n)
	}
	bar.finish()
	d := time.Since(start)
	rep := benchDataReport{
		Enterprises: *nEnt, Patents: *nPat, Seconds: d.Round(time.Millisecond).Seconds(),
		RecordsPerSecond: int(float64(*nEnt+*nPat) / max(d.Seconds(), 1e-9)),
		DemoLoaded:       *withDemo,
	}
	fmt.Fprintln(stderr, "bench-data: done; ipmatch serve rebuilds the search index at its next start (or run ipmatch reindex), and running nodes pick the records up from the audit log")
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// putAll writes recs in one Put.
func putAll[T any](ctx context.Context, tbl data.Table[T], recs []T) error {
	ptrs := make([]*T, len(recs))
	for i := range recs {
		ptrs[i] = &recs[i]
	}
	_, err := tbl.Put(ctx, ptrs...)
	return err
}

// bar is a progress bar on a terminal and nothing elsewhere.
type bar struct{ pb *progressbar.ProgressBar }

func newBar(w io.Writer, total int64, what string) bar {
	if w == nil || total == 0 {
		return bar{}
	}
	return bar{progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("records"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionFullWidth(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)}
}

func (b bar) add(n int) {
	if b.pb != nil {
		b.pb.Add(n)
	}
}

func (b bar) set(n int) {
	if b.pb != nil {
		b.pb.Set(n)
	}
}

func (b bar) finish() {
	if b.pb != nil {
		b.pb.Finish()
	}
}
