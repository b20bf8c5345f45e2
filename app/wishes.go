package app

import (
	"cmp"
	"context"
	"slices"
	"time"

	"ipmatch/data"
	"ipmatch/matcher"
	"ipmatch/matcher/schedule"
)

// An enterprise's wishes explained: for each of its must-meet and
// no-thanks wishes at an event, whether it is met and why not. Before the
// schedule is visible to the caller the reasons come from
// schedule.MustMeetBlocked, after from the schedule's shortfalls: both are
// the matcher's mustMeetBlocked rule, so the organizer's event page and
// the enterprise read the same reason. Who sees what: wishesOf and
// wishBlockVisible (policy.go).

// Wish statuses.
const (
	WishPending  = "pending"  // must-meet, nothing stands in its way; no schedule visible yet
	WishBlocked  = "blocked"  // must-meet that no schedule can meet (reason given)
	WishMet      = "met"      // must-meet with a meeting in the visible schedule
	WishNotMet   = "not_met"  // must-meet without a meeting in the visible schedule
	WishDeclined = "declined" // no-thanks: no meeting is ever scheduled
)

// WishFix is one of the bank's products the enterprise does not qualify
// for, with the rules it fails (matcher.ReasonCodes titles, in Chinese).
type WishFix struct {
	ProductID   string   `json:"product_id"`
	ProductName string   `json:"product_name"`
	Failed      []string `json:"failed"`
}

// WishBody is one wish and how it fares.
type WishBody struct {
	BankID   string              `json:"bank_id"`
	BankName string              `json:"bank_name"`
	Kind     data.PreferenceKind `json:"kind"`
	Status   string              `json:"status"`
	// Code and Reason explain a blocked or not_met must-meet (the
	// schedule's shortfall codes).
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Fixes, for an ineligible pair: the bank's active products and what
	// the enterprise fails of each.
	Fixes []WishFix `json:"fixes,omitempty"`
	// Slot, Table, TableNumber, Start and End place a met wish's
	// meeting: Table within the bank's desk, TableNumber across the event
	// (as signposted at the venue, table_numbers.go).
	Slot        int        `json:"slot,omitempty"`
	Table       int        `json:"table,omitempty"`
	TableNumber int        `json:"table_number,omitempty"`
	Start       *time.Time `json:"start,omitempty"`
	End         *time.Time `json:"end,omitempty"`
}

// WishesBody is the answer of GET /events/{id}/wishes.
type WishesBody struct {
	EventID      string `json:"event_id"`
	EnterpriseID string `json:"enterprise_id"`
	// Scheduled says whether the caller sees the schedule (published, or
	// computed for the organizer): statuses are then met / not_met.
	Scheduled bool       `json:"scheduled"`
	Wishes    []WishBody `json:"wishes"`
}

