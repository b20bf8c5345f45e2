package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ipmatch/data"
)

// owner is what a patent needs to know about the enterprise that holds it.
type owner struct {
	id, name, region, address string
	founded                   data.Date
	topics                    []*topic // main first
	agency                    string   // the owner's usual patent agency
}

// patMaker makes patents with distinct application and publication numbers.
// Serial numbers (7 digits) are counted through a permutation within
// [serialBase, serialBase+serialSpan), so they never repeat; the demo and the
// benchmarks use disjoint ranges.
type patMaker struct {
	r          *rand.Rand
	asOf       data.Date
	serialBase uint64
	serials    permutation
	pubs       permutation
	k          uint64
}

func newPatMaker(r *rand.Rand, asOf data.Date, base, span uint64) *patMaker {
	return &patMaker{
		r: r, asOf: asOf, serialBase: base,
		serials: newPermutation(1_234_567, r.Uint64(), span),
		pubs:    newPermutation(7_654_321, r.Uint64(), span),
	}
}

// filingYearWeights weights filing years 2008..2020: filings grew steadily.
var filingYearWeights = []int{2, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11}

// make returns one patent of o, normalised (ExpiryDate set).
func (m *patMaker) make(o *owner) data.Patent {
	r := m.r
	var typ data.PatentType
	var typeDigit, pubDigit, pubLetter byte
	switch weighted(r, []int{30, 60, 10}) {
	case 0:
		typ, typeDigit, pubDigit, pubLetter = data.Invention, '1', '1', 'A'
	case 1:
		typ, typeDigit, pubDigit, pubLetter = data.UtilityModel, '2', '2', 'U'
	default:
		typ, typeDigit, pubDigit, pubLetter = data.Design, '3', '3', 'S'
	}
	t := o.topics[0]
	if len(o.topics) > 1 {
		t = o.topics[weighted(r, []int{60, 25, 15}[:len(o.topics)])]
	}

	// Filing: 2008–2020, never before the owner was founded.
	earliest := maxDate(data.NewDate(2008, time.January, 2), addDays(o.founded, 30))
	earliest = minDate(earliest, data.NewDate(2020, time.December, 30))
	var filing data.Date
	for {
		year := 2008 + weighted(r, filingYearWeights)
		if first := int(earliest.Year); year < first {
			year = first + r.IntN(2021-first)
		}
		filing = randDate(r, data.NewDate(year, time.January, 2), data.NewDate(year, time.December, 30))
		if !filing.Before(earliest) {
			break
		}
	}
	if filing.After(data.NewDate(2020, time.December, 30)) {
		filing = data.NewDate(2020, time.December, 30)
	}

	serial := m.serialBase + m.serials.at(m.k)
	pubSerial := m.serialBase + m.pubs.at(m.k)
	m.k++
	digits := fmt.Sprintf("%04d%c%07d", filing.Year, typeDigit, serial)
	check, err := data.ApplicationNumberCheck(digits)
	if err != nil {
		panic("demo: " + err.Error())
	}
	p := data.Patent{
		ApplicationNumber: digits + "." + string(check),
		Type:              typ,
		Applicants:        []string{o.name},
		Address:           o.address,
		Region:            o.region,
		FilingDate:        filing,
		OwnerID:           o.id,
	}
	second := byte('0')
	if filing.Year >= 2019 && typ != data.Design {
		second = '1'
	}
	pubNo := fmt.Sprintf("CN%c%c%07d%c", pubDigit, second, pubSerial, pubLetter)

	m.text(&p, t)
	p.IPC = []string{} // designs carry a Locarno class, not IPC
	if typ != data.Design {
		p.IPC = []string{pick(r, t.ipc)}
		if chance(r, 40) {
			p.IPC = append(p.IPC, pick(r, t.ipc))
		}
		if chance(r, 15) {
			other := pick(r, o.topics)
			p.IPC = append(p.IPC, pick(r, other.ipc))
		}
		p.IPC = dedup(p.IPC)
	}
	p.Inventors = m.people(between(r, 1, 5))
	if chance(r, 85) {
		p.Agency = o.agency
		if chance(r, 15) {
			p.Agency = pick(r, agencies)
		}
		p.Agent = m.people(1)[0]
	}

	// Prosecution: publication, grant, legal status.
	switch typ {
	case data.Invention:
		if pub := addDays(filing, between(r, 180, 560)); !pub.After(m.asOf) {
			p.PublicationDate, p.PublicationNumber = pub, pubNo
		}
		if g := addDays(filing, between(r, 730, 1460)); !g.After(m.asOf) && chance(r, 88) {
			p.GrantDate = g
		}
	case data.UtilityModel:
		if g := addDays(filing, between(r, 180, 365)); !g.After(m.asOf) {
			p.GrantDate = g
		}
	case data.Design:
		if g := addDays(filing, between(r, 120, 270)); !g.After(m.asOf) {
			p.GrantDate = g
		}
	}
	if typ != data.Invention && !p.GrantDate.IsZero() {
		// Utility models and designs are published when granted.
		p.PublicationDate, p.PublicationNumber = p.GrantDate, pubNo
	}
	p.ExpiryDate = filing.AddYears(data.LegalTermYears(typ, filing))
	m.status(&p)

	switch typ {
	case data.Invention:
		p.Claims = between(r, 5, 20)
		p.ForwardCitations = r.IntN(r.IntN(16) + 1)
		p.FamilySize = 1
		if chance(r, 22) {
			p.FamilySize = between(r, 2, 5)
		}
	case data.UtilityModel:
		p.Claims = between(r, 1, 10)
		p.ForwardCitations = r.IntN(r.IntN(9) + 1)
		p.FamilySize = 1
		if chance(r, 6) {
			p.FamilySize = 2 // filed the same day as an invention (一案双报)
		}
	case data.Design:
		p.FamilySize = 1
		if chance(r, 10) {
			p.ForwardCitations = 1
		}
	}

	// Implementation: most granted device patents are in use.
	if p.LegalStatus == data.StatusValid || p.LegalStatus == data.StatusPending || p.LegalStatus == data.StatusLapsed {
		pct := 65
		switch {
		case typ == data.Design:
			pct = 40
		case p.LegalStatus == data.StatusPending:
			pct = 30
		}
		if chance(r, pct) {
			last := m.asOf
			if !p.GrantDate.IsZero() {
				last = minDate(last, addDays(p.GrantDate, 365))
			}
			p.ImplementedSince = randDate(r, addDays(filing, 30), last)
		}
	}

	// Co-applicants: a university or institute, sometimes a founder.
	if chance(r, 7) {
		co := pick(r, coApplicants)
		if chance(r, 30) {
			co = m.people(1)[0]
		}
		p.Applicants = append(p.Applicants, co)
		p.CoOwnersConsent = chance(r, 70)
	}
	m.history(&p)
	// p is built in normal form (Normalize would change nothing; the tests
	// check that), which keeps 100,000 patents fast.
	return p
}

