package matcher

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"ipmatch/data"
)

func TestDefaultIndicatorWeights(t *testing.T) {
	w := DefaultIndicatorWeights()
	if w.Name() != "finance-default" {
		t.Errorf("name %q", w.Name())
	}
	if !strings.HasPrefix(w.Hash(), "sha256:") || len(w.Hash()) != len("sha256:")+16 {
		t.Errorf("hash %q", w.Hash())
	}
	if pw := w.PartWeights(); pw.CR >= MaxConsistencyRatio || len(pw.Weights) != 3 {
		t.Errorf("parts: %+v", pw)
	}
	for _, part := range Parts {
		r, ok := w.LocalWeights(part)
		if !ok || r.CR >= MaxConsistencyRatio {
			t.Errorf("%s: %+v", part, r)
		}
	}
	sum := 0.0
	for _, d := range Indicators() {
		g, ok := w.GlobalWeight(d.Name)
		if !ok || !(g > 0) {
			t.Errorf("%s: global weight %v", d.Name, g)
		}
		sum += g
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("global weights sum to %v", sum)
	}
	// Loading the same file again gives the same hash.
	again, err := LoadIndicatorWeights(bytes.NewReader(DefaultWeightsJSON()))
	if err != nil || again.Hash() != w.Hash() {
		t.Errorf("reload: %v, hash %s vs %s", err, again.Hash(), w.Hash())
	}
}

// editedDefault returns the default configuration with edit applied.
func editedDefault(t *testing.T, edit func(*WeightsConfig)) []byte {
	t.Helper()
	var cfg WeightsConfig
	if err := json.Unmarshal(DefaultWeightsJSON(), &cfg); err != nil {
		t.Fatal(err)
	}
	edit(&cfg)
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadIndicatorWeightsRefuses(t *testing.T) {
	tests := []struct {
		name      string
		json      []byte
		field     string // a field the error must name
		inMessage string
	}{
		{
			name: "inconsistent technical matrix",
			json: editedDefault(t, func(c *WeightsConfig) {
				// type ≫ citations ≫ breadth, yet breadth ≫ type.
				c.Technical.Matrix = PairwiseMatrix{{1, 9, 9, 1}, {1.0 / 9, 1, 9, 1}, {1.0 / 9, 1.0 / 9, 1, 9}, {1, 1, 1.0 / 9, 1}}
			}),
			field: "technical", inMessage: "inconsistent pairwise matrix technical",
		},
		{
			name: "inconsistent parts matrix",
			json: editedDefault(t, func(c *WeightsConfig) {
				c.Parts.Matrix = PairwiseMatrix{{1, 9, 1.0 / 9}, {1.0 / 9, 1, 9}, {9, 1.0 / 9, 1}}
			}),
			field: "parts", inMessage: "parts",
		},
		{
			name:  "not reciprocal",
			json:  editedDefault(t, func(c *WeightsConfig) { c.Economic.Matrix[1][0] = 3 }),
			field: "economic[1][0]",
		},
		{
			name:  "unknown label",
			json:  editedDefault(t, func(c *WeightsConfig) { c.Legal.Labels[4] = "beauty" }),
			field: "legal.labels[4]",
		},
		{
			name:  "missing label",
			json:  editedDefault(t, func(c *WeightsConfig) { c.Legal.Labels[4] = "legal_status" }),
			field: "legal.labels",
		},
		{
			name:  "unknown field",
			json:  []byte(`{"name":"x","partz":{}}`),
			field: "weights",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadIndicatorWeights(bytes.NewReader(tc.json))
			if data.ErrorCode(err) != data.CodeInvalid {
				t.Fatalf("err = %v, want invalid", err)
			}
			found := false
			for _, f := range data.ErrorFields(err) {
				found = found || f.Field == tc.field
			}
			if !found {
				t.Errorf("error %v does not name %s", err, tc.field)
			}
			if !strings.Contains(data.ErrorMessage(err), tc.inMessage) {
				t.Errorf("message %q does not contain %q", data.ErrorMessage(err), tc.inMessage)
			}
		})
	}
}

// indicatorPatent is a granted invention of 2015 with 12 claims, 3
// citations, two IPC subclasses, a family of 2, implemented since 2017, one
// licence and an earlier, released pledge.
func indicatorPatent() data.Patent {
	return data.Patent{
		ApplicationNumber: "201510000001.X", Type: data.Invention, Title: "一种数控机床主轴",
		IPC:        []string{"B23Q5/10", "G05B19/18"},
		Applicants: []string{"肇庆市示例机械有限公司"}, OwnerID: "ent_x",
		FilingDate: data.NewDate(2015, time.March, 1), GrantDate: data.NewDate(2018, time.May, 4),
		ExpiryDate: data.NewDate(2035, time.March, 1), LegalStatus: data.StatusValid,
		FeesPaidThrough:  data.NewDate(2022, time.February, 28),
		ImplementedSince: data.NewDate(2017, time.June, 1),
		Claims:           12, ForwardCitations: 3, FamilySize: 2,
		History: []data.Transaction{
			{Kind: data.TxLicence, Date: data.NewDate(2019, time.January, 1), End: data.NewDate(2022, time.January, 1), Open: true},
			{Kind: data.TxPledge, Date: data.NewDate(2018, time.July, 1), End: data.NewDate(2019, time.July, 1)},
		},
	}
}

