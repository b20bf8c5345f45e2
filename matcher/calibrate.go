package matcher

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"

	"ipmatch/data"
)

// CalibrationPrior is the weight, in observations, of the prior in a
// fitted factor: a group's log factor is (Σ log ratios + k × the parent's
// log factor) ÷ (n + k), the parent of an industry and type being its
// industry, of an industry all the appraisals, and of all the appraisals
// no correction. With k = 3 a group's own reports outweigh the prior from
// the fourth on, and one or two reports move a factor less than half-way
// (Bühlmann credibility n ÷ (n + k)).
const CalibrationPrior = 3

// MinRowObservations is the fewest appraisals a fitted row of an
// industry, or of an industry and a type, rests on: one report alone only
// pulls its parent's factor, so it makes no row.
const MinRowObservations = 2

// Observation sources.
const (
	SourceAppraisal = "appraisal" // a recorded appraisal against the model's value of its patents
	SourceLoan      = "loan"      // a recorded loan against the model's lendable value of its patents
)

// CalibrationInput is what Calibrate compares: the enterprises, their
// patents, the products and pools, the recorded appraisals, and the deals
// (those disbursed or later, with an amount, are the recorded loans).
type CalibrationInput struct {
	Enterprises []data.Enterprise
	Patents     []data.Patent
	Products    []data.Product
	Pools       []data.Pool
	Appraisals  []data.Appraisal
	Deals       []data.Deal
}

// CalibrationObservation is one recorded figure against the model's.
type CalibrationObservation struct {
	Source       string    `json:"source"`
	ID           string    `json:"id"`
	EnterpriseID string    `json:"enterprise_id"`
	Industry     string    `json:"industry"`
	Type         string    `json:"type"` // a patent type, or "mixed"
	Date         data.Date `json:"date"`
	Patents      int       `json:"patents"`
	// Recorded is the appraised value or the loan; Model the model's
	// uncalibrated value of the same patents on the same day (appraisals)
	// or its lendable value of them under the loan's product, calibrated
	// and within the product's maximum (loans). Ratio is Recorded ÷ Model.
	Recorded float64 `json:"recorded"`
	Model    float64 `json:"model"`
	Ratio    float64 `json:"ratio"`
}

// CalibrationGroup summarises the observations of one source, industry
// (a GB/T 4754 division, "" for all) and patent type ("" for all).
type CalibrationGroup struct {
	Source   string `json:"source"`
	Industry string `json:"industry"`
	Type     string `json:"type"`
	N        int    `json:"n"`
	// MedianRatio, P25 and P75 are the median and quartiles of the
	// ratios; GeoMean their geometric mean.
	MedianRatio float64 `json:"median_ratio"`
	P25         float64 `json:"p25"`
	P75         float64 `json:"p75"`
	GeoMean     float64 `json:"geo_mean"`
	// Factor is the fitted correction of the group (appraisals only);
	// After the median ratio once it is applied.
	Factor float64 `json:"factor,omitempty"`
	After  float64 `json:"after,omitempty"`
}

// CalibrationFit is the least-squares line log(recorded) = a + b ×
// log(model) over the appraisals (gonum stat.LinearRegression): a slope
// below 1 says the model spreads values wider than the appraisers do.
type CalibrationFit struct {
	N         int     `json:"n"`
	Intercept float64 `json:"intercept"`
	Slope     float64 `json:"slope"`
	R2        float64 `json:"r2"`
}

// CalibrationReport is the outcome of Calibrate.
type CalibrationReport struct {
	Parameters   ModelParameters          `json:"parameters"`
	Observations []CalibrationObservation `json:"observations"`
	Groups       []CalibrationGroup       `json:"groups"`
	Fit          *CalibrationFit          `json:"fit,omitempty"`
	// Skipped are the records that could not be compared, and why.
	Skipped []string `json:"skipped"`
	// Fitted is the calibration fitted on the appraisals (the identity
	// when there are none).
	Fitted *Calibration `json:"fitted"`
}