// dedup removes repeated strings, keeping the first of each.
func dedup(list []string) []string {
	out := list[:0]
	for i, s := range list {
		if !slices.Contains(list[:i], s) {
			out = append(out, s)
		}
	}
	return out
}

// status sets the legal status and the annual fees paid, as of m.asOf.
func (m *patMaker) status(p *data.Patent) {
	r := m.r
	switch {
	case p.GrantDate.IsZero():
		p.LegalStatus = data.StatusPending
		if p.Type == data.Invention && p.FilingDate.Before(data.NewDate(2017, time.January, 1)) {
			// Old applications never granted were refused or dropped.
			p.LegalStatus = pick(r, []data.LegalStatus{data.StatusRejected, data.StatusWithdrawn})
		}
		return
	case !p.ExpiryDate.After(m.asOf):
		p.LegalStatus = data.StatusLapsed // term expired
		p.FeesPaidThrough = addDays(p.ExpiryDate, -1)
		return
	}
	// Fees are paid a patent year at a time, the year running from one
	// filing anniversary to the next.
	current := nextAnniversary(p.FilingDate, data.NewDate(2022, time.January, 1))
	switch x := r.IntN(100); {
	case x < 8 && p.GrantDate.Before(m.asOf.AddYears(-2)):
		// Lapsed for unpaid fees: the fee due on some anniversary after the
		// grant and before the last grace period was never paid.
		lo := nextAnniversary(p.FilingDate, addDays(p.GrantDate, 365))
		hi := m.asOf.AddMonths(-7)
		if lo.After(hi) {
			p.LegalStatus = data.StatusValid
			p.FeesPaidThrough = addDays(current, -1)
			return
		}
		due := nextAnniversary(p.FilingDate, randDate(r, lo, hi))
		if due.After(hi) {
			due = due.AddYears(-1)
		}
		p.LegalStatus = data.StatusLapsed
		p.FeesPaidThrough = addDays(due, -1)
	case x < 11:
		// Still valid but this year's fee is unpaid: inside the six-month
		// grace period when the anniversary was recent.
		due := nextAnniversary(p.FilingDate, m.asOf.AddYears(-1))
		if due.After(m.asOf) || due.Before(m.asOf.AddMonths(-6)) || !due.After(p.GrantDate) {
			p.LegalStatus = data.StatusValid
			p.FeesPaidThrough = addDays(current, -1)
			return
		}
		p.LegalStatus = data.StatusValid
		p.FeesPaidThrough = addDays(due, -1)
	case x < 12:
		p.LegalStatus = data.StatusInvalidated
		d := randDate(r, p.GrantDate, m.asOf)
		p.FeesPaidThrough = addDays(nextAnniversary(p.FilingDate, d), -1)
		p.History = append(p.History, data.Transaction{
			Kind: data.TxInvalidation, Date: d, End: minDate(addDays(d, between(r, 120, 300)), m.asOf),
			Party: m.companyName(),
		})
	default:
		p.LegalStatus = data.StatusValid
		p.FeesPaidThrough = addDays(current, -1)
		if chance(r, 20) {
			p.FeesPaidThrough = addDays(current.AddYears(1), -1)
		}
	}
	if p.FeesPaidThrough.After(p.ExpiryDate) {
		p.FeesPaidThrough = addDays(p.ExpiryDate, -1)
	}
}

