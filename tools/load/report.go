package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// RunResult is the outcome of driving one server.
type RunResult struct {
	Name string
	PID  int
	// Elapsed is the measured run's time, to the last answer.
	Elapsed time.Duration
	// Total holds the figures of every request, ByType those of each type
	// of weight above 0.
	Total  Stats
	ByType []Stats
	// ByRole holds the figures of each type by the role that sent it
	// ("pipeline (bank)"), when the workload has roles.
	ByRole []Stats
	// WarmupErrors counts the failed requests of the warm-up.
	WarmupErrors int
	// ErrorSamples are the first failures, warm-up included.
	ErrorSamples []string
	// Slowest are the slowest requests of the measured run.
	Slowest []slowRequest
	Mem     memReport
	// ServerCPU is the CPU time (user and system) the server used in the
	// measured run, ClientCPU that of the load generator (this process,
	// the sampler included), if CPUKnown.
	ServerCPU, ClientCPU time.Duration
	CPUKnown             bool
}

// cpuNote says how many cores the server and the load generator kept busy
// on average, or "" when unknown.
func (rr *RunResult) cpuNote() string {
	if !rr.CPUKnown || rr.Elapsed == 0 {
		return ""
	}
	s := fmt.Sprintf("CPU in use: server %.2f cores, load generator %.2f cores",
		rr.ServerCPU.Seconds()/rr.Elapsed.Seconds(), rr.ClientCPU.Seconds()/rr.Elapsed.Seconds())
	if rr.Total.Count > 0 {
		s += fmt.Sprintf("; %s ms of server CPU per request", ms(rr.ServerCPU/time.Duration(rr.Total.Count)))
	}
	return s
}

// ms formats d in milliseconds.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	if f < 10 {
		return fmt.Sprintf("%.2f", f)
	}
	return fmt.Sprintf("%.1f", f)
}

// mib formats KiB in MiB; 0 is unknown.
func mib(kib int64) string {
	if kib == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(kib)/1024)
}

func (r *Report) header() string {
	s := fmt.Sprintf("%d connections, %v measured", r.Conns, r.Duration)
	if r.Rate > 0 {
		s = fmt.Sprintf("open loop: %g requests a second arriving at random over at most %d connections, %v measured", r.Rate, r.Conns, r.Duration)
	}
	if r.Warmup > 0 {
		s += fmt.Sprintf(" after a %v warm-up", r.Warmup)
	}
	return s
}

func (r *Report) runs() []*RunResult {
	var out []*RunResult
	for _, rr := range []*RunResult{r.IPMatch, r.Ceiling} {
		if rr != nil {
			out = append(out, rr)
		}
	}
	return out
}

// statRow returns the cells of a table row of s.
func statRow(s Stats) []string {
	return []string{s.Name, fmt.Sprint(s.Weight), fmt.Sprint(s.Count), fmt.Sprintf("%.1f", s.RPS), fmt.Sprint(s.Errors),
		ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max)}
}

var statHeader = []string{"type", "weight", "requests", "req/s", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms"}

// roleRow returns the cells of a row of the table by role.
func roleRow(s Stats) []string {
	return []string{s.Name, fmt.Sprint(s.Count), ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max)}
}

var roleHeader = []string{"type (role)", "requests", "p50 ms", "p90 ms", "p99 ms", "max ms"}

// memRows returns the memory table: a row per moment, a column pair per run.
func (r *Report) memRows() (header []string, rows [][]string) {
	header = []string{"memory (MiB)"}
	for _, rr := range r.runs() {
		header = append(header, rr.Name+" RSS", "anon", "file", rr.Name+" HWM")
	}
	moment := func(name string, f func(m memReport) memSample) {
		row := []string{name}
		for _, rr := range r.runs() {
			s := f(rr.Mem)
			row = append(row, mib(s.RSS), mib(s.Anon), mib(s.File), mib(s.HWM))
		}
		rows = append(rows, row)
	}
	moment("after start", func(m memReport) memSample { return m.Start })
	moment("after warm-up", func(m memReport) memSample { return m.Warm })
	moment("mid-run", func(m memReport) memSample { return m.Mid })
	moment("end", func(m memReport) memSample { return m.End })
	half := func(name string, f func(m memReport) string) {
		row := []string{name}
		for _, rr := range r.runs() {
			row = append(row, f(rr.Mem), "", "", "")
		}
		rows = append(rows, row)
	}
	half("mean RSS, 1st half", func(m memReport) string { return mib(m.Half1) })
	half("mean RSS, 2nd half", func(m memReport) string { return mib(m.Half2) })
	half("growth, 2nd − 1st half", func(m memReport) string {
		if m.Half1 == 0 {
			return "-"
		}
		d, frac := m.Growth()
		return fmt.Sprintf("%+.1f (%+.1f%%)", float64(d)/1024, 100*frac)
	})
	return header, rows
}

