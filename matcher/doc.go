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
// ipmatch values patents as Chinese pledge appraisals do (资产评估执业准则—
// 无形资产; 专利资产评估指导意见): by the income approach, crediting the
// patents with the technology's share of the profit of the products they
// protect (利润分成法), over their remaining economic life, discounted at
// a rate built up from the LPR. The point value (P50) plays the
// appraiser's role and is what banks lend on; the range (P10–P90) comes
// from sampling the uncertain inputs (Monte Carlo), and its low end feeds
// the bank's risk (LGD), never the amount.
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
//     discounting, and its per-year breakdown (the published example:
//     profit 460 a year for 8 years, share 20 %, tax 25 %, r 15 % → 309.6).
//   - The appraisal model (montecarlo.go, ValuePortfolio): what the
//     technology earns over patent i's life is
//     U_i = revenue × revenue share × k × (1 − tax) × S(life_i; (1 + g)/(1 + r)),
//     k the contribution rate on sales; patent i alone holds its strength
//     s_i (专利价值度 ÷ 100) of the protection of the products, a set of
//     patents 1 − Π (1 − s), and all the enterprise's valued patents
//     together earn the whole contribution, so a set G pledged is worth
//     Σ_{i∈G} a_i × U_i, a_i = s_i × Π_{j before i in G} (1 − s_j) ÷ C
//     (credit order: longest capped life first), C = 1 − Π (1 − s) over the
//     enterprise's valued patents. Only granted patents in force are
//     valued (a pending application has no enforceable right and cannot
//     be pledged). Seeded and reproducible; parallel over chunks of draws;
//     honours ctx between chunks.
//   - Calibration (calibration.go, calibrate.go): the model's figure is
//     multiplied by the factor of the enterprise's industry and the
//     patent's type; Matcher.Calibrate fits the factors to recorded
//     appraisals (ipmatch calibrate); DefaultCalibration is fitted on the
//     published cases of testdata/public_cases.json (its Basis says how).
//   - Reference tables: the Loan Prime Rate fixings (lpr.go, embedded CSV;
//     PBOC announcements, via cosiris15/debt_review) and royalty rates by
//     GB/T 4754 division (royalty.go).
//
// The parameters and where each comes from:
//
//	parameter            default                       source or reason
//	profit share         25 %–29 %–33.3 % of profit    三分法 (capital, labour, technology: ⅓) and 四分法
//	                                                   (… and management: ¼), the split Chinese appraisals
//	                                                   credit to technology; mode at their middle
//	profit margin        the enterprise's Σ profit ÷   its own 利润总额 ÷ 营业收入 over its last three recorded
//	                     Σ revenue, last 3 years       years: the margin of the products the patents protect
//	royalty (fallback)   UNIDO rate of the industry,   used when there is no positive margin to split (relief
//	                     e.g. machinery 1.5 %–3 %      from royalty); 联合国工业发展组织 提成率 table (royalty.go)
//	revenue share        1                             a manufacturer's patents protect what it makes: its
//	                                                   main business revenue
//	growth               median 3 %, σ 10 % (log)      ipmatch's choice, below nominal growth, for a
//	                                                   conservative forecast
//	tax                  25 %, high-tech 15 %          企业所得税法 arts. 4 and 28
//	discount rate        1-year LPR + technical 2–4–6 %, the build-up of Chinese appraisals (无风险报酬率 +
//	                     market 2–3.5–5 %, funding      技术、市场、资金、经营管理风险报酬率); the premiums
//	                     1–2–3 %, management 1–2–3 %    are ipmatch's choice: 15.35 % at the modes with the
//	                                                   LPR of 2021-04 (3.85 %), near the example's 15 %
//	economic life        min(legal term left, 10 y)    never beyond the legal term (docs/PRODUCT.md); 10 years
//	                     × 0.6–1–1                     caps a machine technology's life; obsolescence may
//	                                                   end it at 60 % of that
//	strength             indicator value ÷ 100         GB/T 42748-2023's 专利价值度, read as the share of
//	                                                   the products' protection a patent holds alone
//	calibration          × 1.89 (DefaultCalibration)   fitted on the published cases with revenue
//	                                                   (testdata/public_cases.json, its Basis)
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
//	valuation_unavailable       loan        no revenue to value the patents on and no current
//	                                        recorded appraisal
//	amount_below_minimum        loan        the loan estimate is below the product's minimum
//	                                        amount (or one unit): not a loan the bank can make
//
// One more code is a warning on an eligible pair, not a failure:
// appraisal_expired (a recorded appraisal of the patents is over a year
// past its base date, so the estimate rests on the model). PledgeRules
// checks one patent against the CNIPA rules alone.
//
// # Loan estimate (loan.go)
//
//	appraisal_i = the recorded appraisal's part (current, recorded by the
//	              product's bank or the organizer, covering the patents),
//	              else a_i × U_i's P50 × calibration
//	lendable_i  = appraisal_i × pledge rate of the product for patent i's type
//	target      = min(product maximum, need, pool per-loan cap ÷ fund share,
//	                  pool per-borrower cap ÷ fund share)
//	amount      = ⌊min(target, Σ lendable_i of the pledged patents) ÷ 10,000⌋ × 10,000
//
// The pool's caps bound the fund's compensation, so a pool-covered loan is
// capped where the fund's share of a total loss reaches the cap. The term
// is the need's (the product's maximum when none is stated) within the
// product's range, and is shortened only when no eligible patent lasts it,
// to the longest remaining term among them: it never outlasts a pledged
// patent. The pledged patents are the appraised ones that qualify when a
// recorded appraisal applies (its value falls on them by the model's
// shares); otherwise the strongest first, by what each would lend alone,
// until the target is reached or the next patent would add less than 5 %
// (minGain) or one unit: each pledged patent is appraised and registered,
// and one that adds little is not worth it.
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
// LGD = min(1, max(45 %, 1 − 15 % × the pledged patents' P10 ÷ exposure)) and
// EL = PD × LGD × exposure × (1 − fund share), the fund's share counting
// only for products covered by a pool. Each score is 100 × Σ weight × part
// (ScoreWeights, parts in [0, 1]): for an enterprise, coverage of the need
// (0.40), rate between 3 % and 6 % (0.25), term (0.15) and fit, the share
// of the pledgeable patents' standalone P10 the product accepts (0.20); for a bank, risk 1 − min(EL rate ÷ 3 %, 1) (0.50), volume,
// amount ÷ product maximum (0.30) and fit (0.20). Every Match shows the
// parts, and on the bank side the PD's terms, LGD and EL.
//
// # One path for every match
//
// MatchEnterprise (products for one enterprise), Pipeline (enterprises for
// one product) and MatchAll (every enterprise × every product, a MatchSet
// ranked both ways) share one evaluation, so an estimate is the same in
// every view, and it must stay cheap: facts are computed once per
// enterprise and patent (indicator value, pledge-rule bits, PD, the
// patent's value percentiles), products are compiled once into lookup
// tables and bit sets, and patents are valued from cached value tables
// (valuetable.go): a patent's percentiles of U are a deterministic
// coefficient times percentiles that depend only on the valuation context
// and the patent's life cap, estimated once per context; they agree with
// ValuePortfolio's to within Monte Carlo noise (about 1 %). A group's
// percentiles are Σ a_i × the patents' (exact for P50 when the lives are
// fixed; conservative for P10). ValueEnterprise runs the full Monte Carlo
// of a portfolio for the valuation page. BenchmarkMatchAll times a full
// re-match of 100,000 generated enterprises (1,000,000 patents) × 300
// products against a plain loop over the same hard criteria.
//
// # Reproducibility
//
// Matches are computed on request from the current records, so they are
// always in step with them; nothing is persisted. Every answer carries
// ModelParameters: ModelVersion, the as-of date, the indicator weights'
// name and hash, the calibration's name and hash, a hash of the whole
// configuration, the seed, the number of draws and the valuation method,
// the LPR fixing used, the scorecard and the score weights. The same records with the same parameters give
// the same answer on any machine (the Monte Carlo streams depend only on
// the seed). A caller that must keep an answer (a deal file, an event
// report) stores it with its parameters; recomputing it later from a
// snapshot of the records checks it.
//
// # Technology clusters (topics.go)
//
// FitTopics finds the technology clusters of a landscape report in a
// sample of patents' titles and abstracts: a TF-IDF document–term matrix
// over the informative bigrams (set phrases out; terms in at least 3
// documents and 2 titles, in at most 40 % of the documents), factorised by
// non-negative matrix factorisation (multiplicative updates from a seeded
// start) into TopicCount(n) topics, at most MaxTopics and none below
// MinTopicDocs documents. Each cluster is named by its top bigrams merged
// into words, with its share of the sample, an estimated count (share ×
// total) and example titles; TopicModel.Assign places other texts (an
// enterprise's patents) into a cluster. The terms come from a function
// the caller gives (search.ContentTerms), so that they are the index's.
//
// # Meeting schedules and pool risk
//
// The meeting scheduler lives in its own package, matcher/schedule: it
// chooses the meetings of an event by a maximum-weight b-matching solved
// exactly as a min-cost flow (successive shortest paths), must-meet pairs first and no-thanks pairs never, then
// places them into slots by König's alternating-path edge colouring, so no
// enterprise and no bank table is ever double-booked. PoolRisk
// (poolrisk.go) simulates a risk-compensation pool's losses with a
// one-factor Gaussian copula over the loans' PDs; CheckFiling enforces the
// pool's per-loan, per-borrower and leverage caps.
package matcher
