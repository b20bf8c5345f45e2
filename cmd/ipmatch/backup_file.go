package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"ipmatch/data/sqlite"
)

// The backup file (ipmatch backup, verify, restore) is a gzip-compressed
// tar of three files, in this order:
//
//	manifest.json  what the backup holds (backupManifest), indented JSON
//	ipmatch.db     the SQLite snapshot of the store (sqlite.Snapshot)
//	SHA256SUMS     the SHA-256 of the two, as sha256sum writes them
//
// so `tar -xzf FILE && sha256sum -c SHA256SUMS` checks one by hand. A
// damaged file is caught by gzip's CRC-32 and length, tar's header
// checksums, the database's SHA-256 and size in the manifest, and the
// manifest's own SHA-256 in SHA256SUMS; a truncated one ends before
// SHA256SUMS or inside the gzip stream.
const (
	backupFormat        = "ipmatch-backup"
	backupFormatVersion = 1
	manifestName        = "manifest.json"
	sumsName            = "SHA256SUMS"
	maxManifestBytes    = 1 << 20
)

// backupManifest is manifest.json: what a backup holds and how to check it.
type backupManifest struct {
	Format        string `json:"format"`         // backupFormat
	FormatVersion int    `json:"format_version"` // backupFormatVersion
	// ID names the backup in the audit log: "backup_" + the snapshot's
	// UTC time + the first 12 hex digits of the database's SHA-256.
	ID string `json:"id"`
	// SnapshotAt is when the snapshot's read began: every write committed
	// before it is in the backup. CreatedAt is when the file was written.
	SnapshotAt     time.Time      `json:"snapshot_at"`
	CreatedAt      time.Time      `json:"created_at"`
	IpmatchVersion string         `json:"ipmatch_version"`
	SchemaVersion  int            `json:"schema_version"` // of the store's SQLite schema (data/sqlite migrations)
	Host           string         `json:"host"`
	DataDir        string         `json:"data_dir"` // the store's directory on Host
	Database       backupDBFile   `json:"database"`
	Counts         map[string]int `json:"counts"` // rows per table: records by kind, "audit" entries …
}

// backupDBFile describes ipmatch.db in the backup.
type backupDBFile struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// records is the number of rows the backup holds in all.
func (m *backupManifest) records() int {
	n := 0
	for _, c := range m.Counts {
		n += c
	}
	return n
}

// The reasons a backup is refused (backupFault.Reason), also in verify's
// JSON.
const (
	faultNotBackup   = "not_a_backup"
	faultDamaged     = "damaged"
	faultTruncated   = "truncated"
	faultNewerFormat = "newer_format"
	faultNewerSchema = "newer_schema"
)

// backupFault is why a backup file cannot be used; its message names the
// file and the reason.
type backupFault struct {
	Reason string
	Msg    string
}

func (e *backupFault) Error() string { return e.Msg }

func fault(reason, file, format string, args ...any) error {
	what := map[string]string{
		faultNotBackup: "is not an ipmatch backup", faultDamaged: "is damaged", faultTruncated: "is truncated",
		faultNewerFormat: "was written by a newer ipmatch", faultNewerSchema: "holds a newer schema than this ipmatch knows",
	}[reason]
	return &backupFault{Reason: reason, Msg: fmt.Sprintf("%s %s: %s", file, what, fmt.Sprintf(format, args...))}
}

// writeBackupArchive writes the backup of the snapshot db, described by
// m, to w. m.Database must hold db's size and SHA-256.
func writeBackupArchive(w io.Writer, m *backupManifest, db string) error {
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	mb = append(mb, '\n')
	msum := sha256.Sum256(mb)
	sums := fmt.Sprintf("%s  %s\n%s  %s\n", hex.EncodeToString(msum[:]), manifestName, m.Database.SHA256, m.Database.Name)

	// BestSpeed: the records are JSON, which even the fastest level
	// shrinks several times, and a province's store is gigabytes.
	gz, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	add := func(name string, size int64, r io.Reader) error {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o600, Size: size, ModTime: m.CreatedAt}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		n, err := io.Copy(tw, r)
		if err == nil && n != size {
			err = fmt.Errorf("%s: wrote %d bytes, expected %d (did it change?)", name, n, size)
		}
		return err
	}
	if err := add(manifestName, int64(len(mb)), bytes.NewReader(mb)); err != nil {
		return err
	}
	f, err := os.Open(db)
	if err != nil {
		return err
	}
	err = add(m.Database.Name, m.Database.Bytes, f)
	f.Close()
	if err != nil {
		return err
	}
	if err := add(sumsName, int64(len(sums)), strings.NewReader(sums)); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// hashFile returns the size and hex SHA-256 of the file name.
