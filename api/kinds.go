package api

import (
	"context"

	"ipmatch/data"
)

// The list filters that select by reference, by parameter name.
var (
	refBank       = func(r *data.Refs) *string { return &r.Bank }
	refEnterprise = func(r *data.Refs) *string { return &r.Enterprise }
	refEvent      = func(r *data.Refs) *string { return &r.Event }
	refPool       = func(r *data.Refs) *string { return &r.Pool }
	refProduct    = func(r *data.Refs) *string { return &r.Product }
)

func enterpriseResource(pol *policy) *resource[data.Enterprise] {
	return &resource[data.Enterprise]{
		kind: data.EnterpriseKind, table: data.Store.Enterprises,
		idField: "id", generated: true, normID: sameID,
		rules: pol.enterpriseRules(),
		del: func(ctx context.Context, st data.Store, e *data.Enterprise) error {
			_, err := data.DeleteEnterprise(ctx, st, e.ID)
			return err
		},
	}
}

func patentResource(pol *policy) *resource[data.Patent] {
	return &resource[data.Patent]{
		kind: data.PatentKind, table: data.Store.Patents,
		idField: "application_number", normID: patentID,
		refs:  map[string]func(*data.Refs) *string{"owner_id": refEnterprise},
		rules: pol.patentRules(),
	}
}

func bankResource(pol *policy) *resource[data.Bank] {
	return &resource[data.Bank]{
		kind: data.BankKind, table: data.Store.Banks,
		idField: "id", generated: true, normID: sameID,
		rules: pol.bankRules(),
		del: func(ctx context.Context, st data.Store, b *data.Bank) error {
			_, err := data.DeleteBank(ctx, st, b.ID)
			return err
		},
	}
}

func productResource(pol *policy) *resource[data.Product] {
	return &resource[data.Product]{
		kind: data.ProductKind, table: data.Store.Products,
		idField: "id", generated: true, normID: sameID,
		refs:  map[string]func(*data.Refs) *string{"bank_id": refBank, "pool_id": refPool},
		other: []string{"active"},
		filter: func(q listQuery) (func(*data.Product) bool, error) {
			v, ok := q.Other["active"]
			if !ok {
				return nil, nil
			}
			active, err := boolParam("active", v)
			if err != nil {
				return nil, err
			}
			return func(p *data.Product) bool { return p.Active == active }, nil
		},
		rules: pol.productRules(),
	}
}

func eventResource(pol *policy) *resource[data.Event] {
	return &resource[data.Event]{
		kind: data.EventKind, table: data.Store.Events,
		idField: "id", generated: true, normID: sameID,
		refs:  map[string]func(*data.Refs) *string{"pool_id": refPool},
		rules: pol.eventRules(),
	}
}

func participantResource(pol *policy) *resource[data.Participant] {
	return &resource[data.Participant]{
		kind: data.ParticipantKind, table: data.Store.Participants,
		idField: "id", generated: true, normID: sameID,
		refs:  map[string]func(*data.Refs) *string{"event_id": refEvent, "bank_id": refBank, "enterprise_id": refEnterprise},
		other: []string{"role"},
		filter: func(q listQuery) (func(*data.Participant) bool, error) {
			v, ok := q.Other["role"]
			if !ok {
				return nil, nil
			}
			role := data.ParticipantRole(v)
			switch role {
			case data.RoleEnterprise, data.RoleBankDesk, data.RoleValuer:
			default:
				return nil, malformedField("role", "must be enterprise, bank or valuer, not %q", v)
			}
			return func(p *data.Participant) bool { return p.Role == role }, nil
		},
		rules: pol.participantRules(),
	}
}

func dealResource(pol *policy) *resource[data.Deal] {
	return &resource[data.Deal]{
		kind: data.DealKind, table: data.Store.Deals,
		idField: "id", generated: true, normID: sameID,
		refs: map[string]func(*data.Refs) *string{
			"bank_id": refBank, "enterprise_id": refEnterprise, "event_id": refEvent,
			"pool_id": refPool, "product_id": refProduct,
		},
		other: []string{"stage"},
		filter: func(q listQuery) (func(*data.Deal) bool, error) {
			v, ok := q.Other["stage"]
			if !ok {
				return nil, nil
			}
			stage := data.Stage(v)
			if !stage.Valid() {
				return nil, malformedField("stage", "%q is not a known stage", v)
			}
			return func(d *data.Deal) bool { return d.Stage == stage }, nil
		},
		rules: pol.dealRules(),
	}
}

func poolResource(pol *policy) *resource[data.Pool] {
	return &resource[data.Pool]{
		kind: data.PoolKind, table: data.Store.Pools,
		idField: "id", generated: true, normID: sameID,
		rules: pol.poolRules(),
	}
}

func tokenResource(s *server) *resource[data.Token] {
	return &resource[data.Token]{
		kind: data.TokenKind, table: data.Store.Tokens,
		idField: "id", generated: true, normID: sameID,
		refs:  map[string]func(*data.Refs) *string{"bank_id": refBank, "enterprise_id": refEnterprise},
		rules: s.policy.tokenRules(),
		noPut: true,
		post:  s.createToken,
	}
}

func appraiserResource(pol *policy) *resource[data.Appraiser] {
	return &resource[data.Appraiser]{
		kind: data.AppraiserKind, table: data.Store.Appraisers,
		idField: "id", generated: true, normID: sameID,
		rules: pol.appraiserRules(),
	}
}

func appraisalResource(pol *policy) *resource[data.Appraisal] {
	return &resource[data.Appraisal]{
		kind: data.AppraisalKind, table: data.Store.Appraisals,
		idField: "id", generated: true, normID: sameID,
		refs:  map[string]func(*data.Refs) *string{"enterprise_id": refEnterprise, "bank_id": refBank},
		other: []string{"appraiser_id"},
		filter: func(q listQuery) (func(*data.Appraisal) bool, error) {
			v, ok := q.Other["appraiser_id"]
			if !ok {
				return nil, nil
			}
			return func(a *data.Appraisal) bool { return a.AppraiserID == v }, nil
		},
		rules: pol.appraisalRules(),
	}
}