func (r *Report) ratioLine() string {
	if r.Ratio() == 0 {
		return ""
	}
	return fmt.Sprintf("ipmatch ÷ bare gin: %.3f (%.0f ÷ %.0f req/s)", r.Ratio(), r.IPMatch.Total.RPS, r.Ceiling.Total.RPS)
}

func (r *Report) slowestLines() []string {
	var out []string
	for _, rr := range r.runs() {
		if len(rr.Slowest) == 0 || len(rr.ByType) < 2 {
			continue
		}
		out = append(out, rr.Name+": the slowest requests:")
		for _, s := range rr.Slowest {
			out = append(out, fmt.Sprintf("  %8s ms  %s", ms(s.Took), s.What))
		}
	}
	return out
}

func (r *Report) errorLines() []string {
	var out []string
	for _, rr := range r.runs() {
		if rr.Total.Throttled > 0 {
			out = append(out, fmt.Sprintf("%s: %d expensive requests refused (429) as a token's second at once; the tool shares one token per role", rr.Name, rr.Total.Throttled))
		}
		n := rr.Total.Errors + rr.WarmupErrors
		if n == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s: %d errors (%d in the warm-up); the first:", rr.Name, n, rr.WarmupErrors))
		for _, s := range rr.ErrorSamples {
			out = append(out, "  "+s)
		}
	}
	return out
}

// WriteText writes the report as aligned plain-text tables.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "ipmatch load test: %s\n", r.header())
	table := func(header []string, rows [][]string) {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
		for _, row := range rows {
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		tw.Flush()
	}
	for _, rr := range r.runs() {
		fmt.Fprintf(w, "\n%s (pid %d): %d requests in %.1fs, %.1f req/s, %d errors\n",
			rr.Name, rr.PID, rr.Total.Count, rr.Elapsed.Seconds(), rr.Total.RPS, rr.Total.Errors+rr.WarmupErrors)
		if note := rr.cpuNote(); note != "" {
			fmt.Fprintln(w, note)
		}
		var rows [][]string
		for _, s := range rr.ByType {
			rows = append(rows, statRow(s))
		}
		if len(rr.ByType) > 1 {
			rows = append(rows, statRow(rr.Total))
		}
		table(statHeader, rows)
		if len(rr.ByRole) > 0 {
			rows = rows[:0]
			for _, s := range rr.ByRole {
				rows = append(rows, roleRow(s))
			}
			fmt.Fprintln(w)
			table(roleHeader, rows)
		}
	}
	if l := r.ratioLine(); l != "" {
		fmt.Fprintf(w, "\n%s\n", l)
	}
	fmt.Fprintln(w)
	table(r.memRows())
	for _, lines := range [][]string{r.slowestLines(), r.errorLines()} {
		if len(lines) > 0 {
			fmt.Fprintln(w)
			for _, l := range lines {
				fmt.Fprintln(w, l)
			}
		}
	}
}

// WriteMarkdown writes the report as markdown tables.
func (r *Report) WriteMarkdown(w io.Writer) {
	table := func(header []string, rows [][]string) {
		fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
		seps := make([]string, len(header))
		for i := range seps {
			seps[i] = "---:"
		}
		seps[0] = "---"
		fmt.Fprintf(w, "| %s |\n", strings.Join(seps, " | "))
		for _, row := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
		}
	}
	fmt.Fprintf(w, "Load test (`go run ./tools/load`): %s.\n", r.header())
	for _, rr := range r.runs() {
		fmt.Fprintf(w, "\n**%s**: %d requests in %.1f s, %.1f req/s, %d errors.",
			rr.Name, rr.Total.Count, rr.Elapsed.Seconds(), rr.Total.RPS, rr.Total.Errors+rr.WarmupErrors)
		if note := rr.cpuNote(); note != "" {
			fmt.Fprintf(w, " %s.", note)
		}
		fmt.Fprint(w, "\n\n")
		var rows [][]string
		for _, s := range rr.ByType {
			row := statRow(s)
			row[0] = "`" + row[0] + "`"
			rows = append(rows, row)
		}
		if len(rr.ByType) > 1 {
			row := statRow(rr.Total)
			row[0] = "**all**"
			rows = append(rows, row)
		}
		table(statHeader, rows)
		if len(rr.ByRole) > 0 {
			fmt.Fprintf(w, "\n<details><summary>%s by role</summary>\n\n", rr.Name)
			rows = rows[:0]
			for _, s := range rr.ByRole {
				rows = append(rows, roleRow(s))
			}
			table(roleHeader, rows)
			fmt.Fprintln(w, "\n</details>")
		}
	}
	if l := r.ratioLine(); l != "" {
		fmt.Fprintf(w, "\n%s.\n", l)
	}
	fmt.Fprintln(w)
	table(r.memRows())
	for _, lines := range [][]string{r.slowestLines(), r.errorLines()} {
		if len(lines) > 0 {
			fmt.Fprintln(w, "\n```")
			for _, l := range lines {
				fmt.Fprintln(w, l)
			}
			fmt.Fprintln(w, "```")
		}
	}
}
