package web

import (
	"context"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/matcher"
)

// hitEligibility is, for one product found, whether the signed-in
// enterprise qualifies and, if not, the first reason; MatchURL is where
// the page shows that enterprise × product match.
type hitEligibility struct {
	Checked  bool
	Eligible bool
	Reason   string
	MatchURL string
}

// searchHitsEligibility fills each hit's eligibility for the signed-in
// enterprise with the matcher call of the enterprise page
// (MatchEnterprise, as of today, its default), over the hits of this page
// only, so that a search stays as fast as the page is short. A hit the
// matcher does not rank (not a product the enterprise may read) is left
// unchecked.
func (h *webHandlers) searchHitsEligibility(ctx context.Context, p *app.Caller, hits []productHitView) error {
	if len(hits) == 0 || !p.Is(data.RoleCompany) {
		return nil
	}
	onPage := map[string]bool{}
	for _, hit := range hits {
		onPage[hit.ID] = true
	}
	visible, err := h.s.App.VisibleProducts(ctx, p)
	if err != nil {
		return err
	}
	var products []data.Product
	for _, pr := range visible {
		if onPage[pr.ID] {
			products = append(products, pr)
		}
	}
	if len(products) == 0 {
		return nil
	}
	e, patents, err := h.ownPortfolio(ctx, p)
	if err != nil {
		return err
	}
	res, err := h.s.App.MatchEnterprise(ctx, e, patents, products, h.s.App.Today())
	if err != nil {
		return err
	}
	byProduct := map[string]matcher.Match{}
	for _, m := range res.Matches {
		byProduct[m.ProductID] = m
	}
	for i := range hits {
		m, ok := byProduct[hits[i].ID]
		if !ok {
			continue
		}
		// The enterprise page lists every product ranked for it, each
		// row anchored by its product ID: the match in full.
		el := hitEligibility{Checked: true, Eligible: m.Eligible, MatchURL: "/app/enterprise#prod-" + m.ProductID}
		if !m.Eligible && len(m.Reasons) > 0 {
			el.Reason = m.Reasons[0].Message
		}
		hits[i].Eligibility = el
	}
	return nil
}
