package app

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"ipmatch/data"
	"ipmatch/matcher"
)

// The matching operations. Access:
//
//   - EnterpriseMatches: the enterprise itself (another enterprise's id is
//     not found) and the organizer; a bank is refused (403): banks see
//     enterprises through their products' pipelines.
//   - Pipeline: the bank owning the product (another bank's product is not
//     found, as in policy.go) and the organizer; an enterprise is refused
//     (403). A bank's pipeline holds only the enterprises it may see
//     (policy.go's bankSees: pool or event consent).
//   - Valuation: whoever may read the enterprise (policy.go's enterprise
//     rules).
//   - IncomeValuation: any caller; it reads no record.
//
// Every answer is computed on request from the stored records as of a
// given date, and carries the matcher's model version and parameters so
// that it can be reproduced. Every answer that shows an enterprise to a
// caller is redacted by consent.go.

// Matches is the answer of EnterpriseMatches: the products ranked for the
// enterprise, with the records they were computed from.
type Matches struct {
	matcher.EnterpriseMatches
	// Products counts the products checked (those the caller may see).
	Products int `json:"products"`
	// Enterprise and Patents are the records matched (not in the JSON
	// answer, which names the enterprise by ID).
	Enterprise *data.Enterprise `json:"-"`
	Patents    []data.Patent    `json:"-"`
}

// EnterpriseMatches checks and ranks every product p may see for the
// enterprise id, as of asOf, with reasons, loan estimates and the
// valuation behind them; onlyEligible keeps the eligible products only.
// The one call behind GET /enterprises/{id}/matches and the enterprise's
// page.
func (a *App) EnterpriseMatches(ctx context.Context, p *Caller, id string, asOf data.Date, onlyEligible bool) (Matches, error) {
	if err := MayMatch(p); err != nil {
		return Matches{}, err
	}
	e, err := a.Enterprises.get(ctx, p, id)
	if err != nil {
		return Matches{}, err
	}
	patents, err := a.PatentsOf(ctx, e.ID)
	if err != nil {
		return Matches{}, err
	}
	products, err := a.VisibleProducts(ctx, p)
	if err != nil {
		return Matches{}, err
	}
	res, err := a.MatchEnterprise(ctx, e, patents, products, asOf)
	if err != nil {
		return Matches{}, err
	}
	if onlyEligible {
		res.Matches = slices.DeleteFunc(res.Matches, func(m matcher.Match) bool { return !m.Eligible })
	}
	return Matches{EnterpriseMatches: res, Products: len(products), Enterprise: e, Patents: patents}, nil
}

// MayMatch is the role check EnterpriseMatches opens with: a bank is
// refused, whatever it asks. Exported so that a door can refuse before it
// reads the request's parameters, as the operation would.
func MayMatch(p *Caller) error {
	if p.Is(data.RoleBank) {
		return Forbidden("a bank sees enterprises through its products' pipelines (GET /api/v1/products/{id}/pipeline), not an enterprise's matches")
	}
	return nil
}

// MayPipeline is the role check Pipeline opens with: an enterprise is
// refused (see MayMatch for why it is exported).
func MayPipeline(p *Caller) error {
	if p.Is(data.RoleCompany) {
		return Forbidden("only the bank owning a product and the organizer may see its pipeline")
	}
	return nil
}

// PatentsOf returns the patents enterprise id owns. The caller has read
// the enterprise: its patents are readable with it (policy.go).
func (a *App) PatentsOf(ctx context.Context, id string) ([]data.Patent, error) {
	return All(ctx, a.store.Patents(), data.ListOptions{Refs: data.Refs{Enterprise: id}})
}

// VisibleProducts returns the products p may read (policy.go's product
// rules: an enterprise sees active products only).
func (a *App) VisibleProducts(ctx context.Context, p *Caller) ([]data.Product, error) {
	products, err := All(ctx, a.store.Products(), data.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := products[:0]
	for i := range products {
		ok, err := a.Products.rules.visible(ctx, p, &products[i])
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, products[i])
		}
	}
	return out, nil
}

// MatchEnterprise ranks products for enterprise e and its patents as of
// asOf, with every pool and e's recorded appraisals: the one call behind
// the enterprise's matches, the product search's eligibility and the
// wishes' fixes, so they cannot disagree. The caller has read e and the
// products.
func (a *App) MatchEnterprise(ctx context.Context, e *data.Enterprise, patents []data.Patent, products []data.Product, asOf data.Date) (matcher.EnterpriseMatches, error) {
	pools, err := All(ctx, a.store.Pools(), data.ListOptions{})
	if err != nil {
		return matcher.EnterpriseMatches{}, err
	}
	apprs, err := appraisalsOf(ctx, a.store, []string{e.ID})
	if err != nil {
		return matcher.EnterpriseMatches{}, err
	}
	res, err := a.model.MatchEnterprise(ctx, matcher.EnterpriseRequest{Enterprise: e, Patents: patents, Products: products, Pools: pools,
		Appraisals: apprs, AsOf: asOf})
	if err != nil {
		return res, err
	}
	return res, a.applySubsidies(ctx, e, products, &res, asOf) // subsidies.go
}

