package matcher

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"ipmatch/data"
)

// MaxConsistencyRatio is the consistency ratio from which a pairwise
// comparison matrix is refused (Saaty's 10 % rule): CR must be below it.
const MaxConsistencyRatio = 0.1

// ReciprocalTolerance is how far m[i][j]·m[j][i] may stray from 1 (and a
// diagonal entry from 1) before a matrix is refused as not reciprocal.
// Entries typed to three decimals (0.333 for 1/3, 0.143 for 1/7) pass.
const ReciprocalTolerance = 0.01

// randomIndex is the random consistency index RI(n) by matrix order n, from
// Saaty, Theory and Applications of the Analytic Network Process, RWS
// Publications 2005, p. 31 (the table AHPy calls random_index="saaty").
// Matrices of order 1 and 2 are always consistent, so RI is 0 there and CR
// is reported as 0.
//
// It is the one RI table of ipmatch. Other tables exist (the "Saaty 1980"
// table of most Chinese textbooks, 0.58 for n = 3; Donegan & Dodd 1991,
// 0.4914 for n = 3) and give slightly different CRs for the same matrix.
var randomIndex = [...]float64{
	1: 0, 2: 0,
	3: 0.52, 4: 0.89, 5: 1.11, 6: 1.25, 7: 1.35, 8: 1.40, 9: 1.45,
	10: 1.49, 11: 1.52, 12: 1.54, 13: 1.56, 14: 1.58, 15: 1.59,
}

// MaxAHPOrder is the largest matrix order with a random index in the table,
// so the largest matrix AHPWeights accepts.
const MaxAHPOrder = len(randomIndex) - 1

// RandomIndex returns Saaty's (2005) random consistency index for a matrix
// of order n, and false when the table has no entry for n (n < 1 or
// n > MaxAHPOrder).
func RandomIndex(n int) (float64, bool) {
	if n < 1 || n > MaxAHPOrder {
		return 0, false
	}
	return randomIndex[n], true
}

// PairwiseMatrix is an AHP pairwise-comparison matrix on Saaty's 1–9 scale:
// m[i][j] says how many times more important element i is than element j,
// so m[j][i] = 1/m[i][j] and m[i][i] = 1. Only complete matrices are
// handled: the incomplete-matrix methods (e.g. Bozóki, Fülöp & Rónyai
// 2010, optimal completion) are out of scope.
type PairwiseMatrix [][]float64

// Comparison is one judgement of a pairwise comparison: element A is Value
// times as important as element B.
type Comparison struct {
	A     string  `json:"a"`
	B     string  `json:"b"`
	Value float64 `json:"value"`
}

// Judgements is a named pairwise comparison of labelled elements, the form
// in which weights are configured. Name appears in error messages and field
// names (for example "technical[2][0]"), so a refused configuration says
// which matrix and which entry.
type Judgements struct {
	Name   string         `json:"name"`
	Labels []string       `json:"labels"`
	Matrix PairwiseMatrix `json:"matrix"`
}

// AHPResult is the outcome of an AHP weighting.
type AHPResult struct {
	// Labels are the element names when known (from Judgements), else nil.
	Labels []string `json:"labels,omitempty"`
	// Weights is the principal right eigenvector, positive, summing to 1.
	Weights []float64 `json:"weights"`
	// LambdaMax is the principal eigenvalue λmax (n for a consistent matrix).
	LambdaMax float64 `json:"lambda_max"`
	// CI is the consistency index (λmax − n)/(n − 1), 0 for n ≤ 2.
	CI float64 `json:"ci"`
	// RI is the random index used (Saaty 2005), 0 for n ≤ 2.
	RI float64 `json:"ri"`
	// CR is the consistency ratio CI/RI, 0 for n ≤ 2.
	CR float64 `json:"cr"`
}

// Weight returns the weight of the element labelled label, and false if
// there is no such label.
func (r AHPResult) Weight(label string) (float64, bool) {
	for i, l := range r.Labels {
		if l == label {
			return r.Weights[i], true
		}
	}
	return 0, false
}

// AHPWeights returns the AHP weights of the pairwise-comparison matrix m:
// the right eigenvector of the eigenvalue with the largest real part
// (computed with gonum's mat.Eigen), taken as real parts, made positive and
// normalised to sum to 1; with λmax, CI = (λmax − n)/(n − 1) and
// CR = CI/RI(n), RI from Saaty (2005) (see RandomIndex).
//
// It returns a *data.Error with code invalid when m is not a square
// matrix of order 1..MaxAHPOrder with positive, finite, reciprocal entries
// (within ReciprocalTolerance) and a unit diagonal, naming the offending
// entry as "matrix[i][j]", and when CR ≥ MaxConsistencyRatio; in that last
// case the result is returned too, so that the caller can show λmax and CR.
// Matrices of order 1 and 2 are always consistent.
func AHPWeights(m [][]float64) (AHPResult, error) {
	return ahpWeights("matrix", m)
}

