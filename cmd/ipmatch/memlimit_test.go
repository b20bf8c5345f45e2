package main

import (
	"math"
	"strings"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"1536MiB": 1536 << 20, "2GiB": 2 << 30, "512MB": 512e6, " 4 GiB ": 4 << 30, "300000000": 300000000, "off": math.MaxInt64, "OFF": math.MaxInt64,
	} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, reason := range map[string]string{
		"": "want a size", "lots": "want a size", "-1GiB": "want a size", "1.5GiB": "want a size", "100MiB": "below 256MiB",
		"99999999999GiB": "want a size", "1TiB": "want a size",
	} {
		if _, err := parseBytes(in); err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("parseBytes(%q): %v, want an error saying %q", in, err, reason)
		}
	}
}
