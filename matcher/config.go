package matcher

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"sync"
	"time"

	"ipmatch/data"
)

// ModelVersion names the matching model: the indicator formulas, the rules,
// the loan estimate, the scorecard's form and the scores. It changes
// whenever a formula changes, so that a stored answer says which model
// produced it. Together with ModelParameters it reproduces an answer from
// the same records.
const ModelVersion = "ipmatch-match/2.0"

// DefaultAmountUnit is the step loan estimates are rounded down to: 10,000
// yuan (1 万元).
const DefaultAmountUnit = 10_000

// ScoreWeights weigh the parts of the two scores. Each score is
// 100 × Σ weight × part ÷ Σ weight, every part in [0, 1].
//
// Enterprise side (products for an enterprise):
//
//	coverage  estimated amount ÷ the need (÷ the product's maximum when no need is stated), at most 1
//	rate      (RateCeiling − LPR − spread) ÷ (RateCeiling − RateFloor), clamped to [0, 1]
//	term      loan term ÷ the term needed, at most 1 (1 when no term is stated)
//	fit       conservative value of the patents the product accepts ÷ that of every pledgeable patent
//
// Bank side (enterprises for a product):
//
//	risk      1 − min(EL ÷ exposure ÷ ELRateCeiling, 1), EL net of the fund's share
//	volume    estimated amount ÷ the product's maximum
//	fit       as above
type ScoreWeights struct {
	Coverage float64 `json:"coverage"`
	Rate     float64 `json:"rate"`
	Term     float64 `json:"term"`
	Fit      float64 `json:"fit"`

	Risk    float64 `json:"risk"`
	Volume  float64 `json:"volume"`
	BankFit float64 `json:"bank_fit"`

	RateFloor     float64 `json:"rate_floor"`
	RateCeiling   float64 `json:"rate_ceiling"`
	ELRateCeiling float64 `json:"el_rate_ceiling"`
}

// DefaultScoreWeights returns the default weights and bounds.
func DefaultScoreWeights() ScoreWeights {
	return ScoreWeights{Coverage: 0.4, Rate: 0.25, Term: 0.15, Fit: 0.2,
		Risk: 0.5, Volume: 0.3, BankFit: 0.2,
		RateFloor: 0.03, RateCeiling: 0.06, ELRateCeiling: 0.03}
}

// LGDConfig sets the loss given default of a pledge loan:
//
//	LGD = min(1, max(Floor, 1 − Recovery × collateral ÷ exposure))
//
// where collateral is the conservative (P10) value of the pledged patents.
// Recovery is the share of that value realised in a forced sale; Floor
// keeps LGD at least that of an unsecured claim (Basel's foundation-IRB
// LGD of senior unsecured exposures is 45 %), since patents are not
// eligible collateral there.
type LGDConfig struct {
	Recovery float64 `json:"recovery"`
	Floor    float64 `json:"floor"`
}

// DefaultLGD returns recovery 15 % and floor 45 %.
func DefaultLGD() LGDConfig { return LGDConfig{Recovery: 0.15, Floor: 0.45} }

// MatchConfig sets a Matcher. A nil config, and each nil or zero field,
// means the default.
type MatchConfig struct {
	// Weights are the indicator weights (DefaultIndicatorWeights).
	Weights *IndicatorWeights `json:"-"`
	// Scorecard is the PD scorecard (DefaultScorecard).
	Scorecard *Scorecard `json:"scorecard,omitempty"`
	// Score weighs the scores' parts (DefaultScoreWeights).
	Score *ScoreWeights `json:"score,omitempty"`
	// LGD sets the loss given default (DefaultLGD).
	LGD *LGDConfig `json:"lgd,omitempty"`
	// Calibration corrects the model's appraisals (DefaultCalibration;
	// IdentityCalibration for the model's own figures).
	Calibration *Calibration `json:"calibration,omitempty"`
	// Valuation sets the income-approach model of both the Monte Carlo
	// valuation and the cached tables that matches use. Draws applies to
	// the Monte Carlo; Seed is replaced by MatchConfig.Seed; Strengths,
	// RevenueBase and ProfitMargin must be unset (they are per enterprise:
	// the indicator values, the latest revenue, the recorded margin).
	Valuation *MonteCarloConfig `json:"valuation,omitempty"`
	// TableDraws is the number of draws behind each cached value table of
	// the bulk path (DefaultTableDraws).
	TableDraws int `json:"table_draws,omitempty"`
	// Seed seeds every random draw: the same records, as-of date, config and
	// seed give the same answer.
	Seed uint64 `json:"seed,omitempty"`
	// AmountUnit is the step loan estimates are rounded down to, in yuan
	// (DefaultAmountUnit).
	AmountUnit int64 `json:"amount_unit,omitempty"`
}

