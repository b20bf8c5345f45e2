//go:build ignore

// Command gen rebuilds the embedded reference tables in this directory from
// the shared reference-data folder (see SOURCES.md). It is run by hand, never
// at build or test time:
//
//	go run ./data/refdata/gen.go /path/to/shared/data
//
// Regions and the test CSV are copied verbatim; the other tables are trimmed
// and cleaned as described in SOURCES.md so that the loaders in package data
// can treat any malformed row as a programmer error.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: go run gen.go SHARED_DATA_DIR")
	}
	src := os.Args[1]
	dst := filepath.Dir(mustAbs("gen.go"))
	if _, err := os.Stat(filepath.Join(dst, "gen.go")); err != nil {
		// Run from the module root: go run ./data/refdata/gen.go
		dst = "data/refdata"
	}
	for _, f := range []string{"provinces.csv", "cities.csv", "areas.csv", "LICENSE"} {
		copyFile(filepath.Join(src, "regions", f), filepath.Join(dst, "regions", f))
	}
	copyFile(filepath.Join(src, "policy", "cnipa_annual_fees.json"), filepath.Join(dst, "cnipa_annual_fees.json"))
	copyFile(filepath.Join(src, "patents", "cnipa_biblio_export_199.csv"),
		filepath.Join(dst, "..", "testdata", "cnipa_biblio_export_199.csv"))
	industry(filepath.Join(src, "industry", "gbt4754_2017.csv"), filepath.Join(dst, "gbt4754_2017.csv"))
	ipc(filepath.Join(src, "ipc", "ipc_zh_2026_01.tsv"), filepath.Join(dst, "ipc_zh_2026_01.tsv.gz"))
	sei(filepath.Join(src, "ipc", "sei_ipc_rules_2021.jsonl"), filepath.Join(dst, "sei_ipc_rules_2021.jsonl"))
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		log.Fatal(err)
	}
	return a
}

func copyFile(from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		log.Fatal(err)
	}
}

// industry drops the long remark column, trims names and restores class 3741,
// which the source lists as a second level-3 row for group 374.
func industry(from, to string) {
	f, err := os.Open(from)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		log.Fatal(err)
	}
	out, err := os.Create(to)
	if err != nil {
		log.Fatal(err)
	}
	w := csv.NewWriter(out)
	seen := map[string]bool{}
	fixed := 0
	for i, r := range recs {
		r = r[:6]
		for j := range r {
			r[j] = strings.TrimSpace(r[j])
		}
		if i > 0 {
			key := r[0] + "/" + r[1] + r[2] + r[3] + r[4]
			if seen[key] {
				if r[0] == "3" && r[3] == "374" && r[5] == "飞机制造" {
					r[0], r[4] = "4", "3741"
					fixed++
				} else {
					log.Fatalf("industry: unexpected duplicate row %v", r)
				}
			}
			seen[key] = true
		}
		if err := w.Write(r); err != nil {
			log.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
	if fixed != 1 {
		log.Fatalf("industry: expected to restore one row (3741), restored %d", fixed)
	}
}

var ipcCode = regexp.MustCompile(`^[A-H]([0-9]{2}([A-Z]([1-9][0-9]{0,3}/[0-9]{2,6})?)?)?$`)

// splitDigit matches a subgroup with a single digit, which IPC never has.
var splitDigit = regexp.MustCompile(`/[0-9]$`)

// indentDots are the hierarchy dots (and spaces between them) that the PDF
// parse left at the start of some titles.
const indentDots = ". ·•．\u3000\t"

func mainGroup(code string) string {
	if i := strings.IndexByte(code, '/'); i >= 0 {
		return code[:i]
	}
	return ""
}

// ipc keeps only code and title (level and parent follow from the code, and
// the source parent column is wrong for some rows), undoes CSV quoting in
// titles, turns no-break spaces into spaces, strips the indentation dots
// some titles kept, repairs codes whose last subgroup digit slipped into the
// title ("E01D101/1", "0" -> "E01D101/10") and drops PDF-parsing artefacts:
//   - rows whose code is not a well-formed IPC symbol (the empty code);
//   - "subgroup" rows whose code is a main group (X/00): cross-references
//     picked up as codes, their titles are text fragments;
//   - subgroup rows whose main group differs from the parent column and from
//     both neighbouring rows: cross-references inside another group's text.
func ipc(from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		log.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if lines[0] != "code\tlevel\ttitle_zh\tparent" {
		log.Fatalf("ipc: unexpected header %q", lines[0])
	}
	var rows [][]string
	for _, l := range lines[1:] {
		r := strings.Split(l, "\t")
		if len(r) != 4 {
			log.Fatalf("ipc: bad line %q", l)
		}
		rows = append(rows, r)
	}
	out, err := os.Create(to)
	if err != nil {
		log.Fatal(err)
	}
	zw, err := gzip.NewWriterLevel(out, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	bw := bufio.NewWriter(zw)
	fmt.Fprint(bw, "code\ttitle_zh\n")
	kept, dropped := 0, 0
	for i, r := range rows {
		code, level, title, parent := r[0], r[1], r[2], r[3]
		if splitDigit.MatchString(code) && title != "" && title[0] >= '0' && title[0] <= '9' {
			fmt.Fprintf(os.Stderr, "ipc: repair %q %.20q\n", code, title)
			code, title = code+title[:1], title[1:]
			level = "repaired"
		}
		drop := ""
		switch {
		case !ipcCode.MatchString(code):
			drop = "malformed code"
		case level == "subgroup" && strings.HasSuffix(code, "/00"):
			drop = "main group listed as subgroup"
		case level == "subgroup":
			mg := mainGroup(code)
			prev, next := "", ""
			if i > 0 {
				prev = mainGroup(rows[i-1][0])
			}
			if i+1 < len(rows) {
				next = mainGroup(rows[i+1][0])
			}
			if mg != mainGroup(parent) && mg != prev && mg != next {
				drop = "out-of-sequence cross-reference"
			}
		}
		if drop != "" {
			fmt.Fprintf(os.Stderr, "ipc: drop %-12q (%s) %.40q\n", code, drop, title)
			dropped++
			continue
		}
		if len(title) >= 2 && strings.HasPrefix(title, `"`) && strings.HasSuffix(title, `"`) {
			title = strings.ReplaceAll(title[1:len(title)-1], `""`, `"`)
		}
		title = strings.ReplaceAll(title, "\u00a0", " ")
		title = strings.TrimLeft(title, indentDots)
		fmt.Fprintf(bw, "%s\t%s\n", code, title)
		kept++
	}
	if err := bw.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "ipc: kept %d rows, dropped %d\n", kept, dropped)
}

// sei drops the free-text keywords column, which nothing uses.
func sei(from, to string) {
	f, err := os.Open(from)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	out, err := os.Create(to)
	if err != nil {
		log.Fatal(err)
	}
	type rule struct {
		SEICode    string   `json:"sei_code"`
		SEIName    string   `json:"sei_name"`
		PDFPage    int      `json:"pdf_page"`
		RuleIdx    int      `json:"rule_idx"`
		Patterns   []string `json:"ipc_patterns"`
		Exclusions []string `json:"ipc_exclusions"`
	}
	dec := json.NewDecoder(f)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for {
		var r rule
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			log.Fatal(err)
		}
		if r.Exclusions == nil {
			r.Exclusions = []string{}
		}
		if err := enc.Encode(r); err != nil {
			log.Fatal(err)
		}
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
}
