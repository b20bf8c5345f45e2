package storetest

import (
	"fmt"
	"testing"

	"ipmatch/data"
)

// Policy returns a valid interest-subsidy policy numbered i.
func Policy(i int) data.Policy {
	return data.Policy{Name: fmt.Sprintf("贴息政策 %d", i), Issuer: "肇庆市市场监督管理局", Region: "441200",
		Source:      data.PolicySource{URL: "https://example.gov.cn/policy", Title: "测试政策"},
		Interest:    &data.InterestSubsidy{Share: 0.4, CapPerEnterpriseYear: 500_000},
		Eligibility: data.PolicyEligibility{Regions: []string{"4412"}}}
}

// runPolicies runs the support policies' cases of Run.
func runPolicies(t *testing.T, open func(t *testing.T) data.Store) {
	t.Run("policies", func(t *testing.T) {
		runKind(t, open, kindCase[data.Policy]{
			kind: data.PolicyKind, table: data.Store.Policies, gen: Policy,
			change: func(p *data.Policy) { p.BudgetPerYear = 2_000_000 },
			spoil:  func(p *data.Policy) string { p.Source.URL = "ftp://x"; return "source.url" },
		})
	})
}
