package main

import (
	"flag"
	"strconv"
	"time"

	"ipmatch/door"
)

// addLogSamplingFlags registers the access log's sampling flags
// (door.LogSampling, whose comments give the defaults' reasons); parse
// applies them to l after fs.Parse.
func addLogSamplingFlags(fs *flag.FlagSet, l *door.LogSampling) (parse func() error) {
	first := fs.String("log-sample-first", env("IPMATCH_LOG_SAMPLE_FIRST", strconv.Itoa(door.DefaultLogSampleFirst)),
		"access log: quick successful reads of a route logged in full each second before sampling (IPMATCH_LOG_SAMPLE_FIRST)")
	every := fs.String("log-sample-every", env("IPMATCH_LOG_SAMPLE_EVERY", strconv.Itoa(door.DefaultLogSampleEvery)),
		"access log: past those, log one in this many; 1 logs every request (IPMATCH_LOG_SAMPLE_EVERY)")
	slow := fs.String("log-slow", env("IPMATCH_LOG_SLOW", door.DefaultLogSlow.String()),
		"access log: requests taking this long or longer are always logged, as are failures and writes (IPMATCH_LOG_SLOW)")
	return func() error {
		for _, f := range []struct {
			name, env string
			v         *string
			to        *int
		}{{"log-sample-first", "IPMATCH_LOG_SAMPLE_FIRST", first, &l.First}, {"log-sample-every", "IPMATCH_LOG_SAMPLE_EVERY", every, &l.Every}} {
			n, err := strconv.Atoi(*f.v)
			if err != nil || n <= 0 {
				return usageError("--%s (or %s): want a positive whole number, not %q", f.name, f.env, *f.v)
			}
			*f.to = n
		}
		d, err := time.ParseDuration(*slow)
		if err != nil || d <= 0 {
			return usageError("--log-slow (or IPMATCH_LOG_SLOW): want a positive duration such as 1s or 500ms, not %q", *slow)
		}
		l.Slow = d
		return nil
	}
}
