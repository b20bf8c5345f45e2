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
// enterprises, 1,000,000 patents) keeps about 0.9 GB of live match state;
// with the runtime's default (collect when the heap doubles) it held
// 3–4.5 GB under load. With 1.5 GiB the collector runs before the heap
// passes it, and the node stays under 2 GB of RSS with room for what the
// limit does not count (SQLite's page caches, the index's mapped files).
// Raise it for a larger province: a limit below the live state makes the
// collector run back to back.
const defaultMemoryLimit = "1536MiB"

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