// nextAnniversary returns the first anniversary of filing on or after day.
func nextAnniversary(filing, day data.Date) data.Date {
	n := int(day.Year) - int(filing.Year) - 1
	if n < 1 {
		n = 1
	}
	for {
		a := filing.AddYears(n)
		if !a.Before(day) {
			return a
		}
		n++
	}
}

// history adds the random transfers, licences and pledges.
func (m *patMaker) history(p *data.Patent) {
	r := m.r
	// Nothing happens to a patent after it ends: until is the last day it
	// was in force (or m.asOf for a live one).
	until := m.asOf
	switch p.LegalStatus {
	case data.StatusLapsed:
		until = p.FeesPaidThrough
	case data.StatusInvalidated:
		until = p.History[0].Date
	}
	if chance(r, 5) {
		from := m.companyName()
		if chance(r, 40) {
			from = m.people(1)[0]
		}
		if first := addDays(p.FilingDate, 60); !first.After(until) {
			p.History = append(p.History, data.Transaction{
				Kind: data.TxTransfer, Date: randDate(r, first, until), Party: from,
			})
		}
	}
	if p.GrantDate.IsZero() || p.LegalStatus == data.StatusInvalidated || !p.GrantDate.Before(until) {
		return
	}
	if chance(r, 4) {
		d := randDate(r, p.GrantDate, until)
		end := d.AddYears(between(r, 1, 5))
		if p.LegalStatus != data.StatusValid {
			end = minDate(end, until)
		}
		p.History = append(p.History, data.Transaction{
			Kind: data.TxLicence, Date: d, End: end, Party: m.companyName(),
			Open: end.After(m.asOf), Amount: int64(between(r, 5, 50)) * 10_000,
		})
	}
	if last := until.AddYears(-1); chance(r, 4) && p.GrantDate.Before(last) && last.Before(m.asOf.AddYears(-1)) {
		d := randDate(r, p.GrantDate, last)
		p.History = append(p.History, data.Transaction{
			Kind: data.TxPledge, Date: d, End: d.AddYears(1), Party: pick(r, pledgeBanks),
			Amount: int64(between(r, 50, 500)) * 10_000,
		})
	}
	if p.LegalStatus == data.StatusValid && chance(r, 2) {
		d := randDate(r, maxDate(p.GrantDate, m.asOf.AddYears(-2)), addDays(m.asOf, -30))
		p.History = append(p.History, data.Transaction{
			Kind: data.TxPledge, Date: d, Party: pick(r, pledgeBanks), Open: true,
			Amount: int64(between(r, 50, 500)) * 10_000,
		})
	}
}

// pledgeBanks are the pledgees of earlier pledges in patent histories.
var pledgeBanks = []string{"中国工商银行股份有限公司肇庆分行", "中国银行股份有限公司肇庆分行", "肇庆农村商业银行股份有限公司", "广发银行股份有限公司肇庆分行", "中国农业银行股份有限公司肇庆分行"}

// people returns n distinct-looking Chinese personal names.
func (m *patMaker) people(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = personName(m.r)
	}
	return out
}

func personName(r *rand.Rand) string {
	s := pick(r, surnames) + pick(r, givenChars)
	if chance(r, 75) {
		s += pick(r, givenChars)
	}
	return s
}

// companyName returns a synthetic counterparty (licensee, former owner,
// invalidation requester).
func (m *patMaker) companyName() string {
	r := m.r
	return pick(r, []string{"佛山市", "广州市", "东莞市", "中山市", "江门市", "肇庆市", "深圳市"}) +
		pick(r, firmWords) + pick(r, []string{"机械", "科技", "实业", "智能装备", "机电"}) + "有限公司"
}

