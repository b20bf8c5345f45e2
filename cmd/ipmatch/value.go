package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"ipmatch/matcher"
)

// runValue runs "ipmatch value income …" (the income approach on given
// cash flows) and "ipmatch value weights …" (the indicator weights of an
// AHP configuration).
func runValue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("want: ipmatch value income … or ipmatch value weights …")
	}
	switch args[0] {
	case "income":
		return runValueIncome(args[1:], stdout)
	case "weights":
		return runValueWeights(args[1:], stdout)
	}
	return usageError("unknown value command %q: want income or weights", args[0])
}

// runValueIncome prints the present value of the income approach:
// PV = Σ_t CF_t × share × (1 − tax) / (1 + r)^t. With --json it prints the
// yearly breakdown too.
func runValueIncome(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("value income", flag.ContinueOnError)
	flows := fs.String("cash-flows", "", "the income of years 1..n, comma-separated (e.g. 460,460,460)")
	share := fs.Float64("share-rate", -1, "share of each cash flow attributable to the patent, 0..1")
	tax := fs.Float64("tax-rate", -1, "income-tax rate, 0 to below 1")
	rate := fs.Float64("discount-rate", -1, "annual discount rate, ≥ 0")
	decimals := fs.Int("decimals", 1, "decimals of the present value printed")
	asJSON := fs.Bool("json", false, "print the whole result, with the yearly breakdown, as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range []string{"cash-flows", "share-rate", "tax-rate", "discount-rate"} {
		if !set[name] {
			return usageError("--%s is required", name)
		}
	}
	if *decimals < 0 || *decimals > 10 {
		return usageError("--decimals must be between 0 and 10")
	}
	s := matcher.IncomeScenario{ShareRate: *share, TaxRate: *tax, DiscountRate: *rate}
	for i, f := range strings.Split(*flows, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return usageError("--cash-flows: value %d, %q, is not a number", i+1, f)
		}
		s.CashFlows = append(s.CashFlows, v)
	}
	res, err := matcher.PresentValue(s)
	if err != nil {
		return commandError(err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintln(stdout, strconv.FormatFloat(res.PresentValue, 'f', *decimals, 64))
	return nil
}

// runValueWeights loads an AHP weights configuration (default: the
// embedded finance scenario), refusing an inconsistent one, and prints
// each matrix's weights and consistency ratio and each indicator's global
// weight.
func runValueWeights(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("value weights", flag.ContinueOnError)
	file := fs.String("weights", "", "AHP weights configuration (JSON); default: the embedded finance scenario")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	w, err := loadWeights(*file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "weights %s (%s)\n", w.Name(), w.Hash())
	pw := w.PartWeights()
	fmt.Fprintf(stdout, "parts: λmax %.4f, CR %.4f\n", pw.LambdaMax, pw.CR)
	for _, part := range matcher.Parts {
		lw, _ := w.LocalWeights(part)
		share, _ := pw.Weight(part)
		fmt.Fprintf(stdout, "%s %.4f: λmax %.4f, CR %.4f\n", part, share, lw.LambdaMax, lw.CR)
		for _, d := range matcher.Indicators() {
			if d.Part != part {
				continue
			}
			local, _ := lw.Weight(d.Name)
			global, _ := w.GlobalWeight(d.Name)
			fmt.Fprintf(stdout, "  %-20s local %.4f  global %.4f  %s\n", d.Name, local, global, d.Label)
		}
	}
	return nil
}

// fieldErrors turns a data error into a command error naming every field.
// loadWeights reads an AHP weights configuration file, or returns the
// embedded finance scenario for "". An inconsistent matrix (CR ≥ 0.1) is
// refused with the matrix named.
func loadWeights(file string) (*matcher.IndicatorWeights, error) {
	return loadConfig(file, matcher.DefaultIndicatorWeights, matcher.LoadIndicatorWeights)
}

// loadConfig reads a configuration file with load, or returns def() for
// "". A refused file's error names every field.
func loadConfig[T any](file string, def func() *T, load func(io.Reader) (*T, error)) (*T, error) {
	if file == "" {
		return def(), nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := load(f)
	if err != nil {
		return nil, commandError(err)
	}
	return v, nil
}