// Weights returns the AHP weights of j, as AHPWeights does, with the labels
// attached and j.Name used in errors. Labels, when given, must be as many
// as the rows and distinct.
func (j Judgements) Weights() (AHPResult, error) {
	name := j.Name
	if name == "" {
		name = "matrix"
	}
	if j.Labels != nil {
		if len(j.Labels) != len(j.Matrix) {
			return AHPResult{}, &data.Error{Code: data.CodeInvalid,
				Message: fmt.Sprintf("pairwise matrix %q: %d labels for %d rows", name, len(j.Labels), len(j.Matrix)),
				Fields:  []data.FieldError{{Field: name + ".labels", Reason: fmt.Sprintf("want %d labels, one per row, got %d", len(j.Matrix), len(j.Labels))}}}
		}
		seen := make(map[string]bool, len(j.Labels))
		for i, l := range j.Labels {
			if seen[l] {
				return AHPResult{}, &data.Error{Code: data.CodeInvalid,
					Message: fmt.Sprintf("pairwise matrix %q: label %q appears twice", name, l),
					Fields:  []data.FieldError{{Field: name + ".labels[" + strconv.Itoa(i) + "]", Reason: fmt.Sprintf("%q appears twice", l)}}}
			}
			seen[l] = true
		}
	}
	r, err := ahpWeights(name, j.Matrix)
	if r.Weights != nil {
		r.Labels = j.Labels
	}
	return r, err
}

// NewJudgements builds the complete pairwise matrix named name over labels
// from judgements "A is Value times as important as B". Each unordered pair
// of distinct labels must be judged; a pair judged twice (in either
// direction) must agree within ReciprocalTolerance. Missing pairs are an
// error: incomplete matrices are out of scope.
func NewJudgements(name string, labels []string, cs []Comparison) (Judgements, error) {
	msg := fmt.Sprintf("invalid pairwise comparisons %q", name)
	n := len(labels)
	index := make(map[string]int, n)
	for i, l := range labels {
		if _, dup := index[l]; dup {
			return Judgements{}, invalidField(msg, name+".labels["+strconv.Itoa(i)+"]", "%q appears twice", l)
		}
		index[l] = i
	}
	m := make(PairwiseMatrix, n)
	for i := range m {
		m[i] = make([]float64, n)
		m[i][i] = 1
	}
	for k, c := range cs {
		field := name + ".comparisons[" + strconv.Itoa(k) + "]"
		i, ok := index[c.A]
		if !ok {
			return Judgements{}, invalidField(msg, field+".a", "%q is not one of the labels", c.A)
		}
		j, ok := index[c.B]
		if !ok {
			return Judgements{}, invalidField(msg, field+".b", "%q is not one of the labels", c.B)
		}
		if !(c.Value > 0) || math.IsInf(c.Value, 0) {
			return Judgements{}, invalidField(msg, field+".value", "must be a positive number, got %v", c.Value)
		}
		if i == j {
			if math.Abs(c.Value-1) > ReciprocalTolerance {
				return Judgements{}, invalidField(msg, field+".value", "an element compared with itself must be 1, got %v", c.Value)
			}
			continue
		}
		if prev := m[i][j]; prev != 0 && math.Abs(prev/c.Value-1) > ReciprocalTolerance {
			return Judgements{}, invalidField(msg, field+".value", "%s over %s was already judged %v", c.A, c.B, prev)
		}
		m[i][j], m[j][i] = c.Value, 1/c.Value
	}
	for i := range m {
		for j := i + 1; j < n; j++ {
			if m[i][j] == 0 {
				return Judgements{}, invalidField(msg, name+".comparisons", "%s and %s are not compared (incomplete matrices are not supported)", labels[i], labels[j])
			}
		}
	}
	return Judgements{Name: name, Labels: labels, Matrix: m}, nil
}

