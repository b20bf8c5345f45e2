package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"ipmatch/data"
	"ipmatch/data/sqlite"
	"ipmatch/search"
)

// mongoBackupHint is the answer to backup, verify or restore with
// --mongo-uri.
const mongoBackupHint = "these commands back up the embedded SQLite store; back up MongoDB with mongodump and mongorestore, then run ipmatch reindex on every node (README: Backups and restore)"

// runBackup writes a backup of the embedded store to --out while the
// store may be in use (ipmatch serve on the same directory).
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	var sc StoreConfig
	addStoreFlags(fs, &sc)
	out := fs.String("out", "", "the backup file to write, which must not exist: a .tar.gz of manifest.json, ipmatch.db and SHA256SUMS (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError("backup takes no arguments; name the file to write with --out FILE")
	case *out == "":
		return usageError("--out FILE is required: the backup file to write")
	case sc.MongoURI != "":
		return usageError("--mongo-uri: %s", mongoBackupHint)
	}
	logger := newLogger(stderr)
	outAbs, err := filepath.Abs(*out)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if _, err := os.Lstat(outAbs); err == nil {
		return fmt.Errorf("--out %s already exists: a backup never replaces a file; name a new one", *out)
	}
	if st, err := os.Stat(filepath.Dir(outAbs)); err != nil || !st.IsDir() {
		return fmt.Errorf("--out %s: its directory %s does not exist", *out, filepath.Dir(outAbs))
	}
	dataAbs, err := filepath.Abs(sc.DataDir)
	if err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dataAbs, sqlite.FileName)); err != nil {
		return fmt.Errorf("--data %s holds no ipmatch store (no %s in it)", sc.DataDir, sqlite.FileName)
	}

	start := time.Now()
	m, err := writeBackup(ctx, dataAbs, outAbs)
	if err != nil {
		return err
	}
	st, _ := os.Stat(outAbs)
	logger.Info("backup written", "actor", osUser(), "file", outAbs, "backup_id", m.ID, "data", dataAbs,
		"records", m.records(), "schema_version", m.SchemaVersion, "db_sha256", m.Database.SHA256,
		"snapshot_at", m.SnapshotAt, "duration", time.Since(start).Round(time.Millisecond))
	// The audit log is written through the store, which this binary
	// opens only at its own schema version: opening migrates, and a
	// server of another version may be running on it.
	if m.SchemaVersion == sqlite.SchemaVersion() {
		if err := auditStore(ctx, dataAbs, logger, data.NodeName(), "ipmatch backup --out "+outAbs, data.AuditCreate, data.AuditBackups, m.ID); err != nil {
			logger.Error("the backup was written but not entered in the audit log", "backup_id", m.ID, "err", err)
		}
	} else {
		logger.Warn("the backup was written but not entered in the audit log: the store's schema version is not this ipmatch's",
			"backup_id", m.ID, "store_schema", m.SchemaVersion, "ipmatch_schema", sqlite.SchemaVersion())
	}
	fmt.Fprintf(stdout, "backed up %d records of %s into %s (%s, %s) in %s\n  backup %s, snapshot at %s; check it with: ipmatch verify %s\n",
		m.records(), dataAbs, outAbs, mib(st.Size()), countsLine(m.Counts), time.Since(start).Round(time.Millisecond),
		m.ID, m.SnapshotAt.UTC().Format(time.RFC3339), outAbs)
	return nil
}

