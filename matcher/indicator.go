package matcher

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"ipmatch/data"
)

// The three parts of the indicator value (专利价值度), after GB/T 42748-2023.
const (
	PartLegal     = "legal"     // 法律价值
	PartTechnical = "technical" // 技术价值
	PartEconomic  = "economic"  // 经济价值
)

// Parts lists the parts in the order of every indicator table.
var Parts = []string{PartLegal, PartTechnical, PartEconomic}

// The indicators, each scored 0–100 from the records (formulas in the
// package documentation and in Indicators).
const (
	IndLegalStatus       = "legal_status"
	IndRemainingTerm     = "remaining_term"
	IndStability         = "stability"
	IndOwnership         = "ownership"
	IndClaims            = "claims"
	IndPatentType        = "patent_type"
	IndForwardCitations  = "forward_citations"
	IndIPCBreadth        = "ipc_breadth"
	IndFamilySize        = "family_size"
	IndImplementation    = "implementation"
	IndRevenue           = "revenue"
	IndMarketValidation  = "market_validation"
	IndStrategicIndustry = "strategic_industry"
)

// IndicatorDef describes one indicator: its name, part, Chinese label and
// formula.
type IndicatorDef struct {
	Name    string `json:"name"`
	Part    string `json:"part"`
	Label   string `json:"label"`
	Formula string `json:"formula"`
}

// indicatorDefs is the indicator table; its order is the order of the
// score arrays. Keep it in step with the package documentation.
var indicatorDefs = [...]IndicatorDef{
	{IndLegalStatus, PartLegal, "法律状态", "100 valid with annual fees paid through the as-of date; 50 valid with fees unpaid; 30 pending; 0 lapsed, invalidated, rejected, withdrawn or unknown"},
	{IndRemainingTerm, PartLegal, "剩余保护期", "100 × clamp(remaining legal term ÷ legal term of the type, 0, 1)"},
	{IndStability, PartLegal, "权利稳定性", "100 − 60 (open invalidation) − 40 (open court preservation or suspension) − 20 (open litigation), at least 0; 0 when invalidated"},
	{IndOwnership, PartLegal, "权属清晰度", "100 one owner; 70 co-owned with every owner's consent to pledge; 30 co-owned without it"},
	{IndClaims, PartLegal, "权利要求数量", "100 × min(claims ÷ 15, 1); designs 50"},
	{IndPatentType, PartTechnical, "专利类型", "100 invention; 60 utility model; 40 design"},
	{IndForwardCitations, PartTechnical, "被引次数", "100 × min(ln(1 + citations) ÷ ln 21, 1)"},
	{IndIPCBreadth, PartTechnical, "IPC 覆盖广度", "100 × min(0.2 + 0.2 × distinct IPC subclasses, 1)"},
	{IndFamilySize, PartTechnical, "同族规模", "100 × min(log2(family size) ÷ 3, 1)"},
	{IndImplementation, PartEconomic, "实施年限", "100 × min(years since implemented ÷ 3, 1); 0 when not implemented"},
	{IndRevenue, PartEconomic, "企业营收规模", "100 × clamp(log10(latest revenue ÷ 1,000,000 yuan) ÷ 3, 0, 1)"},
	{IndMarketValidation, PartEconomic, "市场验证（许可、质押、转让）", "100 × min((2 × licences + pledges + transfers) ÷ 4, 1), any record open or closed"},
	{IndStrategicIndustry, PartEconomic, "战略性新兴产业匹配", "100 when an IPC code maps to a strategic emerging industry (data.StrategicIndustries), else 0"},
}

// numIndicators is the number of indicators.
const numIndicators = len(indicatorDefs)

// Indicators returns the indicator table: every indicator with its part,
// Chinese label and formula.
func Indicators() []IndicatorDef {
	return slices.Clone(indicatorDefs[:])
}

// partOf returns the part index (0 legal, 1 technical, 2 economic) of
// indicator i.
func partOf(i int) int {
	return slices.Index(Parts, indicatorDefs[i].Part)
}

