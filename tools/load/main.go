// Command load is the load test of ipmatch. It builds ipmatch (or takes
// --bin), starts "ipmatch serve --demo" on a free loopback port with a
// fresh data directory, reads the demo tokens the server prints, and drives
// it over HTTP with --conns connections for --duration of a mixed workload
// of the three roles. Then, as the ceiling, it starts a bare gin server (one
// GET handler answering a small JSON, in a separate process: this program
// re-executed) and drives it the same way. It talks to both over HTTP only
// and imports none of ipmatch's packages.
//
// It reports requests per second, latency percentiles overall and per
// request type, errors (any transport error or non-2xx answer; the first
// few are printed), the server's memory (VmRSS, split into RssAnon and
// RssFile, and VmHWM from
// /proc/PID/status after start, after the warm-up, at mid-run and at the
// end, and the growth of the mean RSS from the first half of the run to
// the second, to judge whether memory stays flat), the CPU the server and
// the load generator used (from /proc/PID/stat: on a shared machine, the
// server's CPU per request moves less than its requests per second), the
// slowest requests, and the ratio of ipmatch's requests per second to bare
// gin's. The exit status is 1 when any request failed, 2 on a usage
// mistake.
//
// Usage, from anywhere in the module:
//
//	go run ./tools/load                      # 64 connections, 30 s, default mix
//	go run ./tools/load --markdown           # a table ready for the README
//	go run ./tools/load --conns 16 --duration 10s --mix pipeline=0,matches=30
//	go run ./tools/load --data DIR           # a province: a store filled by
//	                                         # ipmatch bench-data (kept)
//	go run ./tools/load --rate 20            # open loop: 20 requests a second
//
// # Closed and open loop
//
// By default each connection sends its next request as soon as the last
// is answered (a closed loop): the server is always saturated, so the run
// finds its throughput, and its latencies are mostly the time requests
// queue behind each other (with 64 connections, about 64 ÷ throughput).
// With --rate, requests arrive at that rate at random intervals (a Poisson
// process, as independent users' requests do) whether or not earlier ones
// were answered, over at most --conns connections (an open loop): the
// latencies are then those of a server carrying that load, and a request
// that waited for a free connection counts the wait, as its user would;
// one that waited 30 s is counted as failed (the rate is beyond what the
// server sustains). The report also splits each type by role.
//
// # The mix
//
// Each connection picks its next request at random with these weights
// (--mix name=weight,… changes some; a weight of 0 leaves a type out):
//
//	type                weight  what
//	search_patents          18  GET /search/patents: words, OR, phrases, field
//	                            queries; type/status/ipc/region/date filters;
//	                            facets; sorts; pages (organizer, bank, enterprise)
//	search_products         12  GET /search/products: an enterprise's needs as
//	                            filters (amount, term, region, industry, patent
//	                            type), facets, sorts (mostly the enterprise role)
//	search_enterprises       8  GET /search/enterprises (organizer, bank)
//	similar_patents          4  GET /patents/{id}/similar
//	matches                 12  GET /enterprises/{id}/matches (eligible or all)
//	pipeline                 5  GET /products/{id}/pipeline (pages of 10 to 50)
//	valuation                5  GET /enterprises/{id}/valuation (1,000 to 10,000
//	                            Monte Carlo draws)
//	income                   3  POST /valuations/income
//	get_record              18  GET /{kind}/{id} of every kind of record
//	list_records            15  GET /{kind}?page=&size= (sizes 10 to 100)
//
// The server's access log (its stderr) goes to a file in the temporary
// directory, which is kept and named when a run has errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if os.Getenv(ceilingEnv) != "" {
		if err := serveCeiling(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "ceiling:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run parses the flags, runs the load test and prints the report. It
// returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := Config{Log: stderr}
	var mix string
	var markdown, quiet bool
	fs.StringVar(&cfg.Bin, "bin", "", "ipmatch binary to start; default: go build ./cmd/ipmatch into a temporary directory")
	fs.StringVar(&cfg.DataDir, "data", "", "serve this data directory (e.g. one filled by ipmatch bench-data) instead of a fresh demo; kept after the run")
	fs.IntVar(&cfg.Conns, "conns", 64, "concurrent connections (each sends one request at a time)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "requests a second arriving at random (open loop, at most --conns at once); 0: each connection sends its next request when the last is answered (closed loop)")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "measured duration of each run")
	fs.DurationVar(&cfg.Warmup, "warmup", 5*time.Second, "unmeasured warm-up before each run")
	fs.StringVar(&mix, "mix", "", "weights of request types, name=weight,… (see the package doc); unnamed types keep their default")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the request choices")
	fs.StringVar(&cfg.ServerLogLevel, "server-log-level", "", "IPMATCH_LOG_LEVEL of the server (debug, info, warn, error); default: the server's own (info: one access-log line per request)")
	fs.BoolVar(&cfg.NoCeiling, "no-ceiling", false, "skip the bare gin ceiling run")
	fs.IntVar(&cfg.ErrorSamples, "error-samples", 5, "how many failed requests to print")
	fs.BoolVar(&markdown, "markdown", false, "print the report as markdown tables")
	fs.BoolVar(&quiet, "quiet", false, "do not print progress on stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "load: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if cfg.Rate < 0 || math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) {
		fmt.Fprintf(stderr, "load: --rate: want requests a second, 0 or more, not %v\n", cfg.Rate)
		return 2
	}
	weights, err := parseMix(mix)
	if err == nil {
		_, err = buildMix(weights)
	}
	if err != nil {
		fmt.Fprintln(stderr, "load: --mix:", err)
		return 2
	}
	cfg.Mix = weights
	if quiet {
		cfg.Log = io.Discard
	}
	rep, err := Run(ctx, cfg)
	if rep != nil {
		if markdown {
			rep.WriteMarkdown(stdout)
		} else {
			rep.WriteText(stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "load:", err)
		return 1
	}
	if rep.Errors() > 0 {
		return 1
	}
	return 0
}
