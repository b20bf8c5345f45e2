package app

import (
	"context"
	"fmt"

	"ipmatch/data"
)

// The alerts' inboxes (issue 18): the organizer reads every alert, a bank
// those of its own deals, an enterprise none (the alerts are about its
// loan's collateral, for the lender and the fund; its own deal's risks it
// reads through GET /deals/{id}/risks). Each party acknowledges an alert
// for itself: the bank's acknowledgement does not empty the organizer's
// inbox. No door creates, changes or deletes an alert: the daily check
// raises them (monitor.go).

// alertListParams are the alert list's filters besides the references.
var alertListParams = []string{"deal_id", "kind", "acked", "lost"}

func alertResource(store data.Store, pol *policy) *Resource[data.Alert] {
	return &Resource[data.Alert]{store: store,
		kind: data.AlertKind, table: data.Store.Alerts,
		idField: "id", generated: true, normID: sameID,
		refs:   map[string]func(*data.Refs) *string{"bank_id": refBank, "enterprise_id": refEnterprise, "pool_id": refPool},
		other:  alertListParams,
		filter: alertFilter,
		rules:  pol.alertRules(),
		noPut:  true,
	}
}

// alertFilter turns deal_id, kind and lost into a predicate (acked
// depends on the caller: alertRules).
func alertFilter(q ListQuery) (func(*data.Alert) bool, error) {
	var conds []func(*data.Alert) bool
	if v, ok := q.Other["deal_id"]; ok {
		conds = append(conds, func(a *data.Alert) bool { return a.DealID == v })
	}
	if v, ok := q.Other["kind"]; ok {
		if !data.RiskKind(v).Valid() {
			return nil, data.InvalidField("kind", "%q is not a kind of collateral risk", v)
		}
		conds = append(conds, func(a *data.Alert) bool { return a.Kind == data.RiskKind(v) })
	}
	if v, ok := q.Other["lost"]; ok {
		lost, err := BoolParam("lost", v)
		if err != nil {
			return nil, err
		}
		conds = append(conds, func(a *data.Alert) bool { return a.Lost == lost })
	}
	if v, ok := q.Other["acked"]; ok { // checked here, applied in alertRules
		if _, err := BoolParam("acked", v); err != nil {
			return nil, err
		}
	}
	if len(conds) == 0 {
		return nil, nil
	}
	return func(a *data.Alert) bool {
		for _, c := range conds {
			if !c(a) {
				return false
			}
		}
		return true
	}, nil
}

// AlertParty returns the party p acknowledges alerts as, and false for an
// enterprise (which has no inbox).
func AlertParty(p *Caller) (data.AlertParty, bool) {
	switch p.Token.Role {
	case data.RoleOrganizer:
		return data.PartyOrganizer, true
	case data.RoleBank:
		return data.PartyBank, true
	}
	return "", false
}

// AckAlert acknowledges alert id for p's party (the bank or the
// organizer) and returns it; acknowledging again changes nothing. An
// alert p may not read is not found.
func (a *App) AckAlert(ctx context.Context, p *Caller, id string) (*data.Alert, error) {
	party, ok := AlertParty(p)
	if !ok {
		return nil, Forbidden("alerts are for the deal's bank and the organizer")
	}
	for range 5 {
		al, err := a.Alerts.get(ctx, p, id)
		if err != nil {
			return nil, err
		}
		if al.AckedBy(party) {
			return al, nil
		}
		al.Acks = append(al.Acks, data.AlertAck{Party: party, By: p.By(), At: a.now().UTC()})
		switch err := a.store.Alerts().Update(ctx, al); data.ErrorCode(err) {
		case "":
			return al, nil
		case data.CodeStale: // a delivery was recorded meanwhile: read again
			continue
		default:
			return nil, err
		}
	}
	return nil, fmt.Errorf("alert %s kept changing while it was acknowledged", id)
}

func (pol *policy) alertRules() rules[data.Alert] {
	refused := func(context.Context, *Caller, *data.Alert) error {
		return Forbidden("alerts are raised by the daily check, not written")
	}
	return rules[data.Alert]{
		list: func(ctx context.Context, p *Caller, q ListQuery, plan *listPlan[data.Alert]) error {
			party, ok := AlertParty(p)
			if !ok {
				return Forbidden("alerts are for the deal's bank and the organizer")
			}
			if p.Is(data.RoleBank) {
				if err := ownFilter(plan, refBank, p.Token.BankID, "bank_id"); err != nil {
					return err
				}
			}
			if v, ok := q.Other["acked"]; ok {
				acked, err := BoolParam("acked", v)
				if err != nil {
					return err
				}
				plan.and(func(a *data.Alert) bool { return a.AckedBy(party) == acked })
			}
			return nil
		},
		visible: func(ctx context.Context, p *Caller, a *data.Alert) (bool, error) {
			switch p.Token.Role {
			case data.RoleOrganizer:
				return true, nil
			case data.RoleBank:
				return a.BankID == p.Token.BankID, nil
			}
			return false, nil
		},
		create: func(ctx context.Context, p *Caller, a *data.Alert) error { return refused(ctx, p, a) },
		update: func(ctx context.Context, p *Caller, old, a *data.Alert) error { return refused(ctx, p, a) },
		remove: refused,
	}
}
