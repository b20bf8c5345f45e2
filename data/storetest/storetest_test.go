package storetest

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"ipmatch/data"
)

// TestConstructorsValid checks that every constructor builds records that
// pass their kind's Check unchanged by normalisation.
func TestConstructorsValid(t *testing.T) {
	for _, i := range []int{0, 1, 42, 9_999_999} {
		checkValid(t, data.EnterpriseKind, func() data.Enterprise { return Enterprise(i) })
		checkValid(t, data.PatentKind, func() data.Patent { return Patent(i) })
		checkValid(t, data.BankKind, func() data.Bank { return Bank(i) })
		checkValid(t, data.ProductKind, func() data.Product { return Product(i, "bank_a") })
		checkValid(t, data.EventKind, func() data.Event { return Event(i) })
		checkValid(t, data.ParticipantKind, func() data.Participant { return Participant(i, "evt_a") })
		checkValid(t, data.DealKind, func() data.Deal { return Deal(i, "ent_a", "bank_a", "prod_a") })
		checkValid(t, data.PoolKind, func() data.Pool { return Pool(i) })
		checkValid(t, data.TokenKind, func() data.Token { return Token(i, "bank_a") })
	}
	if CreditCode(1) == CreditCode(2) || Patent(1).ApplicationNumber == Patent(2).ApplicationNumber {
		t.Errorf("keys repeat")
	}
}

// checkValid checks that gen's record is valid and already normal.
func checkValid[T any](t *testing.T, k data.Kind[T], gen func() T) {
	t.Helper()
	rec, norm := gen(), gen()
	if err := k.Check([]*T{&norm}); err != nil {
		t.Errorf("%s: %v", k.Name, err)
		return
	}
	if !reflect.DeepEqual(norm, rec) {
		t.Errorf("%s: normalising changed\n%+v\nto\n%+v", k.Name, rec, norm)
	}
}

func TestGeneratePatents(t *testing.T) {
	const n = 5000
	ps, norm := GeneratePatents(7, n), GeneratePatents(7, n)
	if !reflect.DeepEqual(ps, norm) {
		t.Errorf("GeneratePatents is not deterministic")
	}
	if reflect.DeepEqual(ps[:50], GeneratePatents(8, 50)) {
		t.Errorf("GeneratePatents ignores its seed")
	}
	seen := map[string]bool{}
	types := map[data.PatentType]int{}
	for i := range ps {
		p := ps[i]
		if seen[p.ApplicationNumber] {
			t.Fatalf("application number %s repeats", p.ApplicationNumber)
		}
		seen[p.ApplicationNumber] = true
		types[p.Type]++
		if err := data.PatentKind.Check([]*data.Patent{&norm[i]}); err != nil {
			t.Fatalf("patent %d invalid: %v", i, err)
		}
		if !reflect.DeepEqual(norm[i], p) {
			t.Fatalf("patent %d not normal:\n%+v\nnormalised\n%+v", i, p, norm[i])
		}
		if n := utf8.RuneCountInString(p.Abstract); n < 200 || n > 400 {
			t.Errorf("patent %d: abstract of %d characters: %s", i, n, p.Abstract)
		}
		if len(p.Applicants) < 1 || len(p.Applicants) > 3 {
			t.Errorf("patent %d: %d applicants", i, len(p.Applicants))
		}
		if p.Type != data.Design && (len(p.IPC) < 1 || len(p.IPC) > 4) {
			t.Errorf("patent %d: %d IPC codes", i, len(p.IPC))
		}
	}
	if types[data.Invention] < n/3 || types[data.UtilityModel] < n/4 || types[data.Design] == 0 {
		t.Errorf("type mix %v", types)
	}
}