// Matcher values, checks, estimates and ranks. It is safe for concurrent
// use; it caches the bulk path's value tables.
type Matcher struct {
	weights     *IndicatorWeights
	scorecard   Scorecard
	score       ScoreWeights
	lgd         LGDConfig
	calibration *Calibration
	valuation   MonteCarloConfig
	tableDraws  int
	seed        uint64
	unit        int64
	hash        string
	tables      tableCache
}

// NewMatcher returns a Matcher with cfg (nil means every default). It
// returns an invalid *data.Error naming each bad field.
func NewMatcher(cfg *MatchConfig) (*Matcher, error) {
	if cfg == nil {
		cfg = &MatchConfig{}
	}
	m := &Matcher{weights: cfg.Weights, scorecard: DefaultScorecard(), score: DefaultScoreWeights(), lgd: DefaultLGD(),
		tableDraws: cfg.TableDraws, seed: cfg.Seed, unit: cfg.AmountUnit}
	if m.weights == nil {
		m.weights = DefaultIndicatorWeights()
	}
	if cfg.Scorecard != nil {
		m.scorecard = *cfg.Scorecard
	}
	if cfg.Score != nil {
		m.score = *cfg.Score
	}
	if cfg.LGD != nil {
		m.lgd = *cfg.LGD
	}
	m.calibration = cfg.Calibration
	if m.calibration == nil {
		m.calibration = DefaultCalibration()
	}
	if cfg.Valuation != nil {
		m.valuation = *cfg.Valuation
	}
	m.valuation.Seed = m.seed
	if m.tableDraws == 0 {
		m.tableDraws = DefaultTableDraws
	}
	if m.unit == 0 {
		m.unit = DefaultAmountUnit
	}

	var fields []data.FieldError
	bad := func(field, reason string) { fields = append(fields, data.FieldError{Field: field, Reason: reason}) }
	fields = append(fields, m.scorecard.validate("scorecard.")...)
	s := m.score
	for name, v := range map[string]float64{"coverage": s.Coverage, "rate": s.Rate, "term": s.Term, "fit": s.Fit,
		"risk": s.Risk, "volume": s.Volume, "bank_fit": s.BankFit} {
		if !(v >= 0) || math.IsInf(v, 0) {
			bad("score."+name, "must be a finite weight ≥ 0")
		}
	}
	if !(s.Coverage+s.Rate+s.Term+s.Fit > 0) {
		bad("score.coverage", "the enterprise-side weights must not all be 0")
	}
	if !(s.Risk+s.Volume+s.BankFit > 0) {
		bad("score.risk", "the bank-side weights must not all be 0")
	}
	if !(s.RateFloor >= 0 && s.RateFloor < s.RateCeiling && s.RateCeiling < 1) {
		bad("score.rate_floor", "want 0 ≤ rate_floor < rate_ceiling < 1")
	}
	if !(s.ELRateCeiling > 0 && s.ELRateCeiling <= 1) {
		bad("score.el_rate_ceiling", "must be above 0 and at most 1")
	}
	if !(m.lgd.Recovery >= 0 && m.lgd.Recovery <= 1) {
		bad("lgd.recovery", "must be between 0 and 1")
	}
	if !(m.lgd.Floor >= 0 && m.lgd.Floor <= 1) {
		bad("lgd.floor", "must be between 0 and 1")
	}
	if m.tableDraws < 100 || m.tableDraws > MaxDraws {
		bad("table_draws", "must be between 100 and 1000000")
	}
	if m.unit < 1 {
		bad("amount_unit", "must be at least 1 yuan")
	}
	if m.valuation.Strengths != nil {
		bad("valuation.strengths", "must be unset: the strengths are the patents' indicator values")
	}
	if m.valuation.ProfitMargin != nil {
		bad("valuation.profit_margin", "must be unset: the margin is each enterprise's recorded one")
	}
	for _, f := range data.ErrorFields(m.calibration.Validate()) {
		bad("calibration."+f.Field, f.Reason)
	}
	if m.valuation.RevenueBase != 0 {
		bad("valuation.revenue_base", "must be unset: the base is each enterprise's latest revenue")
	}
	// Check the rest of the valuation config on a stand-in portfolio.
	probe := &data.Enterprise{ID: "probe", Financials: []data.Financials{{Year: 2020, Revenue: 1}}}
	probePatent := []data.Patent{{ApplicationNumber: "probe", Type: data.Invention, FilingDate: data.NewDate(2015, time.January, 1), LegalStatus: data.StatusValid}}
	vc := m.valuation
	vc.Strengths, vc.RevenueBase, vc.ProfitMargin = nil, 0, nil
	if _, err := planValuation(probe, probePatent, data.NewDate(2020, time.January, 1), &vc); err != nil {
		for _, f := range data.ErrorFields(err) {
			bad("valuation."+f.Field, f.Reason)
		}
	}
	if len(fields) > 0 {
		return nil, &data.Error{Code: data.CodeInvalid, Message: "invalid matcher configuration", Fields: fields}
	}

	canon, err := json.Marshal(struct {
		Version   string
		Weights   string
		Calib     string
		Scorecard Scorecard
		Score     ScoreWeights
		LGD       LGDConfig
		Valuation MonteCarloConfig
		Table     int
		Unit      int64
	}{ModelVersion, m.weights.Hash(), m.calibration.hash(), m.scorecard, m.score, m.lgd, m.valuation, m.tableDraws, m.unit})
	if err != nil {
		panic("matcher: config hash: " + err.Error()) // plain numbers always marshal
	}
	sum := sha256.Sum256(canon)
	m.hash = "sha256:" + hex.EncodeToString(sum[:8])
	return m, nil
}

