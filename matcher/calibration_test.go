package matcher

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"ipmatch/data"
)

var updateCalibration = flag.Bool("update", false, "rewrite calibration_default.json from testdata/public_cases.json")

// publicCases is testdata/public_cases.json.
type publicCases struct {
	About       string         `json:"about"`
	Assumptions map[string]any `json:"assumptions"`
	Cases       []publicCase   `json:"cases"`
}

type publicCase struct {
	ID          string         `json:"id"`
	Enterprise  string         `json:"enterprise"`
	Industry    string         `json:"industry"`
	AsOf        data.Date      `json:"as_of"`
	RevenueYuan int64          `json:"revenue_yuan"`
	RevenueYear int            `json:"revenue_year"`
	Patents     map[string]int `json:"patents"`
	LoanYuan    int64          `json:"loan_yuan"`
	Usable      bool           `json:"usable"`
	WhyNot      string         `json:"why_not"`
}

// caseInput builds the records of the usable public cases: an enterprise
// with its published revenue, plain patents of the published types with
// half their legal term left, and an appraisal of all of them at the
// value the loan implies at the typical 30 % pledge rate.
func caseInput(t *testing.T, pc publicCases) CalibrationInput {
	t.Helper()
	var in CalibrationInput
	n := 0
	for _, c := range pc.Cases {
		if !c.Usable {
			if c.WhyNot == "" {
				t.Errorf("case %s is not usable and does not say why", c.ID)
			}
			continue
		}
		e := data.Enterprise{ID: c.ID, Name: c.Enterprise, Industry: c.Industry, Founded: data.NewDate(2000, time.January, 1),
			Financials: []data.Financials{{Year: c.RevenueYear, Revenue: c.RevenueYuan}}}
		a := data.Appraisal{ID: "case_" + c.ID, EnterpriseID: c.ID, AppraiserID: "public", Value: c.LoanYuan * 10 / 3,
			BaseDate: c.AsOf, Method: data.MethodIncome, ReportNumber: c.ID}
		for _, k := range []struct {
			typ   data.PatentType
			digit string
			term  int
		}{{data.Invention, "1", 20}, {data.UtilityModel, "2", 10}, {data.Design, "3", 10}} {
			for range c.Patents[string(k.typ)] {
				n++
				body := fmt.Sprintf("2010%s%07d", k.digit, n)
				check, err := data.ApplicationNumberCheck(body)
				if err != nil {
					t.Fatal(err)
				}
				filed := c.AsOf.AddYears(-k.term / 2)
				p := data.Patent{ApplicationNumber: body + "." + string(check), Type: k.typ, Title: "public case patent",
					FilingDate: filed, GrantDate: filed.AddYears(1), ExpiryDate: filed.AddYears(k.term), LegalStatus: data.StatusValid,
					Applicants: []string{c.Enterprise}, OwnerID: c.ID, FeesPaidThrough: c.AsOf.AddYears(1), Claims: 8,
					ImplementedSince: filed.AddYears(1)}
				in.Patents = append(in.Patents, p)
				a.Patents = append(a.Patents, p.ApplicationNumber)
			}
		}
		in.Enterprises = append(in.Enterprises, e)
		in.Appraisals = append(in.Appraisals, a)
	}
	return in
}

