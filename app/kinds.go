package app

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

func enterpriseResource(store data.Store, pol *policy) *Resource[data.Enterprise] {
	return &Resource[data.Enterprise]{store: store,
		kind: data.EnterpriseKind, table: data.Store.Enterprises,
		idField: "id", generated: true, normID: sameID,
		rules: pol.enterpriseRules(),
		del: func(ctx context.Context, st data.Store, e *data.Enterprise) error {
			_, err := data.DeleteEnterprise(ctx, st, e.ID)
			return err
		},
	}
}

func patentResource(store data.Store, pol *policy) *Resource[data.Patent] {
	return &Resource[data.Patent]{store: store,
		kind: data.PatentKind, table: data.Store.Patents,
		idField: "application_number", normID: patentID,
		refs:  map[string]func(*data.Refs) *string{"owner_id": refEnterprise},
		rules: pol.patentRules(),
	}
}

func bankResource(store data.Store, pol *policy) *Resource[data.Bank] {
	return &Resource[data.Bank]{store: store,
		kind: data.BankKind, table: data.Store.Banks,
		idField: "id", generated: true, normID: sameID,
		rules: pol.bankRules(),
		del: func(ctx context.Context, st data.Store, b *data.Bank) error {
			_, err := data.DeleteBank(ctx, st, b.ID)
			return err
		},
	}
}

func productResource(store data.Store, pol *policy) *Resource[data.Product] {
	return &Resource[data.Product]{store: store,
		kind: data.ProductKind, table: data.Store.Products,
		idField: "id", generated: true, normID: sameID,
		refs:  map[string]func(*data.Refs) *string{"bank_id": refBank, "pool_id": refPool},
		other: []string{"active"},
		filter: func(q ListQuery) (func(*data.Product) bool, error) {
			v, ok := q.Other["active"]
			if !ok {
				return nil, nil
			}
			active, err := BoolParam("active", v)
			if err != nil {
				return nil, err
			}
			return func(p *data.Product) bool { return p.Active == active }, nil
		},
		rules: pol.productRules(),
	}
}

func eventResource(store data.Store, pol *policy) *Resource[data.Event] {
	return &Resource[data.Event]{store: store,
		kind: data.EventKind, table: data.Store.Events,
		idField: "id", generated: true, normID: sameID,
		refs:  map[string]func(*data.Refs) *string{"pool_id": refPool},
		rules: pol.eventRules(),
	}
}

func participantResource(store data.Store, pol *policy) *Resource[data.Participant] {
	return &Resource[data.Participant]{store: store,
		kind: data.ParticipantKind, table: data.Store.Participants,
		idField: "id", generated: true, normID: sameID,
		refs:  map[string]func(*data.Refs) *string{"event_id": refEvent, "bank_id": refBank, "enterprise_id": refEnterprise},
		other: []string{"role"},
		filter: func(q ListQuery) (func(*data.Participant) bool, error) {
			v, ok := q.Other["role"]
			if !ok {
				return nil, nil
			}
			role := data.ParticipantRole(v)
			switch role {
			case data.RoleEnterprise, data.RoleBankDesk, data.RoleValuer:
			default:
				return nil, data.MalformedField("role", "must be enterprise, bank or valuer, not %q", v)
			}
			return func(p *data.Participant) bool { return p.Role == role }, nil
		},
		rules: pol.participantRules(),
	}
}

func dealResource(store data.Store, pol *policy) *Resource[data.Deal] {
	return &Resource[data.Deal]{store: store,
		kind: data.DealKind, table: data.Store.Deals,
		idField: "id", generated: true, normID: sameID,
		refs: map[string]func(*data.Refs) *string{
			"bank_id": refBank, "enterprise_id": refEnterprise, "event_id": refEvent,
			"pool_id": refPool, "product_id": refProduct,
		},
		other: []string{"stage"},
		filter: func(q ListQuery) (func(*data.Deal) bool, error) {
			v, ok := q.Other["stage"]
			if !ok {
				return nil, nil
			}
			stage := data.Stage(v)
			if !stage.Valid() {
				return nil, data.MalformedField("stage", "%q is not a known stage", v)
			}
			return func(d *data.Deal) bool { return d.Stage == stage }, nil
		},
		rules: pol.dealRules(),
	}
}

func poolResource(store data.Store, pol *policy) *Resource[data.Pool] {
	return &Resource[data.Pool]{store: store,
		kind: data.PoolKind, table: data.Store.Pools,
		idField: "id", generated: true, normID: sameID,
		rules: pol.poolRules(),
	}
}

func tokenResource(store data.Store, pol *policy) *Resource[data.Token] {
	return &Resource[data.Token]{store: store,
		kind: data.TokenKind, table: data.Store.Tokens,
		idField: "id", generated: true, normID: sameID,
		refs:  map[string]func(*data.Refs) *string{"bank_id": refBank, "enterprise_id": refEnterprise},
		rules: pol.tokenRules(),
		noPut: true,
	}
}

func appraiserResource(store data.Store, pol *policy) *Resource[data.Appraiser] {
	return &Resource[data.Appraiser]{store: store,
		kind: data.AppraiserKind, table: data.Store.Appraisers,
		idField: "id", generated: true, normID: sameID,
		rules: pol.appraiserRules(),
	}
}

func appraisalResource(store data.Store, pol *policy) *Resource[data.Appraisal] {
	return &Resource[data.Appraisal]{store: store,
		kind: data.AppraisalKind, table: data.Store.Appraisals,
		idField: "id", generated: true, normID: sameID,
		refs:  map[string]func(*data.Refs) *string{"enterprise_id": refEnterprise, "bank_id": refBank},
		other: []string{"appraiser_id"},
		filter: func(q ListQuery) (func(*data.Appraisal) bool, error) {
			v, ok := q.Other["appraiser_id"]
			if !ok {
				return nil, nil
			}
			return func(a *data.Appraisal) bool { return a.AppraiserID == v }, nil
		},
		rules: pol.appraisalRules(),
	}
}