// defaultMatcher is built once.
var defaultMatcher = sync.OnceValue(func() *Matcher {
	m, err := NewMatcher(nil)
	if err != nil {
		panic("matcher: default configuration: " + err.Error())
	}
	return m
})

// DefaultMatcher returns the Matcher with every default (shared; safe for
// concurrent use).
func DefaultMatcher() *Matcher { return defaultMatcher() }

// Calibration returns the calibration in use.
func (m *Matcher) Calibration() *Calibration { return m.calibration }

// Weights returns the indicator weights in use.
func (m *Matcher) Weights() *IndicatorWeights { return m.weights }

// ModelParameters are what an answer was computed with: with the same
// records they reproduce it.
type ModelParameters struct {
	ModelVersion string    `json:"model_version"`
	AsOf         data.Date `json:"as_of"`
	// WeightsName and WeightsHash identify the indicator weights;
	// Calibration names the calibration and CalibrationHash digests it;
	// ConfigHash digests the whole configuration (weights hash,
	// calibration, scorecard, score weights, LGD, valuation settings,
	// table draws, amount unit).
	WeightsName     string `json:"weights_name"`
	WeightsHash     string `json:"weights_hash"`
	Calibration     string `json:"calibration"`
	CalibrationHash string `json:"calibration_hash"`
	ConfigHash      string `json:"config_hash"`
	Seed            uint64 `json:"seed"`
	// ValuationMethod is "monte_carlo" (ValuePortfolio, Draws draws: the
	// valuation of a portfolio) or "cached_table" (value tables of
	// TableDraws draws: every match, pipeline and loan estimate).
	ValuationMethod string `json:"valuation_method"`
	Draws           int    `json:"draws,omitempty"`
	TableDraws      int    `json:"table_draws,omitempty"`
	// LPR is the one-year LPR in force on AsOf: the base of product rates
	// and of the discount rate.
	LPR        *LPRQuote    `json:"lpr,omitempty"`
	AmountUnit int64        `json:"amount_unit"`
	Scorecard  Scorecard    `json:"scorecard"`
	Score      ScoreWeights `json:"score_weights"`
	LGD        LGDConfig    `json:"lgd"`
}

// Valuation methods.
const (
	MethodMonteCarlo  = "monte_carlo"
	MethodCachedTable = "cached_table"
)

// parameters returns the parameters of an answer on asOf by method.
func (m *Matcher) parameters(asOf data.Date, lpr LPRQuote, method string) ModelParameters {
	p := ModelParameters{ModelVersion: ModelVersion, AsOf: asOf, WeightsName: m.weights.Name(), WeightsHash: m.weights.Hash(),
		Calibration: m.calibration.Describe(), CalibrationHash: m.calibration.hash(), ConfigHash: m.hash, Seed: m.seed, ValuationMethod: method, AmountUnit: m.unit,
		Scorecard: m.scorecard, Score: m.score, LGD: m.lgd}
	if lpr.Date != (data.Date{}) {
		p.LPR = &lpr
	}
	if method == MethodMonteCarlo {
		p.Draws = m.valuation.Draws
		if p.Draws == 0 {
			p.Draws = DefaultDraws
		}
	} else {
		p.TableDraws = m.tableDraws
	}
	return p
}
