package data

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// IPC 2026.01 with Chinese titles (CNIPA PDFs parsed by Jingyou-design/cr_zl_v2),
// cleaned and reduced to code and title; see refdata/SOURCES.md. Gzipped
// because the plain table is 5.8 MB.
//
//go:embed refdata/ipc_zh_2026_01.tsv.gz
var ipcTSVGz []byte

// ipcLostSubclasses exist in IPC 2026.01 but were lost by the PDF parse
// (neither the subclass nor any of its groups is in the table). They are
// added without title so that codes such as H01L21/02 still normalise;
// IPCTitle then falls back to the class title.
var ipcLostSubclasses = []string{"C01C", "C01D", "C01F", "C01G", "H01L"}

// IPCEntry is one symbol of the IPC scheme. Level is "section", "class",
// "subclass", "main_group" or "subgroup"; Parent is the symbol one level up
// ("" for a section; a subgroup's parent is its main group X/00, since the
// table does not record the dot hierarchy). Title may be "" where the source
// lost it.
type IPCEntry struct {
	Code, Level, Title string
	Parent             string
}

var ipcTable = sync.OnceValue(loadIPC)

func loadIPC() map[string]IPCEntry {
	zr, err := gzip.NewReader(bytes.NewReader(ipcTSVGz))
	if err != nil {
		panic(fmt.Sprintf("data: refdata/ipc_zh_2026_01.tsv.gz: %v", err))
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		panic(fmt.Sprintf("data: refdata/ipc_zh_2026_01.tsv.gz: %v", err))
	}
	text := string(raw) // titles are substrings of this one allocation
	header, rest, _ := strings.Cut(text, "\n")
	if header != "code\ttitle_zh" {
		panic("data: refdata/ipc_zh_2026_01.tsv.gz: unexpected header")
	}
	table := make(map[string]IPCEntry, 78000)
	for line := range strings.Lines(rest) {
		line = strings.TrimSuffix(line, "\n")
		code, title, ok := strings.Cut(line, "\t")
		p, err := ipcParse(code)
		if !ok || err != nil || p.code != code {
			panic(fmt.Sprintf("data: refdata/ipc_zh_2026_01.tsv.gz: bad line %q", line))
		}
		if _, dup := table[code]; dup {
			panic(fmt.Sprintf("data: refdata/ipc_zh_2026_01.tsv.gz: duplicate code %s", code))
		}
		table[code] = IPCEntry{Code: code, Level: p.level, Title: title, Parent: p.parent()}
	}
	for _, sc := range ipcLostSubclasses {
		if _, ok := table[sc[:3]]; !ok {
			panic("data: IPC class of lost subclass " + sc + " missing")
		}
		if _, ok := table[sc]; !ok {
			table[sc] = IPCEntry{Code: sc, Level: "subclass", Parent: sc[:3]}
		}
	}
	return table
}

// ipcCode is a syntactically valid IPC symbol split into its parts.
type ipcCode struct {
	code     string // normalised, e.g. "B23K9/013"
	level    string // IPCEntry.Level value
	subclass string // "B23K", "" above subclass level
	group    string // main group number without leading zeros, "" above group level
}

func (c ipcCode) parent() string {
	switch c.level {
	case "class":
		return c.code[:1]
	case "subclass":
		return c.code[:3]
	case "main_group":
		return c.subclass
	case "subgroup":
		return c.subclass + c.group + "/00"
	}
	return ""
}

// levels lists the symbols from section down to c itself.
func (c ipcCode) levels() []string {
	out := []string{c.code[:1]}
	if len(c.code) >= 3 {
		out = append(out, c.code[:3])
	}
	if c.subclass != "" {
		out = append(out, c.subclass)
	}
	if c.group != "" {
		out = append(out, c.subclass+c.group+"/00")
		if c.level == "subgroup" {
			out = append(out, c.code)
		}
	}
	return out
}

