package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/mongo"
	"ipmatch/data/storetest"
	"ipmatch/internal/ferrettest"
)

// sharedDB returns the URI of a MongoDB for several nodes (an embedded
// FerretDB, or IPMATCH_TEST_MONGO_URI) and a fresh database name.
func sharedDB(t *testing.T, prefix string) (uri, db string) {
	t.Helper()
	uri = os.Getenv("IPMATCH_TEST_MONGO_URI")
	if uri == "" {
		srv, err := ferrettest.Start(t.TempDir(), nil)
		if err != nil {
			t.Fatalf("starting FerretDB: %v", err)
		}
		t.Cleanup(func() { srv.Close() })
		uri = srv.URI()
	}
	return uri, fmt.Sprintf("ipmatch_%s_%d", prefix, time.Now().UnixNano())
}

// startNode runs one ipmatch node on the database and returns it with the
// organizer's token.
func startNode(t *testing.T, uri, db, name, token string) *node {
	t.Helper()
	m := &Main{
		Store: StoreConfig{MongoURI: uri, MongoDB: db}, Addr: "127.0.0.1:0",
		Index: filepath.Join(t.TempDir(), "index"), Node: name, FollowInterval: followInterval,
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close %s: %v", name, err)
		}
	})
	return &node{t: t, m: m, token: token}
}

// raceRecords are what the race test stores before the nodes start.
type raceRecords struct {
	token     string
	pool      data.Pool
	pooled    []data.Deal // at intent, under the pool
	loose     data.Deal   // at intent, under no pool
	borrowers int
}