// PipelineQuery selects a window of a product's pipeline.
type PipelineQuery struct {
	AsOf         data.Date
	EligibleOnly bool
	Offset       int
	Limit        int
}

// Pipeline ranks the enterprises p may see for product id, with the
// expected loss net of the pool's share and every score's parts, redacted
// for p (consent.go). The one call behind GET /products/{id}/pipeline, the
// pipeline page and its downloads.
func (a *App) Pipeline(ctx context.Context, p *Caller, id string, q PipelineQuery) (*data.Product, matcher.ProductPipeline, error) {
	if err := MayPipeline(p); err != nil {
		return nil, matcher.ProductPipeline{}, err
	}
	prod, err := a.Products.get(ctx, p, id)
	if err != nil {
		return nil, matcher.ProductPipeline{}, err
	}
	view, err := a.records.current(ctx, a.store)
	if err != nil {
		return nil, matcher.ProductPipeline{}, err
	}
	compiled, err := a.compiledFor(ctx, view, q.AsOf, prod.IPCAreas)
	if err != nil {
		return nil, matcher.ProductPipeline{}, err
	}
	var seen *matcher.Seen // nil: the organizer sees every enterprise
	if p.Is(data.RoleBank) {
		if seen, err = seenBy(ctx, &a.seen, a.policy, compiled, p.Token.BankID); err != nil {
			return nil, matcher.ProductPipeline{}, err
		}
	}
	pools, err := All(ctx, a.store.Pools(), data.ListOptions{})
	if err != nil {
		return nil, matcher.ProductPipeline{}, err
	}
	ranking, err := rank(ctx, &a.rankings, compiled, prod, pools)
	if err != nil {
		return nil, matcher.ProductPipeline{}, err
	}
	res, err := ranking.Page(ctx, seen, q.EligibleOnly, q.Offset, q.Limit)
	if err != nil {
		return nil, matcher.ProductPipeline{}, err
	}
	page := make([]data.Enterprise, 0, len(res.Matches))
	for _, m := range res.Matches {
		if e := view.enterprise(m.EnterpriseID); e != nil {
			page = append(page, *e)
		}
	}
	redactMatches(p, page, res.Matches)
	return prod, res, nil
}

// MaxValuationDraws bounds the Monte Carlo draws a caller may ask for:
// 100,000 draws already give percentiles stable to a fraction of a
// percent, and bound one request's work.
const MaxValuationDraws = 100_000

// Valuation returns the indicator value of each of enterprise id's patents
// and the Monte Carlo income-approach valuation of its portfolio
// (P10/P50/P90 per patent and of the portfolio) with every parameter, as
// p may see it.
func (a *App) Valuation(ctx context.Context, p *Caller, id string, asOf data.Date, opts matcher.ValuationOptions) (matcher.EnterpriseValuation, error) {
	e, err := a.Enterprises.get(ctx, p, id)
	if err != nil {
		return matcher.EnterpriseValuation{}, err
	}
	patents, err := a.PatentsOf(ctx, e.ID)
	if err != nil {
		return matcher.EnterpriseValuation{}, err
	}
	v, err := a.valuations.value(ctx, a.model, e, patents, asOf, opts)
	if err != nil {
		return matcher.EnterpriseValuation{}, err
	}
	redactValuation(p, e, &v)
	return v, nil
}

// ValuationOptions reads the seed and draws parameters of a valuation.
func ValuationOptions(params map[string]string) (matcher.ValuationOptions, error) {
	var opts matcher.ValuationOptions
	var err error
	if opts.Draws, err = IntParam(params, "draws", 0, 1, MaxValuationDraws); err != nil {
		return opts, err
	}
	if v, ok := params["seed"]; ok {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return opts, data.MalformedField("seed", "must be a non-negative integer, not %q", v)
		}
		opts.Seed = &seed
	}
	return opts, nil
}

// IncomeRequest is an income-approach scenario. The rates are pointers so
// that a missing one is told apart from 0.
type IncomeRequest struct {
	CashFlows    []float64 `json:"cash_flows"`
	ShareRate    *float64  `json:"share_rate"`
	TaxRate      *float64  `json:"tax_rate"`
	DiscountRate *float64  `json:"discount_rate"`
}

