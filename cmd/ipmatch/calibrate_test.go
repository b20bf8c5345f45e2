package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ipmatch/matcher"
)

// TestCalibrate runs ipmatch calibrate on the demo: the table of the
// appraisals and loans against the model, a fitted file that serve loads,
// and a bad file that serve refuses naming the field.
func TestCalibrate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", Demo: true, Index: filepath.Join(t.TempDir(), "index")}
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "calibration.json")
	stdout, errOut, code := runCLI(t, "calibrate", "--data", dir, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"recorded appraisals ÷ the model's value", "recorded loans ÷ the model's lendable value",
		"industry", "median", "fitted: default ×", "written to " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	c, err := matcher.LoadCalibration(strings.NewReader(string(b)))
	if err != nil || c.Default <= 0 {
		t.Fatalf("the written calibration: %v %+v", err, c)
	}

	// --json gives the whole report.
	stdout, _, code = runCLI(t, "calibrate", "--data", dir, "--json")
	var rep matcher.CalibrationReport
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil {
		t.Fatalf("--json: exit %d %s", code, stdout)
	}
	apprs, loans := 0, 0
	for _, o := range rep.Observations {
		switch o.Source {
		case matcher.SourceAppraisal:
			apprs++
		case matcher.SourceLoan:
			loans++
		}
		if !(o.Ratio > 0) {
			t.Errorf("observation %+v", o)
		}
	}
	if apprs != 4 || loans < 2 {
		t.Errorf("%d appraisals and %d loans compared, want the demo's 4 and its disbursed loans", apprs, loans)
	}

	// serve loads the fitted file; a bad one is refused naming the field.
	s := &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", Calibration: out, Index: filepath.Join(t.TempDir(), "index")}
	if err := s.Run(t.Context()); err != nil {
		t.Fatalf("serve --calibration %s: %v", out, err)
	}
	s.Close()
	bad := filepath.Join(t.TempDir(), "bad.json")
	writeFile(t, bad, `{"name": "x", "default": 1, "rows": [{"industry": "C34", "factor": -2}]}`)
	s = &Main{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", Calibration: bad, Index: filepath.Join(t.TempDir(), "index")}
	if err := s.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "rows[0].factor") {
		s.Close()
		t.Fatalf("serve with a bad calibration: %v", err)
	}
	_, errOut, code = runCLI(t, "calibrate", "--data", dir, "--calibration", bad)
	if code != 1 || !strings.Contains(errOut, "rows[0].factor") {
		t.Errorf("calibrate with a bad calibration: exit %d, %s", code, errOut)
	}
}
