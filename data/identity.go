package data

import "strings"

// Rules on fields a party may not change about itself; the API's access
// rules and scoped imports both apply them, so they read the same through
// every door.

// EnterpriseIdentityChange returns the field error of an enterprise's own
// change of its identity, or nil: the credit code (统一社会信用代码) and the
// registered name are what the business licence says, the name is how
// banks know it on schedules and exports, and a patent's applicant is
// matched against it (CanClaim). A change of either is the organizer's,
// after checking the licence.
func EnterpriseIdentityChange(old, e *Enterprise) *FieldError {
	if strings.ToUpper(strings.TrimSpace(e.CreditCode)) != old.CreditCode {
		return &FieldError{Field: "credit_code", Reason: "an enterprise cannot change its credit code; ask the organizer"}
	}
	if strings.TrimSpace(e.Name) != old.Name {
		return &FieldError{Field: "name", Reason: "an enterprise cannot change its registered name; ask the organizer, who checks the business licence"}
	}
	return nil
}

// ProductPoolChange returns the field error of a bank setting or changing
// the risk-compensation pool of its product (old is nil for a new
// product), or nil: a pool covers a product when the pool's manager admits
// it (银行入库), so only the organizer sets pool_id; a filing under a pool
// needs the product admitted to it.
func ProductPoolChange(old, p *Product) *FieldError {
	was := ""
	if old != nil {
		was = old.PoolID
	}
	if strings.TrimSpace(p.PoolID) == was {
		return nil
	}
	if was == "" {
		return &FieldError{Field: "pool_id", Reason: "only the organizer admits a product to a risk-compensation pool; leave pool_id out"}
	}
	return &FieldError{Field: "pool_id", Reason: "is " + was + "; only the organizer changes the pool that covers a product"}
}
