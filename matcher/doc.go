// Package matcher holds ipmatch's numeric work: patent valuation (indicator
// value and the income approach), the eligibility rules with reason codes,
// loan estimates, and the rankings of products for an enterprise and of
// enterprises for a bank's product. It imports data and gonum only.
//
// Bad input returns a *data.Error with code invalid naming the field;
// programmer errors (a nil enterprise, mismatched lengths) panic. Money is
// in yuan as float64 in the models and int64 in loan amounts. Nothing here
// reads the clock: every computation is "as of" a date the caller gives
// (demo.AsOf for the demo data, or today in the API).
//
// # Valuation by the income approach
//
//   - AHP weights (ahp.go): AHPWeights and Judgements.Weights return the
//     principal eigenvector of a complete pairwise-comparison matrix
//     (gonum mat.Eigen), λmax, CI = (λmax − n)/(n − 1) and CR = CI/RI(n)
//     with Saaty's (2005) random index, and refuse a matrix with CR ≥ 0.1
//     or one that is not square, positive and reciprocal. GlobalWeights
//     composes local weights through a hierarchy. Incomplete matrices are
//     out of scope.
//   - The income approach (income.go): PresentValue of an IncomeScenario,
//     PV = Σ_t CF_t × share × (1 − tax) / (1 + r)^t with end-of-year
//     discounting, and its per-year breakdown.
//   - Monte Carlo valuation of an enterprise's patent portfolio
//     (montecarlo.go): ValuePortfolio draws enterprise-level inputs
//     (revenue growth, royalty rate on sales by industry, the technical,
//     market, funding and management premiums over the 1-year LPR) once per
//     draw and each patent's economic life, values every patent in the
//     draw, and reports P10/P50/P90 and mean per patent and of the
//     portfolio's sum, with every parameter used. Seeded and reproducible;
//     parallel over chunks of draws; honours ctx between chunks.
//   - Reference tables: the Loan Prime Rate fixings (lpr.go, embedded CSV;
//     PBOC announcements, via cosiris15/debt_review) and royalty rates by
//     GB/T 4754 division (royalty.go).
//
// # Indicator value (专利价值度)
//
// IndicatorWeights.Value scores a patent 0–100 after GB/T 42748-2023 in
// three parts, legal, technical and economic, each the weighted mean of
// indicators computed from the records (indicator.go):
//
//	part       indicator           score (0–100)
//	legal      legal_status        100 valid with fees paid through the as-of date; 50 valid, fees unpaid;
//	                               30 pending; 0 lapsed, invalidated, rejected, withdrawn, unknown
//	legal      remaining_term      100 × clamp(remaining legal term ÷ legal term of the type, 0, 1)
//	legal      stability           100 − 60 open invalidation − 40 open preservation or suspension
//	                               − 20 open litigation, ≥ 0; 0 when invalidated
//	legal      ownership           100 one owner; 70 co-owned with consent to pledge; 30 without
//	legal      claims              100 × min(claims ÷ 15, 1); designs 50
//	technical  patent_type         100 invention; 60 utility model; 40 design
//	technical  forward_citations   100 × min(ln(1 + citations) ÷ ln 21, 1)
//	technical  ipc_breadth         100 × min(0.2 + 0.2 × distinct IPC subclasses, 1)
//	technical  family_size         100 × min(log2(family size) ÷ 3, 1)
//	economic   implementation      100 × min(years since implemented ÷ 3, 1); 0 not implemented
//	economic   revenue             100 × clamp(log10(owner's latest revenue ÷ 10^6 yuan) ÷ 3, 0, 1)
//	economic   market_validation   100 × min((2 × licences + pledges + transfers) ÷ 4, 1)
//	economic   strategic_industry  100 when an IPC code maps to a strategic emerging industry
//	                               (data.StrategicIndustries), else 0
//
// value = Σ_parts w_part × Σ_indicators w_indicator × score. The weights come
// from AHP pairwise-comparison matrices in a JSON configuration
// (WeightsConfig: one matrix for the parts, one per part for its
// indicators). The finance-scenario default is weights_default.json,
// embedded (legal 0.443, technical 0.169, economic 0.387; every CR below
// 0.02). LoadIndicatorWeights refuses a configuration whose matrix has
// CR ≥ 0.1, naming the matrix (parts, legal, technical or economic). The
// weights' Hash identifies them in every answer.
//
// # Eligibility (eligibility.go)
//
// An enterprise is eligible for a product when it passes the product's
// enterprise-level criteria and at least one of its patents passes every
// patent-level rule: the CNIPA hard pledge rules and the product's patent
// criteria. Every failed rule is a Reason with a stable code, the
// observed and required values (and the gap, in a unit), a Chinese
// message and a Chinese fix.
//
//	code                        scope       rule
//	product_inactive            enterprise  the product is not active
//	region_not_served           enterprise  the enterprise's region is not within a served region
//	industry_not_targeted       enterprise  its GB/T 4754 code is not within a targeted one
//	enterprise_too_young        enterprise  years since founding < minimum
//	financials_missing          enterprise  revenue, debt-ratio or profit criteria without financials
//	revenue_low                 enterprise  latest revenue < minimum
//	debt_ratio_high             enterprise  liabilities ÷ assets > maximum
//	not_profitable              enterprise  latest profit ≤ 0 when profit is required
//	tax_grade_low               enterprise  tax credit grade worse than the minimum, or none
//	certification_missing       enterprise  a required certification is not held
//	pledger_not_owner           patent      no applicant bears the enterprise's name, or the
//	                                        patent is recorded as another enterprise's (CNIPA)
//	legal_status_unknown        patent      no legal status recorded (CNIPA)
//	patent_not_granted          patent      pending, rejected or withdrawn (CNIPA)
//	patent_lapsed               patent      lapsed (CNIPA)
//	patent_invalidated          patent      declared invalid (CNIPA)
//	fees_unpaid                 patent      annual fees paid through a day before the as-of date,
//	                                        or no fee record (CNIPA)
//	patent_suspended            patent      open suspension (CNIPA)
//	court_preservation          patent      open court preservation (CNIPA)
//	term_past_expiry            patent      legal term left < the product's shortest loan (CNIPA:
//	                                        the loan term may not run past expiry)
//	co_owned_without_consent    patent      more than one applicant and no consent (CNIPA)
//	already_pledged             patent      an open pledge (CNIPA)
//	invalidation_open           patent      an open invalidation request (CNIPA)
//	patent_type_not_accepted    patent      the type is not accepted or has no pledge rate
//	ipc_not_accepted            patent      no IPC code within the product's IPC areas
//	remaining_term_short        patent      legal term left < the product's minimum for the type
//	implementation_too_short    patent      implemented for less than the minimum, or not at all
//	no_patents                  loan        the enterprise has no patent
//	no_eligible_patent          loan        no patent passes every patent-level rule
//
// Two more codes are warnings on an eligible pair, not failures:
// amount_below_minimum (the loan estimate is below the product's minimum
// amount) and valuation_unavailable (no revenue to value the patents on).
// PledgeRules checks one patent against the CNIPA rules alone.
//
// # Loan estimate (loan.go)
//
//	lendable_i = P10_i × pledge rate of the product for patent i's type
//	target     = min(product maximum, need, pool per-loan cap ÷ fund share,
//	                 pool per-borrower cap ÷ fund share)
//	amount     = ⌊min(target, Σ lendable_i of the pledged patents) ÷ 10,000⌋ × 10,000
//
// The pool's caps bound the fund's compensation, so a pool-covered loan is
// capped where the fund's share of a total loss reaches the cap. The term
// is the need's (the product's maximum when none is stated) within the
// product's range, and is shortened only when no eligible patent lasts it,
// to the longest remaining term among them: it never outlasts a pledged
// patent. The pledged patents are the fewest eligible ones lasting the term
// that reach the target, the largest first, which is exact (the k largest
// values have the largest sum of any k).
//
// # Risk and scores (scorecard.go, loan.go, rank.go)
//
// PD comes from a logistic scorecard, PD = 1/(1 + e^(−z)), clamped to
// [0.2 %, 60 %], with the default coefficients (DefaultScorecard; not
// fitted to default data, which ipmatch does not have: a bank should put
// its own):
//
//	feature          definition (latest year)              bounds        coefficient  if missing
//	intercept                                                            −3.6
//	debt_ratio       liabilities ÷ assets                  [0, 1.5]      +3.0         0.8
//	profit_margin    profit ÷ revenue                      [−1, 1]       −8.0         0
//	revenue_growth   revenue ÷ previous year's − 1         [−0.5, 1]     −1.0         0
//	asset_turnover   revenue ÷ assets (liquidity proxy)    [0, 3]        −0.4         0.5
//	log_revenue      log10(revenue ÷ 10^7 yuan)            [−2, 2]       −0.35        10^6 yuan
//	age_years        years since founding                  [0, 15]       −0.06
//	tax_grade        A −0.5, B 0, M +0.4, C +1.2, D +2.5, none +0.5
//
// LGD = min(1, max(45 %, 1 − 15 % × collateral P10 ÷ exposure)) and
// EL = PD × LGD × exposure × (1 − fund share), the fund's share counting
// only for products covered by a pool. Each score is 100 × Σ weight × part
// (ScoreWeights, parts in [0, 1]): for an enterprise, coverage of the need
// (0.40), rate between 3 % and 6 % (0.25), term (0.15) and fit, the share
// of the pledgeable patents' conservative value the product accepts
// (0.20); for a bank, risk 1 − min(EL rate ÷ 3 %, 1) (0.50), volume,
// amount ÷ product maximum (0.30) and fit (0.20). Every Match shows the
// parts, and on the bank side the PD's terms, LGD and EL.
//
// # Two paths: detail and bulk
//
// MatchEnterprise (products for one enterprise) values the portfolio by
// one Monte Carlo run (ValuePortfolio, revenue split by indicator value)
// and explains every product. Pipeline (enterprises for one product) and
// MatchAll (every enterprise × every product, a MatchSet ranked both ways)
// must stay cheap, so they never run a Monte Carlo per pair or per
// enterprise: facts are computed once per enterprise and patent (indicator
// value, pledge-rule bits, PD, conservative values), products are compiled
// once into lookup tables and bit sets, and patents are valued from cached
// value tables (valuetable.go): a patent's percentiles are its
// deterministic revenue coefficient times percentiles that depend only on
// the valuation context and the patent's life cap, estimated once per
// context; they agree with ValuePortfolio's per-patent percentiles to
// within Monte Carlo noise (about 1 %). The bulk path reports the sum of
// per-patent percentiles for a portfolio (conservative for P10). A
// pair's eligibility never depends on the valuation, so both paths agree
// on it. BenchmarkMatchAll times a full re-match of 100,000 generated
// enterprises (1,000,000 patents) × 300 products against a plain loop
// over the same hard criteria.
//
// # Reproducibility
//
// Matches are computed on request from the current records, so they are
// always in step with them; nothing is persisted. Every answer carries
// ModelParameters: ModelVersion, the as-of date, the indicator weights'
// name and hash, a hash of the whole configuration, the seed, the number
// of draws and the valuation method, the LPR fixing used, the scorecard
// and the score weights. The same records with the same parameters give
// the same answer on any machine (the Monte Carlo streams depend only on
// the seed). A caller that must keep an answer (a deal file, an event
// report) stores it with its parameters; recomputing it later from a
// snapshot of the records checks it.
//
// # Meeting schedules and pool risk
//
// Schedule (schedule.go) chooses the meetings of an event by a
// maximum-weight b-matching solved exactly as a min-cost flow (successive
// shortest paths), must-meet pairs first and no-thanks pairs never, then
// places them into slots by König's alternating-path edge colouring, so no
// enterprise and no bank table is ever double-booked. PoolRisk
// (poolrisk.go) simulates a risk-compensation pool's losses with a
// one-factor Gaussian copula over the loans' PDs; CheckFiling enforces the
// pool's per-loan, per-borrower and leverage caps.
package matcher
