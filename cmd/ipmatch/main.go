// Command ipmatch is the one binary of ipmatch, the bank–enterprise
// patent-pledge matchmaking service: it serves the API, imports and exports
// records, and creates API tokens and web sign-in users.
//
// Configuration comes from flags first, then IPMATCH_* environment variables,
// then defaults; see "ipmatch help".
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"ipmatch/data"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal starts a graceful shutdown (Main.Close); once it
	// has arrived, the signals' default action is back, so a second one
	// ends the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitRejected is the exit status of an import that kept some rows and
// refused others, so scripts can tell it from success and from failure.
const exitRejected = 3

// errRejected marks an import that refused some rows.
var errRejected = errors.New("some rows were rejected")

// errSilent marks a failure the command has already reported on stdout
// (verify --json): exit status 1 and nothing more on stderr.
var errSilent = errors.New("failed")

const usage = `ipmatch: bank–enterprise patent-pledge financing matchmaking

Usage:
  ipmatch serve   [--demo] [--addr HOST:PORT] [--calibration FILE] [--index DIR] [--node NAME] [--follow-interval D] [--trusted-proxies LIST] [--shutdown-timeout D] [store flags]
  ipmatch reindex [--index DIR] [store flags]
  ipmatch backup  --out FILE [--data DIR]
  ipmatch verify  FILE [--json]
  ipmatch restore FILE [--data DIR] [--force] [--index DIR]
  ipmatch import  --kind KIND --format FORMAT [store flags] FILE|-
  ipmatch export  --kind KIND --format FORMAT [--out FILE] [store flags]
  ipmatch token create --role organizer|bank|enterprise [--bank ID] [--enterprise ID] [--label TEXT] [store flags]
  ipmatch bench-data [--enterprises N] [--patents M] [--seed S] [--demo=false] [store flags]
  ipmatch user create --username NAME --role organizer|bank|enterprise [--bank ID] [--enterprise ID] [--label TEXT] [store flags] < PASSWORD
  ipmatch value income --cash-flows CF1,CF2,… --share-rate S --tax-rate T --discount-rate R [--decimals N] [--json]
  ipmatch value weights [--weights FILE]
  ipmatch calibrate [--out FILE] [--json] [--calibration FILE] [--weights FILE] [store flags]
  ipmatch monitor [--as-of DATE] [--warn-days N] [--json] [--webhook-allow-private] [store flags]
  ipmatch healthcheck [--addr HOST:PORT] [--timeout D]   # exit 0 when GET /healthz answers ok (a container's HEALTHCHECK)
  ipmatch version

Store flags (default: the embedded SQLite store in ./ipmatch-data):
  --data DIR        embedded store directory      (IPMATCH_DATA)
  --mongo-uri URI   use MongoDB instead           (IPMATCH_MONGO_URI)
  --mongo-db NAME   MongoDB database name         (IPMATCH_MONGO_DB, default ipmatch)

Kinds: enterprises patents banks products events participants deals pools
Formats: jsonl (every kind), csv (enterprises, products), cnipa-csv and cnipa-legal-csv (patents)
`

// run executes one command line and returns the process exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], stdout, stderr)
	case "import":
		err = runImport(ctx, args[1:], stdout, stderr)
	case "export":
		err = runExport(ctx, args[1:], stdout, stderr)
	case "token":
		err = runToken(ctx, args[1:], stdout, stderr)
	case "user":
		err = runUser(ctx, args[1:], os.Stdin, stdout, stderr)
	case "reindex":
		err = runReindex(ctx, args[1:], stdout, stderr)
	case "backup":
		err = runBackup(ctx, args[1:], stdout, stderr)
	case "verify":
		err = runVerify(ctx, args[1:], stdout, stderr)
	case "restore":
		err = runRestore(ctx, args[1:], stdout, stderr)
	case "bench-data":
		err = runBenchData(ctx, args[1:], stdout, stderr)
	case "value":
		err = runValue(ctx, args[1:], stdout, stderr)
	case "calibrate":
		err = runCalibrate(ctx, args[1:], stdout, stderr)
	case "monitor":
		err = runMonitor(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		err = runHealthcheck(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "ipmatch", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "ipmatch: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	var help *helpRequest
	switch {
	case err == nil:
		return 0
	case errors.As(err, &help):
		fmt.Fprint(stdout, help.text)
		return 0
	case errors.Is(err, errRejected):
		return exitRejected
	case errors.Is(err, errSilent):
		return 1
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "ipmatch %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "ipmatch %s: %v\n", args[0], err)
		return 1
	}
}

// commandError words err for the operator: the message a user reads with
// every field at fault and, for a failure inside ipmatch (internal), its
// cause (data.ErrorCause). The command line is the operator's, so the
// cause belongs there; HTTP clients never see it (door.WriteError logs it).
func commandError(err error) error {
	msg := data.ErrorMessage(err)
	for _, f := range data.ErrorFields(err) {
		msg += "\n  " + f.Field + ": " + f.Reason
	}
	if data.ErrorCode(err) == data.CodeInternal {
		if cause := data.ErrorCause(err); cause != nil {
			msg += ": " + cause.Error()
		}
	}
	return errors.New(msg)
}
