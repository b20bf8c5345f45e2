package data

import (
	"strings"
	"testing"
)

func TestNormalizeCreditCode(t *testing.T) {
	tests := []struct {
		in, want, errPart string
	}{
		{in: "91441204MA4UQ8XY1B", want: "91441204MA4UQ8XY1B"},
		{in: " 91441204ma4uq8xy1b ", want: "91441204MA4UQ8XY1B"},
		{in: "91110000710925462X", want: "91110000710925462X"},
		{in: "91441204MA4UQ8XY1C", errPart: "check character"},
		{in: "91441204MA4UQ8XY1", errPart: "18 characters"},
		{in: "91441204MA4UQ8XI1B", errPart: "not allowed"}, // I is not in the alphabet
		{in: "914412?4MA4UQ8XY1B", errPart: "not allowed"},
	}
	for _, tt := range tests {
		got, err := NormalizeCreditCode(tt.in)
		if tt.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("NormalizeCreditCode(%q) error = %v, want one containing %q", tt.in, err, tt.errPart)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeCreditCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCreditCodeUnknownRegion(t *testing.T) {
	// A correct check character over a region part that names no region.
	first := "91999999MA4UQ8XY1"
	c, err := CreditCodeCheck(first)
	if err != nil {
		t.Fatal(err)
	}
	_, err = NormalizeCreditCode(first + string(c))
	if err == nil || !strings.Contains(err.Error(), "region") {
		t.Fatalf("want a region error, got %v", err)
	}
}

func TestNormalizeApplicationNumber(t *testing.T) {
	tests := []struct {
		in, want string
		typ      PatentType
		errPart  string
	}{
		{in: "201220249767.4", want: "201220249767.4", typ: UtilityModel},
		{in: "CN201220249767.4", want: "201220249767.4", typ: UtilityModel},
		{in: "2012202497674", want: "201220249767.4", typ: UtilityModel},
		{in: "CN201220249766.X", want: "201220249766.X", typ: UtilityModel},
		{in: "201810123456.5", want: "201810123456.5", typ: Invention},
		{in: "202130012345.X", want: "202130012345.X", typ: Design},
		{in: "201220249767.5", errPart: "check character"},
		{in: "20122024976.4", errPart: "12 digits"},
		{in: "2012A0249767.4", errPart: "not a digit"},
	}
	for _, tt := range tests {
		got, err := NormalizeApplicationNumber(tt.in)
		if tt.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("NormalizeApplicationNumber(%q) error = %v, want one containing %q", tt.in, err, tt.errPart)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeApplicationNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		if typ, _ := PatentTypeOf(got); typ != tt.typ {
			t.Errorf("PatentTypeOf(%q) = %q, want %q", got, typ, tt.typ)
		}
	}
}

func TestTypeDigitRefused(t *testing.T) {
	// Type digit 4 does not exist; give it a correct check character so
	// only the type digit is wrong.
	c, _ := ApplicationNumberCheck("201240249767")
	_, err := NormalizeApplicationNumber("201240249767." + string(c))
	if err == nil || !strings.Contains(err.Error(), "type digit") {
		t.Fatalf("want a type-digit error, got %v", err)
	}
}

func TestLegalTermYears(t *testing.T) {
	tests := []struct {
		typ    PatentType
		filing Date
		want   int
	}{
		{Invention, NewDate(2012, 5, 31), 20},
		{UtilityModel, NewDate(2012, 5, 31), 10},
		{Design, NewDate(2021, 5, 31), 10},
		{Design, NewDate(2021, 6, 1), 15},
		{Design, NewDate(2023, 1, 1), 15},
	}
	for _, tt := range tests {
		if got := LegalTermYears(tt.typ, tt.filing); got != tt.want {
			t.Errorf("LegalTermYears(%s, %s) = %d, want %d", tt.typ, tt.filing, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{"2013.01.02": "2013-01-02", "2013-01-02": "2013-01-02", "20130102": "2013-01-02", "2013/1/2": "2013-01-02", "": ""} {
		d, err := ParseDate(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q", in, d, err, want)
		}
	}
	if _, err := ParseDate("2013.13.02"); err == nil {
		t.Error("ParseDate accepted month 13")
	}
}
