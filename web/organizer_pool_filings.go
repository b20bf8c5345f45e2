package web

import (
	"context"
	"net/url"
	"strconv"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/matcher"
)

// The pool page's list of filings: the pool's book (matcher.PoolRisk's
// loans and claims) with names, product, stage and filing date.

// PoolFilingsPerPage is how many filings a page of the pool page lists: a
// county pool backs tens to a few hundred loans, and 50 rows fit a screen
// or two and a printed page.
const PoolFilingsPerPage = 50

// poolFiling is one row of the list: an active filing, or a compensated
// deal with what the fund paid (Paid > 0 or Claimed).
type poolFiling struct {
	DealID, Enterprise, Bank, Product, Stage, FiledOn string
	Amount                                            int64
	Claimed                                           bool
	Paid                                              float64
}

// poolFilings is the list, one page of it, and its totals over every page
// (they equal the risk figures above it: filings and exposure, claims and
// what was paid).
type poolFilings struct {
	Rows            []poolFiling
	Page, Pages     int
	Prev, Next      string
	Filings, Claims int
	Exposure        int64
	ClaimsPaid      float64
	ClaimedAmount   int64
	Total           int
}

// poolFilingsOf lists the filings and claims of res, the risk of pool
// poolID, page page (clamped to the pages there are), with one list per
// table. Only a caller who sees the pool's book gets them (poolBookVisible).
func (h *webHandlers) poolFilingsOf(ctx context.Context, p *app.Caller, poolID string, res *matcher.PoolRiskResult, page int, link func(int) string) (*poolFilings, error) {
	if !app.PoolBookVisible(p) {
		return nil, nil
	}
	deals, err := h.s.App.Deals.All(ctx, p, data.Refs{Pool: poolID})
	if err != nil {
		return nil, err
	}
	byID := map[string]*data.Deal{}
	for i := range deals {
		byID[deals[i].ID] = &deals[i]
	}
	out := &poolFilings{Filings: res.Filings, Claims: res.Claims}
	var rows []poolFiling
	for _, l := range res.Loans {
		rows = append(rows, poolFiling{DealID: l.DealID, Enterprise: l.EnterpriseID, Bank: l.BankID, Stage: l.Stage.Label(), Amount: l.Amount})
		out.Exposure += l.Amount
	}
	for _, c := range res.ClaimList {
		rows = append(rows, poolFiling{DealID: c.DealID, Enterprise: c.EnterpriseID, Bank: c.BankID, Stage: data.StageCompensated.Label(),
			Amount: c.Amount, Claimed: true, Paid: c.Paid})
		out.ClaimsPaid += c.Paid
		out.ClaimedAmount += c.Amount
	}
	out.Total = len(rows)
	out.Pages = max(1, (len(rows)+PoolFilingsPerPage-1)/PoolFilingsPerPage)
	out.Page = min(max(page, 1), out.Pages)
	rows = rows[(out.Page-1)*PoolFilingsPerPage : min(len(rows), out.Page*PoolFilingsPerPage)]
	if out.Page > 1 {
		out.Prev = link(out.Page - 1)
	}
	if out.Page < out.Pages {
		out.Next = link(out.Page + 1)
	}

	// Names of this page's rows only.
	want := map[string][]string{}
	for i := range rows {
		r := &rows[i]
		want["enterprises"] = append(want["enterprises"], r.Enterprise)
		want["banks"] = append(want["banks"], r.Bank)
		if d := byID[r.DealID]; d != nil {
			want["products"] = append(want["products"], d.ProductID)
		}
	}
	names := map[string]string{}
	if err := namesOf(ctx, h.s.Store().Enterprises(), want["enterprises"], names, "enterprises", func(e *data.Enterprise) (string, string) { return e.ID, e.Name }); err != nil {
		return nil, err
	}
	if err := namesOf(ctx, h.s.Store().Banks(), want["banks"], names, "banks", func(b *data.Bank) (string, string) { return b.ID, b.Name }); err != nil {
		return nil, err
	}
	if err := namesOf(ctx, h.s.Store().Products(), want["products"], names, "products", func(p *data.Product) (string, string) { return p.ID, p.Name }); err != nil {
		return nil, err
	}
	orID := func(name, id string) string {
		if name == "" {
			return id
		}
		return name
	}
	for i := range rows {
		r := &rows[i]
		r.Enterprise, r.Bank = orID(names["enterprises/"+r.Enterprise], r.Enterprise), orID(names["banks/"+r.Bank], r.Bank)
		r.FiledOn = "—"
		if d := byID[r.DealID]; d != nil {
			r.Product = orID(names["products/"+d.ProductID], d.ProductID)
			// The last move to filed: a deal declined and refiled counts from its refiling.
			for _, hc := range d.History {
				if hc.Stage == data.StageFiled {
					r.FiledOn = door.BeijingTime(hc.At, "2006-01-02")
				}
			}
		}
	}
	out.Rows = rows
	return out, nil
}

// poolPageLink is the address of page n of the pool page at asOf.
func poolPageLink(poolID string, asOf string, n int) string {
	q := url.Values{"page": {strconv.Itoa(n)}}
	if asOf != "" {
		q.Set("as_of", asOf)
	}
	return "/app/organizer/pools/" + url.PathEscape(poolID) + "?" + q.Encode()
}
