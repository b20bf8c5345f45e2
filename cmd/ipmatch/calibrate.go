package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"ipmatch/app"
	"ipmatch/matcher"
)

// loadCalibration reads a calibration file, or returns the shipped one
// (matcher.DefaultCalibration) for "".
func loadCalibration(file string) (*matcher.Calibration, error) {
	return loadConfig(file, matcher.DefaultCalibration, matcher.LoadCalibration)
}

// loadMatcher returns the model of the weights and calibration files
// ("" for the embedded and shipped ones), as serve, calibrate and monitor
// build it.
func loadMatcher(weightsFile, calibrationFile string) (*matcher.Matcher, error) {
	w, err := loadWeights(weightsFile)
	if err != nil {
		return nil, fmt.Errorf("weights %s: %w", weightsFile, err)
	}
	cal, err := loadCalibration(calibrationFile)
	if err != nil {
		return nil, fmt.Errorf("calibration %s: %w", calibrationFile, err)
	}
	m, err := matcher.NewMatcher(&matcher.MatchConfig{Weights: w, Calibration: cal})
	if err != nil {
		return nil, fmt.Errorf("matcher: %w", commandError(err))
	}
	return m, nil
}

// runCalibrate handles "ipmatch calibrate": it compares the model with
// the store's recorded appraisals and loans, prints the table (or the
// report as JSON with --json), and with --out writes the calibration it
// fits, for serve --calibration.
func runCalibrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	var sc StoreConfig
	addStoreFlags(fs, &sc)
	weights := fs.String("weights", env("IPMATCH_WEIGHTS", ""), "AHP weights configuration (IPMATCH_WEIGHTS); default: the embedded finance scenario")
	calFile := fs.String("calibration", env("IPMATCH_CALIBRATION", ""), "the calibration loans are compared under (IPMATCH_CALIBRATION); default: the shipped one")
	out := fs.String("out", "", "write the fitted calibration (JSON) to this file")
	asJSON := fs.Bool("json", false, "print the whole report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := loadMatcher(*weights, *calFile)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, sc, newLogger(stderr))
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := app.Calibrate(ctx, store, m)
	if err != nil {
		return err
	}
	if *out != "" {
		b, err := json.MarshalIndent(rep.Fitted, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printCalibration(stdout, rep, *out)
	return nil
}

// printCalibration writes the report as tables.
func printCalibration(w io.Writer, rep matcher.CalibrationReport, out string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	label := func(s string) string {
		if s == "" {
			return "all"
		}
		return s
	}
	fmt.Fprintf(w, "model %s, %s\n\n", rep.Parameters.ModelVersion, rep.Parameters.Calibration)
	for _, source := range []struct{ name, title string }{
		{matcher.SourceAppraisal, "recorded appraisals ÷ the model's value of their patents (uncalibrated)"},
		{matcher.SourceLoan, "recorded loans ÷ the model's lendable value of their patents (calibrated)"},
	} {
		fmt.Fprintln(w, source.title)
		fmt.Fprintln(tw, "industry\ttype\tn\tmedian\tP25\tP75\tgeo-mean\tfactor\tafter\t")
		rows := 0
		for _, g := range rep.Groups {
			if g.Source != source.name {
				continue
			}
			rows++
			factor, after := "", ""
			if g.Source == matcher.SourceAppraisal {
				factor, after = fmt.Sprintf("×%.2f", g.Factor), fmt.Sprintf("%.2f", g.After)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%s\t\n", label(g.Industry), label(g.Type), g.N, g.MedianRatio, g.P25, g.P75, g.GeoMean, factor, after)
		}
		tw.Flush()
		if rows == 0 {
			fmt.Fprintln(w, "  (none recorded)")
		}
		fmt.Fprintln(w)
	}
	if f := rep.Fit; f != nil {
		fmt.Fprintf(w, "log(appraisal) = %.3f + %.3f × log(model) over %d appraisals, R² %.3f\n", f.Intercept, f.Slope, f.N, f.R2)
	}
	for _, s := range rep.Skipped {
		fmt.Fprintln(w, "skipped:", s)
	}
	c := rep.Fitted
	var rows []string
	for _, r := range c.Rows {
		rows = append(rows, fmt.Sprintf("%s %s ×%.2f (%d)", label(r.Industry), label(string(r.Type)), r.Factor, r.Observations))
	}
	fmt.Fprintf(w, "fitted: default ×%.4f", c.Default)
	if len(rows) > 0 {
		fmt.Fprintf(w, "; %s", strings.Join(rows, "; "))
	}
	fmt.Fprintln(w)
	if out != "" {
		fmt.Fprintf(w, "written to %s (serve --calibration %s)\n", out, out)
	}
}
