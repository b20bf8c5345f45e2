package api

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"ipmatch/data"
	"ipmatch/matcher"
)

// incomeRequest is the body of POST /api/v1/valuations/income. The rates
// are pointers so that a missing one is told apart from 0.
type incomeRequest struct {
	CashFlows    []float64 `json:"cash_flows"`
	ShareRate    *float64  `json:"share_rate"`
	TaxRate      *float64  `json:"tax_rate"`
	DiscountRate *float64  `json:"discount_rate"`
}

// incomeBody is the answer of POST /api/v1/valuations/income.
type incomeBody struct {
	matcher.IncomeResult
	Formula      string                 `json:"formula"`
	Inputs       matcher.IncomeScenario `json:"inputs"`
	ModelVersion string                 `json:"model_version"`
}

// maxCashFlows bounds the years of an income scenario.
const maxCashFlows = 100

// incomeValuation handles POST /api/v1/valuations/income: the present
// value of cash flows by the income approach (收益法, 分成法) and its
// yearly breakdown. Missing rates, negative rates, a tax rate of 1 or
// more, a share above 1 and empty or negative cash flows are refused with
// 422 naming the field.
func (h *matchHandlers) incomeValuation(c *gin.Context) error {
	var req incomeRequest
	if err := h.s.decode(c, &req); err != nil {
		return err
	}
	var missing []data.FieldError
	for name, v := range map[string]*float64{"share_rate": req.ShareRate, "tax_rate": req.TaxRate, "discount_rate": req.DiscountRate} {
		if v == nil {
			missing = append(missing, data.FieldError{Field: name, Reason: "is required"})
		}
	}
	if len(req.CashFlows) > maxCashFlows {
		missing = append(missing, data.FieldError{Field: "cash_flows", Reason: "at most " + strconv.Itoa(maxCashFlows) + " years"})
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
		return &data.Error{Code: data.CodeInvalid, Message: "invalid income scenario", Fields: fields}
	}
	writeJSON(c, http.StatusOK, incomeBody{IncomeResult: res, Formula: "PV = Σ_t CF_t × share_rate × (1 − tax_rate) / (1 + discount_rate)^t",
		Inputs: s, ModelVersion: matcher.ModelVersion})
	return nil
}

// maxValuationDraws bounds the draws a caller may ask for.
const maxValuationDraws = 100_000

// enterpriseValuation handles GET /api/v1/enterprises/{id}/valuation: the
// indicator value of each of the enterprise's patents and the Monte Carlo
// income-approach valuation of its portfolio (P10/P50/P90 per patent and
// of the portfolio) with every parameter. Parameters: as_of, seed, draws
// (at most 100,000).
func (h *matchHandlers) enterpriseValuation(c *gin.Context) error {
	ctx, p := c.Request.Context(), caller(c)
	params, asOf, err := h.matchParams(c, "as_of", "seed", "draws")
	if err != nil {
		return err
	}
	var opts matcher.ValuationOptions
	if opts.Draws, err = matchIntParam(params, "draws", 0, 1, maxValuationDraws); err != nil {
		return err
	}
	if v, ok := params["seed"]; ok {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return malformedField("seed", "must be a non-negative integer, not %q", v)
		}
		opts.Seed = &seed
	}
	e, err := enterpriseResource(h.s.policy).get(ctx, h.s.store, p, c.Param("id"))
	if err != nil {
		return err
	}
	patents, err := all(ctx, h.s.store.Patents(), data.ListOptions{Refs: data.Refs{Enterprise: e.ID}})
	if err != nil {
		return err
	}
	v, err := h.m.ValueEnterprise(ctx, e, patents, asOf, opts)
	if err != nil {
		return err
	}
	redactValuation(p, e, &v)
	writeJSON(c, http.StatusOK, v)
	return nil
}
