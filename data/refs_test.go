package data

import (
	"context"
	"slices"
	"testing"
)

func TestCheckRefs(t *testing.T) {
	ctx := context.Background()
	s := newMemStore()
	bank := Bank{ID: "bank_a", Name: "肇庆农商银行", Region: "4412"}
	if _, err := s.Banks().Put(ctx, &bank); err != nil {
		t.Fatal(err)
	}
	ok := Product{BankID: "bank_a", Name: "专利贷", MaxAmount: 5_000_000, MaxTerm: 36, PledgeRates: ByType{Invention: 0.3}}
	dangling := ok
	dangling.BankID, dangling.PoolID = "bank_gone", "pool_gone"
	if err := CheckRefs(ctx, s, ProductKind, []*Product{&ok}); err != nil {
		t.Fatalf("a product of an existing bank: %v", err)
	}
	err := CheckRefs(ctx, s, ProductKind, []*Product{&ok, &dangling})
	if ErrorCode(err) != CodeInvalid || !slices.Equal(fieldsOf(err), []string{"[1].bank_id", "[1].pool_id"}) {
		t.Fatalf("CheckRefs = %v; want [1].bank_id and [1].pool_id", err)
	}
	p := validPatent()
	p.OwnerID = "ent_gone"
	if err := CheckRefs(ctx, s, PatentKind, []*Patent{&p}); !slices.Equal(fieldsOf(err), []string{"owner_id"}) {
		t.Fatalf("a patent of a missing owner: %v", err)
	}
}
