package app

import (
	"context"
	"slices"

	"ipmatch/data"
	"ipmatch/matcher"
)

// Support policies (政策宣传) and the subsidies they pay (issue 19): the
// policies are public records the organizer writes; the subsidies are
// computed by the matcher (subsidy.go) for each match, each deal, and,
// summed, for the organizer's view of each policy's yearly budget.

func policyResource(store data.Store, pol *policy) *Resource[data.Policy] {
	return &Resource[data.Policy]{store: store,
		kind: data.PolicyKind, table: data.Store.Policies,
		idField: "id", generated: true, normID: sameID,
		refs:  map[string]func(*data.Refs) *string{"pool_id": refPool},
		rules: readAllOrganizerWrites[data.Policy]("support policies"),
	}
}

// PublicPolicies returns every support policy, for the public pages that
// anyone may read before applying (no caller: policies are published).
func (a *App) PublicPolicies(ctx context.Context) ([]data.Policy, error) {
	return All(ctx, a.store.Policies(), data.ListOptions{})
}

// PublicPolicy returns the support policy id, or not_found.
func (a *App) PublicPolicy(ctx context.Context, id string) (data.Policy, error) {
	return a.store.Policies().Get(ctx, id)
}

// applySubsidies sets each match's subsidies and net rate from every
// policy in force, for enterprise e.
func (a *App) applySubsidies(ctx context.Context, e *data.Enterprise, products []data.Product, res *matcher.EnterpriseMatches, asOf data.Date) error {
	pols, err := a.PublicPolicies(ctx)
	if err != nil {
		return err
	}
	byID := make(map[string]*data.Product, len(products))
	for i := range products {
		byID[products[i].ID] = &products[i]
	}
	for i := range res.Matches {
		m := &res.Matches[i]
		if pr := byID[m.ProductID]; pr != nil {
			matcher.ApplySubsidies(m, pols, e, pr, asOf)
		}
	}
	return nil
}

// DealSubsidies are the subsidies the enterprise of a deal may claim a
// year on it, and its net financing cost after them.
type DealSubsidies struct {
	DealID string     `json:"deal_id"`
	Stage  data.Stage `json:"stage"`
	Amount int64      `json:"amount"`
	// AsOf is the day of the rate: the disbursement, else the as-of day.
	AsOf      data.Date         `json:"as_of"`
	Rate      float64           `json:"rate"`
	NetRate   float64           `json:"net_rate"`
	Subsidies []matcher.Subsidy `json:"subsidies"`
}

// dealSubsidies computes d's subsidies with the policies, its product and
// enterprise; the rate is the one-year LPR on the disbursement day (asOf
// when not disbursed) plus the product's spread.
func dealSubsidies(d *data.Deal, pols []data.Policy, pr *data.Product, e *data.Enterprise, asOf data.Date) (DealSubsidies, error) {
	out := DealSubsidies{DealID: d.ID, Stage: d.Stage, Amount: d.Amount, AsOf: asOf, Subsidies: []matcher.Subsidy{}}
	if on, ok := d.DisbursedOn(); ok {
		out.AsOf = on
	}
	if pr == nil || e == nil {
		return out, nil
	}
	q, err := matcher.LPROn(out.AsOf)
	if err != nil {
		return out, err
	}
	out.Rate = q.OneYear + float64(pr.SpreadBP)/1e4
	out.Subsidies, out.NetRate = matcher.Subsidies(pols, e, pr, matcher.Loan{Amount: d.Amount, Rate: out.Rate, SpreadBP: pr.SpreadBP}, out.AsOf)
	return out, nil
}

// DealSubsidies returns the subsidies of deal id as of asOf (today when
// zero), for p, who must be able to read the deal.
func (a *App) DealSubsidies(ctx context.Context, p *Caller, id string, asOf data.Date) (*DealSubsidies, error) {
	d, err := a.Deals.get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if asOf.IsZero() {
		asOf = a.Today()
	}
	pols, err := a.PublicPolicies(ctx)
	if err != nil {
		return nil, err
	}
	pr, err := a.store.Products().Get(ctx, d.ProductID)
	if err != nil {
		return nil, err
	}
	e, err := a.store.Enterprises().Get(ctx, d.EnterpriseID)
	if err != nil {
		return nil, err
	}
	out, err := dealSubsidies(d, pols, &pr, &e, asOf)
	return &out, err
}

