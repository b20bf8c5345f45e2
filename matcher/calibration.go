package matcher

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"ipmatch/data"
)

// Calibration corrects the model's appraisals toward what appraisal firms
// record: the model's value of a patent is multiplied by the factor of the
// most specific row that matches the enterprise's industry and the
// patent's type, or by Default when none does. Recorded appraisals are
// never corrected. A calibration is fitted by Matcher.Calibrate from
// recorded appraisals (ipmatch calibrate), saved as JSON and loaded with
// LoadCalibration (serve --calibration FILE); DefaultCalibration is the
// one ipmatch ships.
type Calibration struct {
	// Name and Basis say what the calibration is and what it was fitted
	// on, in words a bank can check.
	Name  string `json:"name"`
	Basis string `json:"basis"`
	// ModelVersion is the model it was fitted for.
	ModelVersion string `json:"model_version"`
	// Default is the factor where no row matches.
	Default float64          `json:"default"`
	Rows    []CalibrationRow `json:"rows"`
}

// CalibrationRow is the factor of an industry (a GB/T 4754 code prefix
// such as "C34", empty for any) and a patent type (empty for any).
type CalibrationRow struct {
	Industry string          `json:"industry,omitempty"`
	Type     data.PatentType `json:"type,omitempty"`
	Factor   float64         `json:"factor"`
	// Observations is how many recorded appraisals the factor rests on.
	Observations int `json:"observations"`
}

// LoadCalibration reads a calibration file and validates it: every factor
// above 0 and at most 100, industries known GB/T 4754 codes, types known,
// no row twice, no unknown JSON field. Errors are invalid *data.Error
// naming the field ("rows[2].factor").
func LoadCalibration(r io.Reader) (*Calibration, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var c Calibration
	if err := dec.Decode(&c); err != nil {
		return nil, invalidField("invalid calibration", "calibration", "not a calibration file: %v", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks c; see LoadCalibration.
func (c *Calibration) Validate() error {
	var fields []data.FieldError
	bad := func(field, reason string) { fields = append(fields, data.FieldError{Field: field, Reason: reason}) }
	okFactor := func(f float64) bool { return f > 0 && f <= 100 && !math.IsInf(f, 0) }
	if !okFactor(c.Default) {
		bad("default", "must be above 0 and at most 100")
	}
	seen := map[string]bool{}
	for i, r := range c.Rows {
		at := "rows[" + strconv.Itoa(i) + "]."
		if !okFactor(r.Factor) {
			bad(at+"factor", "must be above 0 and at most 100")
		}
		if r.Industry != "" {
			if ind, ok := data.LookupIndustry(r.Industry); !ok || ind.Code != r.Industry {
				bad(at+"industry", strconv.Quote(r.Industry)+" is not a normalised GB/T 4754-2017 code (like C34)")
			}
		}
		if r.Type != "" && !r.Type.Valid() {
			bad(at+"type", strconv.Quote(string(r.Type))+" is not invention, utility_model or design")
		}
		if r.Observations < 0 {
			bad(at+"observations", "must not be negative")
		}
		key := r.Industry + "|" + string(r.Type)
		if seen[key] {
			bad(at+"industry", "the row for this industry and type appears twice")
		}
		seen[key] = true
	}
	if len(fields) > 0 {
		return &data.Error{Code: data.CodeInvalid, Message: "invalid calibration", Fields: fields}
	}
	return nil
}

// factor returns the factor for a patent of type t of an enterprise in
// industry: the row with the longest matching industry prefix, a row of
// the type before one for any type; Default when none matches. A nil
// calibration is the identity.
func (c *Calibration) factor(industry string, t data.PatentType) float64 {
	if c == nil {
		return 1
	}
	best, bestLen, bestTyped := c.Default, -1, false
	for _, r := range c.Rows {
		if r.Type != "" && r.Type != t {
			continue
		}
		if r.Industry != "" && !data.IndustryWithin(industry, r.Industry) {
			continue
		}
		n, typed := len(r.Industry), r.Type != ""
		if n > bestLen || n == bestLen && typed && !bestTyped {
			best, bestLen, bestTyped = r.Factor, n, typed
		}
	}
	return best
}

// hash digests c for the configuration hash.
func (c *Calibration) hash() string {
	if c == nil {
		return ""
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic("matcher: calibration hash: " + err.Error()) // plain values always marshal
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:8])
}

//go:embed calibration_default.json
var defaultCalibrationJSON []byte

var defaultCalibration = sync.OnceValue(func() *Calibration {
	c, err := LoadCalibration(bytes.NewReader(defaultCalibrationJSON))
	if err != nil {
		panic("matcher: embedded calibration_default.json: " + err.Error())
	}
	return c
})

// DefaultCalibration returns a copy of the calibration ipmatch ships
// (calibration_default.json, embedded); see its Basis.
func DefaultCalibration() *Calibration {
	c := *defaultCalibration()
	c.Rows = append([]CalibrationRow(nil), c.Rows...)
	return &c
}

// IdentityCalibration returns the calibration that changes nothing: the
// model's own figures.
func IdentityCalibration() *Calibration {
	return &Calibration{Name: "identity", Basis: "no correction: the model's own figures", ModelVersion: ModelVersion, Default: 1, Rows: []CalibrationRow{}}
}

// Describe returns a one-line summary of c for answers and logs.
func (c *Calibration) Describe() string {
	if c == nil {
		return "identity"
	}
	var b strings.Builder
	b.WriteString(c.Name)
	b.WriteString(" (default ×")
	b.WriteString(strconv.FormatFloat(c.Default, 'f', -1, 64))
	if n := len(c.Rows); n > 0 {
		b.WriteString(", " + strconv.Itoa(n) + " rows")
	}
	b.WriteString(")")
	return b.String()
}
