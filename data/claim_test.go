package data_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	. "ipmatch/data"
	"ipmatch/data/memstore"
)

func TestApplicantName(t *testing.T) {
	same := [][2]string{
		{"肇庆市宏华电子科技有限公司（高要分公司）", "肇庆市宏华电子科技有限公司(高要分公司)"},
		{" 肇庆市 宏华电子科技有限公司\u3000", "肇庆市宏华电子科技有限公司"},
		{"ＡＢＣ科技（肇庆）有限公司", "abc科技(肇庆)有限公司"},
	}
	for _, p := range same {
		if ApplicantName(p[0]) != ApplicantName(p[1]) {
			t.Errorf("ApplicantName(%q) = %q, ApplicantName(%q) = %q; want equal", p[0], ApplicantName(p[0]), p[1], ApplicantName(p[1]))
		}
	}
	differ := [][2]string{
		{"肇庆市宏华电子科技有限公司", "肇庆市宏华电子有限公司"},
		{"肇庆市宏华电子科技有限公司", "肇庆市宏华电子科技有限公司高要分公司"},
	}
	for _, p := range differ {
		if ApplicantName(p[0]) == ApplicantName(p[1]) {
			t.Errorf("ApplicantName makes %q and %q equal", p[0], p[1])
		}
	}
}

func TestCanClaim(t *testing.T) {
	ent := Enterprise{ID: "ent_a", Name: "肇庆市宏华电子科技有限公司(高要)"}
	pat := func(owner string, applicants ...string) Patent {
		return Patent{ApplicationNumber: "201220249767.4", OwnerID: owner, Applicants: applicants}
	}
	if err := CanClaim(ent, pat("", "某大学", "肇庆市宏华电子科技有限公司（高要）")); err != nil {
		t.Errorf("ownerless, a co-applicant: %v", err)
	}
	if err := CanClaim(ent, pat("ent_a", "别的公司")); err != nil {
		t.Errorf("its own patent: %v", err)
	}
	mismatch := CanClaim(ent, pat("", "肇庆市别的公司"))
	if ErrorCode(mismatch) != CodeForbidden {
		t.Fatalf("ownerless, not an applicant: %v, want forbidden", mismatch)
	}
	// Held by another enterprise, even with the caller among the
	// applicants: the same refusal, which names nobody.
	held := CanClaim(ent, pat("ent_b", "肇庆市宏华电子科技有限公司（高要）"))
	if held == nil || held.Error() != mismatch.Error() || ErrorFields(held)[0] != ErrorFields(mismatch)[0] {
		t.Errorf("held by another: %v; want exactly %v", held, mismatch)
	}
	if strings.Contains(held.Error(), "ent_b") {
		t.Errorf("the refusal names the owner: %v", held)
	}
	// An enterprise without a name (or without an ID) claims nothing.
	if CanClaim(Enterprise{ID: "ent_c"}, pat("", "")) == nil || CanClaim(Enterprise{Name: "某大学"}, pat("", "某大学")) == nil {
		t.Error("an unnamed or unidentified enterprise may claim")
	}
}

