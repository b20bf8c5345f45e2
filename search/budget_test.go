package search

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bsearch "github.com/blevesearch/bleve/v2/search"

	"ipmatch/data"
	"ipmatch/slots"
)

// singleChars returns n distinct single Chinese characters joined by OR:
// the query of the issue that took 7–12 s at 100,000 patents with n = 64.
func singleChars(n int) string {
	rs := []rune("机床阀液压主轴焊接齿轮冷却模具刀库密封输送夹紧传感器电伺服润滑减速箱泵缸活塞杆激光注塑行星控制装置系统方法结构设备组件支架底座连接板螺栓弹簧轴承马达气动管道门过滤清洗钢铁铜铝塑料")
	parts := make([]string, n)
	for i := range parts {
		parts[i] = string(rs[i])
	}
	return strings.Join(parts, " OR ")
}

// distinctHan returns n Chinese characters without a repeated pair: n-1
// distinct bigrams.
func distinctHan(n int) string {
	rs := make([]rune, n)
	for i := range rs {
		rs[i] = rune(0x4E00 + 7*i)
	}
	return string(rs)
}

// wantInvalid checks that err is an invalid (422) error naming param and
// saying want.
func wantInvalid(t *testing.T, err error, param, want string) {
	t.Helper()
	var e *data.Error
	if !errors.As(err, &e) || e.Code != data.CodeInvalid || len(e.Fields) != 1 || e.Fields[0].Field != param || !strings.Contains(e.Message, want) {
		t.Fatalf("err = %v (%T), want an invalid error naming %s and saying %q", err, err, param, want)
	}
}