// TestDefaultCalibration refits the shipped calibration from the public
// cases and checks it equals calibration_default.json (-update rewrites
// it): the default is what ipmatch calibrate makes of the published
// cases, nothing hand-set.
func TestDefaultCalibration(t *testing.T) {
	b, err := os.ReadFile("testdata/public_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var pc publicCases
	if err := json.Unmarshal(b, &pc); err != nil {
		t.Fatal(err)
	}
	in := caseInput(t, pc)
	m, err := NewMatcher(&MatchConfig{Calibration: IdentityCalibration()})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := m.Calibrate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Observations) != len(in.Appraisals) || len(rep.Skipped) != 0 {
		t.Fatalf("observations %+v, skipped %v", rep.Observations, rep.Skipped)
	}
	c := rep.Fitted
	c.Name = "public cases"
	var parts []string
	for _, o := range rep.Observations {
		parts = append(parts, fmt.Sprintf("%s: implied appraisal %.0f 万元 ÷ model %.0f 万元 = %.2f", o.EnterpriseID, o.Recorded/1e4, o.Model/1e4, o.Ratio))
	}
	c.Basis = fmt.Sprintf("fitted by ipmatch calibrate on the %d published cases whose revenue is published (matcher/testdata/public_cases.json), "+
		"each loan taken as the appraisal it implies at a 30%% pledge rate and the model run with its defaults for what is not published; %s; "+
		"the geometric mean ratio shrunk toward no correction with the weight of %d observations gives the default factor. "+
		"The two cases disagree by a factor of %.0f and one is a credit line: record appraisals and run ipmatch calibrate to replace it.",
		len(rep.Observations), strings.Join(parts, "; "), CalibrationPrior, rep.Observations[1].Ratio/rep.Observations[0].Ratio)
	got, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *updateCalibration {
		if err := os.WriteFile("calibration_default.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want, _ := os.ReadFile("calibration_default.json"); !bytes.Equal(got, want) {
		t.Errorf("calibration_default.json is not what the public cases give; go test ./matcher -run TestDefaultCalibration -update\n got: %s", got)
	}
	if d := DefaultCalibration(); !(d.Default >= 1 && d.Default < 3) {
		t.Errorf("default factor %v: the public cases put the model below the implied appraisals, by less than 3× once shrunk", d.Default)
	}
}

func TestCalibrationFactorLookup(t *testing.T) {
	c := &Calibration{Default: 1.5, Rows: []CalibrationRow{
		{Industry: "C34", Factor: 2},
		{Industry: "C34", Type: data.Invention, Factor: 3},
		{Industry: "C3411", Factor: 4},
		{Type: data.Design, Factor: 0.5},
	}}
	for _, tc := range []struct {
		industry string
		typ      data.PatentType
		want     float64
	}{
		{"C3411", data.Invention, 4},      // the longest industry wins over a type row of a shorter one
		{"C3412", data.Invention, 3},      // industry and type
		{"C3412", data.UtilityModel, 2},   // industry only
		{"C35", data.Design, 0.5},         // type only
		{"C35", data.UtilityModel, 1.5},   // default
		{"", data.Invention, 1.5},         // unknown industry
		{"C3412", data.PatentType(""), 2}, // no type
	} {
		if got := c.factor(tc.industry, tc.typ); got != tc.want {
			t.Errorf("factor(%s, %s) = %v, want %v", tc.industry, tc.typ, got, tc.want)
		}
	}
	var nilCal *Calibration
	if nilCal.factor("C34", data.Invention) != 1 {
		t.Error("a nil calibration is not the identity")
	}
}

func TestLoadCalibrationRefusesBadFiles(t *testing.T) {
	for _, tc := range []struct {
		name, json, field string
	}{
		{"not JSON", `{`, "calibration"},
		{"unknown field", `{"default": 1, "rows": [], "extra": 1}`, "calibration"},
		{"zero default", `{"default": 0, "rows": []}`, "default"},
		{"huge factor", `{"default": 1, "rows": [{"industry": "C34", "factor": 1000}]}`, "rows[0].factor"},
		{"unknown industry", `{"default": 1, "rows": [{"industry": "Z99", "factor": 1}]}`, "rows[0].industry"},
		{"unknown type", `{"default": 1, "rows": [{"type": "software", "factor": 1}]}`, "rows[0].type"},
		{"row twice", `{"default": 1, "rows": [{"industry": "C34", "factor": 1}, {"industry": "C34", "factor": 2}]}`, "rows[1].industry"},
		{"negative observations", `{"default": 1, "rows": [{"industry": "C34", "factor": 1, "observations": -1}]}`, "rows[0].observations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadCalibration(strings.NewReader(tc.json))
			if data.ErrorCode(err) != data.CodeInvalid {
				t.Fatalf("err %v, want invalid", err)
			}
			found := false
			for _, f := range data.ErrorFields(err) {
				found = found || f.Field == tc.field
			}
			if !found {
				t.Errorf("fields %+v do not name %s", data.ErrorFields(err), tc.field)
			}
		})
	}
	c, err := LoadCalibration(bytes.NewReader(defaultCalibrationJSON))
	if err != nil || c.Default <= 0 {
		t.Fatalf("the embedded default: %v %+v", err, c)
	}
}

