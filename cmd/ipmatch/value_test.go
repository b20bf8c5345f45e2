package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"ipmatch/matcher"
)

func TestValueIncome(t *testing.T) {
	args := []string{"value", "income", "--cash-flows", "460,460,460,460,460,460,460,460", "--share-rate", "0.2", "--tax-rate", "0.25", "--discount-rate", "0.15"}
	out, errOut, code := runCLI(t, args...)
	if code != 0 || out != "309.6\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 309.6", code, out, errOut)
	}
	out, _, code = runCLI(t, append(args, "--json")...)
	var res matcher.IncomeResult
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Years) != 8 {
		t.Fatalf("--json: exit %d, %s", code, out)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"value", "income", "--cash-flows", "1,2", "--share-rate", "0.2", "--tax-rate", "1", "--discount-rate", "-0.1"}, 1, "tax_rate"},
		{[]string{"value", "income", "--cash-flows", "1,x", "--share-rate", "0.2", "--tax-rate", "0.25", "--discount-rate", "0.1"}, 2, "cash-flows"},
		{[]string{"value", "income", "--cash-flows", "1", "--share-rate", "0.2", "--tax-rate", "0.25"}, 2, "--discount-rate is required"},
		{[]string{"value", "appraise"}, 2, "unknown value command"},
		{[]string{"value"}, 2, "want"},
	} {
		_, errOut, code := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

func TestValueWeights(t *testing.T) {
	out, errOut, code := runCLI(t, "value", "weights")
	if code != 0 || !strings.Contains(out, "finance-default") || !strings.Contains(out, "legal_status") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	// An inconsistent matrix is refused at load, naming the matrix.
	cfg := strings.Replace(string(matcher.DefaultWeightsJSON()), `"matrix": [
      [1,     3,   1],
      [0.333, 1,   0.5],
      [1,     2,   1]
    ]`, `"matrix": [[1, 9, 0.111], [0.111, 1, 9], [9, 0.111, 1]]`, 1)
	if cfg == string(matcher.DefaultWeightsJSON()) {
		t.Fatal("the default file changed: update this test's edit")
	}
	file := filepath.Join(t.TempDir(), "weights.json")
	writeFile(t, file, cfg)
	_, errOut, code = runCLI(t, "value", "weights", "--weights", file)
	if code != 1 || !strings.Contains(errOut, "inconsistent pairwise matrix parts") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	// The server refuses to start on it, and starts on the default file.
	m := &Main{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0", Weights: file}
	if err := m.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "inconsistent pairwise matrix parts") {
		m.Close()
		t.Fatalf("serve with inconsistent weights: %v", err)
	}
	good := filepath.Join(t.TempDir(), "default.json")
	writeFile(t, good, string(matcher.DefaultWeightsJSON()))
	m = &Main{Store: StoreConfig{DataDir: t.TempDir()}, Addr: "127.0.0.1:0", Weights: good}
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("serve with the default weights file: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Error(err)
	}
}