// Calibrate compares the model with what was recorded: each appraisal's
// value against the model's uncalibrated value of its patents on its base
// date, and each loan (a deal disbursed or later) against the model's
// lendable value of its pledged patents under its product on the day it
// was disbursed, calibrated with m's calibration and within the product's
// maximum. It reports the ratios by source, industry and patent type, and
// fits a calibration to the appraisals: the geometric mean ratio of each
// industry and type, shrunk toward its parent by CalibrationPrior (loans
// are reported, not fitted: a loan is also bounded by the borrower's need
// and the bank's appetite, so it says less about the value). ctx is
// checked between records.
func (m *Matcher) Calibrate(ctx context.Context, in CalibrationInput) (CalibrationReport, error) {
	rep := CalibrationReport{Observations: []CalibrationObservation{}, Groups: []CalibrationGroup{}, Skipped: []string{}}
	raw, err := NewMatcher(&MatchConfig{Weights: m.weights, Scorecard: &m.scorecard, Score: &m.score, LGD: &m.lgd,
		Calibration: IdentityCalibration(), Valuation: &m.valuation, TableDraws: m.tableDraws, Seed: m.seed, AmountUnit: m.unit})
	if err != nil {
		return rep, err
	}
	ents := map[string]*data.Enterprise{}
	for i := range in.Enterprises {
		ents[in.Enterprises[i].ID] = &in.Enterprises[i]
	}
	pats := map[string][]data.Patent{}
	for _, p := range in.Patents {
		pats[p.OwnerID] = append(pats[p.OwnerID], p)
	}
	prods := map[string]*data.Product{}
	for i := range in.Products {
		prods[in.Products[i].ID] = &in.Products[i]
	}
	typeOf := func(nums []string) string {
		var t data.PatentType
		for _, n := range nums {
			pt, err := data.PatentTypeOf(n)
			if err != nil {
				continue
			}
			if t != "" && pt != t {
				return "mixed"
			}
			t = pt
		}
		return string(t)
	}
	division := func(code string) string {
		if d := industryDivision(code); d != "" {
			return d
		}
		return code
	}
	skip := func(format string, args ...any) { rep.Skipped = append(rep.Skipped, fmt.Sprintf(format, args...)) }

	for i := range in.Appraisals {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		a := &in.Appraisals[i]
		e, ok := ents[a.EnterpriseID]
		if !ok {
			skip("appraisal %s: enterprise %s is not among those given", a.ID, a.EnterpriseID)
			continue
		}
		model, err := raw.groupValue(ctx, e, pats[e.ID], a.Patents, a.BaseDate)
		if err != nil {
			skip("appraisal %s: %s", a.ID, err)
			continue
		}
		if !(model > 0) {
			skip("appraisal %s: the model values none of its patents on %s (not granted and in force, or no revenue)", a.ID, a.BaseDate)
			continue
		}
		rep.Observations = append(rep.Observations, CalibrationObservation{Source: SourceAppraisal, ID: a.ID, EnterpriseID: e.ID,
			Industry: division(e.Industry), Type: typeOf(a.Patents), Date: a.BaseDate, Patents: len(a.Patents),
			Recorded: float64(a.Value), Model: round2(model), Ratio: round4(float64(a.Value) / model)})
	}
	for i := range in.Deals {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		d := &in.Deals[i]
		day, lent := d.DisbursedOn()
		if !lent || d.Amount <= 0 {
			continue
		}
		e, ok := ents[d.EnterpriseID]
		p, okp := prods[d.ProductID]
		if !ok || !okp {
			skip("loan %s: its enterprise or product is not among those given", d.ID)
			continue
		}
		if len(d.Patents) == 0 {
			skip("loan %s: no pledged patents recorded", d.ID)
			continue
		}
		lend, err := m.groupLendable(ctx, e, pats[e.ID], d.Patents, p, day)
		if err != nil {
			skip("loan %s: %s", d.ID, err)
			continue
		}
		if !(lend > 0) {
			skip("loan %s: the model lends nothing on its patents under %s on %s", d.ID, p.ID, day)
			continue
		}
		rep.Observations = append(rep.Observations, CalibrationObservation{Source: SourceLoan, ID: d.ID, EnterpriseID: e.ID,
			Industry: division(e.Industry), Type: typeOf(d.Patents), Date: day, Patents: len(d.Patents),
			Recorded: float64(d.Amount), Model: round2(lend), Ratio: round4(float64(d.Amount) / lend)})
	}
	rep.Fitted = fitCalibration(rep.Observations)
	rep.Groups = summarise(rep.Observations, rep.Fitted)
	rep.Fit = regress(rep.Observations)
	rep.Parameters = m.parameters(data.DateOf(time.Now()), LPRQuote{}, MethodCachedTable)
	return rep, nil
}

