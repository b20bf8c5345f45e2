package search

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/slots"
)

// benchN is how many generated patents the benchmarks index; 100,000 by
// default (go test -bench . -benchtime 1x -bench.n 100000).
var benchN = flag.Int("bench.n", 100_000, "number of generated patents the benchmarks index")

var (
	benchBatch   = flag.Int("bench.batch", 0, "documents per index batch (0: the default)")
	benchWriters = flag.Int("bench.writers", 0, "index writers (0: GOMAXPROCS)")
)

// benchOwners is how many enterprises own the generated patents.
const benchOwners = 5000

func benchOwnerIDs() []string {
	ids := make([]string, benchOwners)
	for i := range ids {
		ids[i] = fmt.Sprintf("ent_b%05d", i)
	}
	return ids
}

var (
	benchPatentsOnce sync.Once
	benchPatents     []data.Patent
)

func generated() []data.Patent {
	benchPatentsOnce.Do(func() {
		benchPatents = demo.GeneratePatents(7, *benchN, benchOwnerIDs())
		for i := range benchPatents {
			benchPatents[i].Normalize()
		}
	})
	return benchPatents
}

// emptyIndex opens an index over an empty store.
func emptyIndex(tb testing.TB, dir string) *Index {
	tb.Helper()
	s := openStore(tb)
	x, err := Open(context.Background(), dir, s, Options{BatchSize: *benchBatch, Writers: *benchWriters})
	if err != nil {
		tb.Fatal(err)
	}
	x.results = newGenCache[*Result](0) // benchmarks repeat a request: measure the search, not the kept answer
	return x
}

// BenchmarkIndex100k indexes the generated patents with ipmatch's mapping
// and pipeline (several writers, only the fields queries need) and, for
// comparison, with plain bleve: the default mapping with the cjk analyzer,
// one batch of 1,000 after another.
func BenchmarkIndex100k(b *testing.B) {
	ps := generated()
	ctx := context.Background()
	b.Run("ours", func(b *testing.B) {
		var total, cpu time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			x := emptyIndex(b, filepath.Join(b.TempDir(), "ours"))
			b.StartTimer()
			start, cpu0 := time.Now(), cpuTime()
			if err := x.indexPatents(ctx, ps); err != nil {
				b.Fatal(err)
			}
			total += time.Since(start)
			cpu += cpuTime() - cpu0
			b.StopTimer()
			if n, _ := x.DocCount(Patents); n != len(ps) {
				b.Fatalf("indexed %d of %d", n, len(ps))
			}
			x.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(len(ps)*b.N)/total.Seconds(), "docs/s")
		b.ReportMetric(float64(len(ps)*b.N)/cpu.Seconds(), "docs/cpu-s")
	})
	b.Run("plain", func(b *testing.B) {
		var total, cpu time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			m := bleve.NewIndexMapping()
			m.DefaultAnalyzer = cjk.AnalyzerName
			bi, err := bleve.NewUsing(filepath.Join(b.TempDir(), "plain"), m, scorch.Name, scorch.Name, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start, cpu0 := time.Now(), cpuTime()
			batch := bi.NewBatch()
			for j := range ps {
				if err := batch.Index(ps[j].ApplicationNumber, ps[j]); err != nil {
					b.Fatal(err)
				}
				if batch.Size() == 1000 || j == len(ps)-1 {
					if err := bi.Batch(batch); err != nil {
						b.Fatal(err)
					}
					batch = bi.NewBatch()
				}
			}
			total += time.Since(start)
			cpu += cpuTime() - cpu0
			b.StopTimer()
			bi.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(len(ps)*b.N)/total.Seconds(), "docs/s")
		b.ReportMetric(float64(len(ps)*b.N)/cpu.Seconds(), "docs/cpu-s")
	})
}

var (
	queryIndexOnce sync.Once
	queryIndex     *Index
	queryIndexDir  string
)

// benchDir, when set, keeps the index of generated patents between runs.
var benchDir = flag.String("bench.dir", "", "directory to keep the benchmark index in between runs")

// benchIndex returns an index of the generated patents, built once.
func benchIndex(b testing.TB) *Index {
	queryIndexOnce.Do(func() {
		if *benchDir != "" {
			x, err := reopenForBench(*benchDir)
			if err == nil {
				if n, _ := x.DocCount(Patents); n == *benchN {
					queryIndex = x
					return
				}
				x.Close()
			}
			os.RemoveAll(*benchDir)
			queryIndex = emptyIndex(b, *benchDir)
			if err := queryIndex.indexPatents(context.Background(), generated()); err != nil {
				b.Fatal(err)
			}
			return
		}
		dir, err := os.MkdirTemp("", "ipmatch-bench-")
		if err != nil {
			b.Fatal(err)
		}
		queryIndexDir = dir
		queryIndex = emptyIndex(b, filepath.Join(dir, "index"))
		if err := queryIndex.indexPatents(context.Background(), generated()); err != nil {
			b.Fatal(err)
		}
	})
	return queryIndex
}

