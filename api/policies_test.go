package api

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/data/demo"
	"ipmatch/matcher"
)

// TestPolicySubsidiesDemo: on the demo, every match of an enterprise
// carries subsidies and net_rate, an eligible match in Zhaoqing's pool
// gets the interest subsidy with net_rate = rate − its points; a deal's
// subsidies follow the same rule; and the organizer's budget sums the
// demo's deals.
func TestPolicySubsidiesDemo(t *testing.T) {
	f := newDemoFixture(t, Config{AsOf: demo.AsOf})
	w := f.do(matchEnt7Token, "GET", "/api/v1/enterprises/ent_0007/matches?"+matchAsOfParam, nil)
	var raw struct {
		Matches []map[string]json.RawMessage `json:"matches"`
	}
	decodeBody(t, w, http.StatusOK, &raw)
	for i, m := range raw.Matches {
		if m["subsidies"] == nil || m["net_rate"] == nil {
			t.Fatalf("match %d lacks subsidies or net_rate: %s", i, m["product_id"])
		}
	}
	var res app.Matches
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	subsidised := 0
	for _, m := range res.Matches {
		var points float64
		for _, s := range m.Subsidies {
			points += s.Points
			if s.PolicyID == demo.PolicyZhaoqingRisk {
				t.Errorf("%s: the risk compensation pays the bank, not the enterprise", m.ProductID)
			}
		}
		if math.Abs(m.Rate-points-m.NetRate) > 1e-4 {
			t.Errorf("%s: net_rate %v ≠ rate %v − points %v", m.ProductID, m.NetRate, m.Rate, points)
		}
		if !m.Eligible && len(m.Subsidies) > 0 {
			t.Errorf("%s: an ineligible match has subsidies", m.ProductID)
		}
		if m.Eligible && len(m.Subsidies) > 0 {
			if subsidised == 0 {
				t.Logf("best subsidised match of ent_0007: %s (rank %d), %d yuan at %.2f %%, subsidy %d yuan a year, net %.2f %%",
					m.ProductName, m.Rank, m.EstimatedAmount, m.Rate*100, m.Subsidies[0].Amount, m.NetRate*100)
			}
			subsidised++
			s := m.Subsidies[0]
			// 40 % of a year's interest on the estimated amount, under 50 万元.
			want := int64(math.Round(0.4 * float64(m.EstimatedAmount) * m.Rate))
			if s.PolicyID != demo.PolicyInterestSubsidy || s.Kind != matcher.SubsidyInterest || (s.Amount != min(want, 500_000)) {
				t.Errorf("%s: subsidy %+v, want 40%% of %d × %v = %d", m.ProductID, s, m.EstimatedAmount, m.Rate, want)
			}
			if m.NetRate >= m.Rate {
				t.Errorf("%s: net rate %v not below rate %v", m.ProductID, m.NetRate, m.Rate)
			}
		}
	}
	if subsidised == 0 {
		t.Fatal("no match of ent_0007 is subsidised on the demo")
	}

	// The budget view sums the demo's deals' subsidies.
	var budget app.SubsidyBudget
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/subsidies/budget?year=2021", nil), http.StatusOK, &budget)
	var deals struct {
		Items []data.Deal `json:"items"`
	}
	decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/deals?size=500", nil), http.StatusOK, &deals)
	var used, committed int64
	for _, d := range deals.Items {
		var ds app.DealSubsidies
		decodeBody(t, f.do(matchOrgToken, "GET", "/api/v1/deals/"+d.ID+"/subsidies?"+matchAsOfParam, nil), http.StatusOK, &ds)
		var sum int64
		for _, s := range ds.Subsidies {
			if s.PolicyID == demo.PolicyInterestSubsidy {
				sum += s.Amount
			}
		}
		switch d.Stage {
		case data.StageDisbursed, data.StagePledgeRegistered, data.StageRepaid, data.StageCompensated:
			if on, ok := d.DisbursedOn(); ok && on.Year == 2021 {
				used += sum
			}
		case data.StageFiled, data.StageAccepted:
			committed += sum
		}
	}
	i := slices.IndexFunc(budget.Policies, func(b app.PolicyBudget) bool { return b.PolicyID == demo.PolicyInterestSubsidy })
	if i < 0 {
		t.Fatalf("the budget lacks the interest subsidy: %+v", budget)
	}
	b := budget.Policies[i]
	if b.Used != used || b.Committed != committed || b.Budget != 2_000_000 {
		t.Errorf("budget %+v, want used %d, committed %d of 2,000,000", b, used, committed)
	}
	if used+committed == 0 {
		t.Error("the demo's deals claim no subsidy")
	}
	t.Logf("2021 interest-subsidy budget: used %d (%d deals), committed %d (%d deals), remaining %d", b.Used, b.UsedDeals, b.Committed, b.CommittedDeals, b.Remaining)
	wantError(t, f.do(matchEnt7Token, "GET", "/api/v1/subsidies/budget", nil), http.StatusForbidden, data.CodeForbidden)
}

