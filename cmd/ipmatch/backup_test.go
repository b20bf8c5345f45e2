package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"ipmatch/data"
	"ipmatch/data/sqlite"
	"ipmatch/data/storetest"
)

// organizerToken creates an organizer token in the store in dir from the
// command line and returns its secret.
func organizerToken(t *testing.T, dir string) string {
	t.Helper()
	out, errOut, code := runCLI(t, "token", "create", "--data", dir, "--role", "organizer", "--label", "backup test")
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, errOut)
	}
	return strings.TrimSpace(out)
}

// verifyJSON runs ipmatch verify --json on file and decodes its answer.
func verifyJSON(t *testing.T, file string) (v struct {
	OK       bool           `json:"ok"`
	Reason   string         `json:"reason"`
	Error    string         `json:"error"`
	Manifest backupManifest `json:"manifest"`
}, code int) {
	t.Helper()
	out, errOut, code := runCLI(t, "verify", "--json", file)
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("verify --json %s: exit %d, %v in %q (stderr %q)", file, code, err, out, errOut)
	}
	return v, code
}

// TestBackupWhileServing is issue 20's backup that restores: a server on a
// SQLite data directory takes enterprises over the API from a goroutine
// while ipmatch backup copies the store; the backup is restored into a new
// directory, where a server finds every enterprise acknowledged before the
// backup began, by ID and by search, with the index and the store
// agreeing; both stores' audit logs say who backed up and restored.
func TestBackupWhileServing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	token := organizerToken(t, dir)
	m := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0"}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })

	type written struct{ id, creditCode string }
	var (
		mu      sync.Mutex
		acked   []written // answered 201, in order
		stop    = make(chan struct{})
		started = make(chan struct{}) // closed at the 15th acknowledgement
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			e := storetest.Enterprise(500 + i)
			body, _ := json.Marshal(e)
			req, _ := http.NewRequest("POST", m.URL()+"/api/v1/enterprises", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("create enterprise %d: %v", i, err)
				return
			}
			var got data.Enterprise
			err = json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated || err != nil || got.ID == "" {
				t.Errorf("create enterprise %d: status %d, %v", i, resp.StatusCode, err)
				return
			}
			mu.Lock()
			acked = append(acked, written{got.ID, e.CreditCode})
			n := len(acked)
			mu.Unlock()
			if n == 15 {
				close(started)
			}
		}
	}()
	select {
	case <-started:
	case <-t.Context().Done():
	}
	mu.Lock()
	before := slices.Clone(acked) // committed before the backup began
	mu.Unlock()
	out := filepath.Join(t.TempDir(), "mid.tar.gz")
	stdout, errOut, code := runCLI(t, "backup", "--data", dir, "--out", out)
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("backup: exit %d: %s %s", code, stdout, errOut)
	}
	if !strings.Contains(stdout, "backed up") || !strings.Contains(stdout, "enterprises") {
		t.Errorf("backup said %q", stdout)
	}
	t.Logf("%d enterprises acknowledged before the backup began, %d while it ran, %d in all", len(before), during, len(acked))

	v, code := verifyJSON(t, out)
	if code != 0 || !v.OK {
		t.Fatalf("verify of a fresh backup: exit %d, %+v", code, v)
	}
	man := v.Manifest
	if man.SchemaVersion != sqlite.SchemaVersion() || man.IpmatchVersion != version || man.Counts["enterprises"] < len(before) ||
		man.Counts["tokens"] != 1 || len(man.Database.SHA256) != 64 || man.SnapshotAt.IsZero() {
		t.Errorf("manifest %+v", man)
	}
	// The running server's store logged the backup as the command's.
	entries, _, err := m.store.Audit().List(context.Background(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if e := findAudit(entries, data.AuditBackups); e == nil || e.Via != data.ViaCLI || e.Action != data.AuditCreate ||
		!slices.Equal(e.IDs, []string{man.ID}) || e.Actor.Name == "" || !strings.HasPrefix(e.Request, "ipmatch backup --out ") {
		t.Errorf("the backup's audit entry: %+v", e)
	}

	// Restore into a new directory and serve it.
	restored := filepath.Join(t.TempDir(), "restored")
	stdout, errOut, code = runCLI(t, "restore", out, "--data", restored)
	if code != 0 {
		t.Fatalf("restore: exit %d: %s %s", code, stdout, errOut)
	}
	if !strings.Contains(stdout, man.ID) || !strings.Contains(stdout, fmt.Sprintf("%d enterprises", man.Counts["enterprises"])) {
		t.Errorf("restore said %q", stdout)
	}
	var logs bytes.Buffer
	r := &Main{Store: StoreConfig{DataDir: restored}, Addr: "127.0.0.1:0", Logger: newLogger(&logs)}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if strings.Contains(logs.String(), "rebuilding the search index") {
		t.Errorf("the restored store's index was rebuilt at start; restore should have built it:\n%s", logs.String())
	}
	n := &node{t: t, m: r, token: token} // the token was in the backup
	for _, w := range before {
		if code := n.call("GET", "/api/v1/enterprises/"+w.id, nil, "", nil); code != 200 {
			t.Errorf("enterprise %s, acknowledged before the backup began, is not in the restored store: %d", w.id, code)
		}
		if ids := n.found("enterprises", "credit_code:"+w.creditCode); !slices.Equal(ids, []string{w.id}) {
			t.Errorf("search for %s's credit code on the restored store finds %v", w.id, ids)
		}
	}
	// The store and the index agree, kind by kind, and hold what the
	// manifest counted.
	for _, kind := range []string{"enterprises", "patents", "products"} {
		var list, found struct {
			Total int `json:"total"`
		}
		n.call("GET", "/api/v1/"+kind+"?size=1", nil, "", &list)
		n.call("GET", "/api/v1/search/"+kind+"?size=1", nil, "", &found)
		if list.Total != found.Total || list.Total != man.Counts[kind] {
			t.Errorf("%s: the restored store holds %d, its index %d, the manifest counted %d", kind, list.Total, found.Total, man.Counts[kind])
		}
	}
	entries, _, err = r.store.Audit().List(context.Background(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != man.Counts["audit"]+1 {
		t.Errorf("the restored audit log has %d entries; want the backup's %d and the restore's", len(entries), man.Counts["audit"])
	}
	if e := entries[len(entries)-1]; e.Kind != data.AuditBackups || e.Action != data.AuditPut || e.Via != data.ViaCLI ||
		!slices.Equal(e.IDs, []string{man.ID}) || !strings.HasPrefix(e.Request, "ipmatch restore ") || e.Node != r.Node {
		t.Errorf("the restore's audit entry: %+v (node %s)", e, r.Node)
	}
}

func findAudit(entries []data.AuditEntry, kind string) *data.AuditEntry {
	for i := range entries {
		if entries[i].Kind == kind {
			return &entries[i]
		}
	}
	return nil
}

// TestBackupRefusals checks that verify and restore refuse a damaged, a
// truncated, a foreign and a newer-schema file, each with a message naming
// the reason and nothing restored, and that restore --force moves a store
// aside.
func TestBackupRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, errOut, code := runCLI(t, "import", "--data", dir, "--kind", "patents", "--format", "cnipa-csv", cnipaFile); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	files := t.TempDir()
	good := filepath.Join(files, "good.tar.gz")
	if _, errOut, code := runCLI(t, "backup", "--data", dir, "--out", good); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, errOut)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		f := filepath.Join(files, name)
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	flip := func(at int) []byte {
		b := slices.Clone(raw)
		b[at] ^= 0x10
		return b
	}
	bare, err := os.ReadFile(filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name   string
		file   string
		reason string // verify --json's
		want   string // in the message
	}{
		{"a byte flipped mid-file", write("flipped.tar.gz", flip(len(raw)/2)), faultDamaged, "is damaged"},
		{"a byte flipped near the end", write("flipped-end.tar.gz", flip(len(raw)-12)), faultDamaged, "is damaged"},
		{"cut in half", write("half.tar.gz", raw[:len(raw)/2]), faultTruncated, "is truncated"},
		{"its last bytes missing", write("short.tar.gz", raw[:len(raw)-3]), faultTruncated, "is truncated"},
		{"a text file", write("notes.txt", []byte("这不是备份\n")), faultNotBackup, "is not an ipmatch backup: it is not gzip-compressed"},
		{"an empty file", write("empty.tar.gz", nil), faultNotBackup, "is not an ipmatch backup: it is empty"},
		{"a bare database", write("ipmatch.db", bare), faultNotBackup, "is not an ipmatch backup: it is a bare SQLite database"},
		{"a newer schema", newerSchemaBackup(t, good, files), faultNewerSchema, fmt.Sprintf("this ipmatch (dev) knows up to %d", sqlite.SchemaVersion())},
	} {
		_, errOut, code := runCLI(t, "verify", c.file)
		if code != 1 || !strings.Contains(errOut, c.file+" ") || !strings.Contains(errOut, c.want) {
			t.Errorf("verify, %s: exit %d, %q; want 1 and %q", c.name, code, errOut, c.want)
		}
		if v, code := verifyJSON(t, c.file); code != 1 || v.OK || v.Reason != c.reason {
			t.Errorf("verify --json, %s: exit %d, %+v; want reason %s", c.name, code, v, c.reason)
		}
		target := filepath.Join(t.TempDir(), "restored")
		_, errOut, code = runCLI(t, "restore", c.file, "--data", target)
		if code != 1 || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "nothing was restored") {
			t.Errorf("restore, %s: exit %d, %q; want 1 and %q", c.name, code, errOut, c.want)
		}
		left, _ := os.ReadDir(filepath.Dir(target))
		if len(left) != 0 {
			t.Errorf("restore, %s: left %v behind", c.name, left)
		}
	}
	// verify prints the manifest of a sound backup this binary cannot
	// restore.
	out, _, _ := runCLI(t, "verify", filepath.Join(files, "newer.tar.gz"))
	if !strings.Contains(out, fmt.Sprintf("%d (this ipmatch knows up to %d)", sqlite.SchemaVersion()+1, sqlite.SchemaVersion())) {
		t.Errorf("verify of a newer-schema backup printed %q", out)
	}

	// A store in the way is kept unless --force, which moves it aside.
	target := t.TempDir()
	organizerToken(t, target)
	if _, errOut, code := runCLI(t, "restore", good, "--data", target); code != 1 || !strings.Contains(errOut, "--data "+target+" is not empty") || !strings.Contains(errOut, "--force") {
		t.Errorf("restore over a store: exit %d, %q", code, errOut)
	}
	out, errOut, code := runCLI(t, "restore", good, "--data", target, "--force")
	if code != 0 || !strings.Contains(out, "indexed 199 patents") {
		t.Fatalf("restore --force: exit %d, %q %q", code, out, errOut)
	}
	aside, _ := filepath.Glob(target + ".replaced-*")
	if len(aside) != 1 {
		t.Fatalf("restore --force left %v aside", aside)
	}
	if _, err := os.Stat(filepath.Join(aside[0], sqlite.FileName)); err != nil {
		t.Errorf("the replaced store is not kept: %v", err)
	}
	s, err := sqlite.Open(context.Background(), target, nil)
	if err != nil {
		t.Fatal(err)
	}
	patents, _ := s.Patents().Count(context.Background())
	tokens, _ := s.Tokens().Count(context.Background())
	s.Close()
	if patents != 199 || tokens != 0 {
		t.Errorf("after restore --force: %d patents and %d tokens; want the backup's 199 and none", patents, tokens)
	}
}