// indicatorIndex returns the index of the named indicator, or -1.
func indicatorIndex(name string) int {
	for i := range indicatorDefs {
		if indicatorDefs[i].Name == name {
			return i
		}
	}
	return -1
}

// WeightsConfig is the JSON form of indicator weights: an AHP
// pairwise-comparison matrix for the parts (labels legal, technical,
// economic) and one for the indicators within each part (labels the
// indicator names of the part, in any order). The Name of each Judgements
// is ignored: the matrices are named parts, legal, technical and economic
// in errors.
type WeightsConfig struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Parts       Judgements `json:"parts"`
	Legal       Judgements `json:"legal"`
	Technical   Judgements `json:"technical"`
	Economic    Judgements `json:"economic"`
}

// IndicatorWeights are validated indicator weights: the AHP results of the
// part matrix and of each part's indicator matrix, and each indicator's
// global weight (part weight × local weight; they sum to 1). Use
// LoadIndicatorWeights or DefaultIndicatorWeights; the zero value is not
// usable.
type IndicatorWeights struct {
	name   string
	config WeightsConfig
	parts  AHPResult
	local  [3]AHPResult
	global [numIndicators]float64
	hash   string
}

//go:embed weights_default.json
var defaultWeightsJSON []byte

// defaultWeights parses the embedded default once; it is part of the
// program, so a bad default is a bug and panics.
var defaultWeights = sync.OnceValue(func() *IndicatorWeights {
	w, err := LoadIndicatorWeights(bytes.NewReader(defaultWeightsJSON))
	if err != nil {
		panic("matcher: embedded weights_default.json: " + err.Error())
	}
	return w
})

// DefaultIndicatorWeights returns the finance-scenario weights shipped with
// ipmatch (weights_default.json, embedded).
func DefaultIndicatorWeights() *IndicatorWeights { return defaultWeights() }

// DefaultWeightsJSON returns a copy of the embedded default weights file, a
// starting point for a custom configuration.
func DefaultWeightsJSON() []byte { return slices.Clone(defaultWeightsJSON) }

// LoadIndicatorWeights reads a WeightsConfig as JSON and computes its AHP
// weights. It returns an invalid *data.Error naming the matrix (parts,
// legal, technical or economic) and the entry when a matrix is malformed,
// not reciprocal or inconsistent (CR ≥ MaxConsistencyRatio), when a label
// is unknown, repeated or missing, or when the JSON has unknown fields.
func LoadIndicatorWeights(r io.Reader) (*IndicatorWeights, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var cfg WeightsConfig
	if err := dec.Decode(&cfg); err != nil {
		return nil, &data.Error{Code: data.CodeInvalid, Message: "invalid indicator weights",
			Fields: []data.FieldError{{Field: "weights", Reason: "not a weights configuration: " + err.Error()}}}
	}
	return NewIndicatorWeights(cfg)
}

