package data_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	. "ipmatch/data"
	"ipmatch/data/memstore"
)

func TestCheckRefs(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
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
	if ErrorCode(err) != CodeInvalid || !slices.Equal(FieldsOf(err), []string{"[1].bank_id", "[1].pool_id"}) {
		t.Fatalf("CheckRefs = %v; want [1].bank_id and [1].pool_id", err)
	}
	p := ValidPatent()
	p.OwnerID = "ent_gone"
	if err := CheckRefs(ctx, s, PatentKind, []*Patent{&p}); !slices.Equal(FieldsOf(err), []string{"owner_id"}) {
		t.Fatalf("a patent of a missing owner: %v", err)
	}
}

// seedRefs stores minimal valid records with the given IDs so that imports
// naming them pass the reference check: "ent_…" enterprises, "bank_…"
// banks, "evt_…" events.
func seedRefs(t *testing.T, s Store, ids ...string) {
	t.Helper()
	ctx := context.Background()
	for i, id := range ids {
		var err error
		switch {
		case strings.HasPrefix(id, "ent_"):
			e := ValidEnterprise()
			first := fmt.Sprintf("91441204MA4UQ%04d", i)
			c, _ := CreditCodeCheck(first)
			e.ID, e.CreditCode = id, first+string(c)
			_, err = s.Enterprises().Put(ctx, &e)
		case strings.HasPrefix(id, "bank_"):
			_, err = s.Banks().Put(ctx, &Bank{ID: id, Name: "银行 " + id, Region: "4412"})
		case strings.HasPrefix(id, "evt_"):
			_, err = s.Events().Put(ctx, &Event{ID: id, Name: "对接会 " + id, Region: "441204", Date: NewDate(2021, 4, 23),
				StartsAt: "14:00", SlotMinutes: 20, Slots: 8, MaxMeetings: 4})
		default:
			t.Fatalf("seedRefs: no kind for %q", id)
		}
		if err != nil {
			t.Fatalf("seed %s: %v", id, err)
		}
	}
}

func TestImportRefusesMissingReferences(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	seedRefs(t, s, "bank_a")
	in := `{"bank_id":"bank_a","name":"专利贷","max_amount":5000000,"max_term_months":36,"pledge_rates":{"invention":0.3}}
{"bank_id":"bank_gone","name":"智权贷","max_amount":5000000,"max_term_months":36,"pledge_rates":{"invention":0.3}}
`
	rep, err := Import(ctx, s, strings.NewReader(in), ImportOptions{Kind: "products"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Row != 2 || rep.Rejected[0].Field != "bank_id" {
		t.Fatalf("report %+v; want row 2 refused on bank_id and row 1 imported", rep)
	}
	if n, _ := s.Products().Count(ctx); n != 1 {
		t.Fatalf("%d products stored, want 1", n)
	}
}
