package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/term"

	"ipmatch/data"
	"ipmatch/search"
)

// addIndexFlag registers --index on fs.
func addIndexFlag(fs *flag.FlagSet, dir *string) {
	fs.StringVar(dir, "index", env("IPMATCH_INDEX", ""),
		"search index directory (IPMATCH_INDEX; default: DATA/index for the embedded store, ./ipmatch-index for MongoDB)")
}

// indexDir returns the search index directory: dir when given, else
// "index" inside the embedded store's directory, or ./ipmatch-index next
// to a MongoDB store (each node keeps its own index).
func indexDir(dir string, sc StoreConfig) string {
	switch {
	case dir != "":
		return dir
	case sc.MongoURI != "":
		return "ipmatch-index"
	}
	return filepath.Join(sc.DataDir, "index")
}

// progressOut returns w when it is a terminal, for the rebuild progress
// bar, and nil otherwise (a log line is written instead).
func progressOut(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return w
	}
	return nil
}

// openIndex opens the search index of store in dir, rebuilding it when
// needed (or always, with rebuild).
func openIndex(ctx context.Context, dir string, store data.Store, logger *slog.Logger, progress io.Writer, rebuild bool) (*search.Index, error) {
	return openIndexWith(ctx, dir, store, search.Options{Logger: logger, Progress: progress, Rebuild: rebuild})
}

// openIndexWith is openIndex with all of search's options.
func openIndexWith(ctx context.Context, dir string, store data.Store, opts search.Options) (*search.Index, error) {
	idx, err := search.Open(ctx, dir, store, opts)
	if err != nil {
		return nil, fmt.Errorf("open search index in %s: %w", dir, err)
	}
	return idx, nil
}

// runReindex rebuilds the search index from the store.
func runReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	var sc StoreConfig
	var dir string
	addStoreFlags(fs, &sc)
	addIndexFlag(fs, &dir)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("reindex takes no arguments")
	}
	logger := newLogger(stderr)
	store, err := openStore(ctx, sc, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	dir = indexDir(dir, sc)
	idx, err := openIndex(ctx, dir, store, logger, progressOut(stderr), true)
	if err != nil {
		return err
	}
	counts, err := indexCounts(idx)
	if err != nil {
		idx.Close()
		return err
	}
	node := idx.Node()
	if err := idx.Close(); err != nil {
		return err
	}
	// Who rebuilt which node's index, in the store's audit log (the
	// entry names no record, so no follower re-indexes anything for it).
	if err := auditCommand(ctx, store, node, "ipmatch reindex", data.AuditUpdate, data.AuditSearchIndex, node); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "indexed %d patents, %d enterprises and %d products in %s (%s)\n",
		counts[search.Patents], counts[search.Enterprises], counts[search.Products], dir, time.Since(start).Round(time.Millisecond))
	return nil
}
