package app

import (
	"context"

	"ipmatch/data"
	"ipmatch/matcher"
)

// A product's reach (issue 19, 银行入库): before a bank publishes a product
// or a change to one, how many of the enterprises it may see would be
// eligible under it, and how many more each of its criteria, dropped
// alone, would let in. The counts are the pipeline's own (the same
// compiled match state and eligibility rules), over the enterprises the
// caller sees (a bank its pool and event enterprises, the organizer all).

// ReachCriterion is one criterion of a draft product and what dropping it
// alone would do.
type ReachCriterion struct {
	// Field is the product's JSON field (min_revenue, regions …).
	Field string `json:"field"`
	// Eligible is how many would be eligible without it, Adds how many
	// more than under the whole draft.
	Eligible int `json:"eligible"`
	Adds     int `json:"adds"`
}

// ProductReach is the reach of a draft product.
type ProductReach struct {
	AsOf data.Date `json:"as_of"`
	// Seen is how many enterprises the caller may see (the denominator).
	Seen int `json:"seen"`
	// Eligible is how many would be eligible under the draft; Current, for
	// a draft of a stored product (its id given), under the stored one.
	Eligible int  `json:"eligible"`
	Current  *int `json:"current,omitempty"`
	// Criteria lists the draft's criteria that are set, each with the
	// reach without it.
	Criteria []ReachCriterion `json:"criteria"`
}

// reachCriteria are the criteria a draft may set, each with how to drop
// it and whether it is set.
var reachCriteria = []struct {
	field string
	set   func(p *data.Product) bool
	drop  func(p *data.Product)
}{
	{"regions", func(p *data.Product) bool { return len(p.Regions) > 0 }, func(p *data.Product) { p.Regions = nil }},
	{"industries", func(p *data.Product) bool { return len(p.Industries) > 0 }, func(p *data.Product) { p.Industries = nil }},
	{"ipc_areas", func(p *data.Product) bool { return len(p.IPCAreas) > 0 }, func(p *data.Product) { p.IPCAreas = nil }},
	{"patent_types", func(p *data.Product) bool { return len(p.PatentTypes) > 0 }, func(p *data.Product) { p.PatentTypes = nil }},
	{"min_remaining_years", func(p *data.Product) bool { return p.MinRemainingYears != (data.ByType{}) },
		func(p *data.Product) { p.MinRemainingYears = data.ByType{} }},
	{"min_implemented_years", func(p *data.Product) bool { return p.MinImplementedYears > 0 }, func(p *data.Product) { p.MinImplementedYears = 0 }},
	{"min_enterprise_years", func(p *data.Product) bool { return p.MinEnterpriseYears > 0 }, func(p *data.Product) { p.MinEnterpriseYears = 0 }},
	{"min_revenue", func(p *data.Product) bool { return p.MinRevenue > 0 }, func(p *data.Product) { p.MinRevenue = 0 }},
	{"max_debt_ratio", func(p *data.Product) bool { return p.MaxDebtRatio > 0 }, func(p *data.Product) { p.MaxDebtRatio = 0 }},
	{"require_profit", func(p *data.Product) bool { return p.RequireProfit }, func(p *data.Product) { p.RequireProfit = false }},
	{"min_tax_grade", func(p *data.Product) bool { return p.MinTaxGrade != "" }, func(p *data.Product) { p.MinTaxGrade = "" }},
	{"required_certifications", func(p *data.Product) bool { return len(p.RequiredCerts) > 0 }, func(p *data.Product) { p.RequiredCerts = nil }},
	{"min_amount", func(p *data.Product) bool { return p.MinAmount > 0 }, func(p *data.Product) { p.MinAmount = 0 }},
}

// ReachFields lists the criteria ProductReach can drop, in its order.
func ReachFields() []string {
	out := make([]string, len(reachCriteria))
	for i, c := range reachCriteria {
		out[i] = c.field
	}
	return out
}

// ProductReach returns the reach of draft on asOf (today when zero) for
// p: a bank for a product of its own, the organizer for any bank's; an
// enterprise is refused. The draft is checked as a product would be when
// stored (invalid, naming the field); its id, when set, must name a
// product p may read, whose stored criteria give Current. Nothing is
// written.
func (a *App) ProductReach(ctx context.Context, p *Caller, draft data.Product, asOf data.Date) (*ProductReach, error) {
	switch p.Token.Role {
	case data.RoleOrganizer:
	case data.RoleBank:
		if draft.BankID == "" {
			draft.BankID = p.Token.BankID
		}
		if draft.BankID != p.Token.BankID {
			return nil, Forbidden("bank_id: a bank previews only its own products")
		}
	default:
		return nil, Forbidden("only banks and the organizer preview a product's reach")
	}
	var stored *data.Product
	if draft.ID != "" {
		var err error
		if stored, err = a.Products.get(ctx, p, draft.ID); err != nil {
			return nil, err
		}
		if stored.BankID != draft.BankID {
			return nil, data.InvalidField("bank_id", "a product stays with its bank")
		}
	}
	if err := data.ProductKind.Check([]*data.Product{&draft}); err != nil {
		return nil, err
	}
	if asOf.IsZero() {
		asOf = a.Today()
	}
	view, err := a.records.current(ctx, a.store)
	if err != nil {
		return nil, err
	}
	pools, err := All(ctx, a.store.Pools(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	count := func(prod *data.Product) (eligible, seen int, err error) {
		compiled, err := a.compiledFor(ctx, view, asOf, prod.IPCAreas)
		if err != nil {
			return 0, 0, err
		}
		var s *matcher.Seen
		if p.Is(data.RoleBank) {
			if s, err = seenBy(ctx, &a.seen, a.policy, compiled, p.Token.BankID); err != nil {
				return 0, 0, err
			}
		}
		// Counts only: neither ranked nor kept among the rankings, whose
		// room is for the pipelines banks page through.
		return compiled.CountEligible(ctx, prod, pools, s)
	}
	out := &ProductReach{AsOf: asOf, Criteria: []ReachCriterion{}}
	// The draft counts as active: its reach is what publishing it gives.
	draft.Active = true
	if out.Eligible, out.Seen, err = count(&draft); err != nil {
		return nil, err
	}
	if stored != nil {
		cur := *stored
		cur.Active = true
		n, _, err := count(&cur)
		if err != nil {
			return nil, err
		}
		out.Current = &n
	}
	for _, c := range reachCriteria {
		if !c.set(&draft) {
			continue
		}
		relaxed := draft
		c.drop(&relaxed)
		n, _, err := count(&relaxed)
		if err != nil {
			return nil, err
		}
		out.Criteria = append(out.Criteria, ReachCriterion{Field: c.field, Eligible: n, Adds: n - out.Eligible})
	}
	return out, nil
}
