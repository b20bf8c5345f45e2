package data

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The fuzz targets of the code parsers. Their seed corpora are in
// testdata/fuzz/<name>; run one with
//
//	go test -run='^$' -fuzz='^FuzzNormalizeCreditCode$' -fuzztime=10s ./data

// FuzzNormalizeCreditCode checks that a credit code that normalises is 18
// characters of the alphabet with the right check character and a known
// region, that normalising is idempotent, that the enterprise rules accept
// it, and that every change of one character and every swap of two
// adjacent distinct characters of the first 17 is caught: the weights are
// non-zero and pairwise distinct modulo the prime 31, so the check
// character guarantees both.
func FuzzNormalizeCreditCode(f *testing.F) {
	f.Add("91441204MA4UQ8XY1B")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := NormalizeCreditCode(in)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("NormalizeCreditCode(%q): empty error", in)
			}
			var e Enterprise
			e.CreditCode = in
			e.Normalize()
			if !hasField(e.Validate(), "credit_code") {
				t.Fatalf("NormalizeCreditCode(%q) fails (%v) but Enterprise.Validate does not name credit_code", in, err)
			}
			return
		}
		if got != strings.ToUpper(strings.TrimSpace(in)) {
			t.Fatalf("NormalizeCreditCode(%q) = %q: not the trimmed, upper-cased input", in, got)
		}
		if len(got) != 18 || strings.Trim(got, creditCodeAlphabet) != "" {
			t.Fatalf("NormalizeCreditCode(%q) = %q: not 18 characters of %s", in, got, creditCodeAlphabet)
		}
		if again, err := NormalizeCreditCode(got); err != nil || again != got {
			t.Fatalf("not idempotent: NormalizeCreditCode(%q) = %q, %v", got, again, err)
		}
		if c, err := CreditCodeCheck(got[:17]); err != nil || c != got[17] {
			t.Fatalf("CreditCodeCheck(%q) = %q, %v; the code ends in %q", got[:17], c, err, got[17])
		}
		if _, ok := LookupRegion(CreditCodeRegion(got)); !ok {
			t.Fatalf("%q accepted with unknown region %q", got, CreditCodeRegion(got))
		}
		var e Enterprise
		e.CreditCode = in
		e.Normalize()
		if e.CreditCode != got || hasField(e.Validate(), "credit_code") {
			t.Fatalf("Enterprise with credit code %q: normalised to %q, Validate %v", in, e.CreditCode, e.Validate())
		}
		b := []byte(got)
		for i := range b {
			for _, c := range []byte(creditCodeAlphabet) {
				if c == got[i] {
					continue
				}
				b[i] = c
				if _, err := NormalizeCreditCode(string(b)); err == nil {
					t.Fatalf("%q (character %d of %q changed) accepted", b, i+1, got)
				}
			}
			b[i] = got[i]
		}
		for i := 0; i+1 < 17; i++ {
			if b[i] == b[i+1] {
				continue
			}
			b[i], b[i+1] = b[i+1], b[i]
			if _, err := NormalizeCreditCode(string(b)); err == nil {
				t.Fatalf("%q (characters %d and %d of %q swapped) accepted", b, i+1, i+2, got)
			}
			b[i], b[i+1] = b[i+1], b[i]
		}
	})
}

var appNumberForm = regexp.MustCompile(`^[0-9]{12}\.[0-9X]$`)