// TestImportClaim: an enterprise's import takes a stored patent without
// owner only when one of its applicants is the enterprise's name, in every
// format; the organizer's scoped import assigns it whatever the applicants.
// The refusal of a patent held by another enterprise is word for word that
// of an ownerless patent it may not claim.
func TestImportClaim(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	seedRefs(t, s, "ent_a", "ent_b", "ent_c")
	a, _ := s.Enterprises().Get(ctx, "ent_a")
	b, _ := s.Enterprises().Get(ctx, "ent_b")
	b.Name = "肇庆市宏华电子科技有限公司（高要）"
	if _, err := s.Enterprises().Put(ctx, &b); err != nil {
		t.Fatal(err)
	}
	// The organizer imports two ownerless patents: b is an applicant of p1
	// (written with half-width brackets and a space), of p2 nobody is.
	row := func(number, owner string, applicants ...string) string {
		j, _ := json.Marshal(map[string]any{"application_number": number, "title": "一种测试装置", "ipc": []string{"E01B3/32"},
			"applicants": applicants, "filing_date": "2012-05-31", "owner_id": owner})
		return string(j) + "\n"
	}
	const p1, p2 = "201220249767.4", "201220249771.0"
	in := row(p1, "", "某大学", "肇庆市宏华电子科技有限公司 (高要)") + row(p2, "", "别的公司")
	if rep, err := Import(ctx, s, strings.NewReader(in), ImportOptions{Kind: "patents"}); err != nil || rep.Imported != 2 {
		t.Fatalf("organizer import: %+v, %v", rep, err)
	}
	owner := func(number string) string {
		p, err := s.Patents().Get(ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		return p.OwnerID
	}
	reason := func(rep ImportReport) string {
		if len(rep.Rejected) != 1 || rep.Imported+rep.Updated+rep.Unchanged != 0 {
			t.Fatalf("report %+v: want the one row rejected", rep)
		}
		return rep.Rejected[0].Reason
	}

	// a is no applicant of p1: refused, in JSONL and in CNIPA CSV alike.
	rep, err := Import(ctx, s, strings.NewReader(row(p1, "", "某大学", "肇庆市宏华电子科技有限公司 (高要)")), ImportOptions{Kind: "patents", OwnerEnterpriseID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	ownerless := reason(rep)
	cnipa := "申请号,名称,申请日,申请（专利权）人,分类号\n" + p1 + ",一种测试装置,2012-05-31,某大学;肇庆市宏华电子科技有限公司 (高要),E01B3/32\n"
	rep, err = Import(ctx, s, strings.NewReader(cnipa), ImportOptions{Kind: "patents", Format: FormatCNIPACSV, OwnerEnterpriseID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := reason(rep); got != ownerless {
		t.Errorf("cnipa-csv refusal %q, want %q", got, ownerless)
	}
	if owner(p1) != "" {
		t.Fatalf("p1 taken by %s", owner(p1))
	}

	// b is: its CNIPA import claims p1, but not p2.
	rep, err = Import(ctx, s, strings.NewReader(cnipa), ImportOptions{Kind: "patents", Format: FormatCNIPACSV, OwnerEnterpriseID: b.ID})
	if err != nil || rep.Updated != 1 || owner(p1) != b.ID {
		t.Fatalf("b claims p1: %+v, %v; owner %q", rep, err, owner(p1))
	}
	rep, err = Import(ctx, s, strings.NewReader(row(p2, b.ID, "别的公司")), ImportOptions{Kind: "patents", OwnerEnterpriseID: b.ID})
	if err != nil {
		t.Fatal(err)
	}
	reason(rep)
	if owner(p2) != "" {
		t.Fatalf("p2 taken by %s", owner(p2))
	}

	// p1 is b's now: a's refusal is word for word the one it had when p1
	// had no owner, and names nobody.
	rep, err = Import(ctx, s, strings.NewReader(row(p1, "", "某大学", "肇庆市宏华电子科技有限公司 (高要)")), ImportOptions{Kind: "patents", OwnerEnterpriseID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := reason(rep); got != ownerless || strings.Contains(got, b.ID) || strings.Contains(got, "宏华") {
		t.Errorf("refusal of b's patent %q, want %q", got, ownerless)
	}

	// The organizer's import scoped to c assigns p2 to c.
	rep, err = Import(ctx, s, strings.NewReader(row(p2, "", "别的公司")), ImportOptions{Kind: "patents", OwnerEnterpriseID: "ent_c", AssignOwners: true})
	if err != nil || rep.Updated != 1 || owner(p2) != "ent_c" {
		t.Fatalf("organizer assigns p2: %+v, %v; owner %q", rep, err, owner(p2))
	}
}

// TestImportProductIDNeutral: a bank's import row naming another bank's
// product is refused word for word as one naming no product at all, and
// neither is written.
func TestImportProductIDNeutral(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	seedRefs(t, s, "bank_a", "bank_b")
	other := Product{ID: "prod_boc_zhizhi", BankID: "bank_b", Name: "智质贷", MaxAmount: 1, MaxTerm: 1, PledgeRates: ByType{Invention: 0.1}}
	if _, err := s.Products().Put(ctx, &other); err != nil {
		t.Fatal(err)
	}
	refusal := func(id string) string {
		t.Helper()
		j, _ := json.Marshal(Product{ID: id, Name: "改名", MaxAmount: 1, MaxTerm: 1, PledgeRates: ByType{Invention: 0.1}})
		rep, err := Import(ctx, s, strings.NewReader(string(j)), ImportOptions{Kind: "products", BankID: "bank_a"})
		if err != nil || len(rep.Rejected) != 1 || rep.Imported+rep.Updated+rep.Unchanged != 0 {
			t.Fatalf("import of %s: %+v, %v; want the row rejected", id, rep, err)
		}
		return strings.ReplaceAll(rep.Rejected[0].Field+": "+rep.Rejected[0].Reason, id, "ID")
	}
	held, absent := refusal(other.ID), refusal("prod_nobody")
	if held != absent {
		t.Errorf("another bank's id: %q; an unknown id: %q; want the same", held, absent)
	}
	if strings.Contains(held, "another bank") || strings.Contains(held, "bank_b") {
		t.Errorf("the refusal speaks of the other bank: %q", held)
	}
	if got, _ := s.Products().Get(ctx, other.ID); got.Name != other.Name {
		t.Errorf("another bank's product was changed: %+v", got)
	}
	if n, _ := s.Products().Count(ctx); n != 1 {
		t.Errorf("%d products, want 1", n)
	}
}
