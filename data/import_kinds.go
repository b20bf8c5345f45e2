package data

import (
	"context"
	"fmt"
)

// transfer describes how one kind of record is imported and exported.
type transfer[T any] struct {
	kind Kind[T]
	// idField is the JSON name of the ID; keyField names the natural key
	// that Put resolves ("" when none) and keyName says it in words.
	idField, keyField, keyName string
	// match, when set, gives the business key that finds the stored record
	// of a row without ID in a kind without natural key.
	match func(*T) string
	// ownerScoped and bankScoped say which scopes apply to the kind.
	ownerScoped, bankScoped bool
	// scope forces or checks a row's owner before validation; owned checks
	// that the stored record old may be replaced by the row rec under the
	// scope. Both return nil when fine.
	scope func(opts ImportOptions, rec *T) *FieldError
	owned func(opts ImportOptions, old, rec *T) *FieldError
	// fresh, when set, checks a row whose ID names no stored record under
	// the scope; nil when such a row is created.
	fresh func(opts ImportOptions, rec *T) *FieldError
	// csv is the CSV layout of the kind, nil when it has none.
	csv *csvScheme[T]
}

func enterpriseTransfer() *transfer[Enterprise] {
	return &transfer[Enterprise]{
		kind: EnterpriseKind, idField: "id", keyField: "credit_code", keyName: "credit code",
		ownerScoped: true,
		scope: func(o ImportOptions, e *Enterprise) *FieldError {
			if o.OwnerEnterpriseID == "" {
				return nil
			}
			if e.ID == "" {
				e.ID = o.OwnerEnterpriseID
			}
			if e.ID != o.OwnerEnterpriseID {
				return &FieldError{Field: "id", Reason: fmt.Sprintf("this import may only write enterprise %s", o.OwnerEnterpriseID)}
			}
			return nil
		},
		// The credit code and name are an enterprise's identity: as PUT
		// /api/v1/enterprises/{id}, an enterprise's own import cannot change
		// them.
		owned: func(o ImportOptions, old, e *Enterprise) *FieldError {
			if o.OwnerEnterpriseID != "" {
				return EnterpriseIdentityChange(old, e)
			}
			return nil
		},
		csv: enterpriseCSV(),
	}
}

// patentTransfer is the transfer of patents; for an import scoped to an
// enterprise, it reads that enterprise's name for CanClaim.
func patentTransfer(ctx context.Context, s Store, opts ImportOptions) (*transfer[Patent], error) {
	var claimant Enterprise
	if opts.OwnerEnterpriseID != "" && !opts.AssignOwners {
		e, err := s.Enterprises().Get(ctx, opts.OwnerEnterpriseID)
		switch {
		case err == nil:
			claimant = e
		case ErrorCode(err) == CodeNotFound:
			// CanClaim refuses every stored patent to an unnamed enterprise.
			claimant = Enterprise{ID: opts.OwnerEnterpriseID}
		default:
			return nil, err
		}
	}
	return &transfer[Patent]{
		kind: PatentKind, idField: "application_number",
		ownerScoped: true,
		scope: func(o ImportOptions, p *Patent) *FieldError {
			if o.OwnerEnterpriseID == "" {
				return nil
			}
			if p.OwnerID != "" && p.OwnerID != o.OwnerEnterpriseID {
				return &FieldError{Field: "owner_id", Reason: fmt.Sprintf("must be empty or %s, the enterprise importing", o.OwnerEnterpriseID)}
			}
			p.OwnerID = o.OwnerEnterpriseID
			return nil
		},
		owned: func(o ImportOptions, old, _ *Patent) *FieldError {
			switch {
			case o.OwnerEnterpriseID == "" || old.OwnerID == o.OwnerEnterpriseID:
				return nil
			case o.AssignOwners:
				if old.OwnerID != "" {
					return &FieldError{Field: "owner_id", Reason: fmt.Sprintf("the patent is held by enterprise %s; change its owner_id first", old.OwnerID)}
				}
				return nil
			}
			if err := CanClaim(claimant, *old); err != nil {
				return &ErrorFields(err)[0]
			}
			return nil
		},
	}, nil
}

func bankTransfer() *transfer[Bank] {
	return &transfer[Bank]{
		kind: BankKind, idField: "id", keyName: "name and branch",
		match: func(b *Bank) string { return b.Name + "\x00" + b.Branch },
	}
}

func productTransfer() *transfer[Product] {
	return &transfer[Product]{
		kind: ProductKind, idField: "id", keyName: "bank and name",
		match:      func(p *Product) string { return p.BankID + "\x00" + p.Name },
		bankScoped: true,
		scope: func(o ImportOptions, p *Product) *FieldError {
			if o.BankID == "" {
				return nil
			}
			if p.BankID != "" && p.BankID != o.BankID {
				return &FieldError{Field: "bank_id", Reason: fmt.Sprintf("must be empty or %s, the bank importing", o.BankID)}
			}
			p.BankID = o.BankID
			return nil
		},
		owned: func(o ImportOptions, old, p *Product) *FieldError {
			if o.BankID == "" {
				return nil
			}
			if old.BankID != o.BankID {
				return noProductOfBank(p.ID)
			}
			return ProductPoolChange(old, p)
		},
		// A bank's row with an id must name one of its own products: a
		// product's ID is assigned by the server (POST refuses one), and
		// the refusal of another bank's ID is the same as of an unknown
		// one, so an import tells a bank nothing about other banks.
		fresh: func(o ImportOptions, p *Product) *FieldError {
			if o.BankID == "" {
				return nil
			}
			if p.ID != "" {
				return noProductOfBank(p.ID)
			}
			return ProductPoolChange(nil, p)
		},
		csv: productCSV(),
	}
}

// noProductOfBank is the one refusal of a bank's import row naming a
// product id that is not one of the bank's products, stored or not.
func noProductOfBank(id string) *FieldError {
	return &FieldError{Field: "id", Reason: fmt.Sprintf("your bank has no product with id %q; leave the id out to add a new product", id)}
}

func eventTransfer() *transfer[Event] {
	return &transfer[Event]{
		kind: EventKind, idField: "id", keyName: "name and date",
		match: func(e *Event) string { return e.Name + "\x00" + e.Date.String() },
	}
}

func participantTransfer() *transfer[Participant] {
	return &transfer[Participant]{kind: ParticipantKind, idField: "id", keyField: "event_id", keyName: "event, role and party"}
}

func dealTransfer() *transfer[Deal] {
	return &transfer[Deal]{kind: DealKind, idField: "id"}
}

func poolTransfer() *transfer[Pool] {
	return &transfer[Pool]{
		kind: PoolKind, idField: "id", keyName: "name and region",
		match: func(p *Pool) string { return p.Name + "\x00" + p.Region },
	}
}

func appraiserTransfer() *transfer[Appraiser] {
	return &transfer[Appraiser]{kind: AppraiserKind, idField: "id", keyField: "licence", keyName: "licence"}
}

func policyTransfer() *transfer[Policy] {
	return &transfer[Policy]{kind: PolicyKind, idField: "id"}
}

func appraisalTransfer() *transfer[Appraisal] {
	return &transfer[Appraisal]{kind: AppraisalKind, idField: "id", keyField: "report_number", keyName: "appraiser and report number"}
}
