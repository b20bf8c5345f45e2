// Package ferrettest runs an embedded FerretDB (SQLite backend) for the
// tests of the MongoDB store and of several ipmatch nodes on one database,
// so that they need no MongoDB server. Import it only from _test files: it
// links all of FerretDB into the binary (cmd/ipmatch's arch_test checks
// that the binary does not).
package ferrettest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Server is a running embedded FerretDB.
type Server struct {
	uri    string
	cancel context.CancelFunc
	done   chan error
}

// Start starts FerretDB on a free port of 127.0.0.1, keeping its SQLite
// databases (one file per database) in dir, which must exist. A nil logger
// discards FerretDB's logs.
func Start(dir string, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("ferrettest: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- f.Run(ctx) }()
	uri := make(chan string, 1)
	go func() { uri <- f.MongoDBURI() }() // blocks until the listener is up
	select {
	case s.uri = <-uri:
		return s, nil
	case err := <-s.done:
		cancel()
		return nil, fmt.Errorf("ferrettest: FerretDB stopped before listening: %v", err)
	case <-time.After(time.Minute):
		cancel()
		return nil, errors.New("ferrettest: FerretDB did not start listening within a minute")
	}
}

// URI returns the mongodb:// URI of the server.
func (s *Server) URI() string { return s.uri }

// Close stops the server and waits until it has closed its listener,
// connections and databases.
func (s *Server) Close() error {
	s.cancel()
	return <-s.done
}