// benchWords are query words from the demo's vocabulary.
var benchWords = []string{
	"数控机床", "液压", "焊接机器人", "主轴", "减速器", "输送", "模具", "冷却", "夹紧", "齿轮箱",
	"激光焊接", "活塞杆", "刀库", "密封", "注塑模具", "行星减速机", "传感器", "机器人", "伺服电机", "润滑",
}

// benchRequests returns n mixed requests: plain words, two words, phrases,
// filters (type, status, IPC prefix, region, filing date), facets, sorts
// and a bank-like scope over 50 owners.
func benchRequests(n int) []Request {
	r := rand.New(rand.NewPCG(3, 4))
	owners := benchOwnerIDs()
	var out []Request
	for i := range n {
		w := benchWords[r.IntN(len(benchWords))]
		req := Request{Query: w}
		switch i % 8 {
		case 1:
			req.Query = w + " " + benchWords[r.IntN(len(benchWords))]
		case 2:
			req.Query = `"` + w + `"`
		case 3:
			req.Filters = map[string]string{"type": "invention", "status": "valid"}
		case 4:
			req.Filters = map[string]string{"ipc": []string{"B23", "F16H", "B65G", "F15B"}[r.IntN(4)], "filing_date": "2015..2020"}
		case 5:
			req.Query = ""
			req.Filters = map[string]string{"region": []string{"4412", "4406", "440604", "4419"}[r.IntN(4)]}
		case 6:
			req.Sort = []string{"-filing_date"}
		case 7:
			sc := Scope{Restricted: true}
			for range 50 {
				sc.Owners = append(sc.Owners, owners[r.IntN(len(owners))])
			}
			req.Scope = sc
		}
		if i%2 == 0 {
			req.Facets = []string{"type", "status", "ipc_class", "region"}
		}
		out = append(out, req)
	}
	return out
}