// TestQueryBudget checks the limits of a query's shape: they refuse what
// is over them, naming the parameter and the limit, and admit what is at
// them.
func TestQueryBudget(t *testing.T) {
	_, x := shared(t)
	ctx := t.Context()
	for _, c := range []struct {
		req         Request
		param, want string
	}{
		{Request{Query: singleChars(64)}, "q", "searches for 64 single Chinese characters; at most 4"},
		{Request{Query: singleChars(maxSingleChars + 1)}, "q", "at most 4 are allowed"},
		{Request{Query: "机 床 阀 液 压"}, "q", "at most 4 are allowed"},
		{Request{Query: `"机" 床 阀 液 title:压`}, "q", "at most 4 are allowed"},
		{Request{Query: "机 床", Filters: map[string]string{"title": "阀 液 压"}}, "title", "at most 4 are allowed"},
		// 130 characters without a space are 129 bigrams.
		{Request{Query: distinctHan(130)}, "q", "looks up 129 index terms"},
		{Request{Query: distinctHan(65) + " " + distinctHan(66)}, "q", "looks up 129 index terms"},
		{Request{Filters: map[string]string{"abstract": distinctHan(130)}}, "abstract", "at most 128"},
	} {
		res, err := x.Search(ctx, Patents, c.req)
		if res != nil {
			t.Errorf("%+v answered %d hits", c.req, res.Total)
		}
		wantInvalid(t, err, c.param, c.want)
	}
	for _, q := range []string{singleChars(maxSingleChars), "数控机床 主轴", distinctHan(129), "减速机 OR 液压 OR 气动"} {
		if _, err := x.Search(ctx, Patents, Request{Query: q}); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
}

// TestTermSearcherLimit checks that bleve's limit on term searchers,
// the budget's backstop, is a 422 naming q and the limit.
func TestTermSearcherLimit(t *testing.T) {
	_, x := shared(t)
	saved := maxTermSearchers
	t.Cleanup(func() { maxTermSearchers = saved })
	maxTermSearchers = 5 // "数控机床" is 3 bigrams in 6 text fields
	_, err := x.Search(t.Context(), Patents, Request{Query: "数控机床"})
	wantInvalid(t, err, "q", "more than 5 index terms")
}

// TestQueryDeadline checks that a search past its deadline is a 422 naming
// q and the deadline, while the caller's own deadline or cancellation is
// returned as the context's error.
func TestQueryDeadline(t *testing.T) {
	_, x := shared(t)
	saved := queryDeadline
	t.Cleanup(func() { queryDeadline = saved })
	queryDeadline = time.Nanosecond
	for _, req := range []Request{{Query: "数控机床"}, {}, {Query: "阀", Facets: []string{"type"}}} {
		_, err := x.Search(t.Context(), Patents, req)
		wantInvalid(t, err, "q", "ran longer than 1ns")
	}
	queryDeadline = saved
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := x.Search(ctx, Patents, Request{Query: "数控机床"}); !errors.Is(err, context.Canceled) || data.ErrorCode(err) != data.CodeInternal {
		t.Errorf("cancelled: %v, want context.Canceled as it is", err)
	}
}

// TestSearchStopsWhenCancelled checks that a caller going away while its
// search runs stops the search: the caller's context is cancelled as soon
// as bleve starts building the query (its first cost report), and bleve
// must abort the search (report AbortM) and return context.Canceled, not
// finish it.
func TestSearchStopsWhenCancelled(t *testing.T) {
	_, x := shared(t)
	for _, req := range []Request{
		// Single characters of one field: expanded over its dictionary
		// (plain ones are one term of the characters field, too quick to
		// be caught running).
		{Query: "abstract:阀"},
		{Query: "abstract:阀 OR abstract:泵", Facets: []string{"type", "ipc_class"}, ExactFacets: true},
		{Filters: map[string]string{"filing_date": "2000.."}},
	} {
		ctx, cancel := context.WithCancel(t.Context())
		var aborted, cancelled atomic.Bool
		ctx = context.WithValue(ctx, bsearch.SearchIncrementalCostKey, bsearch.SearchIncrementalCostCallbackFn(
			func(m bsearch.SearchIncrementalCostCallbackMsg, _ bsearch.SearchQueryType, _ uint64) {
				switch m {
				case bsearch.AddM:
					cancelled.Store(true)
					cancel()
				case bsearch.AbortM:
					aborted.Store(true)
				}
			}))
		res, err := x.Search(ctx, Patents, req)
		cancel()
		if !cancelled.Load() {
			t.Fatalf("%+v: bleve reported no cost, so the test cancelled nothing", req)
		}
		if !errors.Is(err, context.Canceled) || res != nil {
			t.Errorf("%+v: %v, %v; want context.Canceled and no result", req, res, err)
		}
		if !aborted.Load() {
			t.Errorf("%+v: bleve did not abort the search", req)
		}
	}
}

// BenchmarkQueryBudget compares the 64 single characters joined by OR,
// refused by the budget, with an ordinary query over the index of
// generated patents (-bench.n, 100,000 by default). "unbudgeted" runs the
// 64 characters with the budget lifted, as before it existed.
func BenchmarkQueryBudget(b *testing.B) {
	x := benchIndex(b)
	saved := x.facetCache
	defer func() { x.facetCache = saved }()
	x.facetCache = newGenCache[map[string]*Facet](0) // facets counted every time
	ctx := context.Background()
	run := func(b *testing.B, q string, refused bool) {
		for b.Loop() {
			_, err := x.Search(ctx, Patents, Request{Query: q, Facets: []string{"type", "status"}})
			if refused != (data.ErrorCode(err) == data.CodeInvalid) || !refused && err != nil {
				b.Fatalf("%q: %v", q, err)
			}
		}
	}
	b.Run("refused-64-single-chars", func(b *testing.B) { run(b, singleChars(64), true) })
	b.Run("ordinary", func(b *testing.B) { run(b, "数控机床 主轴", false) })
	b.Run("unbudgeted-64-single-chars", func(b *testing.B) {
		savedSingles, savedTerms, savedDeadline := maxSingleChars, maxTermSearchers, queryDeadline
		defer func() { maxSingleChars, maxTermSearchers, queryDeadline = savedSingles, savedTerms, savedDeadline }()
		maxSingleChars, maxTermSearchers, queryDeadline = 1000, 1<<30, time.Hour
		run(b, singleChars(64), false)
	})
}

// TestSearchGate checks the search gate: with every slot taken, a search
// waits in line (its deadline counting from its start, not from its
// arrival), and one still waiting after the queue wait is refused as
// rate_limited, not as the caller's mistake; Similar goes through the
// same gate.
func TestSearchGate(t *testing.T) {
	_, x := shared(t)
	saved, savedDeadline := x.gates[Patents], queryDeadline
	t.Cleanup(func() { x.gates[Patents], queryDeadline = saved, savedDeadline })
	g := slots.New(1, 50*time.Millisecond)
	x.gates[Patents] = g
	leave, _ := g.Enter(t.Context()) // another search of patents holds the only slot

	for name, search := range map[string]func() error{
		"search":  func() error { _, err := x.Search(t.Context(), Patents, Request{Query: "数控机床"}); return err },
		"similar": func() error { _, err := x.Similar(t.Context(), "201820807038.3", Request{}); return err },
	} {
		start := time.Now()
		err := search()
		if data.ErrorCode(err) != data.CodeRateLimited || !strings.Contains(data.ErrorMessage(err), "busy") {
			t.Errorf("%s with every slot taken: %v, want rate_limited saying the service is busy", name, err)
		}
		if waited := time.Since(start); waited < 50*time.Millisecond {
			t.Errorf("%s was refused after %v, before the queue wait of 50ms", name, waited)
		}
	}

	// A search that waits longer than queryDeadline for its slot, then
	// runs, is answered.
	// Another kind has its own line.
	if _, err := x.Search(t.Context(), Products, Request{}); err != nil {
		t.Errorf("a product search while patents' slots are taken: %v", err)
	}

	leave()
	g = slots.New(1, 5*time.Second) // a longer wait, its only slot held again
	x.gates[Patents] = g
	leave, _ = g.Enter(t.Context())
	queryDeadline = 2 * time.Second
	go func() {
		time.Sleep(2500 * time.Millisecond)
		leave()
	}()
	if res, err := x.Search(t.Context(), Patents, Request{Query: "数控机床"}); err != nil || res.Total == 0 {
		t.Errorf("a search that waited past the deadline for its slot: %v (total %v), want its hits", err, res)
	}
	if n := g.Taken(); n != 0 {
		t.Errorf("%d slots still taken after the searches ended", n)
	}
}