// text writes the title, abstract and main claim of p from topic t.
func (m *patMaker) text(p *data.Patent, t *topic) {
	r := m.r
	obj := pick(r, t.objects)
	if p.Type == data.Design {
		title := pick(r, t.designs)
		if chance(r, 60) {
			title += "（" + modelNumber(r) + "）"
		}
		p.Title = title
		p.Abstract = "1．本外观设计产品的名称：" + title + "。2．本外观设计产品的用途：本外观设计产品用于" + t.field +
			"领域，" + pick(r, []string{"用于工业生产现场", "配套" + obj + "使用", "用于装备制造企业的生产线"}) + "。3．本外观设计产品的设计要点：在于" + pick(r, []string{"形状", "形状与图案的结合", "形状与色彩的结合"}) +
			"。4．最能表明设计要点的图片或照片：立体图1。5．" + pick(r, []string{"后视图与主视图对称，省略后视图", "仰视图为使用时不常见的面，省略仰视图", "左视图与右视图对称，省略左视图"}) + "。"
		return
	}
	parts := pickN(r, t.parts, 3)
	parts = append(parts, pickN(r, genericPart, 2)...)
	fn := pick(r, t.funcs)
	mech := pick(r, mechs)
	subj := "本实用新型"
	if p.Type == data.Invention {
		subj = "本发明"
	}
	method := p.Type == data.Invention && chance(r, 35)

	var core string
	if method {
		switch r.IntN(3) {
		case 0:
			core = obj + "的" + parts[0] + fn + "方法"
		case 1:
			core = "基于" + pick(r, techs) + "的" + obj + pick(r, []string{"控制方法", "检测方法", "故障诊断方法"})
		default:
			core = obj + parts[0] + "的" + pick(r, []string{"加工方法", "制造方法", "装配方法"})
		}
	} else {
		switch r.IntN(5) {
		case 0:
			core = obj + "的" + parts[0] + fn + mech
		case 1:
			core = pick(r, adjectives) + obj
		case 2:
			core = obj + "用" + parts[0]
		case 3:
			core = "带有" + fn + pick(r, []string{"装置", "机构"}) + "的" + obj
		default:
			core = obj + parts[0] + fn + mech
		}
		if p.Type == data.Invention && chance(r, 20) && (strings.HasSuffix(core, "装置") || strings.HasSuffix(core, "系统")) {
			core += "及其控制方法"
		}
	}
	p.Title = "一种" + core

	fill := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, "{obj}", obj), "{part}", parts[0])
	}
	eff := pickN(r, effects, 3)
	issue := pick(r, t.issues)
	if method {
		steps := pickOrdered(r, t.steps, 3)
		var sb strings.Builder
		for i, s := range steps {
			if i > 0 {
				sb.WriteString("；")
			}
			sb.WriteString("S" + strconv.Itoa(i+1) + "、" + fill(s))
		}
		p.MainClaim = "1.一种" + core + "，其特征在于，包括以下步骤：" + sb.String() + "。"
		p.Abstract = clampAbstract([]string{
			subj + "涉及" + t.field + "技术领域，公开了一种" + core + "，包括以下步骤：" + sb.String() + "。",
			subj + eff[0] + "，" + eff[1] + "，解决了" + issue + "的问题。",
			"该方法可用于" + obj + "的生产与运行维护。",
		})
		return
	}
	rel := "所述" + parts[0] + "上" + pick(r, mounts) + parts[1] + "，所述" + parts[1] + "通过" + pick(r, connectors) + "与" + parts[2] + "连接"
	side := parts[3] + "的" + pick(r, sides) + "设置有" + parts[4]
	work := "工作时，" + pick(r, drives) + "驱动" + parts[1] + pick(r, motions) + "，实现" + obj + "的" + fn + "。"
	p.MainClaim = "1.一种" + core + "，包括" + parts[3] + "，其特征在于：所述" + parts[3] + "上" + pick(r, mounts) + parts[0] +
		"；" + rel + "；" + side + "。"
	p.Abstract = clampAbstract([]string{
		subj + "公开了一种" + core + "，包括" + parts[3] + "、" + parts[0] + "、" + parts[1] + "和" + parts[2] + "，" + rel + "，" + side + "。",
		work,
		subj + eff[0] + "，" + eff[1] + "，有效解决了" + issue + "的问题。",
		"同时" + eff[2] + "。",
	})
}

