package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/mongo"
	"ipmatch/data/storetest"
)

// followInterval is the nodes' audit-log poll in the scale-out test, and
// statedDelay the delay within which the README promises a write on one
// node is searchable on another: one poll plus the index update, with a
// wide margin for this shared machine (the test logs what it measured).
const (
	followInterval = 200 * time.Millisecond
	statedDelay    = followInterval + 5*time.Second
)

// node is one running ipmatch on the shared MongoDB.
type node struct {
	t     *testing.T
	m     *Main
	token string
}

// call sends a request with the organizer's token and decodes the answer.
func (n *node) call(method, path string, body []byte, contentType string, out any) int {
	n.t.Helper()
	req, err := http.NewRequest(method, n.m.URL()+path, bytes.NewReader(body))
	if err != nil {
		n.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+n.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			n.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	if resp.StatusCode >= 300 {
		n.t.Logf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// found returns the IDs a search of kind for q finds on n.
func (n *node) found(kind, q string) []string {
	n.t.Helper()
	var res struct {
		Hits []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	if code := n.call("GET", "/api/v1/search/"+kind+"?q="+url.QueryEscape(q), nil, "", &res); code != 200 {
		n.t.Fatalf("search %s %q on %s: %d", kind, q, n.m.Node, code)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

// waitFound polls n's search until want(ids) holds or statedDelay passes,
// and returns how long it took.
func (n *node) waitFound(kind, q string, want func([]string) bool) time.Duration {
	n.t.Helper()
	start := time.Now()
	for {
		ids := n.found(kind, q)
		if want(ids) {
			return time.Since(start)
		}
		if time.Since(start) > statedDelay {
			n.t.Fatalf("%s: search %s %q still gives %v after %v", n.m.Node, kind, q, ids, statedDelay)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func has(id string) func([]string) bool {
	return func(ids []string) bool { return len(ids) == 1 && ids[0] == id }
}

func none(ids []string) bool { return len(ids) == 0 }

// TestTwoNodesOnOneMongoDB runs two ipmatch nodes, each with its own search
// index, on one MongoDB database (an embedded FerretDB; a real MongoDB when
// IPMATCH_TEST_MONGO_URI is set), and checks that what one writes, the
// other finds in search within statedDelay: creates, replacements, deletes
// and imports, both ways.
func TestTwoNodesOnOneMongoDB(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test runs two nodes on an embedded FerretDB; CI runs it")
	}
	uri, db := sharedDB(t, "scaleout")
	ctx := context.Background()

	// The shared records: an organizer token and an owner for the patents.
	s, err := mongo.Open(ctx, uri, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := createToken(ctx, s, data.Token{Role: data.RoleOrganizer, Label: "scale-out test"})
	if err != nil {
		t.Fatal(err)
	}
	owner := storetest.Enterprise(1)
	if _, err := s.Enterprises().Put(ctx, &owner); err != nil {
		t.Fatal(err)
	}
	s.Close()

	a, b := startNode(t, uri, db, "node-a", secret), startNode(t, uri, db, "node-b", secret)

	// A creates a patent: B finds it.
	p := storetest.Patent(1)
	p.OwnerID = owner.ID
	p.Title = "一种数控折弯机的后挡料定位装置"
	body, _ := json.Marshal(p)
	if code := a.call("POST", "/api/v1/patents", body, "application/json", nil); code != 201 {
		t.Fatalf("create on A: %d", code)
	}
	if ids := a.found("patents", "后挡料"); len(ids) != 1 {
		t.Fatalf("A does not find its own write at once: %v", ids)
	}
	d := b.waitFound("patents", "后挡料", has(p.ApplicationNumber))
	t.Logf("a create on A was searchable on B after %v", d)

	// B replaces it: A finds the new title and not the old one.
	p.Title = "一种激光焊接机器人的焊缝跟踪系统"
	body, _ = json.Marshal(p)
	if code := b.call("PUT", "/api/v1/patents/"+p.ApplicationNumber, body, "application/json", nil); code != 200 {
		t.Fatalf("replace on B: %d", code)
	}
	d = a.waitFound("patents", "焊缝跟踪", has(p.ApplicationNumber))
	a.waitFound("patents", "后挡料", none)
	t.Logf("a replacement on B was searchable on A after %v", d)

	// An enterprise renamed on A is found by its new name on B.
	owner.Name = "肇庆市高要区精锐智能装备有限公司"
	body, _ = json.Marshal(owner)
	if code := a.call("PUT", "/api/v1/enterprises/"+owner.ID, body, "application/json", nil); code != 200 {
		t.Fatalf("rename on A: %d", code)
	}
	b.waitFound("enterprises", "精锐智能", has(owner.ID))

	// An import of 200 patents on B: A finds every one.
	var lines bytes.Buffer
	batch := storetest.GeneratePatents(7, 200)
	for i := range batch {
		batch[i].OwnerID = owner.ID
		batch[i].Title = "一种压铸模具的真空抽气装置" + fmt.Sprint(i)
		line, _ := json.Marshal(batch[i])
		lines.Write(line)
		lines.WriteByte('\n')
	}
	var rep data.ImportReport
	if code := b.call("POST", "/api/v1/import/patents?format=jsonl", lines.Bytes(), "application/x-ndjson", &rep); code != 200 || rep.Imported != 200 {
		t.Fatalf("import on B: %d %+v", code, rep)
	}
	d = a.waitFound("patents", "真空抽气", func(ids []string) bool { return len(ids) > 0 })
	var total struct {
		Total int `json:"total"`
	}
	deadline := time.Now().Add(statedDelay)
	for {
		a.call("GET", "/api/v1/search/patents?q="+url.QueryEscape("真空抽气")+"&size=1", nil, "", &total)
		if total.Total == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if total.Total != 200 {
		t.Fatalf("A finds %d of the 200 patents imported on B", total.Total)
	}
	t.Logf("an import of 200 patents on B was searchable on A after %v (first hit)", d)

	// A deletes the first patent: B no longer finds it.
	if code := a.call("DELETE", "/api/v1/patents/"+p.ApplicationNumber, nil, "", nil); code != 204 {
		t.Fatalf("delete on A: %d", code)
	}
	b.waitFound("patents", "焊缝跟踪", none)

	// Both indexes now hold what the store holds.
	for _, n := range []*node{a, b} {
		var res struct {
			Total int `json:"total"`
		}
		n.call("GET", "/api/v1/search/patents?size=1", nil, "", &res)
		if res.Total != 200 {
			t.Errorf("%s's index holds %d patents, the store 200", n.m.Node, res.Total)
		}
	}
}