// writeBackup snapshots the store in dataDir and writes the backup file
// out, which appears whole or not at all: it is written beside out under a
// temporary name and linked into place only when complete, never over an
// existing file.
func writeBackup(ctx context.Context, dataDir, out string) (*backupManifest, error) {
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".ipmatch-backup-")
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	defer os.RemoveAll(tmp)
	snap := filepath.Join(tmp, sqlite.FileName)
	started, err := sqlite.Snapshot(ctx, dataDir, snap)
	if err != nil {
		return nil, err
	}
	info, err := sqlite.Inspect(ctx, snap)
	if err != nil {
		return nil, err
	}
	size, sum, err := hashFile(snap)
	if err != nil {
		return nil, err
	}
	m := &backupManifest{
		Format: backupFormat, FormatVersion: backupFormatVersion,
		ID:         "backup_" + started.UTC().Format("20060102T150405Z") + "_" + sum[:12],
		SnapshotAt: started.UTC(), CreatedAt: time.Now().UTC(),
		IpmatchVersion: version, SchemaVersion: info.SchemaVersion,
		Host: data.HostName(), DataDir: dataDir,
		Database: backupDBFile{Name: sqlite.FileName, Bytes: size, SHA256: sum},
		Counts:   info.Counts,
	}
	partial := filepath.Join(tmp, "backup.tar.gz")
	f, err := os.OpenFile(partial, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	err = writeBackupArchive(f, m, snap)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write the backup: %w", err)
	}
	// A hard link never replaces a file; where links are not supported,
	// a rename after a last look.
	if err := os.Link(partial, out); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("--out %s appeared while the backup was written; it was left alone", out)
		}
		if _, serr := os.Lstat(out); serr == nil {
			return nil, fmt.Errorf("--out %s appeared while the backup was written; it was left alone", out)
		}
		if err := os.Rename(partial, out); err != nil {
			return nil, fmt.Errorf("--out: %w", err)
		}
	}
	return m, syncDir(filepath.Dir(out))
}