// BenchmarkQueries runs 200 mixed queries on the index of generated
// patents and reports the median and 99th percentile latency: "cold" with
// the facet cache off, "cached" with it on (emptied before each round of
// 200, so only repeated queries within a round hit it).
func BenchmarkQueries(b *testing.B) {
	x := benchIndex(b)
	reqs := benchRequests(200)
	ctx := context.Background()
	for _, mode := range []string{"cold", "cached"} {
		b.Run(mode, func(b *testing.B) {
			saved := x.facetCache
			defer func() { x.facetCache = saved }()
			var lat []time.Duration
			var hits int
			for i := 0; i < b.N; i++ {
				x.facetCache = newGenCache[map[string]*Facet](0)
				if mode == "cached" {
					x.facetCache = newGenCache[map[string]*Facet](256)
				}
				for _, req := range reqs {
					start := time.Now()
					res, err := x.Search(ctx, Patents, req)
					if err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
					hits += res.Total
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
			b.ReportMetric(float64(hits)/float64(len(lat)), "hits/query")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	closeShared()
	if queryIndex != nil {
		queryIndex.Close()
		if queryIndexDir != "" {
			os.RemoveAll(queryIndexDir)
		}
	}
	os.Exit(code)
}

// cpuTime returns the CPU time the process has used, so that indexing
// throughput can be compared on a machine shared with other work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reopenForBench opens the kind indexes in dir as they are, without
// checking them against a store.
func reopenForBench(dir string) (*Index, error) {
	x := &Index{dir: dir, store: nil, logger: slog.New(slog.DiscardHandler), kinds: map[string]*kindIndex{}, facetCache: newGenCache[map[string]*Facet](256), results: newGenCache[*Result](0),
		scoped: newGenCache[bool](scopedTerms), stopAdvice: make(chan struct{}),
		gates: map[string]*slots.Line{Patents: newGate(0), Enterprises: newGate(0), Products: newGate(0)}}
	x.idle = sync.NewCond(&x.mu)
	for _, k := range kinds {
		ki, err := openKind(dir, k)
		if err != nil {
			x.Close()
			return nil, err
		}
		x.kinds[k] = ki
	}
	return x, nil
}

// TestSlowQueries prints the slowest benchmark queries (with -slow).
func TestSlowQueries(t *testing.T) {
	if !*slow {
		t.Skip("run with -slow (and -bench.dir to keep the index)")
	}
	x := benchIndex(t)
	x.facetCache = newGenCache[map[string]*Facet](0)
	type timed struct {
		d   time.Duration
		i   int
		n   int
		req Request
	}
	var ts []timed
	for round := 0; round < 2; round++ {
		ts = ts[:0]
		for i, req := range benchRequests(200) {
			start := time.Now()
			res, err := x.Search(context.Background(), Patents, req)
			if err != nil {
				t.Fatal(err)
			}
			ts = append(ts, timed{time.Since(start), i, res.Total, req})
		}
	}
	slices.SortFunc(ts, func(a, b timed) int { return int(b.d - a.d) })
	for _, q := range ts[:25] {
		t.Logf("%8.1fms %6d hits #%d %q %v facets=%v sort=%v scope=%d", ms(q.d), q.n, q.i, q.req.Query, q.req.Filters, q.req.Facets, q.req.Sort, len(q.req.Scope.Owners))
	}
}

var slow = flag.Bool("slow", false, "run TestSlowQueries")

// BenchmarkFacets measures the cost of counting four facets (type, status,
// IPC class, county) over the hits of a broad query ("液压", about a
// quarter of the index) and of everything: bleve's facets inside the
// search, our exact pass over every hit, and our sampled pass. facet-µs/hit
// is the time the facets add, per hit.
func BenchmarkFacets(b *testing.B) {
	x := benchIndex(b)
	ki := x.kinds[Patents]
	s := specs[Patents]
	ctx := context.Background()
	names := []string{"type", "status", "ipc_class", "region"}
	for _, qs := range []string{"液压", ""} {
		p, err := compilePlan(ctx, s, ki, Request{Query: qs}, nil, 0)
		if err != nil {
			b.Fatal(err)
		}
		q := combine(p.text, nil)
		base := func() (int, time.Duration) {
			start := time.Now()
			res, err := ki.bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, 10, 0, false))
			if err != nil {
				b.Fatal(err)
			}
			return int(res.Total), time.Since(start)
		}
		name := qs
		if name == "" {
			name = "all"
		}
		b.Run(name+"/bleve", func(b *testing.B) {
			var extra time.Duration
			var total int
			for i := 0; i < b.N; i++ {
				n, d0 := base()
				br := bleve.NewSearchRequestOptions(q, 10, 0, false)
				for _, f := range names {
					br.AddFacet(f, bleve.NewFacetRequest(s.facets[f].field, s.facets[f].size))
				}
				start := time.Now()
				if _, err := ki.bi.SearchInContext(ctx, br); err != nil {
					b.Fatal(err)
				}
				extra += time.Since(start) - d0
				total += n
			}
			b.ReportMetric(float64(extra.Microseconds())/float64(total), "facet-µs/hit")
		})
		for _, mode := range []string{"exact", "sampled"} {
			b.Run(name+"/ours-"+mode, func(b *testing.B) {
				limit := facetExactLimit
				if mode == "exact" {
					facetExactLimit = 1 << 30
				}
				defer func() { facetExactLimit = limit }()
				var extra time.Duration
				var total int
				for i := 0; i < b.N; i++ {
					n, _ := base()
					fq := q
					if n > facetExactLimit {
						fq = combine(p.approx, nil)
					}
					start := time.Now()
					if _, err := x.countFacets(ctx, ki, s, fq, names, 0, n, facetSample); err != nil {
						b.Fatal(err)
					}
					extra += time.Since(start)
					total += n
				}
				b.ReportMetric(float64(extra.Microseconds())/float64(total), "facet-µs/hit")
			})
		}
	}
}

// TestSampledFacetAccuracy (with -slow) compares sampled facet counts
// with exact ones on the index of generated patents: the mean and worst
// relative error of the five largest values of each facet.
func TestSampledFacetAccuracy(t *testing.T) {
	if !*slow {
		t.Skip("run with -slow (and -bench.dir to keep the index)")
	}
	x := benchIndex(t)
	ki := x.kinds[Patents]
	s := specs[Patents]
	ctx := context.Background()
	names := []string{"type", "status", "ipc_class", "region", "filing_year"}
	for _, qs := range []string{"液压", "伺服电机", "传感器", ""} {
		p, err := compilePlan(ctx, s, ki, Request{Query: qs}, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		total := find(t, x, Patents, Request{Query: qs, Size: 1}).Total
		limit := facetExactLimit
		facetExactLimit = 1 << 30
		exact, err := x.countFacets(ctx, ki, s, combine(p.text, nil), names, 0, total, 0)
		facetExactLimit = limit
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		got, err := x.countFacets(ctx, ki, s, combine(p.approx, nil), names, 0, total, facetSample)
		if err != nil {
			t.Fatal(err)
		}
		d := time.Since(start)
		var sum, worst float64
		n := 0
		for _, name := range names {
			for _, v := range exact[name].Values[:min(5, len(exact[name].Values))] {
				e := float64(abs(facetValue(got[name], v.Value).Count-v.Count)) / float64(v.Count)
				sum += e
				worst = max(worst, e)
				n++
			}
		}
		t.Logf("%-8q %6d hits: sampled facets in %5.1fms, relative error of the top values: mean %.3f, worst %.3f",
			qs, total, ms(d), sum/float64(n), worst)
	}
}