// NewIndicatorWeights validates cfg and computes its AHP weights; see
// LoadIndicatorWeights.
func NewIndicatorWeights(cfg WeightsConfig) (*IndicatorWeights, error) {
	w := &IndicatorWeights{name: cfg.Name, config: cfg}
	var fields []data.FieldError
	var inconsistent []string

	want := map[string][]string{"parts": Parts}
	for _, d := range indicatorDefs {
		want[d.Part] = append(want[d.Part], d.Name)
	}
	matrices := []struct {
		name string
		j    *Judgements
	}{{"parts", &w.config.Parts}, {PartLegal, &w.config.Legal}, {PartTechnical, &w.config.Technical}, {PartEconomic, &w.config.Economic}}
	results := make([]AHPResult, len(matrices))
	for k, m := range matrices {
		m.j.Name = m.name
		if err := checkLabels(m.name, m.j.Labels, want[m.name]); err != nil {
			fields = append(fields, err...)
			continue
		}
		res, err := m.j.Weights()
		if err != nil {
			fields = append(fields, data.ErrorFields(err)...)
			if res.Weights != nil {
				inconsistent = append(inconsistent, m.name)
			}
			continue
		}
		results[k] = res
	}
	if len(fields) > 0 {
		msg := "invalid indicator weights"
		if len(inconsistent) > 0 {
			msg = fmt.Sprintf("inconsistent pairwise matrix %s: consistency ratio must be below %.1f", strings.Join(inconsistent, ", "), MaxConsistencyRatio)
		}
		return nil, &data.Error{Code: data.CodeInvalid, Message: msg, Fields: fields}
	}
	w.parts = results[0]
	copy(w.local[:], results[1:])
	for i, d := range indicatorDefs {
		p := partOf(i)
		pw, _ := w.parts.Weight(d.Part)
		lw, _ := w.local[p].Weight(d.Name)
		w.global[i] = pw * lw
	}
	canon, err := json.Marshal(struct {
		Parts, Legal, Technical, Economic PairwiseMatrix
		Labels                            [4][]string
	}{w.config.Parts.Matrix, w.config.Legal.Matrix, w.config.Technical.Matrix, w.config.Economic.Matrix,
		[4][]string{w.config.Parts.Labels, w.config.Legal.Labels, w.config.Technical.Labels, w.config.Economic.Labels}})
	if err != nil {
		panic("matcher: weights hash: " + err.Error()) // slices of floats always marshal
	}
	sum := sha256.Sum256(canon)
	w.hash = "sha256:" + hex.EncodeToString(sum[:8])
	return w, nil
}

// checkLabels reports labels that are not exactly the wanted set.
func checkLabels(matrix string, labels, want []string) []data.FieldError {
	var out []data.FieldError
	if len(labels) == 0 {
		return []data.FieldError{{Field: matrix + ".labels", Reason: "required: " + strings.Join(want, ", ")}}
	}
	seen := map[string]bool{}
	for i, l := range labels {
		switch {
		case !slices.Contains(want, l):
			out = append(out, data.FieldError{Field: matrix + ".labels[" + strconv.Itoa(i) + "]",
				Reason: fmt.Sprintf("%q is not one of %s", l, strings.Join(want, ", "))})
		case seen[l]:
			out = append(out, data.FieldError{Field: matrix + ".labels[" + strconv.Itoa(i) + "]", Reason: fmt.Sprintf("%q appears twice", l)})
		}
		seen[l] = true
	}
	for _, l := range want {
		if !seen[l] {
			out = append(out, data.FieldError{Field: matrix + ".labels", Reason: fmt.Sprintf("%q is missing", l)})
		}
	}
	return out
}

// Name returns the configuration's name.
func (w *IndicatorWeights) Name() string { return w.name }

// Hash returns a short digest of the matrices and labels ("sha256:" and 16
// hex digits): two configurations with the same hash give the same weights.
func (w *IndicatorWeights) Hash() string { return w.hash }

// Config returns the configuration the weights were computed from.
func (w *IndicatorWeights) Config() WeightsConfig { return w.config }

// PartWeights returns the AHP result of the part matrix (labels legal,
// technical, economic).
func (w *IndicatorWeights) PartWeights() AHPResult { return w.parts }

// LocalWeights returns the AHP result of one part's indicator matrix, and
// false for an unknown part.
func (w *IndicatorWeights) LocalWeights(part string) (AHPResult, bool) {
	i := slices.Index(Parts, part)
	if i < 0 {
		return AHPResult{}, false
	}
	return w.local[i], true
}

// GlobalWeight returns the weight of the named indicator in the value
// (part weight × local weight), and false for an unknown indicator.
func (w *IndicatorWeights) GlobalWeight(indicator string) (float64, bool) {
	i := indicatorIndex(indicator)
	if i < 0 {
		return 0, false
	}
	return w.global[i], true
}

// IndicatorScore is one indicator of a patent's indicator value.
type IndicatorScore struct {
	Name  string `json:"name"`
	Part  string `json:"part"`
	Label string `json:"label"`
	// Score is the indicator's score, 0–100.
	Score float64 `json:"score"`
	// Weight is its global weight; Points = Score × Weight, its
	// contribution to the value.
	Weight float64 `json:"weight"`
	Points float64 `json:"points"`
	// Observed is what the score was computed from.
	Observed string `json:"observed"`
}