// TestCalibrateRecoversAKnownFactor records appraisals at exactly 2.5
// times the model's value of their patents (C34, utility models) and
// checks that Calibrate reports the ratio and fits a factor that moves
// toward it as appraisals accumulate, and that the fitted calibration
// brings the median ratio to about 1.
func TestCalibrateRecoversAKnownFactor(t *testing.T) {
	ds := demoData()
	raw, err := NewMatcher(&MatchConfig{Calibration: IdentityCalibration()})
	if err != nil {
		t.Fatal(err)
	}
	var in CalibrationInput
	in.Enterprises, in.Patents = ds.Enterprises, ds.Patents
	for _, e := range ds.Enterprises {
		if e.Industry[:3] != "C34" || len(in.Appraisals) == 12 {
			continue
		}
		var nums []string
		for _, p := range demoPatents(ds, e.ID) {
			if p.Type == data.UtilityModel && p.LegalStatus == data.StatusValid {
				nums = append(nums, p.ApplicationNumber)
			}
		}
		if len(nums) == 0 {
			continue
		}
		v, err := raw.groupValue(context.Background(), &e, demoPatents(ds, e.ID), nums, data.NewDate(2021, time.March, 1))
		if err != nil || v <= 0 {
			continue
		}
		in.Appraisals = append(in.Appraisals, data.Appraisal{ID: "a_" + e.ID, EnterpriseID: e.ID, AppraiserID: "x", Patents: nums,
			Value: int64(math.Round(2.5 * v)), BaseDate: data.NewDate(2021, time.March, 1), Method: data.MethodIncome, ReportNumber: e.ID})
	}
	if len(in.Appraisals) < 8 {
		t.Fatalf("only %d appraisals built", len(in.Appraisals))
	}
	rep, err := raw.Calibrate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	n := float64(len(in.Appraisals))
	want := math.Exp(n * math.Log(2.5) / (n + CalibrationPrior))
	if math.Abs(rep.Fitted.Default-want) > 0.01 {
		t.Errorf("default factor %v, want %v", rep.Fitted.Default, want)
	}
	var all *CalibrationGroup
	for i := range rep.Groups {
		if g := &rep.Groups[i]; g.Source == SourceAppraisal && g.Industry == "" {
			all = g
		}
	}
	if all == nil || all.N != len(in.Appraisals) || math.Abs(all.MedianRatio-2.5) > 0.001 {
		t.Fatalf("all-appraisals group %+v", all)
	}
	if all.After < 1 || all.After > 2.5/want*1.001 {
		t.Errorf("after calibration the median ratio is %v", all.After)
	}
	for _, r := range rep.Fitted.Rows {
		if r.Observations < MinRowObservations || !(r.Factor > want*0.999 && r.Factor <= 2.5) {
			t.Errorf("row %+v: want between the default %v and 2.5, on at least %d observations", r, want, MinRowObservations)
		}
	}
	if err := rep.Fitted.Validate(); err != nil {
		t.Errorf("fitted calibration invalid: %v", err)
	}
	// The fitted calibration loads and changes the matcher's figures.
	b, _ := json.Marshal(rep.Fitted)
	c, err := LoadCalibration(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	cal, err := NewMatcher(&MatchConfig{Calibration: c})
	if err != nil {
		t.Fatal(err)
	}
	e := &in.Enterprises[0]
	for i := range in.Enterprises {
		if in.Enterprises[i].ID == in.Appraisals[0].EnterpriseID {
			e = &in.Enterprises[i]
		}
	}
	before, _ := raw.groupValue(context.Background(), e, demoPatents(ds, e.ID), in.Appraisals[0].Patents, in.Appraisals[0].BaseDate)
	after, _ := cal.groupValue(context.Background(), e, demoPatents(ds, e.ID), in.Appraisals[0].Patents, in.Appraisals[0].BaseDate)
	if f := c.factor(e.Industry, data.UtilityModel); math.Abs(after/before-f) > 1e-9 {
		t.Errorf("calibrated value %v ÷ model %v = %v, want the factor %v", after, before, after/before, f)
	}
}