// FuzzNormalizeApplicationNumber checks that an accepted application
// number comes out as 12 digits, a dot and the right check character with
// a known type digit; that normalising is idempotent and ignores the CN
// and ZL prefixes, case and the dot; that the patent rules accept it; and
// that every change of one digit (or of the check character) and every
// swap of two adjacent distinct digits is caught: the weights are non-zero
// and adjacent ones differ modulo the prime 11.
func FuzzNormalizeApplicationNumber(f *testing.F) {
	f.Add("201220249767.4")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := NormalizeApplicationNumber(in)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("NormalizeApplicationNumber(%q): empty error", in)
			}
			p := Patent{ApplicationNumber: in}
			p.Normalize()
			if !hasField(p.Validate(), "application_number") {
				t.Fatalf("NormalizeApplicationNumber(%q) fails (%v) but Patent.Validate does not name application_number", in, err)
			}
			return
		}
		if !appNumberForm.MatchString(got) {
			t.Fatalf("NormalizeApplicationNumber(%q) = %q, not like 201220249767.4", in, got)
		}
		digits := got[:12]
		if c, err := ApplicationNumberCheck(digits); err != nil || c != got[13] {
			t.Fatalf("ApplicationNumberCheck(%q) = %q, %v; the number ends in %q", digits, c, err, got[13])
		}
		typ, err := PatentTypeOf(got)
		if err != nil || !typ.Valid() {
			t.Fatalf("PatentTypeOf(%q) = %q, %v", got, typ, err)
		}
		for _, form := range []string{got, "CN" + got, "ZL" + got, "cn" + strings.ToLower(got), digits + got[13:], " " + got + " "} {
			if again, err := NormalizeApplicationNumber(form); err != nil || again != got {
				t.Fatalf("NormalizeApplicationNumber(%q) = %q, %v; want %q", form, again, err, got)
			}
		}
		p := Patent{ApplicationNumber: in}
		p.Normalize()
		if err := p.Validate(); p.ApplicationNumber != got || p.Type != typ || hasField(err, "application_number") || hasField(err, "type") {
			t.Fatalf("Patent with number %q: normalised to %q (%s), Validate %v", in, p.ApplicationNumber, p.Type, err)
		}
		b := []byte(digits + got[13:])
		for i := range b {
			alts := "0123456789"
			if i == 12 {
				alts += "X"
			}
			for _, c := range []byte(alts) {
				if c == b[i] {
					continue
				}
				old := b[i]
				b[i] = c
				if _, err := NormalizeApplicationNumber(string(b)); err == nil {
					t.Fatalf("%q (character %d of %q changed) accepted", b, i+1, got)
				}
				b[i] = old
			}
		}
		for i := 0; i+1 < 12; i++ {
			if b[i] == b[i+1] {
				continue
			}
			b[i], b[i+1] = b[i+1], b[i]
			if _, err := NormalizeApplicationNumber(string(b)); err == nil {
				t.Fatalf("%q (digits %d and %d of %q swapped) accepted", b, i+1, i+2, got)
			}
			b[i], b[i+1] = b[i+1], b[i]
		}
	})
}

var ipcForm = regexp.MustCompile(`^[A-H]([0-9]{2}([A-Z]([1-9][0-9]{0,3}/[0-9]{2,6})?)?)?$`)

// FuzzNormalizeIPC checks that an accepted IPC code is in the table's form
// (section, class, subclass or group, no spaces, no version), that
// normalising is idempotent and ignores case, spaces and a CNIPA version
// suffix, that its subclass (or class) is in the table, that IPCLevels
// lists its ancestors down to the code itself, and that the patent rules
// accept it.
func FuzzNormalizeIPC(f *testing.F) {
	f.Add("F16H 57/04")
	f.Fuzz(func(t *testing.T, in string) {
		levels := IPCLevels(in) // never panics, malformed or not
		_ = IPCTitle(in)
		got, err := NormalizeIPC(in)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("NormalizeIPC(%q): empty error", in)
			}
			p := Patent{IPC: []string{in}}
			p.Normalize()
			if !hasField(p.Validate(), "ipc[0]") {
				t.Fatalf("NormalizeIPC(%q) fails (%v) but Patent.Validate does not name ipc[0]", in, err)
			}
			return
		}
		if !ipcForm.MatchString(got) {
			t.Fatalf("NormalizeIPC(%q) = %q, not in the table's form", in, got)
		}
		if again, err := NormalizeIPC(got); err != nil || again != got {
			t.Fatalf("not idempotent: NormalizeIPC(%q) = %q, %v", got, again, err)
		}
		for _, form := range []string{strings.ToLower(got), " " + got + " ", got + "(2006.01)I", got + "（2026.01）"} {
			if again, err := NormalizeIPC(form); err != nil || again != got {
				t.Fatalf("NormalizeIPC(%q) = %q, %v; want %q", form, again, err, got)
			}
		}
		if len(got) >= 3 {
			known := got[:min(len(got), 4)]
			if _, ok := LookupIPC(known); !ok {
				t.Fatalf("NormalizeIPC(%q) = %q, whose %s is not in the table", in, got, known)
			}
		}
		if len(levels) == 0 || levels[len(levels)-1] != got || !slices.Equal(levels, IPCLevels(got)) {
			t.Fatalf("IPCLevels(%q) = %v, IPCLevels(%q) = %v; want the same, ending in %s", in, levels, got, IPCLevels(got), got)
		}
		for i := 1; i < len(levels); i++ {
			up, down := levels[i-1], levels[i]
			if len(up) >= 4 && strings.Contains(down, "/") {
				up = strings.TrimSuffix(up, "/00")
			}
			if !strings.HasPrefix(down, up) {
				t.Fatalf("IPCLevels(%q) = %v: %s does not extend %s", in, levels, levels[i], levels[i-1])
			}
		}
		p := Patent{IPC: []string{in, got}}
		p.Normalize()
		if !slices.Equal(p.IPC, []string{got}) || hasField(p.Validate(), "ipc[0]") {
			t.Fatalf("Patent with IPC %q: normalised to %q, Validate %v", in, p.IPC, p.Validate())
		}
	})
}

// hasField reports whether err is an *Error naming field.
func hasField(err error, field string) bool {
	return slices.ContainsFunc(ErrorFields(err), func(f FieldError) bool { return f.Field == field })
}