// IndicatorValue is a patent's indicator value (专利价值度) and its parts.
type IndicatorValue struct {
	ApplicationNumber string `json:"application_number"`
	// Value is Σ Points over the indicators, 0–100.
	Value float64 `json:"value"`
	// Legal, Technical and Economic are the part scores, 0–100: the
	// local-weighted mean of the part's indicators.
	Legal     float64          `json:"legal"`
	Technical float64          `json:"technical"`
	Economic  float64          `json:"economic"`
	WeightsID string           `json:"weights_hash"`
	Scores    []IndicatorScore `json:"indicators"`
}

// Value returns the indicator value of patent p of enterprise e on asOf.
// e supplies the revenue indicator and may be nil (revenue scores 0). It
// panics if p is nil.
func (w *IndicatorWeights) Value(p *data.Patent, e *data.Enterprise, asOf data.Date) IndicatorValue {
	if p == nil {
		panic("matcher: IndicatorWeights.Value: nil patent")
	}
	var rev float64
	if e != nil {
		if f, ok := e.Latest(); ok {
			rev = float64(f.Revenue)
		}
	}
	var c ipcCache
	in := indicatorInputs(p, asOf, rev, &c)
	scores := in.scores()
	out := IndicatorValue{ApplicationNumber: p.ApplicationNumber, WeightsID: w.hash, Scores: make([]IndicatorScore, numIndicators)}
	var parts [3]float64
	for i, d := range indicatorDefs {
		s := IndicatorScore{Name: d.Name, Part: d.Part, Label: d.Label, Score: round2(scores[i]), Weight: w.global[i],
			Points: round2(scores[i] * w.global[i]), Observed: in.observed(i)}
		out.Scores[i] = s
		lw, _ := w.local[partOf(i)].Weight(d.Name)
		parts[partOf(i)] += lw * scores[i]
	}
	out.Value = round2(w.dot(&scores))
	out.Legal, out.Technical, out.Economic = round2(parts[0]), round2(parts[1]), round2(parts[2])
	return out
}

// dot returns Σ global weight × score.
func (w *IndicatorWeights) dot(scores *[numIndicators]float64) float64 {
	v := 0.0
	for i, s := range scores {
		v += w.global[i] * s
	}
	return v
}

// indicatorInput holds what the indicators of one patent are computed
// from, so that the bulk path and the explained path share one formula.
type indicatorInput struct {
	status              data.LegalStatus
	feesPaid            bool
	remaining, term     float64 // years
	invalidationOpen    bool
	invalidated         bool
	preservationOpen    bool
	litigationOpen      bool
	owners              int
	consent             bool
	claims              int
	typ                 data.PatentType
	citations           int
	subclasses          int
	family              int
	implementedYears    float64 // < 0 when not implemented
	revenue             float64
	licences, pledges   int
	transfers           int
	strategic           bool
	strategicIndustry   string
	expiry, paidThrough data.Date
}

