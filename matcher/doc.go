// Package matcher holds ipmatch's numeric work. It imports data and gonum
// only.
//
// Built so far (issue 4, first part):
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
// Bad input returns a *data.Error with code invalid naming the field;
// programmer errors (a nil enterprise, mismatched lengths) panic. Money is
// in yuan as float64 here.
//
// Not built yet: indicator values, eligibility rules, loan estimates,
// ranking, meeting scheduling and pool risk (issues 4 and 5).
package matcher