// runVerify checks a backup file and prints its manifest.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the manifest and the verdict as JSON")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError("verify takes one backup FILE, not %d arguments", len(rest))
	}
	file := rest[0]
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("backup %s: %w", file, err)
	}
	tmp, err := os.MkdirTemp("", "ipmatch-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	m, err := readBackup(file, filepath.Join(tmp, sqlite.FileName))
	if err == nil {
		err = checkBackupDB(ctx, file, m, filepath.Join(tmp, sqlite.FileName))
	}
	var bf *backupFault
	if err != nil && !errors.As(err, &bf) {
		return err // not a verdict on the file: it could not be read
	}
	if *asJSON {
		v := struct {
			File     string          `json:"file"`
			OK       bool            `json:"ok"`
			Reason   string          `json:"reason,omitempty"`
			Error    string          `json:"error,omitempty"`
			Schema   int             `json:"schema_version_known"`
			Manifest *backupManifest `json:"manifest,omitempty"`
		}{File: file, OK: err == nil, Schema: sqlite.SchemaVersion(), Manifest: m}
		if bf != nil {
			v.Reason, v.Error = bf.Reason, bf.Msg
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if eerr := enc.Encode(v); eerr != nil {
			return eerr
		}
		if err != nil {
			return errSilent
		}
		return nil
	}
	if m != nil && (bf == nil || bf.Reason == faultNewerSchema || bf.Reason == faultNewerFormat) {
		printManifest(stdout, m)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: a sound backup; this ipmatch can restore it\n", file)
	return nil
}

// printManifest writes m for a reader.
func printManifest(w io.Writer, m *backupManifest) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "backup\t%s\n", m.ID)
	fmt.Fprintf(tw, "snapshot at\t%s (every write committed before it is in the backup)\n", m.SnapshotAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(tw, "written at\t%s\n", m.CreatedAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(tw, "from\t%s on %s\n", m.DataDir, m.Host)
	fmt.Fprintf(tw, "ipmatch version\t%s\n", m.IpmatchVersion)
	fmt.Fprintf(tw, "schema version\t%d (this ipmatch knows up to %d)\n", m.SchemaVersion, sqlite.SchemaVersion())
	fmt.Fprintf(tw, "database\t%s, %d bytes, SHA-256 %s\n", m.Database.Name, m.Database.Bytes, m.Database.SHA256)
	fmt.Fprintf(tw, "records\t%d\n", m.records())
	for _, k := range sortedKeys(m.Counts) {
		fmt.Fprintf(tw, "  %s\t%d\n", k, m.Counts[k])
	}
	tw.Flush()
}

// runRestore restores a backup into a data directory: a new or empty one,
// or with --force one whose contents are moved aside.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	var sc StoreConfig
	var index string
	addStoreFlags(fs, &sc)
	addIndexFlag(fs, &index)
	force := fs.Bool("force", false, "restore into a --data directory that is not empty, moving what it holds aside to DIR.replaced-TIME (kept; remove it yourself)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) != 1:
		return usageError("restore takes one backup FILE, not %d arguments (ipmatch restore FILE --data DIR)", len(rest))
	case sc.MongoURI != "":
		return usageError("--mongo-uri: %s", mongoBackupHint)
	}
	file := rest[0]
	logger := newLogger(stderr)
	start := time.Now()
	target, err := filepath.Abs(sc.DataDir)
	if err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	fileAbs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	if _, err := os.Stat(fileAbs); err != nil {
		return fmt.Errorf("backup %s: %w", file, err)
	}

	// What is there now: nothing, an empty directory, or a store that
	// --force moves aside (not while a server has it open).
	occupied := false
	if st, err := os.Stat(target); err == nil {
		if !st.IsDir() {
			return fmt.Errorf("--data %s is a file, not a directory", sc.DataDir)
		}
		entries, err := os.ReadDir(target)
		if err != nil {
			return fmt.Errorf("--data: %w", err)
		}
		if occupied = len(entries) > 0; occupied && !*force {
			var names []string
			for _, e := range entries[:min(len(entries), 3)] {
				names = append(names, e.Name())
			}
			return fmt.Errorf("--data %s is not empty (it holds %s): restore into a new or empty directory, or pass --force to move what it holds aside",
				sc.DataDir, strings.Join(names, ", "))
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--data: %w", err)
	}
	indexDirs := []string{filepath.Join(target, "index")}
	if index != "" {
		indexDirs = append(indexDirs, index)
	}
	for _, d := range indexDirs {
		if err := search.CheckFree(d); err != nil {
			return fmt.Errorf("the search index %s is in use (is ipmatch serve running on --data %s?): stop it before restoring: %w", d, sc.DataDir, err)
		}
	}

	// Everything is built in a directory beside the target and moved into
	// place at the end, so the target never holds a half-restored store.
	parent := filepath.Dir(target)
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	staging, err := os.MkdirTemp(parent, "."+filepath.Base(target)+".restore-")
	if err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(staging)
		}
	}()
	db := filepath.Join(staging, sqlite.FileName)
	m, err := readBackup(file, db)
	if err == nil {
		err = checkBackupDB(ctx, file, m, db)
	}
	if err != nil {
		logger.Warn("restore refused", "actor", osUser(), "file", fileAbs, "data", target, "err", err)
		return fmt.Errorf("%w; nothing was restored", err)
	}
	store, err := sqlite.Open(ctx, staging, logger) // migrates an older schema
	if err != nil {
		return err
	}
	node := data.NodeName()
	var counts map[string]int
	if index == "" {
		idx, err := openIndex(ctx, filepath.Join(staging, "index"), store, logger, progressOut(stderr), true)
		if err != nil {
			store.Close()
			return err
		}
		node = idx.Node()
		counts, err = indexCounts(idx)
		if cerr := idx.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			store.Close()
			return err
		}
	}
	request := "ipmatch restore " + fileAbs
	err = auditCommand(ctx, store, node, request, data.AuditPut, data.AuditBackups, m.ID)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// MkdirTemp made it private; a store's directory is 0750 (sqlite.Open).
	if err := os.Chmod(staging, 0o750); err != nil {
		return err
	}
	if err := syncDir(staging); err != nil {
		return err
	}

	aside := ""
	if occupied {
		aside = target + ".replaced-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(target, aside); err != nil {
			return fmt.Errorf("--force: move %s aside: %w", target, err)
		}
	} else if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--data: %w", err)
	}
	if err := os.Rename(staging, target); err != nil {
		if aside != "" {
			os.Rename(aside, target)
		}
		return fmt.Errorf("--data: move the restored store into place: %w", err)
	}
	done = true
	if err := syncDir(parent); err != nil {
		return err
	}
	logger.Info("restore", "actor", osUser(), "file", fileAbs, "backup_id", m.ID, "db_sha256", m.Database.SHA256,
		"data", target, "replaced_to", aside, "records", m.records(), "schema_version", m.SchemaVersion,
		"duration", time.Since(start).Round(time.Millisecond))

	if index != "" {
		// An index outside the data directory is rebuilt in place: it is
		// derived, and a rebuild cut short is redone at the next start.
		store, err := sqlite.Open(ctx, target, logger)
		if err != nil {
			return err
		}
		idx, err := openIndex(ctx, index, store, logger, progressOut(stderr), true)
		if err == nil {
			counts, err = indexCounts(idx)
			if cerr := idx.Close(); err == nil {
				err = cerr
			}
		}
		store.Close()
		if err != nil {
			return fmt.Errorf("restored into %s, but the search index was not rebuilt (ipmatch reindex rebuilds it): %w", target, err)
		}
	}
	fmt.Fprintf(stdout, "restored backup %s (snapshot at %s, %d records: %s) into %s; indexed %d patents, %d enterprises and %d products (%s)\n",
		m.ID, m.SnapshotAt.UTC().Format(time.RFC3339), m.records(), countsLine(m.Counts), target,
		counts[search.Patents], counts[search.Enterprises], counts[search.Products], time.Since(start).Round(time.Millisecond))
	if aside != "" {
		fmt.Fprintf(stdout, "what %s held before is in %s; remove it once the restored store is checked\n", target, aside)
	}
	return nil
}

