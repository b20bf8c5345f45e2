package main

import (
	"flag"
	"net"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/net/netutil"
)

// ServeLimits bound how long a client may take and how many connections
// it may hold, so that slow clients (a "slow loris" sending a byte every
// few seconds) cannot hold the server. Zero fields take the defaults below.
type ServeLimits struct {
	// ReadTimeout bounds reading a whole request, headers and body. The
	// import route extends it to ImportTimeout once the caller is
	// authenticated (door.Config.ImportTimeout), so only imports may be slow.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from its headers' end to the answer's
	// last byte, computing included.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection without requests.
	IdleTimeout time.Duration
	// ImportTimeout bounds reading and answering an import.
	ImportTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
	// MaxConns bounds the open connections; further clients wait in the
	// listen backlog until one closes.
	MaxConns int
}

// Defaults of ServeLimits, with their reasons.
const (
	// Largest JSON body (door.DefaultMaxBodyBytes, 4 MiB) at 0.5 Mbit/s:
	// about 67 s.
	defaultReadTimeout = 2 * time.Minute
	// The slowest answers are a pipeline, report or XLSX export over
	// 10,000 enterprises (≈ 5 s) after waiting at most
	// door.ExpensiveQueueWait for a slot; 2 min leaves room for a slow
	// link downloading the export.
	defaultWriteTimeout = 2 * time.Minute
	// A browser reuses a connection within seconds; two minutes of
	// silence is a gone client.
	defaultIdleTimeout = 2 * time.Minute
	// The largest import (door.DefaultMaxImportBytes, 64 MiB) at 1 Mbit/s
	// takes about 9 minutes; 15 leaves time to import it.
	defaultImportTimeout = 15 * time.Minute
	// A bearer token and a session cookie are under 100 bytes each; 64 KiB
	// is ample for any browser's headers (Go's default is 1 MiB).
	defaultMaxHeaderBytes = 64 << 10
	// Each connection costs a goroutine and about 8 KiB of buffers, so
	// 1,000 cost under 20 MiB; an event of a few hundred browsers (a
	// handful of connections each) fits.
	defaultMaxConns = 1000
)

func (l ServeLimits) withDefaults() ServeLimits {
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = defaultReadTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = defaultWriteTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = defaultIdleTimeout
	}
	if l.ImportTimeout <= 0 {
		l.ImportTimeout = defaultImportTimeout
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = defaultMaxHeaderBytes
	}
	if l.MaxConns <= 0 {
		l.MaxConns = defaultMaxConns
	}
	return l
}

// apply sets the limits on srv and returns ln limited to MaxConns.
func (l ServeLimits) apply(srv *http.Server, ln net.Listener) net.Listener {
	srv.ReadHeaderTimeout = min(10*time.Second, l.ReadTimeout) // headers are small: a slow sender is no real client
	srv.ReadTimeout = l.ReadTimeout
	srv.WriteTimeout = l.WriteTimeout
	srv.IdleTimeout = l.IdleTimeout
	srv.MaxHeaderBytes = l.MaxHeaderBytes
	return netutil.LimitListener(ln, l.MaxConns)
}

// addServeLimitFlags registers the limits' flags; parse applies them to l
// after fs.Parse and reports a bad value naming its flag.
func addServeLimitFlags(fs *flag.FlagSet, l *ServeLimits) (parse func() error) {
	d := func(name, envName string, def time.Duration, usage string) *string {
		return fs.String(name, env(envName, def.String()), usage+" ("+envName+")")
	}
	read := d("read-timeout", "IPMATCH_READ_TIMEOUT", defaultReadTimeout, "time to read a whole request, body included (imports get --import-timeout)")
	write := d("write-timeout", "IPMATCH_WRITE_TIMEOUT", defaultWriteTimeout, "time to compute and send an answer")
	idle := d("idle-timeout", "IPMATCH_IDLE_TIMEOUT", defaultIdleTimeout, "time a kept-alive connection may wait for its next request")
	imp := d("import-timeout", "IPMATCH_IMPORT_TIMEOUT", defaultImportTimeout, "time to upload and import a file")
	header := fs.String("max-header-bytes", env("IPMATCH_MAX_HEADER_BYTES", strconv.Itoa(defaultMaxHeaderBytes)), "largest request headers in bytes (IPMATCH_MAX_HEADER_BYTES)")
	conns := fs.String("max-conns", env("IPMATCH_MAX_CONNS", strconv.Itoa(defaultMaxConns)), "most open connections; more wait to be accepted (IPMATCH_MAX_CONNS)")
	return func() error {
		for _, f := range []struct {
			name string
			v    *string
			to   *time.Duration
		}{{"read-timeout", read, &l.ReadTimeout}, {"write-timeout", write, &l.WriteTimeout}, {"idle-timeout", idle, &l.IdleTimeout}, {"import-timeout", imp, &l.ImportTimeout}} {
			t, err := time.ParseDuration(*f.v)
			if err != nil || t <= 0 {
				return usageError("--%s: want a positive duration such as 30s or 2m, not %q", f.name, *f.v)
			}
			*f.to = t
		}
		for _, f := range []struct {
			name string
			v    *string
			to   *int
		}{{"max-header-bytes", header, &l.MaxHeaderBytes}, {"max-conns", conns, &l.MaxConns}} {
			n, err := strconv.Atoi(*f.v)
			if err != nil || n <= 0 {
				return usageError("--%s: want a positive whole number, not %q", f.name, *f.v)
			}
			*f.to = n
		}
		return nil
	}
}