func ahpWeights(name string, m [][]float64) (AHPResult, error) {
	if err := validatePairwise(name, m); err != nil {
		return AHPResult{}, err
	}
	n := len(m)
	if n == 1 {
		return AHPResult{Weights: []float64{1}, LambdaMax: 1}, nil
	}
	if n == 2 {
		// A 2×2 reciprocal matrix is always consistent: w ∝ (m01, 1).
		// Both weights are divided out: 1 - w0 is 0 once m01 > 2⁵³.
		d := 1 + m[0][1]
		return AHPResult{Weights: []float64{m[0][1] / d, 1 / d}, LambdaMax: 2}, nil
	}

	a := mat.NewDense(n, n, nil)
	for i, row := range m {
		a.SetRow(i, row)
	}
	var eig mat.Eigen
	if !eig.Factorize(a, mat.EigenRight) {
		return AHPResult{}, data.Errorf(data.CodeInvalid, "pairwise matrix %q: the eigen decomposition did not converge", name)
	}
	values := eig.Values(nil)
	k := 0
	for i, v := range values {
		if real(v) > real(values[k]) {
			k = i
		}
	}
	var vecs mat.CDense
	eig.VectorsTo(&vecs)
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		w[i] = real(vecs.At(i, k))
		sum += w[i]
	}
	// By Perron–Frobenius the principal eigenvector of a positive matrix has
	// components of one sign; the solver may return either sign.
	for i := range w {
		w[i] /= sum
		if w[i] <= 0 {
			return AHPResult{}, data.Errorf(data.CodeInvalid, "pairwise matrix %q: the principal eigenvector is not positive", name)
		}
	}

	lambda := real(values[k])
	ci := (lambda - float64(n)) / float64(n-1)
	if ci < 0 {
		ci = 0 // rounding: λmax ≥ n for every positive reciprocal matrix
	}
	ri := randomIndex[n]
	cr := ci / ri
	res := AHPResult{Weights: w, LambdaMax: lambda, CI: ci, RI: ri, CR: cr}
	if cr >= MaxConsistencyRatio {
		return res, &data.Error{Code: data.CodeInvalid,
			Message: fmt.Sprintf("pairwise matrix %q is inconsistent (CR %.4f)", name, cr),
			Fields: []data.FieldError{{Field: name, Reason: fmt.Sprintf("consistency ratio %.4f (λmax %.4f, n %d, RI %.2f) must be below %.1f: revise the judgements",
				cr, lambda, n, ri, MaxConsistencyRatio)}}}
	}
	return res, nil
}

// validatePairwise checks that m is a square reciprocal matrix with a unit
// diagonal and positive finite entries.
func validatePairwise(name string, m [][]float64) error {
	msg := fmt.Sprintf("invalid pairwise matrix %q", name)
	n := len(m)
	if n == 0 {
		return invalidField(msg, name, "is empty: want at least one row")
	}
	if n > MaxAHPOrder {
		return invalidField(msg, name, "has %d rows: the random-index table covers at most %d", n, MaxAHPOrder)
	}
	cell := func(i, j int) string {
		return name + "[" + strconv.Itoa(i) + "][" + strconv.Itoa(j) + "]"
	}
	for i, row := range m {
		if len(row) != n {
			return invalidField(msg, name+"["+strconv.Itoa(i)+"]", "has %d entries: the matrix must be square (%d×%d)", len(row), n, n)
		}
		for j, v := range row {
			if !(v > 0) || math.IsInf(v, 0) {
				return invalidField(msg, cell(i, j), "must be a positive number, got %v", v)
			}
		}
	}
	for i := range m {
		if math.Abs(m[i][i]-1) > ReciprocalTolerance {
			return invalidField(msg, cell(i, i), "a diagonal entry must be 1, got %v", m[i][i])
		}
		for j := i + 1; j < n; j++ {
			if math.Abs(m[i][j]*m[j][i]-1) > ReciprocalTolerance {
				return invalidField(msg, cell(j, i), "must be the reciprocal of %s = %v (1/%v = %.4g), got %v", cell(i, j), m[i][j], m[i][j], 1/m[i][j], m[j][i])
			}
		}
	}
	return nil
}

// GlobalWeights composes local weights through one level of an AHP
// hierarchy: global[k] = Σ_c parent[c] × local[c][k], where parent are the
// weights of the criteria and local[c] the weights of the elements below
// criterion c (all criteria over the same elements, as in the classic
// goal–criteria–alternatives hierarchy; an element not under a criterion
// has local weight 0 there). Apply it level by level for deeper
// hierarchies. It panics if len(local) != len(parent) or the local vectors
// differ in length.
func GlobalWeights(parent []float64, local [][]float64) []float64 {
	if len(local) != len(parent) {
		panic("matcher: GlobalWeights: one local weight vector per parent weight is required")
	}
	if len(local) == 0 {
		return nil
	}
	out := make([]float64, len(local[0]))
	for c, lw := range local {
		if len(lw) != len(out) {
			panic("matcher: GlobalWeights: local weight vectors differ in length")
		}
		for k, w := range lw {
			out[k] += parent[c] * w
		}
	}
	return out
}

// invalidField returns an invalid *data.Error with message msg about one
// field.
func invalidField(msg, field, format string, args ...any) *data.Error {
	return &data.Error{Code: data.CodeInvalid, Message: msg,
		Fields: []data.FieldError{{Field: field, Reason: fmt.Sprintf(format, args...)}}}
}