// clampAbstract joins sentences, keeping the first always and the others
// while the text stays within 300 characters, and pads short texts to 100.
func clampAbstract(sentences []string) string {
	var b strings.Builder
	b.WriteString(sentences[0])
	n := utf8.RuneCountInString(sentences[0])
	for _, x := range sentences[1:] {
		if k := utf8.RuneCountInString(x); n+k <= 300 {
			b.WriteString(x)
			n += k
		}
	}
	if n < 100 {
		b.WriteString("该技术方案可广泛应用于装备制造业的生产现场，具有良好的推广应用价值。")
	}
	return b.String()
}

// pickOrdered returns n distinct elements of list in their list order (method
// steps keep their sequence).
func pickOrdered[T any](r *rand.Rand, list []T, n int) []T {
	skip := len(list) - n
	out := make([]T, 0, n)
	for _, x := range list {
		if skip > 0 && r.IntN(len(list)-len(out)) < skip {
			skip--
			continue
		}
		out = append(out, x)
	}
	return out
}

// modelNumber returns a product model such as CK6150 or YG-200.
func modelNumber(r *rand.Rand) string {
	letters := "ABCDEFGHJKLMNPQRSTWXYZ"
	s := string(letters[r.IntN(len(letters))]) + string(letters[r.IntN(len(letters))])
	if chance(r, 40) {
		s += "-"
	}
	return s + strconv.Itoa(between(r, 10, 9999))
}

// GeneratePatents returns n synthetic patents with the demo's vocabulary,
// owned round-robin by ownerIDs (none when ownerIDs is empty). Each owner's
// trade (and so the technical areas of its patents) follows from its ID the
// same way as in GenerateEnterprises; the applicant names are synthetic and
// not the owners' names. Application and publication numbers are distinct
// (n may be up to 9,000,000) and never clash with the demo's. The status of
// the patents is as of AsOf. It is deterministic in seed and meant for
// benchmarks: 100,000 patents take well under two seconds.
func GeneratePatents(seed int64, n int, ownerIDs []string) []data.Patent {
	return NewPatentGenerator(seed, ownerIDs).Next(n)
}

// PatentGenerator yields the patents of GeneratePatents a batch at a time,
// for sets too large to hold in memory at once: Next(a) then Next(b) gives
// what GeneratePatents(seed, a+b, ownerIDs) would.
type PatentGenerator struct {
	r       *rand.Rand
	m       *patMaker
	regions []string
	owners  []*owner
	anyone  bool // no owner IDs: a fresh synthetic owner per patent
	i       int
}

// NewPatentGenerator starts the patents of GeneratePatents(seed, …, ownerIDs).
func NewPatentGenerator(seed int64, ownerIDs []string) *PatentGenerator {
	r := newRand(seed, streamBenchPatents)
	g := &PatentGenerator{r: r, m: newPatMaker(r, AsOf, 1_000_000, 9_000_000), regions: guangdongCounties(), anyone: len(ownerIDs) == 0}
	g.owners = make([]*owner, max(len(ownerIDs), 1))
	for i := range g.owners {
		id := ""
		if i < len(ownerIDs) {
			id = ownerIDs[i]
		}
		g.owners[i] = benchOwner(r, id, g.regions)
	}
	return g
}

// Next returns the next n patents.
func (g *PatentGenerator) Next(n int) []data.Patent {
	out := make([]data.Patent, n)
	for i := range out {
		o := g.owners[g.i%len(g.owners)]
		if g.anyone {
			o = benchOwner(g.r, "", g.regions)
		}
		out[i] = g.m.make(o)
		g.i++
	}
	return out
}

// benchOwner makes a synthetic owner for GeneratePatents.
func benchOwner(r *rand.Rand, id string, regions []string) *owner {
	si := weighted(r, sectorWeights)
	if id != "" {
		si = sectorIndexOf(id)
	}
	sec := sectors[si]
	region := pick(r, regions)
	city, _ := data.LookupRegion(region[:4])
	o := &owner{
		id:      id,
		name:    strings.TrimSuffix(city.Name, "市") + pick(r, firmWords) + pick(r, sec.trades) + "有限公司",
		region:  region,
		address: address(r, region, nil),
		founded: data.NewDate(1995+weighted(r, foundingYearWeights), time.June, 1),
		agency:  pick(r, agencies),
	}
	for _, k := range sec.topics {
		o.topics = append(o.topics, topicByKey(k))
	}
	return o
}

// topicByKey returns the topic with the given key; an unknown key is a bug.
func topicByKey(key string) *topic {
	for i := range topics {
		if topics[i].key == key {
			return &topics[i]
		}
	}
	panic("demo: unknown topic " + key)
}
