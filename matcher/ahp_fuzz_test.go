package matcher

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"ipmatch/data"
)

// The fuzz targets of the AHP code. Their seed corpora are in
// testdata/fuzz/<name>; run one with
//
//	go test -run='^$' -fuzz='^FuzzAHPWeights$' -fuzztime=10s ./matcher

// saatyScale is Saaty's 1–9 scale with the reciprocals, 1/9 first.
var saatyScale = []float64{1. / 9, 1. / 8, 1. / 7, 1. / 6, 1. / 5, 1. / 4, 1. / 3, 1. / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9}

// fuzzMatrix builds a matrix of order n from raw according to mode:
//
//	0  every entry from 8 bytes of raw, as float64 bits (rarely valid)
//	1  reciprocal, the upper triangle from Saaty's scale, one byte each
//	2  reciprocal, the upper triangle from float64 bits (made positive)
//	3  consistent, m[i][j] = w[i]/w[j] with weights w of 1..256 from raw
//
// It returns the weights for mode 3 (nil otherwise).
func fuzzMatrix(mode uint8, n int, raw []byte) ([][]float64, []float64) {
	next8 := func() uint64 {
		var b [8]byte
		k := copy(b[:], raw)
		raw = raw[k:]
		return binary.LittleEndian.Uint64(b[:])
	}
	next1 := func() byte {
		if len(raw) == 0 {
			return 8 // Saaty's 1
		}
		b := raw[0]
		raw = raw[1:]
		return b
	}
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
		m[i][i] = 1
	}
	var w []float64
	switch mode % 4 {
	case 0:
		for i := range m {
			for j := range m[i] {
				m[i][j] = math.Float64frombits(next8())
			}
		}
	case 1, 2:
		for i := range m {
			for j := i + 1; j < n; j++ {
				var v float64
				if mode%4 == 1 {
					v = saatyScale[int(next1())%len(saatyScale)]
				} else {
					v = math.Abs(math.Float64frombits(next8()))
				}
				m[i][j], m[j][i] = v, 1/v
			}
		}
	case 3:
		w = make([]float64, n)
		for i := range w {
			w[i] = float64(next1()) + 1
		}
		for i := range m {
			for j := range m[i] {
				m[i][j] = w[i] / w[j]
			}
		}
	}
	return m, w
}

// checkAHPResult checks the properties every AHPWeights result has, with
// or without error: n finite positive weights summing to 1, a finite λmax,
// and CI, CR finite and not negative (0 for n ≤ 2).
func checkAHPResult(t *testing.T, r AHPResult, n int) {
	t.Helper()
	if len(r.Weights) != n {
		t.Fatalf("%d weights for order %d: %+v", len(r.Weights), n, r)
	}
	sum := 0.0
	for i, w := range r.Weights {
		if !(w > 0) || math.IsInf(w, 0) {
			t.Fatalf("weight %d is %v, not finite and positive: %+v", i, w, r)
		}
		sum += w
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Fatalf("weights sum to %v, not 1: %+v", sum, r)
	}
	for name, v := range map[string]float64{"LambdaMax": r.LambdaMax, "CI": r.CI, "CR": r.CR, "RI": r.RI} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s is %v: %+v", name, v, r)
		}
	}
	if r.CI < 0 || r.CR < 0 || (n <= 2 && r.CR != 0) {
		t.Fatalf("CI %v, CR %v for order %d: want CI, CR ≥ 0 (0 for n ≤ 2)", r.CI, r.CR, n)
	}
}

// checkNamesMatrix checks that err is an invalid *data.Error that names
// matrix name in a field ("name", "name[i]", "name[i][j]", "name.labels…")
// or, without fields, in its message.
func checkNamesMatrix(t *testing.T, err error, name string) {
	t.Helper()
	var e *data.Error
	if !errorAs(err, &e) || e.Code != data.CodeInvalid {
		t.Fatalf("error %v (%T) is not an invalid *data.Error", err, err)
	}
	if len(e.Fields) == 0 {
		if !strings.Contains(e.Message, `"`+name+`"`) {
			t.Fatalf("error %q does not name the matrix %q", e.Message, name)
		}
		return
	}
	for _, f := range e.Fields {
		rest, ok := strings.CutPrefix(f.Field, name)
		if !ok || !(rest == "" || rest[0] == '[' || rest[0] == '.') || f.Reason == "" {
			t.Fatalf("error field %+v does not name the matrix %q with a reason", f, name)
		}
	}
}

func errorAs(err error, target **data.Error) bool {
	e, ok := err.(*data.Error)
	*target = e
	return ok
}

