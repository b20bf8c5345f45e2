package data_test

import (
	"testing"

	"ipmatch/data"
)

// TestPolicyValidate: bad policies are refused naming the field.
func TestPolicyValidate(t *testing.T) {
	good := func() data.Policy {
		return data.Policy{Name: "贴息", Issuer: "肇庆市市场监督管理局", Region: "441200",
			Source:   data.PolicySource{URL: "https://example.gov.cn/p", Title: "办法"},
			Interest: &data.InterestSubsidy{Share: 0.4, CapPerEnterpriseYear: 500_000}}
	}
	p := good()
	p.Normalize()
	if err := p.Validate(); err != nil {
		t.Fatalf("good policy: %v", err)
	}
	cases := []struct {
		field string
		spoil func(*data.Policy)
	}{
		{"name", func(p *data.Policy) { p.Name = "" }},
		{"region", func(p *data.Policy) { p.Region = "999999" }},
		{"source.url", func(p *data.Policy) { p.Source.URL = "not a url" }},
		{"source.title", func(p *data.Policy) { p.Source.Title = "" }},
		{"interest.share", func(p *data.Policy) { p.Interest.Share = 1.5 }},
		{"interest.cap_per_enterprise_year", func(p *data.Policy) { p.Interest.CapPerEnterpriseYear = -1 }},
		{"interest", func(p *data.Policy) { p.Interest = nil }},
		{"risk_share", func(p *data.Policy) { p.RiskShare = 2 }},
		{"appraisal_fee.share", func(p *data.Policy) { p.Appraisal = &data.FeeSubsidy{} }},
		{"eligibility.certifications[0]", func(p *data.Policy) { p.Eligibility.Certs = []data.Certification{"gold"} }},
		{"assumption_notes", func(p *data.Policy) { p.Assumption = true }},
	}
	for _, c := range cases {
		p := good()
		c.spoil(&p)
		p.Normalize()
		err := p.Validate()
		found := false
		for _, f := range data.ErrorFields(err) {
			found = found || f.Field == c.field
		}
		if !found {
			t.Errorf("%s: error %v does not name the field", c.field, err)
		}
	}
}