// wishes explains the wishes of enterprise entID (see wishesOf) at event
// id, banks by ID. Wishes about banks without a desk at the event are left
// out: they cannot be met and the enterprise cannot change them there.
func (h *App) Wishes(ctx context.Context, p *Caller, id, entID string) (WishesBody, error) {
	entID, err := wishesOf(p, entID)
	if err != nil {
		return WishesBody{}, err
	}
	w, err := h.LoadEvent(ctx, id)
	if err != nil {
		return WishesBody{}, err
	}
	own := w.EntPart[entID]
	if own == nil {
		return WishesBody{}, data.Errorf(data.CodeNotFound, "enterprise %s is not registered for event %s", entID, id)
	}
	body := WishesBody{EventID: id, EnterpriseID: entID, Wishes: []WishBody{}}
	for _, pr := range own.Preferences {
		if w.BankPart[pr.Target] != nil {
			body.Wishes = append(body.Wishes, WishBody{BankID: pr.Target, BankName: w.Name(pr.Target), Kind: pr.Kind})
		}
	}
	slices.SortFunc(body.Wishes, func(a, b WishBody) int { return cmp.Compare(a.BankID, b.BankID) })
	if len(body.Wishes) == 0 {
		return body, nil
	}

	reasons := map[string]data.Shortfall{} // by bank, must-meet pairs only
	met := map[string]data.Meeting{}
	_, _, ms, sfs, _, err := h.VisibleSchedule(ctx, p, id, "", entID)
	switch {
	case err == nil:
		body.Scheduled = true
		for _, m := range ms {
			met[m.BankID] = m
		}
		for _, sf := range sfs {
			if sf.BankID != "" {
				reasons[sf.BankID] = sf
			}
		}
	case data.ErrorCode(err) == data.CodeNotFound:
		// No schedule the caller may see: what no schedule can meet.
		if reasons, err = h.blockedWishes(ctx, p, w, entID); err != nil {
			return WishesBody{}, err
		}
	default:
		return WishesBody{}, err
	}

	var ineligible []string
	for i := range body.Wishes {
		wb := &body.Wishes[i]
		if wb.Kind == data.NoThanks {
			wb.Status = WishDeclined
			continue
		}
		if m, ok := met[wb.BankID]; ok {
			start, end := w.SlotTimes(m.Slot)
			wb.Status, wb.Slot, wb.Table, wb.TableNumber, wb.Start, wb.End = WishMet, m.Slot, m.Table, w.TableNumber(m.BankID, m.Table), &start, &end
			continue
		}
		sf, blocked := reasons[wb.BankID]
		switch {
		case body.Scheduled:
			wb.Status = WishNotMet
		case blocked:
			wb.Status = WishBlocked
		default:
			wb.Status = WishPending
		}
		if blocked {
			wb.Code, wb.Reason = sf.Code, sf.Reason
			if sf.Code == string(schedule.ShortIneligible) {
				ineligible = append(ineligible, wb.BankID)
			}
		}
	}
	if len(ineligible) > 0 {
		fixes, err := h.wishFixes(ctx, w, entID, ineligible)
		if err != nil {
			return WishesBody{}, err
		}
		for i := range body.Wishes {
			body.Wishes[i].Fixes = fixes[body.Wishes[i].BankID]
		}
	}
	return body, nil
}

// blockedWishes returns, by bank, the must-meet wishes of entID that no
// schedule can meet (schedule.MustMeetBlocked over the event as the
// scheduler would see it, overrides included), as far as p may learn them
// before publication (wishBlockVisible).
func (h *App) blockedWishes(ctx context.Context, p *Caller, w *EventWorld, entID string) (map[string]data.Shortfall, error) {
	weights, err := h.pairWeights(ctx, w, entID)
	if err != nil {
		return nil, err
	}
	var overrides []data.ScheduleOverride
	sch, ok, err := h.LoadSchedule(ctx, w)
	if err != nil {
		return nil, err
	}
	if ok {
		overrides = sch.Overrides
	}
	in, _ := scheduleInput(w, weights, overrides, nil)
	blocked, err := schedule.MustMeetBlocked(in)
	if err != nil {
		return nil, err
	}
	out := map[string]data.Shortfall{}
	for _, sf := range blocked {
		if sf.EnterpriseID == entID && wishBlockVisible(p, sf.Code) {
			out[sf.BankID] = storedShortfall(sf)
		}
	}
	return out, nil
}

// wishFixes returns, by bank, the active products of banks and the rules
// enterprise entID fails of each, as of the event date: what it would
// have to fix to qualify. Discontinued products are left out (an
// enterprise cannot read them, and fixing nothing makes them eligible).
func (h *App) wishFixes(ctx context.Context, w *EventWorld, entID string, banks []string) (map[string][]WishFix, error) {
	em, err := h.EventMatchSet(ctx, w, []string{entID}, banks)
	if err != nil || em.Set == nil {
		return nil, err
	}
	titles := map[matcher.ReasonCode]string{}
	for _, ri := range matcher.ReasonCodes() {
		titles[ri.Code] = ri.Title
	}
	slices.SortFunc(em.Prods, func(a, b data.Product) int { return cmp.Compare(a.ID, b.ID) })
	out := map[string][]WishFix{}
	for _, pr := range em.Prods {
		ps, ok := em.Set.Pair(entID, pr.ID)
		if !ok || ps.Eligible || slices.Contains(ps.Failed, matcher.ReasonProductInactive) {
			continue
		}
		fx := WishFix{ProductID: pr.ID, ProductName: pr.Name}
		for _, code := range ps.Failed {
			fx.Failed = append(fx.Failed, cmp.Or(titles[code], string(code)))
		}
		out[em.BankOf[pr.ID]] = append(out[em.BankOf[pr.ID]], fx)
	}
	return out, nil
}