// indicatorInputs gathers the inputs of p's indicators on asOf; revenue is
// the owner's latest revenue in yuan. c caches IPC lookups.
func indicatorInputs(p *data.Patent, asOf data.Date, revenue float64, c *ipcCache) indicatorInput {
	in := indicatorInput{
		status: p.LegalStatus, owners: len(p.Applicants), consent: p.CoOwnersConsent, claims: p.Claims,
		typ: p.Type, citations: p.ForwardCitations, family: p.FamilySize, revenue: revenue,
		implementedYears: -1, paidThrough: p.FeesPaidThrough,
	}
	in.feesPaid = !p.FeesPaidThrough.IsZero() && !p.FeesPaidThrough.Before(asOf)
	in.expiry = expiryOf(p)
	if !in.expiry.IsZero() {
		in.remaining = max(0, asOf.YearsUntil(in.expiry))
		in.term = float64(data.LegalTermYears(p.Type, p.FilingDate))
	}
	in.invalidated = p.LegalStatus == data.StatusInvalidated
	for _, tx := range p.History {
		switch tx.Kind {
		case data.TxInvalidation:
			in.invalidationOpen = in.invalidationOpen || tx.Open
		case data.TxPreservation, data.TxSuspension:
			in.preservationOpen = in.preservationOpen || tx.Open
		case data.TxLitigation:
			in.litigationOpen = in.litigationOpen || tx.Open
		case data.TxLicence:
			in.licences++
		case data.TxPledge:
			in.pledges++
		case data.TxTransfer:
			in.transfers++
		}
	}
	if !p.ImplementedSince.IsZero() && !p.ImplementedSince.After(asOf) {
		in.implementedYears = p.ImplementedSince.YearsUntil(asOf)
	}
	var subs [8]string
	ns := 0
	for _, code := range p.IPC {
		info := c.lookup(code)
		if info.subclass != "" && !slices.Contains(subs[:min(ns, len(subs))], info.subclass) {
			if ns < len(subs) {
				subs[ns] = info.subclass
			}
			ns++
		}
		if info.strategic != "" && !in.strategic {
			in.strategic, in.strategicIndustry = true, info.strategic
		}
	}
	in.subclasses = ns
	return in
}

// scores returns the indicator scores, 0–100, in indicatorDefs order.
func (in *indicatorInput) scores() [numIndicators]float64 {
	var s [numIndicators]float64
	switch {
	case in.status == data.StatusValid && in.feesPaid:
		s[0] = 100
	case in.status == data.StatusValid:
		s[0] = 50
	case in.status == data.StatusPending:
		s[0] = 30
	}
	if in.term > 0 {
		s[1] = 100 * clamp01(in.remaining/in.term)
	}
	if !in.invalidated {
		st := 100.0
		if in.invalidationOpen {
			st -= 60
		}
		if in.preservationOpen {
			st -= 40
		}
		if in.litigationOpen {
			st -= 20
		}
		s[2] = max(st, 0)
	}
	switch {
	case in.owners <= 1:
		s[3] = 100
	case in.consent:
		s[3] = 70
	default:
		s[3] = 30
	}
	if in.typ == data.Design {
		s[4] = 50
	} else {
		s[4] = 100 * min(float64(in.claims)/15, 1)
	}
	switch in.typ {
	case data.Invention:
		s[5] = 100
	case data.UtilityModel:
		s[5] = 60
	case data.Design:
		s[5] = 40
	}
	s[6] = 100 * min(math.Log1p(float64(max(in.citations, 0)))/math.Log(21), 1)
	s[7] = 100 * min(0.2+0.2*float64(in.subclasses), 1)
	if in.family > 1 {
		s[8] = 100 * min(math.Log2(float64(in.family))/3, 1)
	}
	if in.implementedYears >= 0 {
		s[9] = 100 * min(in.implementedYears/3, 1)
	}
	if in.revenue > 0 {
		s[10] = 100 * clamp01(math.Log10(in.revenue/1e6)/3)
	}
	s[11] = 100 * min(float64(2*in.licences+in.pledges+in.transfers)/4, 1)
	if in.strategic {
		s[12] = 100
	}
	return s
}