func hashFile(name string) (int64, string, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// readBackup reads the backup file, writing its database to the new file
// dbOut, and checks every checksum and size. A file that is not a backup,
// is damaged or truncated, or is of a newer format is a *backupFault
// naming the reason; the manifest is returned whenever it was read.
func readBackup(file, dbOut string) (*backupManifest, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if st.IsDir() {
		return nil, fault(faultNotBackup, file, "it is a directory")
	}
	br := bufio.NewReaderSize(f, 1<<16)
	head, _ := br.Peek(16)
	switch {
	case len(head) == 0:
		return nil, fault(faultNotBackup, file, "it is empty")
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return nil, fault(faultNotBackup, file, "it is a bare SQLite database, not a file written by ipmatch backup")
	case len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b:
		return nil, fault(faultNotBackup, file, "it is not gzip-compressed (ipmatch backup writes a .tar.gz)")
	}
	gz, err := gzip.NewReader(br)
	if err != nil {
		return nil, streamFault(file, "its gzip header", err)
	}
	tr := tar.NewReader(gz)
	// notOurs reports a file that reads as a sound archive but not as a
	// backup, unless the rest of the stream fails its checks: then the
	// file is damaged, which explains the rest.
	notOurs := func(format string, args ...any) error {
		if _, err := io.Copy(io.Discard, gz); err != nil {
			return streamFault(file, "the archive", err)
		}
		return fault(faultNotBackup, file, format, args...)
	}
	next := func(want string) (*tar.Header, error) {
		hdr, err := tr.Next()
		switch {
		case errors.Is(err, io.EOF):
			return nil, fault(faultTruncated, file, "it ends before %s (an incomplete copy?)", want)
		case err != nil:
			return nil, streamFault(file, "the tar header of "+want, err)
		}
		return hdr, nil
	}

	// 1. manifest.json
	hdr, err := tr.Next()
	switch {
	case errors.Is(err, io.EOF):
		return nil, notOurs("it is an empty archive")
	case errors.Is(err, tar.ErrHeader):
		return nil, notOurs("it is not a tar archive")
	case err != nil:
		return nil, streamFault(file, "the first tar header", err)
	case hdr.Name != manifestName || hdr.Typeflag != tar.TypeReg:
		return nil, notOurs("its first file is %q, not %s", hdr.Name, manifestName)
	case hdr.Size > maxManifestBytes:
		return nil, notOurs("its %s is %d bytes, more than a manifest holds", manifestName, hdr.Size)
	}
	mb, err := io.ReadAll(tr)
	if err != nil {
		return nil, streamFault(file, manifestName, err)
	}
	var m backupManifest
	if err := json.Unmarshal(mb, &m); err != nil || m.Format != backupFormat {
		return nil, notOurs("its %s is not an ipmatch backup manifest", manifestName)
	}
	if m.FormatVersion > backupFormatVersion {
		return &m, fault(faultNewerFormat, file, "it is of backup format %d; this ipmatch (%s) reads format %d: use a newer ipmatch", m.FormatVersion, version, backupFormatVersion)
	}
	if m.FormatVersion < 1 || m.Database.Name != sqlite.FileName {
		return &m, notOurs("its %s has format version %d and database %q", manifestName, m.FormatVersion, m.Database.Name)
	}

	// 2. ipmatch.db
	if hdr, err = next(m.Database.Name); err != nil {
		return &m, err
	}
	if hdr.Name != m.Database.Name {
		return &m, fault(faultDamaged, file, "its second file is %q, not %s", hdr.Name, m.Database.Name)
	}
	out, err := os.OpenFile(dbOut, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return &m, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), tr)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &m, streamFault(file, m.Database.Name, err)
	}
	dbSum := hex.EncodeToString(h.Sum(nil))
	if n != m.Database.Bytes {
		return &m, fault(faultDamaged, file, "%s holds %d bytes, its manifest says %d", m.Database.Name, n, m.Database.Bytes)
	}
	if dbSum != m.Database.SHA256 {
		return &m, fault(faultDamaged, file, "%s does not match the SHA-256 its manifest gives (%.12s…, computed %.12s…)", m.Database.Name, m.Database.SHA256, dbSum)
	}

	// 3. SHA256SUMS
	if hdr, err = next(sumsName); err != nil {
		return &m, err
	}
	if hdr.Name != sumsName || hdr.Size > 4096 {
		return &m, fault(faultDamaged, file, "its third file is %q, not %s", hdr.Name, sumsName)
	}
	sb, err := io.ReadAll(tr)
	if err != nil {
		return &m, streamFault(file, sumsName, err)
	}
	msum := sha256.Sum256(mb)
	want := map[string]string{manifestName: hex.EncodeToString(msum[:]), m.Database.Name: dbSum}
	got := map[string]string{}
	for line := range strings.Lines(string(sb)) {
		sum, name, ok := strings.Cut(strings.TrimRight(line, "\n"), "  ")
		if ok {
			got[name] = sum
		}
	}
	for _, name := range []string{manifestName, m.Database.Name} {
		if got[name] != want[name] {
			return &m, fault(faultDamaged, file, "%s does not match its SHA-256 in %s", name, sumsName)
		}
	}

	// Nothing after, and the gzip stream's CRC-32 and length check out.
	switch hdr, err := tr.Next(); {
	case err == nil:
		return &m, fault(faultDamaged, file, "it holds %q after %s", hdr.Name, sumsName)
	case !errors.Is(err, io.EOF):
		return &m, streamFault(file, "the end of the tar archive", err)
	}
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return &m, streamFault(file, "the gzip trailer", err)
	}
	return &m, nil
}