// newerSchemaBackup writes into dir a sound backup, made from good, of a
// store whose schema version is one past this program's.
func newerSchemaBackup(t *testing.T, good, dir string) string {
	t.Helper()
	tmp := t.TempDir()
	db := filepath.Join(tmp, sqlite.FileName)
	m, err := readBackup(good, db)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(`UPDATE schema_version SET version = ?`, sqlite.SchemaVersion()+1)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	m.SchemaVersion = sqlite.SchemaVersion() + 1
	if m.Database.Bytes, m.Database.SHA256, err = hashFile(db); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "newer.tar.gz")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := writeBackupArchive(f, m, db); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestBackupBadInput checks that mistakes on the command line get a clear
// error naming the flag at fault, and write nothing.
func TestBackupBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	organizerToken(t, dir)
	files := t.TempDir()
	taken := filepath.Join(files, "taken.tar.gz")
	writeFile(t, taken, "keep me")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"backup", "--data", dir}, 2, "--out FILE is required"},
		{[]string{"backup", "--data", dir, "--out", taken}, 1, "--out " + taken + " already exists"},
		{[]string{"backup", "--data", dir, "--out", filepath.Join(files, "no", "such", "b.tar.gz")}, 1, "--out " + filepath.Join(files, "no", "such", "b.tar.gz") + ": its directory"},
		{[]string{"backup", "--data", t.TempDir(), "--out", filepath.Join(files, "b.tar.gz")}, 1, "holds no ipmatch store"},
		{[]string{"backup", "--data", dir, "--out", filepath.Join(files, "b.tar.gz"), "extra"}, 2, "backup takes no arguments"},
		{[]string{"backup", "--mongo-uri", "mongodb://localhost", "--out", filepath.Join(files, "b.tar.gz")}, 2, "--mongo-uri: these commands back up the embedded SQLite store"},
		{[]string{"backup", "--data", dir, "--out"}, 2, "-out"},
		{[]string{"verify"}, 2, "verify takes one backup FILE"},
		{[]string{"verify", filepath.Join(files, "missing.tar.gz")}, 1, "missing.tar.gz"},
		{[]string{"restore", "--data", t.TempDir()}, 2, "restore takes one backup FILE"},
		{[]string{"restore", taken, "--mongo-uri", "mongodb://localhost"}, 2, "--mongo-uri"},
		{[]string{"restore", filepath.Join(files, "missing.tar.gz"), "--data", filepath.Join(files, "new")}, 1, "missing.tar.gz"},
		{[]string{"restore", taken, "--data", taken}, 1, "--data " + taken + " is a file"},
	} {
		_, errOut, code := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
	if b, _ := os.ReadFile(taken); string(b) != "keep me" {
		t.Errorf("the existing file was changed: %q", b)
	}
	if left, _ := os.ReadDir(files); len(left) != 1 {
		t.Errorf("failed commands left %v in the output directory", left)
	}
	// Help lists the flags.
	for _, args := range [][]string{{"backup", "-h"}, {"restore", "-h"}, {"verify", "-h"}} {
		if out, _, code := runCLI(t, args...); code != 0 || !strings.Contains(out, "usage: ipmatch "+args[0]) {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
}