// TestPolicyPagesPublic: the policy pages render without sign-in, in
// Chinese, with the source; the enterprise sees the net rate of its
// matches; the organizer sees the budget.
func TestPolicyPagesPublic(t *testing.T) {
	f := newDemoFixture(t, Config{AsOf: demo.AsOf})
	anon := newBrowser(f)
	w, _ := anon.get("/policies")
	page := htmlPage(t, w, http.StatusOK)
	for _, want := range []string{"扶持政策", "肇庆市知识产权质押融资风险补偿管理办法（试行）", "贴息", "/policies/" + demo.PolicyInterestSubsidy} {
		if !strings.Contains(page, want) {
			t.Errorf("/policies lacks %q", want)
		}
	}
	w, _ = anon.get("/policies/" + demo.PolicyInterestSubsidy)
	page = htmlPage(t, w, http.StatusOK)
	for _, want := range []string{"按实际支付利息的 40%", "50 万元", "www.beijing.gov.cn", "示例假设"} {
		if !strings.Contains(page, want) {
			t.Errorf("the policy page lacks %q", want)
		}
	}
	w, _ = anon.get("/policies/policy_missing")
	htmlPage(t, w, http.StatusNotFound)

	ent := newBrowser(f)
	ent.signIn(matchEnt7Token)
	w, _ = ent.get("/app/enterprise?" + matchAsOfParam)
	if page := htmlPage(t, w, http.StatusOK); !strings.Contains(page, "贴息后年化成本") {
		t.Error("the enterprise's matches lack the net rate")
	}
	org := newBrowser(f)
	org.signIn(matchOrgToken)
	w, _ = org.get("/app/organizer")
	if page := htmlPage(t, w, http.StatusOK); !strings.Contains(page, "扶持政策补贴预算") {
		t.Error("the organizer's page lacks the subsidy budget")
	}
}

// TestPolicyInputRefused: a bad policy is refused naming the field, and
// nothing is stored.
func TestPolicyInputRefused(t *testing.T) {
	f := newDemoFixture(t, Config{AsOf: demo.AsOf})
	before := f.snapshot()
	for field, body := range map[string]string{
		"interest.share": `{"name":"贴息","issuer":"市局","region":"4412","source":{"url":"https://example.gov.cn/p","title":"办法"},"interest":{"share":1.5}}`,
		"source.url":     `{"name":"贴息","issuer":"市局","region":"4412","source":{"url":"ftp://x","title":"办法"},"interest":{"share":0.4}}`,
		"region":         `{"name":"贴息","issuer":"市局","region":"9999","source":{"url":"https://example.gov.cn/p","title":"办法"},"interest":{"share":0.4}}`,
	} {
		env := wantError(t, f.do(matchOrgToken, "POST", "/api/v1/policies", body), http.StatusUnprocessableEntity, data.CodeInvalid)
		if !env.hasField(field) {
			t.Errorf("refusal does not name %s", field)
		}
	}
	f.unchanged(before)
}