// PolicyBudget is one policy's subsidy budget in a year: Used is what the
// deals disbursed that year may claim for it (a full year's subsidy each),
// Committed what the deals filed or accepted would claim once disbursed,
// Remaining the budget less both (0 budget: not stated, no remainder).
type PolicyBudget struct {
	PolicyID       string `json:"policy_id"`
	Name           string `json:"name"`
	Budget         int64  `json:"budget"`
	Used           int64  `json:"used"`
	UsedDeals      int    `json:"used_deals"`
	Committed      int64  `json:"committed"`
	CommittedDeals int    `json:"committed_deals"`
	Remaining      int64  `json:"remaining"`
	Over           bool   `json:"over,omitzero"`
}

// SubsidyBudget is the organizer's view of the policies' budgets in Year.
type SubsidyBudget struct {
	Year     int            `json:"year"`
	AsOf     data.Date      `json:"as_of"`
	Policies []PolicyBudget `json:"policies"`
}

// usedStages are the stages of a loan that has been paid out.
var usedStages = []data.Stage{data.StageDisbursed, data.StagePledgeRegistered, data.StageRepaid, data.StageCompensated}

// committedStages are the stages of a loan the bank has taken on.
var committedStages = []data.Stage{data.StageFiled, data.StageAccepted}

// SubsidyBudget sums, for each policy, the subsidies of the deals used and
// committed in year (the as-of day's year when 0). Only the organizer may
// read it.
func (a *App) SubsidyBudget(ctx context.Context, p *Caller, year int) (*SubsidyBudget, error) {
	if err := organizerOnly(p, "read the subsidy budget"); err != nil {
		return nil, err
	}
	asOf := a.Today()
	if year == 0 {
		year = int(asOf.Year)
	}
	if year < 2000 || year > 2100 {
		return nil, data.InvalidField("year", "%d must be from 2000 to 2100", year)
	}
	pols, err := a.PublicPolicies(ctx)
	if err != nil {
		return nil, err
	}
	deals, err := All(ctx, a.store.Deals(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	products, err := All(ctx, a.store.Products(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	ents, err := All(ctx, a.store.Enterprises(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	prod := make(map[string]*data.Product, len(products))
	for i := range products {
		prod[products[i].ID] = &products[i]
	}
	ent := make(map[string]*data.Enterprise, len(ents))
	for i := range ents {
		ent[ents[i].ID] = &ents[i]
	}
	out := &SubsidyBudget{Year: year, AsOf: asOf, Policies: make([]PolicyBudget, len(pols))}
	idx := make(map[string]int, len(pols))
	for i, pol := range pols {
		out.Policies[i] = PolicyBudget{PolicyID: pol.ID, Name: pol.Name, Budget: pol.BudgetPerYear}
		idx[pol.ID] = i
	}
	for i := range deals {
		d := &deals[i]
		used := slices.Contains(usedStages, d.Stage)
		if used {
			on, ok := d.DisbursedOn()
			if !ok || int(on.Year) != year {
				continue
			}
		} else if !slices.Contains(committedStages, d.Stage) {
			continue
		}
		ds, err := dealSubsidies(d, pols, prod[d.ProductID], ent[d.EnterpriseID], asOf)
		if err != nil {
			return nil, err
		}
		counted := map[string]bool{}
		for _, s := range ds.Subsidies {
			b := &out.Policies[idx[s.PolicyID]]
			if used {
				b.Used += s.Amount
			} else {
				b.Committed += s.Amount
			}
			if !counted[s.PolicyID] {
				counted[s.PolicyID] = true
				if used {
					b.UsedDeals++
				} else {
					b.CommittedDeals++
				}
			}
		}
	}
	for i := range out.Policies {
		b := &out.Policies[i]
		if b.Budget > 0 {
			b.Remaining = max(b.Budget-b.Used-b.Committed, 0)
			b.Over = b.Used+b.Committed > b.Budget
		}
	}
	return out, nil
}