// IncomeAnswer is the present value of an IncomeRequest with its formula.
type IncomeAnswer struct {
	matcher.IncomeResult
	Formula      string                 `json:"formula"`
	Inputs       matcher.IncomeScenario `json:"inputs"`
	ModelVersion string                 `json:"model_version"`
}

// MaxCashFlows bounds the years of an income scenario: a patent's legal
// term is at most 20 years, so 100 leaves room for any sensible use.
const MaxCashFlows = 100

// IncomeValuation computes the present value of cash flows by the income
// approach (收益法, 分成法) and its yearly breakdown. Missing rates,
// negative rates, a tax rate of 1 or more, a share above 1 and empty or
// negative cash flows are invalid, naming every field at fault.
func IncomeValuation(req IncomeRequest) (IncomeAnswer, error) {
	var missing []data.FieldError
	for name, v := range map[string]*float64{"share_rate": req.ShareRate, "tax_rate": req.TaxRate, "discount_rate": req.DiscountRate} {
		if v == nil {
			missing = append(missing, data.FieldError{Field: name, Reason: "is required"})
		}
	}
	if len(req.CashFlows) > MaxCashFlows {
		missing = append(missing, data.FieldError{Field: "cash_flows", Reason: "at most " + strconv.Itoa(MaxCashFlows) + " years"})
	}
	val := func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	}
	s := matcher.IncomeScenario{CashFlows: req.CashFlows, ShareRate: val(req.ShareRate), TaxRate: val(req.TaxRate), DiscountRate: val(req.DiscountRate)}
	res, err := matcher.PresentValue(s)
	if err != nil || len(missing) > 0 {
		fields := append(missing, data.ErrorFields(err)...)
		slices.SortFunc(fields, func(a, b data.FieldError) int { return cmp.Compare(a.Field, b.Field) })
		return IncomeAnswer{}, &data.Error{Code: data.CodeInvalid, Message: "invalid income scenario", Fields: fields}
	}
	return IncomeAnswer{IncomeResult: res, Formula: "PV = Σ_t CF_t × share_rate × (1 − tax_rate) / (1 + discount_rate)^t",
		Inputs: s, ModelVersion: matcher.ModelVersion}, nil
}

// ProductRow is an enterprise's row of the pipeline of one product.
type ProductRow struct {
	Product data.Product
	Match   matcher.Match
}

// BankRows returns enterprise id as bank p sees it and its row of the
// pipeline of each of the bank's active products, as of asOf. Only a bank
// asks; an enterprise it may not see is not found. Rather than ranking
// every enterprise the bank sees and picking this one's row, the matcher
// is asked about this enterprise alone: a row depends only on the pair
// (eligibility, amount, score, PD/LGD/EL), never on the other candidates;
// only the rank does, and a row carries none.
func (a *App) BankRows(ctx context.Context, p *Caller, id string, asOf data.Date) (*data.Enterprise, []ProductRow, error) {
	if !p.Is(data.RoleBank) {
		return nil, nil, Forbidden("only a bank sees an enterprise's rows of its products' pipelines")
	}
	e, err := a.Enterprises.get(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	products, err := All(ctx, a.store.Products(), data.ListOptions{Refs: data.Refs{Bank: p.Token.BankID}})
	if err != nil {
		return nil, nil, err
	}
	products = slices.DeleteFunc(products, func(pr data.Product) bool { return !pr.Active || pr.BankID != p.Token.BankID })
	slices.SortFunc(products, func(a, b data.Product) int { return cmp.Compare(a.ID, b.ID) })
	var rows []ProductRow
	if len(products) > 0 {
		ents := []data.Enterprise{*e}
		patents, err := a.PatentsOf(ctx, e.ID)
		if err != nil {
			return nil, nil, err
		}
		pools, err := All(ctx, a.store.Pools(), data.ListOptions{})
		if err != nil {
			return nil, nil, err
		}
		apprs, err := appraisalsOf(ctx, a.store, []string{e.ID})
		if err != nil {
			return nil, nil, err
		}
		for i := range products {
			res, err := a.model.Pipeline(ctx, matcher.PipelineRequest{Product: &products[i], Pools: pools, Enterprises: ents,
				Patents: patents, Appraisals: apprs, AsOf: asOf})
			if err != nil {
				return nil, nil, err
			}
			redactMatches(p, ents, res.Matches)
			for _, m := range res.Matches {
				if m.EnterpriseID == e.ID {
					rows = append(rows, ProductRow{Product: products[i], Match: m})
				}
			}
		}
	}
	a.Enterprises.present(p, e)
	return e, rows, nil
}