// observed describes the input of indicator i for people.
func (in *indicatorInput) observed(i int) string {
	switch indicatorDefs[i].Name {
	case IndLegalStatus:
		s := in.status.Label()
		if s == "" {
			s = "未知"
		}
		if in.status == data.StatusValid {
			if in.feesPaid {
				s += "，年费已缴至 " + in.paidThrough.String()
			} else {
				s += "，年费未缴"
			}
		}
		return s
	case IndRemainingTerm:
		if in.term == 0 {
			return "到期日未知"
		}
		return fmt.Sprintf("剩余 %.1f 年 / 法定 %.0f 年（%s 到期）", in.remaining, in.term, in.expiry)
	case IndStability:
		var parts []string
		if in.invalidated {
			parts = append(parts, "已被宣告无效")
		}
		if in.invalidationOpen {
			parts = append(parts, "无效宣告请求审理中")
		}
		if in.preservationOpen {
			parts = append(parts, "财产保全或中止程序中")
		}
		if in.litigationOpen {
			parts = append(parts, "诉讼未结")
		}
		if len(parts) == 0 {
			return "无未结无效、诉讼或保全"
		}
		return strings.Join(parts, "；")
	case IndOwnership:
		switch {
		case in.owners <= 1:
			return "单一权利人"
		case in.consent:
			return fmt.Sprintf("%d 个共有人，均同意质押", in.owners)
		}
		return fmt.Sprintf("%d 个共有人，未取得全体同意", in.owners)
	case IndClaims:
		if in.typ == data.Design {
			return "外观设计"
		}
		return fmt.Sprintf("%d 项权利要求", in.claims)
	case IndPatentType:
		return in.typ.Label()
	case IndForwardCitations:
		return fmt.Sprintf("被引 %d 次", in.citations)
	case IndIPCBreadth:
		return fmt.Sprintf("%d 个 IPC 小类", in.subclasses)
	case IndFamilySize:
		return fmt.Sprintf("同族 %d 件", max(in.family, 1))
	case IndImplementation:
		if in.implementedYears < 0 {
			return "未实施"
		}
		return fmt.Sprintf("已实施 %.1f 年", in.implementedYears)
	case IndRevenue:
		if in.revenue <= 0 {
			return "无营业收入数据"
		}
		return "营业收入 " + wan(in.revenue)
	case IndMarketValidation:
		return fmt.Sprintf("许可 %d 次、质押 %d 次、转让 %d 次", in.licences, in.pledges, in.transfers)
	case IndStrategicIndustry:
		if in.strategic {
			return in.strategicIndustry
		}
		return "不属于战略性新兴产业"
	}
	return ""
}

// ipcInfo is what the matcher needs to know about one IPC code.
type ipcInfo struct {
	subclass  string // "" when the code has none (a section or class)
	strategic string // the first strategic emerging industry, "code name"
	areas     []uint64
}

// ipcCache memoises IPC lookups (one per goroutine: not safe for
// concurrent use). areas, when set, lists the product IPC areas to test
// codes against; area bits are then part of each entry.
type ipcCache struct {
	m     map[string]*ipcInfo
	areas []string
	words int
}

func (c *ipcCache) lookup(code string) *ipcInfo {
	if info, ok := c.m[code]; ok {
		return info
	}
	if c.m == nil {
		c.m = map[string]*ipcInfo{}
	}
	info := &ipcInfo{}
	levels := data.IPCLevels(code)
	if len(levels) >= 3 {
		info.subclass = levels[2]
	}
	if sei := data.StrategicIndustries(code); len(sei) > 0 {
		info.strategic = sei[0].Code + " " + sei[0].Name
	}
	if c.words > 0 {
		info.areas = make([]uint64, c.words)
		for k, a := range c.areas {
			if slices.Contains(levels, a) {
				info.areas[k/64] |= 1 << (k % 64)
			}
		}
	}
	c.m[code] = info
	return info
}

// expiryOf returns p's expiry date, derived from the filing date and type
// when the record has none.
func expiryOf(p *data.Patent) data.Date {
	if !p.ExpiryDate.IsZero() {
		return p.ExpiryDate
	}
	if !p.FilingDate.IsZero() && p.Type.Valid() {
		return p.FilingDate.AddYears(data.LegalTermYears(p.Type, p.FilingDate))
	}
	return data.Date{}
}

func clamp01(x float64) float64 {
	if !(x > 0) {
		return 0
	}
	return min(x, 1)
}

// round2 rounds to two decimals for presentation.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// wan formats yuan as 万元 with exactly two decimals: the same rule as the
// pages' money (api's wan), so a reason's figures read like the columns
// beside it.
func wan(yuan float64) string {
	s := strconv.FormatFloat(math.Round(yuan/100)/100, 'f', 2, 64)
	if s == "-0.00" {
		s = "0.00"
	}
	return s + " 万元"
}