// storeRaceRecords stores a bank, a product covered by a pool, and
// borrowers × perBorrower deals at intent of amount yuan each.
func storeRaceRecords(t *testing.T, uri, db string, borrowers, perBorrower int, amount int64, pool data.Pool) raceRecords {
	t.Helper()
	ctx := context.Background()
	s, err := mongo.Open(ctx, uri, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var r raceRecords
	if r.token, err = createToken(ctx, s, data.Token{Role: data.RoleOrganizer, Label: "race test"}); err != nil {
		t.Fatal(err)
	}
	bank := storetest.Bank(1)
	mustPut(t, s.Banks(), &bank)
	mustPut(t, s.Pools(), &pool)
	r.pool = pool
	prod := storetest.Product(1, bank.ID)
	prod.PoolID = pool.ID
	mustPut(t, s.Products(), &prod)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	intent := func(entID string) data.Deal {
		d := storetest.Deal(0, entID, bank.ID, prod.ID)
		d.Amount, d.Stage = amount, data.StageIntent
		d.History = []data.StageChange{{Stage: data.StageRegistered, At: at, By: "seed"},
			{Stage: data.StageMet, At: at, By: "seed"}, {Stage: data.StageIntent, At: at, By: "seed"}}
		return d
	}
	for i := range borrowers {
		e := storetest.Enterprise(100 + i)
		mustPut(t, s.Enterprises(), &e)
		for range perBorrower {
			d := intent(e.ID)
			d.PoolID = pool.ID
			r.pooled = append(r.pooled, d)
		}
		if i == 0 {
			r.loose = intent(e.ID)
		}
	}
	recs := make([]*data.Deal, 0, len(r.pooled)+1)
	for i := range r.pooled {
		recs = append(recs, &r.pooled[i])
	}
	recs = append(recs, &r.loose)
	if _, err := s.Deals().Put(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	r.borrowers = borrowers
	return r
}

func mustPut[T any](t *testing.T, tab data.Table[T], recs ...*T) {
	t.Helper()
	if _, err := tab.Put(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
}

// answer is one racing request's status and error code.
type answer struct {
	status int
	code   string
	body   string
}

// race sends the requests of send on the nodes in turn, workers at a time,
// and returns their answers in order.
func race(n int, workers int, send func(i int) answer) []answer {
	out := make([]answer, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				out[i] = send(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// send sends one JSON request to n and returns its answer.
func (n *node) send(method, path string, body any) answer {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, n.m.URL()+path, strings.NewReader(string(b)))
	if err != nil {
		return answer{status: -1, body: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+n.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{status: -1, body: err.Error()}
	}
	defer resp.Body.Close()
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	_ = json.Unmarshal(raw, &env)
	return answer{status: resp.StatusCode, code: env.Error.Code, body: string(raw)}
}

// TestTwoNodesRace races two nodes on one database (issue 16's done
// means): 200 filings against one pool never pass a cap, and the pool's
// book and its filed deals agree with the filings accepted; concurrent
// moves of one deal apply exactly one; concurrent creates of one credit
// code give one 201.
func TestTwoNodesRace(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test races two nodes on an embedded FerretDB; CI runs it")
	}
	uri, db := sharedDB(t, "race")
	// Capacity (size × leverage) takes 100 loans of 1,000,000; the fund
	// bears half of each, and at most 2,000,000 per borrower: 4 loans.
	pool := storetest.Pool(1)
	pool.Size, pool.Leverage, pool.FundShare = 10_000_000, 10, 0.5
	pool.PerLoanCap, pool.PerBorrowerCap = 0, 2_000_000
	const amount, borrowers, perBorrower = 1_000_000, 40, 5
	recs := storeRaceRecords(t, uri, db, borrowers, perBorrower, amount, pool)
	nodes := []*node{startNode(t, uri, db, "node-a", recs.token), startNode(t, uri, db, "node-b", recs.token)}

	// 200 filings, split across the nodes.
	start := time.Now()
	filings := race(len(recs.pooled), 32, func(i int) answer {
		return nodes[i%2].send("POST", "/api/v1/deals/"+recs.pooled[i].ID+"/stage", map[string]string{"stage": "filed"})
	})
	took := time.Since(start)
	accepted := map[string]bool{}
	perEnt := map[string]int64{}
	var total int64
	refusedBy := map[string]int{}
	for i, a := range filings {
		d := recs.pooled[i]
		switch {
		case a.status == http.StatusOK:
			accepted[d.ID] = true
			perEnt[d.EnterpriseID] += d.Amount
			total += d.Amount
		case a.status == http.StatusConflict && strings.Contains(a.body, "leverage"):
			refusedBy["leverage"]++
		case a.status == http.StatusConflict && strings.Contains(a.body, "per_borrower_cap"):
			refusedBy["per_borrower_cap"]++
		default:
			t.Errorf("filing %s: %d %s", d.ID, a.status, a.body)
		}
	}
	t.Logf("%d filings on two nodes in %v: %d accepted (%d yuan), refused %v", len(filings), took.Round(time.Millisecond), len(accepted), total, refusedBy)
	capacity := int64(float64(pool.Size) * pool.Leverage)
	if total > capacity {
		t.Errorf("accepted filings total %d yuan, above the pool's capacity %d", total, capacity)
	}
	for ent, sum := range perEnt {
		if cover := float64(sum) * pool.FundShare; cover > float64(pool.PerBorrowerCap) {
			t.Errorf("borrower %s: the fund bears %.0f, above the per-borrower cap %d", ent, cover, pool.PerBorrowerCap)
		}
	}
	// Every refusal named a cap, so the pool is full: the filings that
	// fit are all in.
	if capacity-total >= amount {
		t.Errorf("accepted %d yuan of a capacity of %d although every refusal named a cap", total, capacity)
	}

	// The store agrees: the deals at filed are the accepted ones, and the
	// pool's book holds exactly them.
	ctx := context.Background()
	s, err := mongo.Open(ctx, uri, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pool = recs.pool
	stored, _, err := s.Deals().List(ctx, data.ListOptions{Refs: data.Refs{Pool: pool.ID}})
	if err != nil {
		t.Fatal(err)
	}
	filed := 0
	for _, d := range stored {
		if (d.Stage == data.StageFiled) != accepted[d.ID] {
			t.Errorf("deal %s is stored at %s; its filing was accepted: %v", d.ID, d.Stage, accepted[d.ID])
		}
		if d.Stage == data.StageFiled {
			filed++
		}
	}
	p, err := s.Pools().Get(ctx, pool.ID)
	if err != nil {
		t.Fatal(err)
	}
	var booked int64
	for _, f := range p.Book {
		if !accepted[f.DealID] {
			t.Errorf("the pool's book holds %s, whose filing was refused", f.DealID)
		}
		booked += f.Amount
	}
	if len(p.Book) != len(accepted) || booked != total || filed != len(accepted) {
		t.Errorf("the pool's book holds %d loans (%d yuan) and %d deals are filed; %d filings (%d yuan) were accepted",
			len(p.Book), booked, filed, len(accepted), total)
	}

	// Concurrent moves of one deal: exactly one applies.
	moves := race(20, 20, func(i int) answer {
		return nodes[i%2].send("POST", "/api/v1/deals/"+recs.loose.ID+"/stage", map[string]string{"stage": "filed", "note": fmt.Sprint("move ", i)})
	})
	won := 0
	for _, a := range moves {
		switch {
		case a.status == http.StatusOK:
			won++
		case a.status != http.StatusConflict:
			t.Errorf("a racing move: %d %s", a.status, a.body)
		}
	}
	loose, err := s.Deals().Get(ctx, recs.loose.ID)
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || loose.Stage != data.StageFiled || len(loose.History) != 4 {
		t.Errorf("20 racing moves: %d applied; the deal is at %s with %d history entries, want one move on 3", won, loose.Stage, len(loose.History))
	}

	// Concurrent creates of one credit code: one 201.
	e := storetest.Enterprise(999)
	creates := race(20, 20, func(i int) answer { return nodes[i%2].send("POST", "/api/v1/enterprises", e) })
	created := 0
	for _, a := range creates {
		switch {
		case a.status == http.StatusCreated:
			created++
		case a.status != http.StatusConflict:
			t.Errorf("a racing create: %d %s", a.status, a.body)
		}
	}
	if _, err := s.Enterprises().GetByKey(ctx, e.CreditCode); created != 1 || err != nil {
		t.Errorf("20 racing creates of one credit code: %d answered 201; stored: %v", created, err)
	}
}