// groupWorld prepares enterprise e and its patents on day for valuing a
// group of them (no rule is checked: the group is what was appraised or
// pledged).
func (m *Matcher) groupWorld(ctx context.Context, e *data.Enterprise, patents []data.Patent, day data.Date, products []data.Product) (*world, error) {
	return m.newWorldOwned(ctx, MatchInput{Enterprises: []data.Enterprise{*e}, Patents: slices.Clone(patents), Products: products, AsOf: day})
}

// groupCands returns the candidates of the enterprise of w (index 0) among
// numbers, in credit order, with rates from product pi (0 when none).
func (w *world) groupCands(numbers []string, pi int) []loanCand {
	f := &w.ef[0]
	var cs []loanCand
	for fi := f.p0; fi < f.p1; fi++ {
		pf := &w.pf[fi]
		if pf.s == 0 || !slices.Contains(numbers, pf.rec.ApplicationNumber) {
			continue
		}
		c := loanCand{fi: fi, s: pf.s, lifeCap: pf.lifeCap, p50: pf.full.P50 * pf.calib, raw50: pf.full.P50}
		if pi >= 0 && pf.typ >= 0 {
			c.rate = w.pp[pi].rate[pf.typ]
		}
		cs = append(cs, c)
	}
	slices.SortFunc(cs, func(x, y loanCand) int {
		if creditBefore(&x, &y) {
			return -1
		}
		if creditBefore(&y, &x) {
			return 1
		}
		return cmp.Compare(x.fi, y.fi)
	})
	return cs
}

// groupValue returns the model's value (P50, with m's calibration) of the
// patents numbered numbers of e, pledged together on day.
func (m *Matcher) groupValue(ctx context.Context, e *data.Enterprise, patents []data.Patent, numbers []string, day data.Date) (float64, error) {
	w, err := m.groupWorld(ctx, e, patents, day, nil)
	if err != nil {
		return 0, err
	}
	if note := w.ef[0].valuationNote; note != "" {
		return 0, fmt.Errorf("%s", note)
	}
	left, v := 1.0, 0.0
	for _, c := range w.groupCands(numbers, -1) {
		v += c.s * left * c.p50
		left *= 1 - c.s
	}
	return v, nil
}

// CollateralValue returns the model's value (P50, yuan) on day of the
// patents numbered numbers of e, pledged together: what a deal's pledged
// patents are worth as collateral (app's watch of live deals). A patent
// lapsed, invalidated or expired by day is worth nothing; patents numbers
// names that are not among patents are left out.
func (m *Matcher) CollateralValue(ctx context.Context, e *data.Enterprise, patents []data.Patent, numbers []string, day data.Date) (float64, error) {
	return m.groupValue(ctx, e, patents, numbers, day)
}

// groupLendable returns the model's lendable value of the patents
// numbered numbers of e under product p on day, within p's maximum.
func (m *Matcher) groupLendable(ctx context.Context, e *data.Enterprise, patents []data.Patent, numbers []string, p *data.Product, day data.Date) (float64, error) {
	w, err := m.groupWorld(ctx, e, patents, day, []data.Product{*p})
	if err != nil {
		return 0, err
	}
	if note := w.ef[0].valuationNote; note != "" {
		return 0, fmt.Errorf("%s", note)
	}
	left, v := 1.0, 0.0
	for _, c := range w.groupCands(numbers, 0) {
		v += c.s * left * c.p50 * c.rate
		left *= 1 - c.s
	}
	return min(v, float64(p.MaxAmount)), nil
}