// streamFault words an error reading where in file: a stream cut short is
// truncated, a failed gzip or tar check damaged; anything else (a read
// error of the disk) is returned as it is.
func streamFault(file, where string, err error) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fault(faultTruncated, file, "it ends inside %s (cut short: an interrupted copy or a full disk?)", where)
	case errors.Is(err, gzip.ErrChecksum):
		return fault(faultDamaged, file, "its compressed data fail their CRC-32 check (at %s)", where)
	case errors.As(err, &corrupt):
		return fault(faultDamaged, file, "its compressed data are corrupt at byte %d (at %s)", int64(corrupt), where)
	case errors.Is(err, gzip.ErrHeader):
		return fault(faultDamaged, file, "a gzip header is corrupt (at %s)", where)
	case errors.Is(err, tar.ErrHeader):
		return fault(faultDamaged, file, "a tar header is corrupt (at %s)", where)
	}
	return fmt.Errorf("%s: reading %s: %w", file, where, err)
}

// checkBackupDB checks the database a backup held, written to db by
// readBackup, against its manifest (schema version and rows per table),
// and refuses a schema newer than this program's.
func checkBackupDB(ctx context.Context, file string, m *backupManifest, db string) error {
	info, err := sqlite.Inspect(ctx, db)
	if errors.Is(err, sqlite.ErrNotStore) {
		return fault(faultDamaged, file, "its %s is not an ipmatch database", m.Database.Name)
	}
	if err != nil {
		return err
	}
	if info.SchemaVersion != m.SchemaVersion {
		return fault(faultDamaged, file, "its database has schema version %d, its manifest says %d", info.SchemaVersion, m.SchemaVersion)
	}
	var names []string
	for k := range info.Counts {
		names = append(names, k)
	}
	for k := range m.Counts {
		if _, ok := info.Counts[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		if info.Counts[k] != m.Counts[k] {
			return fault(faultDamaged, file, "its database holds %d rows of %s, its manifest says %d", info.Counts[k], k, m.Counts[k])
		}
	}
	if known := sqlite.SchemaVersion(); m.SchemaVersion > known {
		return fault(faultNewerSchema, file, "its store has schema version %d; this ipmatch (%s) knows up to %d: restore it with the ipmatch that wrote it (%s) or a newer one",
			m.SchemaVersion, version, known, m.IpmatchVersion)
	}
	return nil
}