// FuzzAHPWeights builds a matrix (see fuzzMatrix) and checks AHPWeights:
// the result (also returned with the error of an inconsistent matrix) has
// finite positive weights summing to 1 within 1e-9 and a finite CR ≥ 0,
// below MaxConsistencyRatio exactly when there is no error; every other
// error is an invalid *data.Error naming the matrix. A consistent matrix
// gives back its weights with CR ≈ 0, and reversing the order of the
// elements of a Saaty-scale or consistent matrix reverses the weights.
func FuzzAHPWeights(f *testing.F) {
	f.Add(uint8(1), uint8(3), []byte{9, 10, 7})
	f.Fuzz(func(t *testing.T, mode, order uint8, raw []byte) {
		n := int(order) % (MaxAHPOrder + 2) // 0 and MaxAHPOrder+1 are refused
		m, w := fuzzMatrix(mode, n, raw)
		orig := make([][]float64, n)
		for i := range m {
			orig[i] = slices.Clone(m[i])
		}
		r, err := AHPWeights(m)
		for i := range m {
			if !slices.EqualFunc(m[i], orig[i], func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) {
				t.Fatalf("AHPWeights changed its input")
			}
		}
		if err != nil {
			checkNamesMatrix(t, err, "matrix")
			if r.Weights == nil {
				return
			}
			checkAHPResult(t, r, n)
			if !(r.CR >= MaxConsistencyRatio) {
				t.Fatalf("error %v with CR %v below %v", err, r.CR, MaxConsistencyRatio)
			}
			return
		}
		checkAHPResult(t, r, n)
		if r.CR >= MaxConsistencyRatio {
			t.Fatalf("CR %v accepted", r.CR)
		}
		if n < 1 || n > MaxAHPOrder {
			t.Fatalf("order %d accepted", n)
		}
		if w != nil {
			sum := 0.0
			for _, v := range w {
				sum += v
			}
			for i := range w {
				if want := w[i] / sum; math.Abs(r.Weights[i]-want) > 1e-9 {
					t.Fatalf("consistent matrix of weights %v: weight %d is %v, want %v", w, i, r.Weights[i], want)
				}
			}
			if r.CR > 1e-9 {
				t.Fatalf("consistent matrix of weights %v: CR %v", w, r.CR)
			}
		}
		if mode%4 == 1 || mode%4 == 3 {
			rev := make([][]float64, n)
			for i := range rev {
				rev[i] = make([]float64, n)
				for j := range rev[i] {
					rev[i][j] = m[n-1-i][n-1-j]
				}
			}
			rr, err := AHPWeights(rev)
			if err != nil {
				t.Fatalf("reversed matrix refused: %v", err)
			}
			for i := range rr.Weights {
				if math.Abs(rr.Weights[i]-r.Weights[n-1-i]) > 1e-9 || math.Abs(rr.CR-r.CR) > 1e-9 {
					t.Fatalf("reversed matrix: weights %v CR %v, original %v CR %v", rr.Weights, rr.CR, r.Weights, r.CR)
				}
			}
		}
	})
}

// FuzzLoadIndicatorWeights reads a weights configuration as JSON. An error
// is an invalid *data.Error whose every field names a matrix (parts,
// legal, technical or economic) or the configuration as a whole
// ("weights"); otherwise the part weights and each part's local weights
// pass checkAHPResult, and the global weights of the indicators are
// positive and sum to 1 within 1e-9.
func FuzzLoadIndicatorWeights(f *testing.F) {
	f.Add(string(DefaultWeightsJSON()))
	f.Fuzz(func(t *testing.T, in string) {
		w, err := LoadIndicatorWeights(strings.NewReader(in))
		if err != nil {
			var e *data.Error
			if !errorAs(err, &e) || e.Code != data.CodeInvalid || len(e.Fields) == 0 {
				t.Fatalf("error %v (%T) is not an invalid *data.Error with fields", err, err)
			}
			for _, f := range e.Fields {
				ok := f.Field == "weights"
				for _, name := range append([]string{"parts"}, Parts...) {
					if rest, found := strings.CutPrefix(f.Field, name); found && (rest == "" || rest[0] == '[' || rest[0] == '.') {
						ok = true
					}
				}
				if !ok || f.Reason == "" {
					t.Fatalf("error field %+v names no matrix", f)
				}
			}
			return
		}
		checkAHPResult(t, w.PartWeights(), len(Parts))
		for _, p := range Parts {
			lw, ok := w.LocalWeights(p)
			if !ok {
				t.Fatalf("no local weights of part %s", p)
			}
			checkAHPResult(t, lw, len(lw.Labels))
		}
		sum := 0.0
		for _, d := range indicatorDefs {
			g, ok := w.GlobalWeight(d.Name)
			if !ok || !(g > 0) || math.IsInf(g, 0) {
				t.Fatalf("global weight of %s is %v, %v", d.Name, g, ok)
			}
			sum += g
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Fatalf("global weights sum to %v", sum)
		}
		// The configuration read back gives the same weights.
		b, err := json.Marshal(w.Config())
		if err != nil {
			t.Fatal(err)
		}
		again, err := LoadIndicatorWeights(bytes.NewReader(b))
		if err != nil || again.Hash() != w.Hash() {
			t.Fatalf("configuration read back: hash %v, %v; want %s", again, err, w.Hash())
		}
	})
}