// indexCounts returns the documents of each kind in idx.
func indexCounts(idx *search.Index) (map[string]int, error) {
	counts := map[string]int{}
	for _, k := range []string{search.Patents, search.Enterprises, search.Products} {
		n, err := idx.DocCount(k)
		if err != nil {
			return nil, err
		}
		counts[k] = n
	}
	return counts, nil
}

// auditStore opens the embedded store in dir to enter one command in its
// audit log (auditCommand).
func auditStore(ctx context.Context, dir string, logger *slog.Logger, node, request, action, kind string, ids ...string) error {
	store, err := sqlite.Open(ctx, dir, logger)
	if err != nil {
		return err
	}
	err = auditCommand(ctx, store, node, request, action, kind, ids...)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	return err
}

// auditCommand enters in store's audit log that the operating-system user
// ran request, an administrative command that writes no record of a table
// (backup, restore, reindex): an entry like a command's writes (via cli,
// the user's name, the request), naming what it acted on as kind and ids
// (data.AuditBackups, data.AuditSearchIndex).
func auditCommand(ctx context.Context, store data.Store, node, request, action, kind string, ids ...string) error {
	e := data.AuditEntry{
		ID: data.NewAuditID(time.Now()), Node: node, Actor: data.Actor{Name: osUser()},
		Via: data.ViaCLI, Request: request, Action: action, Kind: kind, IDs: ids,
	}
	if _, err := store.Audit().Put(ctx, &e); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// osUser is the operating-system user running the command, as the audit
// log names a command's actor.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "cli"
}

// parseInterspersed parses args into fs allowing flags after the
// positional arguments (ipmatch restore FILE --data DIR), which it
// returns.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// syncDir flushes a directory's entries (a rename into it) to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// countsLine lists the non-zero counts, largest kinds of record first.
func countsLine(counts map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(counts) {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
		}
	}
	if len(parts) == 0 {
		return "empty"
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// mib formats a size in bytes.
func mib(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