// ExampleIndicatorWeights_Value scores a granted invention of an equipment
// maker with 50 million yuan of revenue on 2021-04-23 with the default
// finance-scenario weights: each indicator's score (formulas in the
// package documentation), the three part scores and the value.
func ExampleIndicatorWeights_Value() {
	p := indicatorPatent()
	e := &data.Enterprise{ID: "ent_x", Name: "肇庆市示例机械有限公司", Financials: []data.Financials{{Year: 2020, Revenue: 50_000_000}}}
	v := DefaultIndicatorWeights().Value(&p, e, data.NewDate(2021, time.April, 23))
	for _, s := range v.Scores {
		fmt.Printf("%-9s %-18s %6.2f × %.4f  %s\n", s.Part, s.Name, s.Score, s.Weight, s.Observed)
	}
	fmt.Printf("legal %.2f, technical %.2f, economic %.2f → value %.2f\n", v.Legal, v.Technical, v.Economic, v.Value)
	// Output:
	// legal     legal_status       100.00 × 0.1715  有效，年费已缴至 2022-02-28
	// legal     remaining_term      69.27 × 0.0941  剩余 13.9 年 / 法定 20 年（2035-03-01 到期）
	// legal     stability          100.00 × 0.0941  无未结无效、诉讼或保全
	// legal     ownership          100.00 × 0.0530  单一权利人
	// legal     claims              80.00 × 0.0307  12 项权利要求
	// technical patent_type        100.00 × 0.0770  发明
	// technical forward_citations   45.53 × 0.0445  被引 3 次
	// technical ipc_breadth         60.00 × 0.0238  2 个 IPC 小类
	// technical family_size         33.33 × 0.0238  同族 2 件
	// economic  implementation     100.00 × 0.1392  已实施 3.9 年
	// economic  revenue             56.63 × 0.1392  营业收入 5000.00 万元
	// economic  market_validation   75.00 × 0.0774  许可 1 次、质押 1 次、转让 0 次
	// economic  strategic_industry 100.00 × 0.0316  2.1 智能制造装备产业
	// legal 92.09, technical 70.66, economic 79.42 → value 83.56
}

func TestIndicatorScores(t *testing.T) {
	asOf := data.NewDate(2021, time.April, 23)
	base := indicatorPatent()
	score := func(p data.Patent, revenue float64, name string) float64 {
		var c ipcCache
		in := indicatorInputs(&p, asOf, revenue, &c)
		s := in.scores()
		return s[indicatorIndex(name)]
	}
	tests := []struct {
		name string
		edit func(*data.Patent)
		ind  string
		want float64
	}{
		{"fees unpaid", func(p *data.Patent) { p.FeesPaidThrough = data.NewDate(2021, time.February, 28) }, IndLegalStatus, 50},
		{"pending", func(p *data.Patent) { p.LegalStatus = data.StatusPending }, IndLegalStatus, 30},
		{"lapsed", func(p *data.Patent) { p.LegalStatus = data.StatusLapsed }, IndLegalStatus, 0},
		{"expired", func(p *data.Patent) { p.ExpiryDate = data.NewDate(2021, time.January, 1) }, IndRemainingTerm, 0},
		{"open invalidation and litigation", func(p *data.Patent) {
			p.History = append(p.History, data.Transaction{Kind: data.TxInvalidation, Open: true}, data.Transaction{Kind: data.TxLitigation, Open: true})
		}, IndStability, 20},
		{"preservation", func(p *data.Patent) {
			p.History = append(p.History, data.Transaction{Kind: data.TxPreservation, Open: true})
		}, IndStability, 60},
		{"invalidated", func(p *data.Patent) { p.LegalStatus = data.StatusInvalidated }, IndStability, 0},
		{"co-owned with consent", func(p *data.Patent) {
			p.Applicants = append(p.Applicants, "华南理工大学")
			p.CoOwnersConsent = true
		}, IndOwnership, 70},
		{"co-owned without consent", func(p *data.Patent) { p.Applicants = append(p.Applicants, "华南理工大学") }, IndOwnership, 30},
		{"30 claims saturate", func(p *data.Patent) { p.Claims = 30 }, IndClaims, 100},
		{"design", func(p *data.Patent) { p.Type = data.Design }, IndPatentType, 40},
		{"20 citations saturate", func(p *data.Patent) { p.ForwardCitations = 20 }, IndForwardCitations, 100},
		{"no IPC", func(p *data.Patent) { p.IPC = nil }, IndIPCBreadth, 20},
		{"family of 8", func(p *data.Patent) { p.FamilySize = 8 }, IndFamilySize, 100},
		{"family of 1", func(p *data.Patent) { p.FamilySize = 1 }, IndFamilySize, 0},
		{"not implemented", func(p *data.Patent) { p.ImplementedSince = data.Date{} }, IndImplementation, 0},
		{"no history", func(p *data.Patent) { p.History = nil }, IndMarketValidation, 0},
		{"not strategic", func(p *data.Patent) { p.IPC = []string{"A47J27/00"} }, IndStrategicIndustry, 0},
	}
	for _, tc := range tests {
		p := base
		p.History = append([]data.Transaction(nil), base.History...)
		p.Applicants = append([]string(nil), base.Applicants...)
		tc.edit(&p)
		if got := score(p, 5e7, tc.ind); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: %s = %v, want %v", tc.name, tc.ind, got, tc.want)
		}
	}
	for _, tc := range []struct{ revenue, want float64 }{{0, 0}, {1e6, 0}, {1e7, 100.0 / 3}, {1e9, 100}, {1e11, 100}} {
		if got := score(base, tc.revenue, IndRevenue); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("revenue %v: %v, want %v", tc.revenue, got, tc.want)
		}
	}
}
