package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"ipmatch/data"
)

var update = flag.Bool("update", false, "rewrite the committed files/*.jsonl from Generate(DefaultSeed)")

// TestFilesUpToDate checks that the committed JSON Lines are what Generate
// makes today; run with -update to rewrite them.
func TestFilesUpToDate(t *testing.T) {
	ds := Generate(DefaultSeed)
	for _, kind := range Kinds {
		got := ds.JSONL(kind)
		if *update {
			if err := os.WriteFile(filepath.Join("files", kind+".jsonl"), got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want := File(kind)
		if !bytes.Equal(got, want) {
			gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
			for i := 0; i < max(len(gl), len(wl)); i++ {
				g, w := line(gl, i), line(wl, i)
				if g != w {
					t.Errorf("files/%s.jsonl is stale (run go test ./data/demo -run TestFilesUpToDate -update); first difference at line %d:\ncommitted: %.300s\ngenerated: %.300s", kind, i+1, w, g)
					break
				}
			}
		}
	}
	if *update {
		t.Log("rewrote files/*.jsonl; rebuild to embed them")
	}
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<end of file>"
}

func TestFilesSize(t *testing.T) {
	total := 0
	for _, k := range Kinds {
		total += len(File(k))
	}
	if total > 2<<20 {
		t.Errorf("committed files take %d bytes; keep them under 2 MB", total)
	}
	if File("tokens") != nil {
		t.Error(`File("tokens") should be nil`)
	}
	if m := Files(); len(m) != len(Kinds) {
		t.Errorf("Files has %d kinds, want %d", len(m), len(Kinds))
	}
}

// TestFilesDecode reads every committed line back into its record type
// (unknown fields refused), normalises and validates it, and checks that the
// line is the record's own encoding, sorted by ID and without timestamps.
func TestFilesDecode(t *testing.T) {
	check := func(kind string, decode func([]byte) (id string, rec any, err error)) {
		t.Helper()
		sc := bufio.NewScanner(bytes.NewReader(File(kind)))
		sc.Buffer(nil, 1<<20)
		prev, n := "", 0
		for sc.Scan() {
			n++
			b := sc.Bytes()
			id, rec, err := decode(b)
			if err != nil {
				t.Errorf("%s line %d: %v", kind, n, err)
				continue
			}
			if id <= prev {
				t.Errorf("%s line %d: id %q not after %q", kind, n, id, prev)
			}
			prev = id
			again, _ := json.Marshal(rec)
			if !bytes.Equal(again, b) {
				t.Errorf("%s line %d: not a record's own encoding", kind, n)
			}
			if bytes.Contains(b, []byte(`"created_at"`)) || bytes.Contains(b, []byte(`"updated_at"`)) {
				t.Errorf("%s line %d has timestamps", kind, n)
			}
		}
		if n == 0 {
			t.Errorf("%s: empty", kind)
		}
	}
	check("pools", decodeLine(func(r *data.Pool) string { return r.ID }, (*data.Pool).Normalize, (*data.Pool).Validate))
	check("banks", decodeLine(func(r *data.Bank) string { return r.ID }, (*data.Bank).Normalize, (*data.Bank).Validate))
	check("products", decodeLine(func(r *data.Product) string { return r.ID }, (*data.Product).Normalize, (*data.Product).Validate))
	check("enterprises", decodeLine(func(r *data.Enterprise) string { return r.ID }, (*data.Enterprise).Normalize, (*data.Enterprise).Validate))
	check("patents", decodeLine(func(r *data.Patent) string { return r.ApplicationNumber }, (*data.Patent).Normalize, (*data.Patent).Validate))
	check("events", decodeLine(func(r *data.Event) string { return r.ID }, (*data.Event).Normalize, (*data.Event).Validate))
	check("participants", decodeLine(func(r *data.Participant) string { return r.ID }, (*data.Participant).Normalize, (*data.Participant).Validate))
	check("deals", decodeLine(func(r *data.Deal) string { return r.ID }, (*data.Deal).Normalize, (*data.Deal).Validate))
}

// decodeLine returns a decoder of one JSON line into a T that normalises and
// validates it, and fails if normalising changed it.
func decodeLine[T any](id func(*T) string, normalize func(*T), validate func(*T) error) func([]byte) (string, any, error) {
	return func(b []byte) (string, any, error) {
		var rec T
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return "", nil, err
		}
		before, _ := json.Marshal(&rec)
		normalize(&rec)
		if after, _ := json.Marshal(&rec); !bytes.Equal(before, after) {
			return "", nil, fmt.Errorf("record %s is not normalised", id(&rec))
		}
		if err := validate(&rec); err != nil {
			return "", nil, fmt.Errorf("record %s: %v", id(&rec), err)
		}
		return id(&rec), &rec, nil
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(DefaultSeed), Generate(DefaultSeed)
	c := Generate(DefaultSeed + 1)
	same := true
	for _, k := range Kinds {
		if !bytes.Equal(a.JSONL(k), b.JSONL(k)) {
			t.Errorf("%s differ between two runs with the same seed", k)
		}
		same = same && bytes.Equal(a.JSONL(k), c.JSONL(k))
	}
	if same {
		t.Error("another seed gave the same dataset")
	}
}

// TestOtherSeeds checks that any seed gives a complete, valid dataset.
func TestOtherSeeds(t *testing.T) {
	for _, seed := range []int64{0, 1, 42, -7, 1 << 40} {
		checkDataset(t, fmt.Sprintf("seed %d", seed), Generate(seed))
	}
}

func TestDataset(t *testing.T) {
	ds := Generate(DefaultSeed)
	checkDataset(t, "default", ds)

	if len(ds.Enterprises) < 60 || len(ds.Patents) < 600 || len(ds.Banks) < 6 || len(ds.Products) < 10 {
		t.Errorf("counts: %d enterprises, %d patents, %d banks, %d products", len(ds.Enterprises), len(ds.Patents), len(ds.Banks), len(ds.Products))
	}
	// The reference case.
	ev := ds.Events[0]
	if ev.ID != EventID || ev.Region != "441204" || ev.Date != AsOf || ev.Organizer != "广东股权交易中心" ||
		ev.Name != "高要区装备制造业专利导航成果发布暨知识产权质押融资银企对接会" || ev.PoolID != PoolID {
		t.Errorf("event = %+v", ev)
	}
	pool := ds.Pools[0]
	if pool.ID != PoolID || pool.Size != 5_000_000 || pool.Region != "4412" || pool.Manager != "广东股权交易中心" {
		t.Errorf("pool = %+v", pool)
	}
	var onSite []data.Deal
	for _, dl := range ds.Deals {
		last := dl.History[len(dl.History)-1].At.In(data.ChinaZone)
		if dl.Stage == data.StageDisbursed && dl.EventID == EventID && data.DateOf(last) == AsOf {
			onSite = append(onSite, dl)
		}
	}
	if len(onSite) != 2 || onSite[0].Amount != 3_500_000 || onSite[0].PoolID != PoolID {
		t.Errorf("want two loans signed on site, the first 3,500,000 under the pool; got %+v", onSite)
	}
	// Some enterprise is too young for a product that wants a year.
	young := false
	for _, e := range ds.Enterprises {
		young = young || e.Founded.After(AsOf.AddYears(-1))
	}
	if !young {
		t.Error("no enterprise founded within a year of the event")
	}
	// Every Zhaoqing district has enterprises, most are in 高要区.
	perRegion := map[string]int{}
	for _, e := range ds.Enterprises {
		perRegion[e.Region]++
	}
	for _, dst := range zhaoqing {
		if perRegion[dst.code] == 0 {
			t.Errorf("no enterprise in %s", dst.code)
		}
	}
	if perRegion["441204"] < len(ds.Enterprises)/3 {
		t.Errorf("only %d enterprises in 高要区", perRegion["441204"])
	}
	// The type mix is about 30/60/10.
	types := map[data.PatentType]int{}
	for _, p := range ds.Patents {
		types[p.Type]++
	}
	n := len(ds.Patents)
	if types[data.Invention]*100/n < 22 || types[data.UtilityModel]*100/n < 50 || types[data.Design]*100/n < 5 {
		t.Errorf("type mix %v", types)
	}
	// Full-text search has something to find.
	for _, word := range []string{"数控机床", "液压", "焊接", "减速器", "输送", "模具", "阀门", "PLC"} {
		hits := 0
		for _, p := range ds.Patents {
			if strings.Contains(p.Title+p.Abstract, word) {
				hits++
			}
		}
		if hits < 5 {
			t.Errorf("only %d patents mention %s", hits, word)
		}
	}
}

// checkDataset checks a generated dataset: validity, uniqueness, references,
// plausibility, and that every hard pledge rule has a case.
func checkDataset(t *testing.T, name string, ds Dataset) {
	t.Helper()
	errorf := func(format string, args ...any) {
		t.Helper()
		t.Errorf(name+": "+format, args...)
	}
	ids := map[string]bool{}
	unique := func(kind, id string) {
		t.Helper()
		if id == "" || ids[kind+"|"+id] {
			errorf("%s id %q empty or repeated", kind, id)
		}
		ids[kind+"|"+id] = true
	}
	valid := func(kind, id string, err error) {
		t.Helper()
		if err != nil {
			errorf("%s %s: %v", kind, id, err)
		}
	}
	for i := range ds.Pools {
		r := &ds.Pools[i]
		r.Normalize()
		unique("pool", r.ID)
		valid("pool", r.ID, r.Validate())
	}
	for i := range ds.Banks {
		r := &ds.Banks[i]
		r.Normalize()
		unique("bank", r.ID)
		valid("bank", r.ID, r.Validate())
		if !data.RegionWithin(r.Region, "4412") {
			errorf("bank %s not in Zhaoqing", r.ID)
		}
	}
	for i := range ds.Products {
		r := &ds.Products[i]
		r.Normalize()
		unique("product", r.ID)
		valid("product", r.ID, r.Validate())
		if !ids["bank|"+r.BankID] || (r.PoolID != "" && !ids["pool|"+r.PoolID]) {
			errorf("product %s refers to a missing bank or pool", r.ID)
		}
		rate := 385 + r.SpreadBP
		if rate < 300 || rate > 500 {
			errorf("product %s rate %d bp outside 3%%–5%%", r.ID, rate)
		}
		for _, t := range []data.PatentType{data.Invention, data.UtilityModel, data.Design} {
			if x := r.PledgeRates.Of(t); x != 0 && (x < 0.1 || x > 0.6) {
				errorf("product %s pledge rate %v outside 10%%–60%%", r.ID, x)
			}
		}
	}
	credit := map[string]bool{}
	names := map[string]string{}
	for i := range ds.Enterprises {
		e := &ds.Enterprises[i]
		e.Normalize()
		unique("enterprise", e.ID)
		valid("enterprise", e.ID, e.Validate())
		names[e.ID] = e.Name
		if credit[e.CreditCode] {
			errorf("credit code %s repeated", e.CreditCode)
		}
		credit[e.CreditCode] = true
		if data.CreditCodeRegion(e.CreditCode) != e.Region || !strings.HasPrefix(e.CreditCode, "91") {
			errorf("enterprise %s credit code %s does not carry its region %s", e.ID, e.CreditCode, e.Region)
		}
		if !orgCodeValid(e.CreditCode[8:17]) {
			errorf("enterprise %s organisation code %s has a bad check character", e.ID, e.CreditCode[8:17])
		}
		if !data.RegionWithin(e.Region, "4412") {
			errorf("enterprise %s region %s not in Zhaoqing", e.ID, e.Region)
		}
		if !data.IndustryWithin(e.Industry, "C") {
			errorf("enterprise %s industry %s not in manufacturing", e.ID, e.Industry)
		}
		if e.Founded.Year < 1995 || e.Founded.Year > 2020 {
			errorf("enterprise %s founded %s", e.ID, e.Founded)
		}
		// Needs are 1–10 million yuan, or what a deal borrows (from the
		// smallest product minimum, 100,000, to the largest maximum, 30
		// million).
		if e.Need.Amount < 100_000 || e.Need.Amount > 30_000_000 || e.Need.TermMonths < 12 || e.Need.TermMonths > 36 {
			errorf("enterprise %s need %+v", e.ID, e.Need)
		}
		for _, f := range e.Financials {
			if f.Revenue <= 0 || f.Assets <= 0 || f.Liabilities >= f.Assets || f.Profit >= f.Revenue {
				errorf("enterprise %s implausible financials %+v", e.ID, f)
			}
		}
	}
	apps := map[string]bool{}
	pubs := map[string]bool{}
	pubRe := regexp.MustCompile(`^CN[123][0-9]{8}[AUS]$`)
	cases := map[string]int{}
	for i := range ds.Patents {
		p := &ds.Patents[i]
		before, _ := json.Marshal(p)
		p.Normalize()
		if after, _ := json.Marshal(p); !bytes.Equal(before, after) {
			errorf("patent %s not normalised", p.ApplicationNumber)
		}
		id := p.ApplicationNumber
		valid("patent", id, p.Validate())
		if apps[id] {
			errorf("application number %s repeated", id)
		}
		apps[id] = true
		if p.PublicationNumber != "" {
			if pubs[p.PublicationNumber] || !pubRe.MatchString(p.PublicationNumber) {
				errorf("patent %s publication number %s repeated or malformed", id, p.PublicationNumber)
			}
			pubs[p.PublicationNumber] = true
		}
		if y := p.FilingDate.Year; y < 2008 || y > 2020 || id[:4] != fmt.Sprint(y) {
			errorf("patent %s filed %s", id, p.FilingDate)
		}
		owner, ok := names[p.OwnerID]
		if !ok {
			errorf("patent %s owner %q missing", id, p.OwnerID)
		}
		if p.Applicants[0] != owner {
			cases["not owner"]++
		}
		if !strings.HasPrefix(p.Address, "526") || !data.RegionWithin(p.Region, "4412") {
			errorf("patent %s address %q region %s not in Zhaoqing", id, p.Address, p.Region)
		}
		for _, c := range p.IPC {
			if _, ok := data.LookupIPC(c); !ok {
				errorf("patent %s IPC %s not in the table", id, c)
			}
		}
		if p.Type != data.Design && (len(p.IPC) == 0 || p.MainClaim == "") {
			errorf("patent %s lacks IPC or claim", id)
		}
		if n := utf8.RuneCountInString(p.Abstract); n < 100 || n > 300 {
			errorf("patent %s abstract has %d characters", id, n)
		}
		if !p.GrantDate.IsZero() {
			days := int(p.GrantDate.Time().Sub(p.FilingDate.Time()).Hours() / 24)
			lo, hi := 110, 280 // design
			switch p.Type {
			case data.Invention:
				lo, hi = 700, 1500
			case data.UtilityModel:
				lo, hi = 170, 370
			}
			if days < lo || days > hi || p.GrantDate.After(AsOf) {
				errorf("patent %s granted %d days after filing", id, days)
			}
		}
		if p.Claims > 20 || p.ForwardCitations > 15 || p.FamilySize < 1 || p.FamilySize > 5 {
			errorf("patent %s claims %d citations %d family %d", id, p.Claims, p.ForwardCitations, p.FamilySize)
		}
		if !p.ImplementedSince.IsZero() && (p.ImplementedSince.Before(p.FilingDate) || p.ImplementedSince.After(AsOf)) {
			errorf("patent %s implemented since %s", id, p.ImplementedSince)
		}
		switch p.LegalStatus {
		case data.StatusLapsed:
			cases["lapsed"]++
		case data.StatusPending:
			if p.Type == data.Invention {
				cases["pending invention"]++
			}
		case data.StatusInvalidated:
			cases["invalidated"]++
		case data.StatusValid:
			if p.GrantDate.IsZero() {
				errorf("valid patent %s has no grant date", id)
			}
			if p.FeesPaidThrough.Before(AsOf) {
				cases["fees unpaid"]++
			} else if !p.FeesPaidThrough.Before(AsOf.AddYears(-1)) {
				cases["fees current"]++
			}
		}
		for _, tx := range p.History {
			if tx.Open {
				cases["open "+string(tx.Kind)]++
			}
			if tx.Date.After(AsOf) {
				errorf("patent %s history dated after %s", id, AsOf)
			}
			if p.LegalStatus == data.StatusLapsed && (tx.Date.After(p.FeesPaidThrough) || tx.Open) {
				errorf("patent %s has a transaction %+v after it lapsed (%s)", id, tx, p.FeesPaidThrough)
			}
		}
		if len(p.Applicants) > 1 && !p.CoOwnersConsent {
			cases["co-owned without consent"]++
		}
	}
	for _, c := range []string{"lapsed", "pending invention", "invalidated", "fees unpaid", "fees current", "open pledge",
		"open preservation", "open invalidation", "open suspension", "co-owned without consent", "not owner"} {
		if cases[c] == 0 {
			errorf("no patent with case %q (cases: %v)", c, cases)
		}
	}
	if cases["fees current"] < len(ds.Patents)/2 {
		errorf("only %d patents have current fees", cases["fees current"])
	}
	for i := range ds.Events {
		r := &ds.Events[i]
		r.Normalize()
		unique("event", r.ID)
		valid("event", r.ID, r.Validate())
	}
	keys := map[string]bool{}
	banksAt, entsAt, valuers := 0, 0, 0
	for i := range ds.Participants {
		r := &ds.Participants[i]
		r.Normalize()
		unique("participant", r.ID)
		valid("participant", r.ID, r.Validate())
		if k := data.ParticipantKey(r); keys[k] {
			errorf("participant key %s repeated", k)
		} else {
			keys[k] = true
		}
		if !ids["event|"+r.EventID] {
			errorf("participant %s event missing", r.ID)
		}
		switch r.Role {
		case data.RoleBankDesk:
			banksAt++
			if !ids["bank|"+r.BankID] || r.Tables < 1 || r.Tables > 2 {
				errorf("bank participant %s: bank %q, %d tables", r.ID, r.BankID, r.Tables)
			}
			for _, pr := range r.Preferences {
				if !ids["enterprise|"+pr.Target] {
					errorf("participant %s prefers missing enterprise %s", r.ID, pr.Target)
				}
			}
		case data.RoleEnterprise:
			entsAt++
			if !ids["enterprise|"+r.EnterpriseID] {
				errorf("participant %s enterprise missing", r.ID)
			}
			for _, pr := range r.Preferences {
				if !ids["bank|"+pr.Target] {
					errorf("participant %s prefers missing bank %s", r.ID, pr.Target)
				}
			}
		case data.RoleValuer:
			valuers++
		}
	}
	if banksAt != len(ds.Banks) || entsAt < 25 || valuers == 0 {
		errorf("participants: %d banks, %d enterprises, %d valuers", banksAt, entsAt, valuers)
	}
	stages := map[data.Stage]bool{}
	for i := range ds.Deals {
		r := &ds.Deals[i]
		r.Normalize()
		unique("deal", r.ID)
		valid("deal", r.ID, r.Validate())
		stages[r.Stage] = true
		if !ids["enterprise|"+r.EnterpriseID] || !ids["bank|"+r.BankID] || !ids["product|"+r.ProductID] ||
			(r.EventID != "" && !ids["event|"+r.EventID]) || (r.PoolID != "" && !ids["pool|"+r.PoolID]) {
			errorf("deal %s refers to a missing record", r.ID)
		}
		for _, a := range r.Patents {
			if !apps[a] {
				errorf("deal %s pledges unknown patent %s", r.ID, a)
			}
		}
		for _, h := range r.History {
			if h.By != "demo" || h.At.Location().String() != "UTC" {
				errorf("deal %s history %+v", r.ID, h)
			}
		}
		for _, p := range ds.Products {
			if p.ID == r.ProductID && p.BankID != r.BankID {
				errorf("deal %s product %s belongs to %s, not %s", r.ID, p.ID, p.BankID, r.BankID)
			}
		}
	}
	// Appraisals: by the event's firms, of the enterprise's own patents,
	// made before the event; some current on the event day, one expired.
	owner := map[string]string{}
	for _, p := range ds.Patents {
		owner[p.ApplicationNumber] = p.OwnerID
	}
	for i := range ds.Appraisers {
		r := &ds.Appraisers[i]
		unique("appraiser", r.ID)
		valid("appraiser", r.ID, r.Validate())
	}
	current, expired := 0, 0
	for i := range ds.Appraisals {
		r := &ds.Appraisals[i]
		unique("appraisal", r.ID)
		valid("appraisal", r.ID, r.Validate())
		if !ids["enterprise|"+r.EnterpriseID] || !ids["appraiser|"+r.AppraiserID] || (r.BankID != "" && !ids["bank|"+r.BankID]) {
			errorf("appraisal %s refers to a missing record", r.ID)
		}
		for _, n := range r.Patents {
			if owner[n] != r.EnterpriseID {
				errorf("appraisal %s appraises %s, a patent of %q", r.ID, n, owner[n])
			}
		}
		switch {
		case r.BaseDate.After(AsOf):
			errorf("appraisal %s is dated after the event: %s", r.ID, r.BaseDate)
		case r.CurrentOn(AsOf):
			current++
		default:
			expired++
		}
	}
	if current < 2 || expired < 1 {
		errorf("appraisals: %d current and %d expired on the event day", current, expired)
	}
	for _, s := range []data.Stage{data.StageRegistered, data.StageMet, data.StageIntent, data.StageFiled, data.StageAccepted, data.StageDisbursed, data.StagePledgeRegistered, data.StageDeclined} {
		if !stages[s] {
			errorf("no deal at stage %s", s)
		}
	}
}

// orgCodeValid checks a GB 11714 organisation code's check character.
func orgCodeValid(code string) bool {
	return len(code) == 9 && orgCodeCheck(code[:8]) == code[8]
}

func TestOrgCodeCheck(t *testing.T) {
	// Published examples of GB 11714 codes.
	for _, c := range []string{"D2143569X", "708461136"} {
		if !orgCodeValid(c) {
			t.Errorf("%s: check character %c, want %c", c, orgCodeCheck(c[:8]), c[8])
		}
	}
}

func TestGenerateEnterprises(t *testing.T) {
	n := 3000
	a, b := GenerateEnterprises(7, n), GenerateEnterprises(7, n)
	if len(a) != n {
		t.Fatalf("got %d enterprises", len(a))
	}
	demoCodes := map[string]bool{}
	for _, e := range Generate(DefaultSeed).Enterprises {
		demoCodes[e.CreditCode] = true
	}
	seen := map[string]bool{}
	for i := range a {
		e := &a[i]
		if e.CreditCode != b[i].CreditCode || e.Name != b[i].Name {
			t.Fatalf("not deterministic at %d", i)
		}
		e.Normalize()
		if err := e.Validate(); err != nil {
			t.Fatalf("%s: %v", e.ID, err)
		}
		if seen[e.CreditCode] || demoCodes[e.CreditCode] {
			t.Fatalf("credit code %s repeated or clashes with the demo", e.CreditCode)
		}
		seen[e.CreditCode] = true
		if !data.RegionWithin(e.Region, "44") || !orgCodeValid(e.CreditCode[8:17]) {
			t.Fatalf("%s: region %s, code %s", e.ID, e.Region, e.CreditCode)
		}
	}
}

func TestGeneratePatents(t *testing.T) {
	owners := []string{"ent_000001", "ent_000002", "ent_000003"}
	n := 5000
	if !testing.Short() {
		n = 30_000 // distinct by construction (a permutation); the benchmark makes 100,000
	}
	a := GeneratePatents(11, n, owners)
	b := GeneratePatents(11, 200, owners)
	demo := map[string]bool{}
	demoPubs := map[string]bool{}
	for _, p := range Generate(DefaultSeed).Patents {
		demo[p.ApplicationNumber] = true
		demoPubs[p.PublicationNumber] = true
	}
	seen := make(map[string]bool, n)
	pubs := make(map[string]bool, n)
	for i := range a {
		p := &a[i]
		if i < len(b) && p.ApplicationNumber != b[i].ApplicationNumber {
			t.Fatalf("not deterministic at %d", i)
		}
		if seen[p.ApplicationNumber] || demo[p.ApplicationNumber] {
			t.Fatalf("application number %s repeated or clashes with the demo", p.ApplicationNumber)
		}
		seen[p.ApplicationNumber] = true
		if p.PublicationNumber != "" {
			if pubs[p.PublicationNumber] || demoPubs[p.PublicationNumber] {
				t.Fatalf("publication number %s repeated", p.PublicationNumber)
			}
			pubs[p.PublicationNumber] = true
		}
		if p.OwnerID != owners[i%len(owners)] {
			t.Fatalf("patent %d owned by %s", i, p.OwnerID)
		}
		if i < 5000 {
			p.Normalize()
			if err := p.Validate(); err != nil {
				t.Fatalf("%s: %v", p.ApplicationNumber, err)
			}
		}
	}
	if none := GeneratePatents(1, 10, nil); len(none) != 10 || none[0].OwnerID != "" {
		t.Errorf("without owners: %d patents, owner %q", len(none), none[0].OwnerID)
	}
	// An owner's patents are in its trade.
	ents := GenerateEnterprises(3, 5)
	for _, e := range ents {
		ps := GeneratePatents(3, 30, []string{e.ID})
		sec := sectors[sectorIndexOf(e.ID)]
		if sec.industry != e.Industry {
			t.Errorf("%s: industry %s, sector %s", e.ID, e.Industry, sec.industry)
		}
		for _, p := range ps {
			if p.Type == data.Design {
				continue
			}
			if !slices.ContainsFunc(sec.topics, func(k string) bool { return slices.Contains(topicByKey(k).ipc, p.IPC[0]) }) {
				t.Errorf("%s: patent IPC %s outside its trade %s", e.ID, p.IPC[0], sec.industry)
			}
		}
	}
}

// TestVocabulary checks the word lists' codes against the reference tables.
func TestVocabulary(t *testing.T) {
	for _, tp := range topics {
		for _, c := range tp.ipc {
			if n, err := data.NormalizeIPC(c); err != nil || n != c {
				t.Errorf("topic %s: IPC %s: %v (normalised %s)", tp.key, c, err, n)
			}
			if _, ok := data.LookupIPC(c); !ok {
				t.Errorf("topic %s: IPC %s not in the table", tp.key, c)
			}
		}
	}
	if len(sectorWeights) != len(sectors) {
		t.Fatalf("%d sector weights for %d sectors", len(sectorWeights), len(sectors))
	}
	for _, s := range sectors {
		ind, ok := data.LookupIndustry(s.industry)
		if !ok || ind.Code != s.industry || !strings.HasPrefix(s.industry, "C") || s.industry < "C33" || s.industry >= "C41" {
			t.Errorf("sector industry %s: %v %v", s.industry, ind, ok)
		}
		for _, k := range s.topics {
			topicByKey(k)
		}
	}
	if len(zhaoqingCounts) != len(zhaoqing) {
		t.Fatal("zhaoqingCounts and zhaoqing differ in length")
	}
	for _, dst := range zhaoqing {
		if r, ok := data.LookupRegion(dst.code); !ok || r.Parent != "4412" {
			t.Errorf("district %s: %v %v", dst.code, r, ok)
		}
	}
	if n := len(guangdongCounties()); n < 100 {
		t.Errorf("only %d Guangdong counties", n)
	}
}

func BenchmarkGeneratePatents100k(b *testing.B) {
	owners := make([]string, 10_000)
	for i := range owners {
		owners[i] = fmt.Sprintf("ent_%06d", i+1)
	}
	for b.Loop() {
		GeneratePatents(1, 100_000, owners)
	}
}

func BenchmarkGenerateEnterprises100k(b *testing.B) {
	for b.Loop() {
		GenerateEnterprises(1, 100_000)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		Generate(DefaultSeed)
	}
}

// TestGeneratorsInBatches checks that the batch generators give exactly
// what the one-call generators give.
func TestGeneratorsInBatches(t *testing.T) {
	owners := []string{"ent_000001", "ent_000002", "ent_000003"}
	for _, ids := range [][]string{owners, nil} {
		whole := GeneratePatents(11, 250, ids)
		g := NewPatentGenerator(11, ids)
		parts := append(append(g.Next(100), g.Next(1)...), g.Next(149)...)
		if !reflect.DeepEqual(whole, parts) {
			t.Errorf("patents in batches (owners %v) differ from one call", ids)
		}
	}
	whole := GenerateEnterprises(5, 120)
	g := NewEnterpriseGenerator(5)
	if parts := append(g.Next(70), g.Next(50)...); !reflect.DeepEqual(whole, parts) {
		t.Error("enterprises in batches differ from one call")
	}
}