// ipcParse checks the syntax of an IPC symbol as written by CNIPA and
// normalises it, without consulting the table: case and spaces are ignored,
// and a trailing version "(2006.01)" with its I/N/A marker is dropped.
func ipcParse(raw string) (ipcCode, error) {
	s := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r == '（':
			return '('
		case r == '）':
			return ')'
		}
		return unicode.ToUpper(r)
	}, raw)
	if s == "" {
		return ipcCode{}, fmt.Errorf("empty IPC code")
	}
	// Marker letters follow a version or a group number ("…/32(2006.01)I",
	// "…/32N"); elsewhere A and N are section or subclass letters.
	if n := len(s); n >= 2 && strings.ContainsRune("IAN", rune(s[n-1])) &&
		(s[n-2] == ')' || (strings.Contains(s, "/") && s[n-2] >= '0' && s[n-2] <= '9')) {
		s = s[:n-1]
	}
	if strings.HasSuffix(s, ")") {
		i := strings.LastIndexByte(s, '(')
		v := ""
		if i >= 0 {
			v = s[i+1 : len(s)-1]
		}
		if len(v) != 7 || v[4] != '.' || !regionAllDigits(v[:4]+v[5:]) {
			return ipcCode{}, fmt.Errorf("IPC code %q: bad version %q, want (YYYY.MM)", raw, v)
		}
		s = s[:i]
	}
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return ipcCode{}, fmt.Errorf("IPC code %q must start with a section letter A-H", raw)
	}
	if s[0] > 'H' {
		return ipcCode{}, fmt.Errorf("IPC code %q: unknown section %c, want A-H", raw, s[0])
	}
	if len(s) == 1 {
		return ipcCode{code: s, level: "section"}, nil
	}
	if len(s) < 3 || !regionAllDigits(s[1:3]) {
		return ipcCode{}, fmt.Errorf("IPC code %q: class must be two digits after the section, e.g. B23", raw)
	}
	if len(s) == 3 {
		return ipcCode{code: s, level: "class"}, nil
	}
	if s[3] < 'A' || s[3] > 'Z' {
		return ipcCode{}, fmt.Errorf("IPC code %q: subclass must be one letter after the class, e.g. B23K", raw)
	}
	sub := s[:4]
	if len(s) == 4 {
		return ipcCode{code: s, level: "subclass", subclass: sub}, nil
	}
	mg, sg, hasSlash := strings.Cut(s[4:], "/")
	switch {
	case mg == "" && hasSlash:
		return ipcCode{}, fmt.Errorf("IPC code %q: no main group number before \"/\"", raw)
	case !regionAllDigits(mg):
		return ipcCode{}, fmt.Errorf("IPC code %q: main group must be digits after the subclass, e.g. %s9/00", raw, sub)
	case !hasSlash:
		return ipcCode{}, fmt.Errorf("IPC code %q: group %s lacks \"/\" and subgroup, e.g. %s%s/00", raw, mg, sub, mg)
	case !regionAllDigits(sg) || len(sg) < 2 || len(sg) > 6:
		return ipcCode{}, fmt.Errorf("IPC code %q: subgroup must be 2 to 6 digits after \"/\"", raw)
	}
	mg = strings.TrimLeft(mg, "0") // "B23K09/00" as some databases pad it
	if mg == "" || len(mg) > 4 {
		return ipcCode{}, fmt.Errorf("IPC code %q: main group must be 1 to 4 digits, not zero", raw)
	}
	c := ipcCode{code: sub + mg + "/" + sg, level: "subgroup", subclass: sub, group: mg}
	if sg == "00" {
		c.level = "main_group"
	}
	return c, nil
}

// LookupIPC finds an IPC symbol exactly as written in the table ("B23K",
// "B23K9/00", "B23K9/013"); use NormalizeIPC first for raw input.
func LookupIPC(code string) (IPCEntry, bool) {
	e, ok := ipcTable()[code]
	return e, ok
}

// NormalizeIPC turns a CNIPA-style symbol into the table's form:
// "E01B3/32(2006.01)I" -> "E01B3/32", " b23k 9/00 " -> "B23K9/00"; sections,
// classes and subclasses pass through ("B", "B23", "B23K"). The class and
// subclass must exist in IPC 2026.01; groups need not, since older patents
// carry groups that have since been removed.
func NormalizeIPC(raw string) (string, error) {
	c, err := ipcParse(raw)
	if err != nil {
		return "", err
	}
	table := ipcTable()
	switch {
	case c.subclass != "":
		if _, ok := table[c.subclass]; !ok {
			return "", fmt.Errorf("unknown IPC subclass %s", c.subclass)
		}
	case c.level == "class":
		if _, ok := table[c.code]; !ok {
			return "", fmt.Errorf("unknown IPC class %s", c.code)
		}
	}
	return c.code, nil
}

// ParseIPCSet reads a set of IPC codes at any level joined by commas
// ("B23K", "B23K9/00,B23K11/00"): the technology of a patent landscape
// may be several groups. It returns the codes normalised (NormalizeIPC),
// in the order given and without repeats; an empty list or a code that is
// not one is an error naming it.
func ParseIPCSet(v string) ([]string, error) {
	var out []string
	for _, raw := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		c, err := NormalizeIPC(strings.TrimSuffix(raw, "*")) // B23K* as the search box takes it
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no IPC code in %q", v)
	}
	return out, nil
}

// IPCLevels lists a symbol and its ancestors from the section down:
// "B23K9/013" -> ["B" "B23" "B23K" "B23K9/00" "B23K9/013"]. The input is
// normalised as by NormalizeIPC (without the table check); nil if malformed.
func IPCLevels(code string) []string {
	c, err := ipcParse(code)
	if err != nil {
		return nil
	}
	return c.levels()
}

// IPCTitle returns the Chinese title of the most specific level of code that
// the table knows and has a title for, "" if none.
func IPCTitle(code string) string {
	levels := IPCLevels(code)
	table := ipcTable()
	for i := len(levels) - 1; i >= 0; i-- {
		if e, ok := table[levels[i]]; ok && e.Title != "" {
			return e.Title
		}
	}
	return ""
}
