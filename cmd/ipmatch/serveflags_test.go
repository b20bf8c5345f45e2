package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestServeFlagsHaveEnvironment checks that every flag of "ipmatch serve"
// can be set by an IPMATCH_* variable (a container is configured by its
// environment alone) and that README's Configuration table lists the flag
// with its variable.
func TestServeFlagsHaveEnvironment(t *testing.T) {
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"serve", "-h"}, &out, &errb); code != 0 {
		t.Fatalf("serve -h: exit %d: %s", code, errb.String())
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(readme)
	start := strings.Index(conf, "\n## Configuration\n")
	if start < 0 {
		t.Fatal("README has no ## Configuration section")
	}
	conf = conf[start+1:]
	if end := strings.Index(conf, "\n## "); end >= 0 {
		conf = conf[:end]
	}
	flags := map[string]string{} // name → usage
	var name string
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "  -") {
			name = strings.Fields(line)[0][1:]
			flags[name] = ""
		} else if name != "" {
			flags[name] += line
		}
	}
	if len(flags) < 20 {
		t.Fatalf("read %d flags from serve -h, expected more:\n%s", len(flags), out.String())
	}
	envName := regexp.MustCompile(`IPMATCH_[A-Z_]+`)
	for name, usage := range flags {
		v := envName.FindString(usage)
		if v == "" {
			t.Errorf("--%s names no IPMATCH_* variable in its help: %s", name, strings.TrimSpace(usage))
			continue
		}
		row := ""
		for _, line := range strings.Split(conf, "\n") {
			if strings.HasPrefix(line, "| `--"+name+"`") || strings.HasPrefix(line, "| `--"+name+" ") {
				row = line
			}
		}
		if row == "" {
			t.Errorf("README's Configuration table has no row for --%s", name)
		} else if !strings.Contains(row, v) {
			t.Errorf("README's row of --%s does not name %s", name, v)
		}
	}
}
