package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultMemoryLimit is the Go runtime's soft memory limit of "ipmatch
// serve" (runtime/debug.SetMemoryLimit). A province node (100,000
// enterprises, 1,000,000 patents) keeps about 750 MiB of live match
// state; with the runtime's default (collect when the heap doubles) it
// held 3–4.5 GB under load. With 1280 MiB the collector runs before the
// heap passes it: at 30 requests a second the node's own memory stayed at
// 1.16–1.29 GB for 13.4 ms of CPU a request, against 1.0–1.05 GB and
// 14.7 ms with 1 GiB (the collector running more often) and 1.29–1.55 GB
// and 13.0 ms with 1.5 GiB. Raise it for a larger province: a limit below
// the live state makes the collector run back to back.
const defaultMemoryLimit = "1280MiB"

// addMemoryLimitFlag registers --memory-limit; apply sets it after
// fs.Parse. GOMEMLIMIT, the runtime's own setting, wins when it is set
// and the flag and IPMATCH_MEMORY_LIMIT are not.
func addMemoryLimitFlag(fs *flag.FlagSet) (apply func() error) {
	v := fs.String("memory-limit", env("IPMATCH_MEMORY_LIMIT", defaultMemoryLimit),
		"soft limit of the Go runtime's memory, such as 1536MiB or 4GiB, or off (IPMATCH_MEMORY_LIMIT; GOMEMLIMIT wins when only it is set)")
	return func() error {
		set := os.Getenv("IPMATCH_MEMORY_LIMIT") != ""
		fs.Visit(func(f *flag.Flag) { set = set || f.Name == "memory-limit" })
		if !set && os.Getenv("GOMEMLIMIT") != "" {
			return nil
		}
		n, err := parseBytes(*v)
		if err != nil {
			return usageError("--memory-limit (or IPMATCH_MEMORY_LIMIT): %v", err)
		}
		debug.SetMemoryLimit(n)
		return nil
	}
}

// parseBytes reads a size such as 1536MiB, 2GiB, 512MB or 1000000 (bytes);
// "off" is no limit.
func parseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "off") {
		return math.MaxInt64, nil
	}
	units := []struct {
		suffix string
		size   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, unit := s, int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			num, unit = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.size
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/unit {
		return 0, fmt.Errorf("want a size such as 1536MiB or 2GiB, or off, not %q", s)
	}
	if n*unit < 256<<20 {
		return 0, fmt.Errorf("%q is below 256MiB, too little to serve anything", s)
	}
	return n * unit, nil
}
