package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/sqlite"
	"ipmatch/door"
)

// The daily check of live deals (app.Monitor): "ipmatch monitor" runs it
// once, and serve runs it at a time of day (Main.MonitorAt) and sends the
// webhooks due every deliveryInterval.

// DefaultMonitorAt is serve's time of the daily check, in China Standard
// Time: before the banks' working day, after CNIPA's overnight updates
// have been imported.
const DefaultMonitorAt = "06:00"

// deliveryInterval is how often serve sends the webhooks due (first
// sends and retries); the shortest wait between attempts is a minute.
const deliveryInterval = 30 * time.Second

// addWebhookFlag adds --webhook-allow-private to fs.
func addWebhookFlag(fs *flag.FlagSet, c *app.WebhookConfig) {
	fs.BoolVar(&c.AllowPrivate, "webhook-allow-private", env("IPMATCH_WEBHOOK_ALLOW_PRIVATE", "") == "true",
		"let banks' webhooks use plain http and loopback or private addresses (IPMATCH_WEBHOOK_ALLOW_PRIVATE=true); off: https to public addresses only")
}

// runMonitor handles "ipmatch monitor": one check as of --as-of (today
// by default), its report printed (or as JSON with --json).
func runMonitor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("monitor", flag.ContinueOnError)
	var sc StoreConfig
	addStoreFlags(fs, &sc)
	asOfFlag := fs.String("as-of", "", "check as of this day (YYYY-MM-DD); default today in China Standard Time")
	warn := fs.Int("warn-days", app.DefaultRiskWarnDays, "warn of annual fees falling due within this many days (0 to 366)")
	weights := fs.String("weights", env("IPMATCH_WEIGHTS", ""), "AHP weights configuration (IPMATCH_WEIGHTS), as serve's; default: the embedded finance scenario")
	calFile := fs.String("calibration", env("IPMATCH_CALIBRATION", ""), "calibration (IPMATCH_CALIBRATION), as serve's; default: the shipped one")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	var hooks app.WebhookConfig
	addWebhookFlag(fs, &hooks)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("monitor takes no arguments, not %q (ipmatch monitor -h lists the flags)", fs.Arg(0))
	}
	// A mistyped directory would be a new, empty store, checked every day
	// with nothing found.
	if sc.MongoURI == "" {
		if _, err := os.Stat(filepath.Join(sc.DataDir, sqlite.FileName)); err != nil {
			return usageError("--data %s holds no ipmatch store (%s): give the directory serve uses", sc.DataDir, sqlite.FileName)
		}
	}
	var asOf data.Date
	if *asOfFlag != "" {
		d, err := data.ParseDate(*asOfFlag)
		if err != nil {
			return usageError("--as-of: want a day such as 2021-06-01, not %q", *asOfFlag)
		}
		asOf = d
	}
	m, err := loadMatcher(*weights, *calFile)
	if err != nil {
		return err
	}
	logger := newLogger(stderr)
	store, err := openStore(ctx, sc, logger)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx, audited := auditCLI(ctx, store, logger, data.NodeName(), "monitor")
	a := app.New(audited, app.Config{Matcher: m, Logger: logger, Webhooks: hooks})
	rep, err := a.Monitor(ctx, asOf, *warn)
	if err != nil {
		return commandError(err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printMonitor(stdout, rep)
	return nil
}

// printMonitor writes a check's report for a person.
func printMonitor(w io.Writer, rep *app.MonitorReport) {
	fmt.Fprintf(w, "checked %d live deals as of %s (fees warned of %d days ahead): %d flagged, %d risks\n",
		rep.Deals, rep.AsOf, rep.WarnDays, rep.Flagged, rep.Risks)
	fmt.Fprintf(w, "alerts raised: %d; risks alerted before: %d; collateral values recorded: %d\n", len(rep.Raised), rep.Known, rep.Valued)
	for _, al := range rep.Raised {
		lost := ""
		if al.Lost {
			lost = " (lost as collateral)"
		}
		fmt.Fprintf(w, "  %s  deal %s  bank %s  patent %s  %s %s%s  collateral %d -> %d yuan\n",
			al.ID, al.DealID, al.BankID, al.Patent, al.Kind, al.Date, lost, al.CollateralBefore, al.CollateralAfter)
	}
	if rep.Delivered+rep.Undelivered > 0 {
		fmt.Fprintf(w, "webhooks: %d delivered, %d to retry\n", rep.Delivered, rep.Undelivered)
	}
}

// scheduleMonitor runs the daily check on doors' application at at
// ("HH:MM", China Standard Time), and once as the server starts (a
// restart after the hour would otherwise miss the day), and sends the
// webhooks due every deliveryInterval. The check is idempotent, so every
// node may run it.
func scheduleMonitor(doors *door.Server, at time.Duration, logger *slog.Logger) {
	check := func(ctx context.Context) {
		ctx = data.WithOrigin(ctx, data.Origin{Actor: data.Actor{Name: "每日押品检查"}, Via: data.ViaSystem})
		rep, err := doors.App.Monitor(ctx, data.Date{}, app.DefaultRiskWarnDays)
		if err != nil {
			if ctx.Err() == nil {
				logger.ErrorContext(ctx, "daily check failed", "error", err)
			}
			return
		}
		logger.InfoContext(ctx, "daily check", "as_of", rep.AsOf.String(), "deals", rep.Deals, "flagged", rep.Flagged,
			"raised", len(rep.Raised), "valued", rep.Valued)
	}
	doors.Go(func(ctx context.Context) {
		check(ctx)
		for {
			wait := untilNext(doors.App.Now(), at)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
				check(ctx)
			}
		}
	})
	doors.Every(deliveryInterval, "webhook deliveries", func(ctx context.Context) (int, error) {
		ctx = data.WithOrigin(ctx, data.Origin{Actor: data.Actor{Name: "押品预警推送"}, Via: data.ViaSystem})
		ok, failed, err := doors.App.DeliverWebhooks(ctx)
		return ok + failed, err
	})
}

// parseTimeOfDay reads "HH:MM" as the time since midnight.
func parseTimeOfDay(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("want a time of day such as 06:00, not %q", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// untilNext returns how long from now until the next at past midnight in
// China Standard Time.
func untilNext(now time.Time, at time.Duration) time.Duration {
	local := now.In(data.ChinaZone)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, data.ChinaZone)
	next := midnight.Add(at)
	if !next.After(local) {
		next = midnight.AddDate(0, 0, 1).Add(at)
	}
	return next.Sub(local)
}