// fitCalibration fits the factors of the appraisals; see Calibrate.
func fitCalibration(obs []CalibrationObservation) *Calibration {
	c := IdentityCalibration()
	c.Name = "fitted"
	var all []float64
	byInd := map[string][]float64{}
	byIndType := map[[2]string][]float64{}
	for _, o := range obs {
		if o.Source != SourceAppraisal || !(o.Ratio > 0) {
			continue
		}
		y := math.Log(o.Ratio)
		all = append(all, y)
		byInd[o.Industry] = append(byInd[o.Industry], y)
		if o.Type != "mixed" && o.Type != "" {
			byIndType[[2]string{o.Industry, o.Type}] = append(byIndType[[2]string{o.Industry, o.Type}], y)
		}
	}
	c.Basis = fmt.Sprintf("fitted on %d recorded appraisals: geometric mean ratio of recorded to model value by industry and patent type, each shrunk toward its parent with the weight of %d observations", len(all), CalibrationPrior)
	if len(all) == 0 {
		return c
	}
	shrink := func(ys []float64, parent float64) float64 {
		sum := 0.0
		for _, y := range ys {
			sum += y
		}
		return (sum + CalibrationPrior*parent) / (float64(len(ys)) + CalibrationPrior)
	}
	mu := shrink(all, 0)
	c.Default = round4(math.Exp(mu))
	inds := make([]string, 0, len(byInd))
	for ind := range byInd {
		inds = append(inds, ind)
	}
	slices.Sort(inds)
	for _, ind := range inds {
		if _, ok := data.LookupIndustry(ind); !ok || len(byInd[ind]) < MinRowObservations {
			continue
		}
		muInd := shrink(byInd[ind], mu)
		c.Rows = append(c.Rows, CalibrationRow{Industry: ind, Factor: round4(math.Exp(muInd)), Observations: len(byInd[ind])})
		for _, t := range typeOrder {
			ys := byIndType[[2]string{ind, string(t)}]
			if len(ys) < MinRowObservations {
				continue
			}
			c.Rows = append(c.Rows, CalibrationRow{Industry: ind, Type: t, Factor: round4(math.Exp(shrink(ys, muInd))), Observations: len(ys)})
		}
	}
	return c
}

// summarise groups the observations by source, industry and type, with
// the totals of each source first.
func summarise(obs []CalibrationObservation, fitted *Calibration) []CalibrationGroup {
	type key struct{ source, industry, typ string }
	groups := map[key][]CalibrationObservation{}
	var keys []key
	add := func(k key, o CalibrationObservation) {
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], o)
	}
	for _, o := range obs {
		add(key{o.Source, "", ""}, o)
		add(key{o.Source, o.Industry, ""}, o)
		add(key{o.Source, o.Industry, o.Type}, o)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.source, b.source); c != 0 {
			return c
		}
		if c := cmp.Compare(a.industry, b.industry); c != 0 {
			return c
		}
		return cmp.Compare(a.typ, b.typ)
	})
	out := make([]CalibrationGroup, 0, len(keys))
	for _, k := range keys {
		os := groups[k]
		ratios := make([]float64, len(os))
		after := make([]float64, 0, len(os))
		logs := make([]float64, len(os))
		for i, o := range os {
			ratios[i] = o.Ratio
			logs[i] = math.Log(o.Ratio)
			if k.source == SourceAppraisal {
				t := data.PatentType(o.Type)
				if o.Type == "mixed" {
					t = ""
				}
				after = append(after, o.Ratio/fitted.factor(o.Industry, t))
			}
		}
		slices.Sort(ratios)
		g := CalibrationGroup{Source: k.source, Industry: k.industry, Type: k.typ, N: len(os),
			MedianRatio: round4(stat.Quantile(0.5, stat.Empirical, ratios, nil)),
			P25:         round4(stat.Quantile(0.25, stat.Empirical, ratios, nil)),
			P75:         round4(stat.Quantile(0.75, stat.Empirical, ratios, nil)),
			GeoMean:     round4(math.Exp(stat.Mean(logs, nil)))}
		if k.source == SourceAppraisal {
			t := data.PatentType(k.typ)
			if k.typ == "mixed" {
				t = ""
			}
			g.Factor = fitted.factor(k.industry, t)
			if k.industry == "" {
				g.Factor = fitted.Default
			}
			slices.Sort(after)
			g.After = round4(stat.Quantile(0.5, stat.Empirical, after, nil))
		}
		out = append(out, g)
	}
	return out
}

// regress fits log(recorded) on log(model) over the appraisals.
func regress(obs []CalibrationObservation) *CalibrationFit {
	var x, y []float64
	for _, o := range obs {
		if o.Source == SourceAppraisal && o.Model > 0 && o.Recorded > 0 {
			x = append(x, math.Log(o.Model))
			y = append(y, math.Log(o.Recorded))
		}
	}
	if len(x) < 3 {
		return nil
	}
	a, b := stat.LinearRegression(x, y, nil, false)
	return &CalibrationFit{N: len(x), Intercept: round4(a), Slope: round4(b), R2: round4(stat.RSquared(x, y, nil, a, b))}
}
