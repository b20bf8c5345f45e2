package app

import (
	"context"
	"strconv"

	"ipmatch/data"
	"ipmatch/matcher"
)

// PoolRiskAggregate is what a bank sees of a pool's risk: the aggregate
// figures, without the loans and claims of other banks.
type PoolRiskAggregate struct {
	PoolID           string  `json:"pool_id"`
	Size             int64   `json:"size"`
	FundShare        float64 `json:"fund_share"`
	Leverage         float64 `json:"leverage"`
	PerLoanCap       int64   `json:"per_loan_cap"`
	PerBorrowerCap   int64   `json:"per_borrower_cap"`
	Filings          int     `json:"filings"`
	Exposure         int64   `json:"exposure"`
	Claims           int     `json:"claims"`
	ClaimsPaid       float64 `json:"claims_paid"`
	Remaining        float64 `json:"remaining"`
	LeverageHeadroom float64 `json:"leverage_headroom"`
	ExpectedLoss     float64 `json:"expected_loss"`
	LossP95          float64 `json:"loss_p95"`
	PExhausted       float64 `json:"p_exhausted"`
	ExtraLending     float64 `json:"extra_lending"`
	// The pool's flagged filings (a collateral warning or loss) in all,
	// whoever's they are, and P(exhausted) without the flags (PExhausted
	// is with them): no loan, bank or borrower is named.
	FlaggedLoans    int                        `json:"flagged_loans"`
	FlaggedExposure int64                      `json:"flagged_exposure"`
	BasePExhausted  float64                    `json:"base_p_exhausted"`
	Parameters      matcher.PoolRiskParameters `json:"parameters"`
}

// MayPoolRisk is the role check PoolRisk opens with: an enterprise is
// refused (see MayMatch for why it is exported).
func MayPoolRisk(p *Caller) error {
	if p.Is(data.RoleCompany) {
		return Forbidden("only the organizer and banks may read a pool's risk")
	}
	return nil
}

// PresentPoolRisk returns what p sees of res: the whole book for whom
// poolBookVisible allows, else the aggregate figures.
func PresentPoolRisk(p *Caller, res *matcher.PoolRiskResult) any {
	if PoolBookVisible(p) {
		return res
	}
	return PoolRiskAggregate{PoolID: res.PoolID, Size: res.Size, FundShare: res.FundShare, Leverage: res.Leverage,
		PerLoanCap: res.PerLoanCap, PerBorrowerCap: res.PerBorrowerCap, Filings: res.Filings, Exposure: res.Exposure,
		Claims: res.Claims, ClaimsPaid: res.ClaimsPaid, Remaining: res.Remaining, LeverageHeadroom: res.LeverageHeadroom,
		ExpectedLoss: res.ExpectedLoss, LossP95: res.LossP95, PExhausted: res.PExhausted, ExtraLending: res.ExtraLending,
		FlaggedLoans: res.FlaggedLoans, FlaggedExposure: res.FlaggedExposure, BasePExhausted: res.Base.PExhausted,
		Parameters: res.Parameters}
}

// PoolRiskParams reads the simulation parameters of a pool's risk: seed,
// draws (100 to 200,000: fewer give unstable tails, more only cost time),
// rho, lgd, confidence, new_loan_size, flagged_pd (the least PD of a
// loan whose collateral is flagged).
func PoolRiskParams(params map[string]string) (*matcher.PoolRiskConfig, error) {
	cfg := &matcher.PoolRiskConfig{}
	if v, ok := params["seed"]; ok {
		var err error
		if cfg.Seed, err = strconv.ParseUint(v, 10, 64); err != nil || cfg.Seed == 0 {
			return nil, data.MalformedField("seed", "must be a positive integer, not %q", v)
		}
	}
	if v, ok := params["draws"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, data.MalformedField("draws", "must be an integer, not %q", v)
		}
		if n < 100 || n > 200_000 {
			return nil, data.InvalidField("draws", "must be between 100 and 200000")
		}
		cfg.Draws = n
	}
	for name, dst := range map[string]*float64{"rho": &cfg.Rho, "lgd": &cfg.LGD, "confidence": &cfg.Confidence, "new_loan_size": &cfg.NewLoanSize,
		"flagged_pd": &cfg.FlaggedPD} {
		if v, ok := params[name]; ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, data.MalformedField(name, "must be a number, not %q", v)
			}
			if f == 0 {
				return nil, data.InvalidField(name, "must not be 0")
			}
			*dst = f
		}
	}
	return cfg, nil
}

// PoolRisk computes the risk of pool id as of asOf, today when zero
// (matcher.PoolRisk over the pool's deals and their borrowers, each live
// deal flagged with its collateral risks on asOf, poolFlags): its
// filings, claims, remaining size, exposure by flag, the claims likely to
// come, simulated losses with the flags and without, and the extra
// lending it can still back. The
// organizer and banks may ask (an enterprise is refused); what each sees
// of the answer is PresentPoolRisk's.
func (a *App) PoolRisk(ctx context.Context, p *Caller, id string, asOf data.Date, cfg *matcher.PoolRiskConfig) (*matcher.PoolRiskResult, error) {
	if err := MayPoolRisk(p); err != nil {
		return nil, err
	}
	pool, err := a.Pools.get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	deals, err := All(ctx, a.store.Deals(), data.ListOptions{Refs: data.Refs{Pool: pool.ID}})
	if err != nil {
		return nil, err
	}
	var entIDs []string
	seen := map[string]bool{}
	for _, d := range deals {
		if !seen[d.EnterpriseID] {
			seen[d.EnterpriseID] = true
			entIDs = append(entIDs, d.EnterpriseID)
		}
	}
	var ents []data.Enterprise
	if len(entIDs) > 0 {
		if ents, err = All(ctx, a.store.Enterprises(), data.ListOptions{IDs: entIDs}); err != nil {
			return nil, err
		}
	}
	if asOf.IsZero() {
		asOf = a.Today()
	}
	flags, err := a.poolFlags(ctx, pool, deals, asOf)
	if err != nil {
		return nil, err
	}
	res, err := matcher.PoolRisk(ctx, matcher.PoolRiskInput{Pool: *pool, Deals: deals, Enterprises: ents, AsOf: asOf, Flags: flags}, cfg)
	if err != nil {
		return nil, err
	}
	return res, nil
}
