package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"ipmatch/data"
	"ipmatch/data/mongo"
	"ipmatch/data/sqlite"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// StoreConfig says which store to open.
type StoreConfig struct {
	DataDir  string // embedded store directory
	MongoURI string // when set, MongoDB is used instead
	MongoDB  string // MongoDB database name
}

// addStoreFlags registers the store flags on fs, defaulting from the
// environment so that a flag always wins over IPMATCH_*.
func addStoreFlags(fs *flag.FlagSet, c *StoreConfig) {
	fs.StringVar(&c.DataDir, "data", env("IPMATCH_DATA", "./ipmatch-data"), "embedded store directory (IPMATCH_DATA)")
	fs.StringVar(&c.MongoURI, "mongo-uri", env("IPMATCH_MONGO_URI", ""), "MongoDB URI; when set MongoDB is used (IPMATCH_MONGO_URI)")
	fs.StringVar(&c.MongoDB, "mongo-db", env("IPMATCH_MONGO_DB", "ipmatch"), "MongoDB database name (IPMATCH_MONGO_DB)")
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// openStore opens the configured store.
func openStore(ctx context.Context, c StoreConfig, logger *slog.Logger) (data.Store, error) {
	if c.MongoURI != "" {
		s, err := mongo.Open(ctx, c.MongoURI, c.MongoDB, logger)
		if err != nil {
			return nil, fmt.Errorf("open MongoDB store: %w", err)
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, c.DataDir, logger)
	if err != nil {
		return nil, fmt.Errorf("open embedded store in %s: %w", c.DataDir, err)
	}
	return s, nil
}

// auditCLI returns store with its writes audited as a command's on node,
// and ctx naming the command and the operating-system user who ran it.
// A command writing through a search index audits under the index's node
// (search.Index.Node), so a server on that index does not index the writes
// again; other commands pass data.NodeName().
func auditCLI(ctx context.Context, store data.Store, logger *slog.Logger, node, command string) (context.Context, data.Store) {
	ctx = data.WithOrigin(ctx, data.Origin{Actor: data.Actor{Name: osUser()}, Via: data.ViaCLI, Request: "ipmatch " + command})
	return ctx, data.Audited(store, node, logger)
}

// newLogger returns the process logger: text to stderr, level from
// IPMATCH_LOG_LEVEL (debug, info, warn, error).
func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	switch strings.ToLower(os.Getenv("IPMATCH_LOG_LEVEL")) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// parseFlags parses args into fs, reporting flag errors as usage errors
// and -h or --help as a helpRequest with fs's flags.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		var b strings.Builder
		fmt.Fprintf(&b, "usage: ipmatch %s [flags]\n\nflags (an IPMATCH_* variable named in parentheses sets the default):\n", fs.Name())
		fs.SetOutput(&b)
		fs.PrintDefaults()
		return &helpRequest{text: b.String()}
	case err != nil:
		return usageError("%v (ipmatch %s -h lists the flags)", err, fs.Name())
	}
	return nil
}

// helpRequest is the answer to -h: the command's flags, for stdout.
type helpRequest struct{ text string }

func (h *helpRequest) Error() string { return h.text }
