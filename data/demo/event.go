package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"ipmatch/data"
)

// eventGen registers enterprises, banks and valuers for the event, plants
// one patent for each hard pledge rule among the registered enterprises, and
// records the deals.
type eventGen struct {
	ds      *Dataset
	r       *rand.Rand
	pm      *patMaker
	byOwner map[string][]int // patent indexes by owner ID, in generation order
	ents    map[string]*data.Enterprise
	atEvent []string        // enterprise IDs registered for the event
	used    map[string]bool // enterprises already given a role
	cases   map[string]planted
}

func (g *eventGen) run() {
	g.byOwner = map[string][]int{}
	for i := range g.ds.Patents {
		o := g.ds.Patents[i].OwnerID
		g.byOwner[o] = append(g.byOwner[o], i)
	}
	g.ents = map[string]*data.Enterprise{}
	for i := range g.ds.Enterprises {
		g.ents[g.ds.Enterprises[i].ID] = &g.ds.Enterprises[i]
	}
	g.used = map[string]bool{}

	// The two loans signed on site: the pool's first pledge loan of
	// 3,500,000 yuan for 36 months (the reported figure) and one of
	// 2,000,000 for 24 months; each borrower is profitable enough for its
	// loan (supportable) and asks for exactly it.
	star1, star1Patents := g.star("441204", firstLoan)
	star2, star2Patents := g.star("", secondLoan)
	star1.Need.Amount, star1.Need.TermMonths = firstLoan, 36
	star2.Need.Amount, star2.Need.TermMonths = secondLoan, 24
	g.register(star1, star2, g.youngest())
	g.plantCases()
	g.participants(star1, star2)
	g.deals(star1, star1Patents, star2, star2Patents)
	g.appraisals()
}

// The loans signed at the event, in yuan.
const (
	firstLoan  = 3_500_000
	secondLoan = 2_000_000
)

// supportable is the pledge loan an enterprise's patents support, roughly:
// half a year's profit. ipmatch's calibrated appraisal of an enterprise's
// best patents is about 1.7 times its annual profit (the technology's 29 %
// of the profit over about five discounted years after tax, times the
// calibration), and banks lend 30–40 % of an appraisal. The demo sizes its
// deals by it, so that its records agree with the model (the matcher's
// demo test checks every live deal within a factor of 2 of the estimate).
func supportable(e *data.Enterprise) int64 {
	f, _ := e.Latest()
	return f.Profit / 2
}

// star picks the first enterprise (in region, if given) that can take a
// pool-covered pledge loan of amount under the 智权贷-style product, makes
// it a healthy borrower, and cleans two or three of its patents so that
// they meet every criterion; it returns the enterprise and those patents.
func (g *eventGen) star(region string, amount int64) (*data.Enterprise, []string) {
	for i := 0; i < 2*len(g.ds.Enterprises); i++ {
		strict := i < len(g.ds.Enterprises) // then any region
		e := &g.ds.Enterprises[i%len(g.ds.Enterprises)]
		if g.used[e.ID] || (strict && region != "" && e.Region != region) || e.Founded.Year > 2015 {
			continue
		}
		f, _ := e.Latest()
		if f.Profit <= 0 || f.Liabilities*100 > f.Assets*70 || supportable(e) < amount {
			continue
		}
		var cands []*data.Patent
		for _, pi := range g.byOwner[e.ID] {
			p := &g.ds.Patents[pi]
			if p.LegalStatus != data.StatusValid || p.Type == data.Design || p.GrantDate.IsZero() {
				continue
			}
			minRemain := 4
			if p.Type == data.Invention {
				minRemain = 8
			}
			if p.ExpiryDate.Before(AsOf.AddYears(minRemain)) || p.FilingDate.After(AsOf.AddYears(-2).AddMonths(-3)) {
				continue
			}
			cands = append(cands, p)
		}
		if len(cands) < 2 {
			continue
		}
		g.used[e.ID] = true
		if !data.TaxGradeAtLeast(e.TaxGrade, "B") {
			e.TaxGrade = "B"
		}
		e.Consents = data.Consents{Pool: true, ShareData: true}
		var nums []string
		for _, p := range cands[:min(3, len(cands))] {
			g.clean(p)
			if p.ImplementedSince.IsZero() || p.ImplementedSince.After(AsOf.AddYears(-2)) {
				p.ImplementedSince = randDate(g.r, addDays(p.FilingDate, 30), AsOf.AddYears(-2).AddMonths(-1))
			}
			nums = append(nums, p.ApplicationNumber)
		}
		return e, nums
	}
	panic("demo: no enterprise fits the star borrower") // the generator's distributions changed
}

// clean makes a granted, unexpired patent pledgeable: valid, fees paid
// through the patent year covering 2021-12-31, no open proceedings, one
// owner.
func (g *eventGen) clean(p *data.Patent) {
	p.LegalStatus = data.StatusValid
	p.FeesPaidThrough = minDate(addDays(nextAnniversary(p.FilingDate, data.NewDate(2022, time.January, 1)), -1), addDays(p.ExpiryDate, -1))
	p.History = slices.DeleteFunc(p.History, func(tx data.Transaction) bool {
		return tx.Open || tx.Kind == data.TxInvalidation
	})
	p.Applicants = p.Applicants[:1]
	p.CoOwnersConsent = false
}

// pledgeable reports whether p passes every hard pledge rule as of AsOf.
func pledgeable(p *data.Patent) bool {
	if p.LegalStatus != data.StatusValid || p.GrantDate.IsZero() || p.FeesPaidThrough.Before(AsOf) {
		return false
	}
	if len(p.Applicants) > 1 && !p.CoOwnersConsent {
		return false
	}
	for _, tx := range p.History {
		if tx.Open && tx.Kind != data.TxLicence && tx.Kind != data.TxTransfer {
			return false
		}
	}
	return true
}

// youngest returns the most recently founded enterprise.
func (g *eventGen) youngest() *data.Enterprise {
	y := &g.ds.Enterprises[0]
	for i := range g.ds.Enterprises {
		if e := &g.ds.Enterprises[i]; e.Founded.After(y.Founded) {
			y = e
		}
	}
	return y
}

// register picks the enterprises that take part in the event: the two star
// borrowers and the youngest enterprise, then others drawn with 高要区 enterprises four times as likely.
func (g *eventGen) register(stars ...*data.Enterprise) {
	for _, s := range stars {
		g.atEvent = append(g.atEvent, s.ID)
	}
	var rest []string
	var weights []int
	for _, e := range g.ds.Enterprises {
		if slices.Contains(g.atEvent, e.ID) {
			continue
		}
		rest = append(rest, e.ID)
		w := 1
		if e.Region == "441204" {
			w = 4
		}
		weights = append(weights, w)
	}
	for len(g.atEvent) < numAtEvent {
		i := weighted(g.r, weights)
		g.atEvent = append(g.atEvent, rest[i])
		weights[i] = 0
	}
	slices.Sort(g.atEvent)
}

// Case names the pledge rule that a planted patent breaks.
const (
	casePledged       = "already pledged"
	casePreservation  = "court preservation"
	caseInvalidation  = "open invalidation"
	caseCoOwned       = "co-owned without consent"
	caseSuspended     = "suspended"
	caseFeesUnpaid    = "fees unpaid"
	caseLapsed        = "lapsed"
	caseInvalidated   = "invalidated"
	caseNotGranted    = "not granted"
	caseTermTooShort  = "term ends within 3 years"
	caseNotRegistered = "pledger not the owner"
)

// planted records, for each case, the enterprise and patent it was planted on.
type planted struct{ enterprise, patent string }

// plantCases puts one patent for each hard pledge rule into the portfolios
// of registered enterprises (each case on its own enterprise, on a patent
// that was pledgeable before), so that a matcher demo shows every reason.
func (g *eventGen) plantCases() {
	g.cases = map[string]planted{}
	plant := func(name string, fit func(*data.Patent) bool, apply func(*data.Patent)) {
		// Cases that depend on filing dates (term too short) may find no
		// patent under some seeds; the others always do.
		for _, id := range g.atEvent {
			if g.used[id] || (name == casePledged && (!g.fits(g.ents[id], ProdICBCIP) || supportable(g.ents[id]) < 1_000_000)) {
				continue
			}
			for _, pi := range g.byOwner[id] {
				p := &g.ds.Patents[pi]
				if p.Type == data.Design || !pledgeable(p) || len(p.History) > 0 || (fit != nil && !fit(p)) {
					continue
				}
				apply(p)
				g.used[id] = true
				g.cases[name] = planted{id, p.ApplicationNumber}
				return
			}
		}
		if name != caseTermTooShort {
			panic("demo: nowhere to plant case " + name)
		}
	}
	plant(casePledged, nil, func(p *data.Patent) {
		p.History = append(p.History, data.Transaction{
			Kind: data.TxPledge, Date: data.NewDate(2021, time.January, 26), Party: "中国工商银行股份有限公司肇庆分行",
			Open: true, Amount: 1_200_000,
		})
	})
	plant(casePreservation, nil, func(p *data.Patent) {
		p.History = append(p.History,
			data.Transaction{Kind: data.TxLitigation, Date: data.NewDate(2021, time.February, 22), Party: "佛山市恒锋机电有限公司", Open: true},
			data.Transaction{Kind: data.TxPreservation, Date: data.NewDate(2021, time.March, 8), Party: "肇庆市高要区人民法院", Open: true},
		)
	})
	plant(caseInvalidation, func(p *data.Patent) bool { return p.Type == data.Invention }, func(p *data.Patent) {
		p.History = append(p.History, data.Transaction{
			Kind: data.TxInvalidation, Date: data.NewDate(2021, time.February, 26), Party: "东莞市力升智能装备有限公司", Open: true,
		})
	})
	plant(caseCoOwned, nil, func(p *data.Patent) {
		p.Applicants = append(p.Applicants, "华南理工大学")
		p.CoOwnersConsent = false
	})
	plant(caseSuspended, nil, func(p *data.Patent) {
		p.History = append(p.History, data.Transaction{
			Kind: data.TxSuspension, Date: data.NewDate(2021, time.March, 15), Party: "国家知识产权局（权属纠纷中止程序）", Open: true,
		})
	})
	plant(caseFeesUnpaid, func(p *data.Patent) bool {
		due := nextAnniversary(p.FilingDate, AsOf.AddMonths(-5))
		return !due.After(AsOf) && due.After(p.GrantDate)
	}, func(p *data.Patent) {
		p.FeesPaidThrough = addDays(nextAnniversary(p.FilingDate, AsOf.AddMonths(-5)), -1)
	})
	plant(caseLapsed, func(p *data.Patent) bool {
		return nextAnniversary(p.FilingDate, data.NewDate(2020, time.March, 1)).After(p.GrantDate)
	}, func(p *data.Patent) {
		p.LegalStatus = data.StatusLapsed
		p.FeesPaidThrough = addDays(nextAnniversary(p.FilingDate, data.NewDate(2020, time.March, 1)), -1)
	})
	plant(caseInvalidated, func(p *data.Patent) bool { return p.GrantDate.Before(data.NewDate(2020, time.January, 1)) }, func(p *data.Patent) {
		p.LegalStatus = data.StatusInvalidated
		p.History = append(p.History, data.Transaction{
			Kind: data.TxInvalidation, Date: data.NewDate(2020, time.March, 16), End: data.NewDate(2020, time.November, 9),
			Party: "广州市汇泽机械科技有限公司",
		})
	})
	plant(caseTermTooShort, func(p *data.Patent) bool {
		return p.ExpiryDate.Before(AsOf.AddYears(3)) && p.ExpiryDate.After(AsOf.AddMonths(6))
	}, func(p *data.Patent) {})
	plant(caseNotRegistered, nil, func(p *data.Patent) {
		// Common in small firms: the founder holds the patent personally.
		p.Applicants = []string{personName(g.r)}
	})
	// A pending invention: the newest registered enterprise application
	// still in examination, or one made so.
	g.plantPending()
}

// plantPending makes sure a registered enterprise holds an invention
// application that is not yet granted.
func (g *eventGen) plantPending() {
	for _, id := range g.atEvent {
		for _, pi := range g.byOwner[id] {
			p := &g.ds.Patents[pi]
			if p.Type == data.Invention && p.LegalStatus == data.StatusPending {
				g.cases[caseNotGranted] = planted{id, p.ApplicationNumber}
				return
			}
		}
	}
	for _, id := range g.atEvent {
		if g.used[id] {
			continue
		}
		for _, pi := range g.byOwner[id] {
			p := &g.ds.Patents[pi]
			if p.Type == data.Invention && p.FilingDate.After(data.NewDate(2018, time.June, 1)) {
				p.GrantDate, p.LegalStatus, p.FeesPaidThrough = data.Date{}, data.StatusPending, data.Date{}
				p.History = nil
				g.used[id] = true
				g.cases[caseNotGranted] = planted{id, p.ApplicationNumber}
				return
			}
		}
	}
	panic("demo: nowhere to plant a pending invention")
}

func (g *eventGen) participants(star1, star2 *data.Enterprise) {
	r := g.r
	ds := g.ds
	var entParts []data.Participant
	for _, id := range g.atEvent {
		e := g.ents[id]
		p := data.Participant{
			ID: "part_gaoyao_" + id, EventID: EventID, Role: data.RoleEnterprise,
			EnterpriseID: id, Name: e.Name,
		}
		if chance(r, 30) {
			p.WantedMeetings = between(r, 2, 3)
		}
		entParts = append(entParts, p)
	}
	pref := func(id string, target string, kind data.PreferenceKind) {
		for i := range entParts {
			if entParts[i].EnterpriseID == id {
				entParts[i].Preferences = append(entParts[i].Preferences, data.Preference{Target: target, Kind: kind})
			}
		}
	}
	pref(star1.ID, BankCCB, data.MustMeet)
	pref(star2.ID, BankZQRCB, data.MustMeet)
	bankIDs := make([]string, len(ds.Banks))
	for i, b := range ds.Banks {
		bankIDs[i] = b.ID
	}
	others := slices.DeleteFunc(slices.Clone(g.atEvent), func(id string) bool { return id == star1.ID || id == star2.ID })
	chosen := pickN(r, others, 6)
	for i, id := range chosen {
		kind := data.MustMeet
		if i >= 4 {
			kind = data.NoThanks
		}
		pref(id, pick(r, bankIDs), kind)
	}

	// A bank declines to meet the registered enterprise with the weakest
	// latest result.
	weakest := ""
	var worst int64
	for _, id := range g.atEvent {
		if f, ok := g.ents[id].Latest(); ok && (weakest == "" || f.Profit < worst) {
			weakest, worst = id, f.Profit
		}
	}
	for _, b := range ds.Banks {
		p := data.Participant{
			ID: "part_gaoyao_" + b.ID, EventID: EventID, Role: data.RoleBankDesk,
			BankID: b.ID, Name: b.Name, Tables: 1,
		}
		switch b.ID {
		case BankCCB:
			p.Tables = 2
			p.Preferences = []data.Preference{{Target: star1.ID, Kind: data.MustMeet}}
		case BankZQRCB:
			p.Tables = 2
			p.Preferences = []data.Preference{{Target: star2.ID, Kind: data.MustMeet}}
		case BankCGB:
			p.Preferences = []data.Preference{{Target: weakest, Kind: data.NoThanks}}
		}
		ds.Participants = append(ds.Participants, p)
	}
	ds.Participants = append(ds.Participants, entParts...)
	ds.Participants = append(ds.Participants,
		data.Participant{ID: "part_gaoyao_valuer_01", EventID: EventID, Role: data.RoleValuer, Name: ValuerName},
		data.Participant{ID: "part_gaoyao_valuer_02", EventID: EventID, Role: data.RoleValuer, Name: valuer2Name},
	)
}

// step is one move of a deal: to which stage, on which day at what local
// time, with what note.
type step struct {
	stage     data.Stage
	day       data.Date
	hour, min int
	note      string
}

// day21 returns a day of 2021.
func day21(m time.Month, day int) data.Date { return data.NewDate(2021, m, day) }

// deal builds a deal registered on reg and moved through steps with
// data.Deal.Move; a bad walk is a bug.
func deal(id string, e *data.Enterprise, bank, product string, amount int64, term int, patents []string,
	event, pool string, reg step, steps ...step) data.Deal {
	dl := data.Deal{
		ID: id, EnterpriseID: e.ID, BankID: bank, ProductID: product, EventID: event, PoolID: pool,
		Amount: amount, TermMonths: term, Patents: patents, Stage: data.StageRegistered,
		History: []data.StageChange{{Stage: data.StageRegistered, At: at(reg.day, reg.hour, reg.min), By: "demo", Note: reg.note}},
	}
	for _, s := range steps {
		if err := dl.Move(s.stage, "demo", at(s.day, s.hour, s.min), s.note); err != nil {
			panic("demo: deal " + id + ": " + err.Error())
		}
	}
	return dl
}

// deals records the pipeline: the two loans signed on site (the first,
// 3,500,000 yuan, the pool's first pledge loan), others in every stage, one
// declined over a patent under court preservation, and an earlier loan
// outside the pool whose pledge is the open pledge planted above.
func (g *eventGen) deals(star1 *data.Enterprise, p1 []string, star2 *data.Enterprise, p2 []string) {
	ds := g.ds
	next := g.dealEnterprises()
	pats := func(e *data.Enterprise, n int) []string {
		var out []string
		for _, pi := range g.byOwner[e.ID] {
			p := &ds.Patents[pi]
			if len(out) < n && p.Type != data.Design && pledgeable(p) && p.ExpiryDate.After(AsOf.AddYears(3)) {
				// hasPledgeable uses the same test
				out = append(out, p.ApplicationNumber)
			}
		}
		return out
	}
	const ev, pool = EventID, PoolID
	reg := func(day data.Date, h, m int) step { return step{data.StageRegistered, day, h, m, ""} }
	s := func(st data.Stage, day data.Date, h, m int, note string) step { return step{st, day, h, m, note} }

	e3, e4, e5 := next(ProdSihuiPatentLoan), next(ProdICBCIP), next(prodGaoyaoGaoqi)
	e6, e7 := next(ProdBOCOMIP), next(prodBOCZhizhi)
	pres := g.ents[g.cases[casePreservation].enterprise]
	pledged := g.ents[g.cases[casePledged].enterprise]
	amount := func(e *data.Enterprise, product string) int64 {
		a := g.sized(e, product)
		e.Need.Amount = a // it asks for what it is borrowing
		return a
	}
	a3, a4, a5, a6, a7 := amount(e3, ProdSihuiPatentLoan), amount(e4, ProdICBCIP), amount(e5, prodGaoyaoGaoqi),
		amount(e6, ProdBOCOMIP), amount(e7, prodBOCZhizhi)
	a9 := amount(pledged, ProdICBCIP)
	// The planted open pledge is deal_0009's: it secures that amount.
	for _, pi := range g.byOwner[pledged.ID] {
		if p := &ds.Patents[pi]; p.ApplicationNumber == g.cases[casePledged].patent {
			for k := range p.History {
				if p.History[k].Kind == data.TxPledge && p.History[k].Open {
					p.History[k].Amount = a9
				}
			}
		}
	}
	p3, p4, p6 := pats(e3, 2), pats(e4, 3), pats(e6, 2)
	ds.Deals = []data.Deal{
		deal("deal_0001", star1, BankCCB, ProdCCBKechuang, 3_500_000, 36, p1, ev, pool,
			step{data.StageRegistered, day21(3, 2), 9, 30, "企业入库"},
			s(data.StageMet, day21(3, 10), 10, 0, "银行上门对接"),
			s(data.StageIntent, day21(3, 18), 15, 0, ""),
			s(data.StageFiled, day21(3, 29), 11, 0, "向资金管理人备案，评估机构出具评估报告"),
			s(data.StageAccepted, day21(4, 12), 16, 30, ""),
			s(data.StageDisbursed, day21(4, 23), 15, 30, "对接会现场签约：肇庆市知识产权质押融资风险补偿资金池首笔质押贷款"),
		),
		deal("deal_0002", star2, BankZQRCB, ProdZQRCBIP, 2_000_000, 24, p2, ev, pool,
			step{data.StageRegistered, day21(3, 5), 10, 0, "企业入库"},
			s(data.StageMet, day21(3, 16), 14, 30, ""),
			s(data.StageIntent, day21(3, 24), 9, 45, ""),
			s(data.StageFiled, day21(4, 2), 10, 30, "备案尽调"),
			s(data.StageAccepted, day21(4, 16), 11, 0, ""),
			s(data.StageDisbursed, day21(4, 23), 15, 45, "对接会现场签约"),
		),
		deal("deal_0003", e3, BankSihuiRCB, ProdSihuiPatentLoan, a3, 36, p3, ev, pool,
			reg(day21(3, 22), 9, 0),
			s(data.StageMet, day21(3, 31), 15, 0, ""),
			s(data.StageIntent, day21(4, 7), 10, 0, ""),
			s(data.StageFiled, day21(4, 14), 14, 0, ""),
			s(data.StageAccepted, day21(4, 20), 16, 0, "待评估报告后放款"),
		),
		deal("deal_0004", e4, BankICBC, ProdICBCIP, a4, 36, p4, ev, "",
			reg(day21(4, 1), 10, 0),
			s(data.StageMet, day21(4, 9), 10, 30, ""),
			s(data.StageIntent, day21(4, 15), 11, 0, ""),
			s(data.StageFiled, day21(4, 21), 9, 30, "尽职调查中"),
		),
		deal("deal_0005", e5, BankGaoyaoRCB, prodGaoyaoGaoqi, a5, 24, pats(e5, 2), ev, pool,
			reg(day21(4, 12), 9, 0),
			s(data.StageMet, day21(4, 19), 10, 0, ""),
			s(data.StageIntent, day21(4, 23), 16, 10, "对接会后达成意向"),
		),
		deal("deal_0006", e6, BankBOCOM, ProdBOCOMIP, a6, 36, p6, ev, "",
			reg(day21(4, 20), 9, 0),
			s(data.StageMet, day21(4, 23), 14, 20, "对接会洽谈"),
		),
		deal("deal_0007", e7, BankBOC, prodBOCZhizhi, a7, 36, nil, ev, "",
			reg(day21(4, 22), 17, 0),
		),
		deal("deal_0008", pres, BankCGB, "prod_cgb_ip", 6_000_000, 36, []string{g.cases[casePreservation].patent}, ev, "",
			reg(day21(4, 6), 9, 30),
			s(data.StageMet, day21(4, 13), 15, 0, ""),
			s(data.StageDeclined, day21(4, 19), 10, 0, "拟质押专利处于法院财产保全状态，无法办理质押登记"),
		),
		deal("deal_0009", pledged, BankICBC, ProdICBCIP, a9, 12, []string{g.cases[casePledged].patent}, "", "",
			step{data.StageRegistered, data.NewDate(2020, time.December, 1), 10, 0, ""},
			s(data.StageMet, data.NewDate(2020, time.December, 8), 15, 0, ""),
			s(data.StageIntent, data.NewDate(2020, time.December, 15), 11, 0, ""),
			s(data.StageFiled, data.NewDate(2020, time.December, 29), 10, 0, ""),
			s(data.StageAccepted, day21(1, 12), 14, 0, ""),
			s(data.StageDisbursed, day21(1, 22), 10, 0, ""),
			s(data.StagePledgeRegistered, day21(1, 26), 16, 0, "国家知识产权局专利权质押登记"),
		),
	}
}

// hasPledgeable reports whether enterprise id holds a pledgeable patent
// with more than three years to run.
func (g *eventGen) hasPledgeable(id string) bool {
	for _, pi := range g.byOwner[id] {
		p := &g.ds.Patents[pi]
		if p.Type != data.Design && pledgeable(p) && p.ExpiryDate.After(AsOf.AddYears(3)) {
			return true
		}
	}
	return false
}

// dealEnterprises returns a function giving the next registered enterprise
// without a role that holds a pledgeable patent and meets the enterprise
// criteria of the product (fits), preferring one whose patents support at
// least the product's minimum loan; it marks it used.
func (g *eventGen) dealEnterprises() func(product string) *data.Enterprise {
	return func(product string) *data.Enterprise {
		p := g.product(product)
		for pass := 0; pass < 3; pass++ {
			for _, id := range g.atEvent {
				e := g.ents[id]
				if g.used[id] || (pass < 2 && (!g.hasPledgeable(id) || !g.fits(e, product))) ||
					(pass == 0 && supportable(e) < p.MinAmount) {
					continue
				}
				g.used[id] = true
				return e
			}
		}
		panic(fmt.Sprintf("demo: not enough registered enterprises for the deals (%d)", numAtEvent))
	}
}

// product returns the demo product with the given ID.
func (g *eventGen) product(id string) *data.Product {
	for i := range g.ds.Products {
		if g.ds.Products[i].ID == id {
			return &g.ds.Products[i]
		}
	}
	panic("demo: no product " + id)
}

// fits reports whether e meets the enterprise criteria of product id: its
// region, industry, age, revenue, debt ratio, profit, tax grade and
// certifications. (The matcher checks these as rules with reasons; the
// generator only needs a yes to place its deals believably.)
func (g *eventGen) fits(e *data.Enterprise, id string) bool {
	p := g.product(id)
	f, ok := e.Latest()
	switch {
	case len(p.Regions) > 0 && !slices.ContainsFunc(p.Regions, func(r string) bool { return data.RegionWithin(e.Region, r) }),
		len(p.Industries) > 0 && !slices.ContainsFunc(p.Industries, func(c string) bool { return data.IndustryWithin(e.Industry, c) }),
		e.Founded.AddMonths(int(p.MinEnterpriseYears * 12)).After(AsOf),
		!ok && (p.MinRevenue > 0 || p.MaxDebtRatio > 0 || p.RequireProfit),
		f.Revenue < p.MinRevenue,
		p.MaxDebtRatio > 0 && float64(f.Liabilities) > p.MaxDebtRatio*float64(f.Assets),
		p.RequireProfit && f.Profit <= 0,
		p.MinTaxGrade != "" && !data.TaxGradeAtLeast(e.TaxGrade, p.MinTaxGrade):
		return false
	}
	for _, c := range p.RequiredCerts {
		if !e.HasCert(c) {
			return false
		}
	}
	return true
}

// sized returns the amount of a demo deal of e under product id: what its
// patents support (supportable, at a typical 35 % pledge rate) scaled to
// the product's own rates for inventions and utility models, rounded down
// to 100,000 yuan, within the product's range and, for a pool-covered
// product, the pool's per-loan cap (2,000,000 ÷ the fund's 50 % share).
func (g *eventGen) sized(e *data.Enterprise, id string) int64 {
	p := g.product(id)
	rates := (p.PledgeRates.Invention + p.PledgeRates.UtilityModel) / 2
	a := int64(float64(supportable(e)) * rates / 0.35)
	hi := p.MaxAmount
	if p.PoolID != "" {
		pool := g.ds.Pools[0]
		hi = min(hi, int64(float64(pool.PerLoanCap)/pool.FundShare))
	}
	return min(max(a/100_000*100_000, p.MinAmount), hi)
}

// appraisals records the appraisal reports of the deals that have them:
// the two on-site loans (靖洋 for 建设银行's, recorded by the bank; 连城
// for 肇庆农商银行's, recorded by the exchange), 工商银行's loan in due
// diligence (靖洋, recorded by the bank), and a 2019 report that has
// expired (连城, recorded by the exchange). Each appraises the deal's
// patents at about 1.8 times the enterprise's latest profit (what ipmatch's
// calibrated model makes of a few of its best patents: the technology's
// 29 % of the profit over some five discounted years after tax, times the
// calibration), and never below what the deal needs at the product's
// lowest pledge rate among them, as a bank's loan stays within the
// appraisal × rate; 靖洋 a little above, 连城 a little below.
func (g *eventGen) appraisals() {
	type report struct {
		deal, appraiser, bank, number string
		base                          data.Date
		margin                        float64
	}
	for i, r := range []report{
		{"deal_0001", AppraiserJingyang, BankCCB, "靖洋评报字[2021]第0325号", day21(3, 25), 1.1},
		{"deal_0002", AppraiserLiancheng, "", "连城评报字（2021）第0330号", day21(3, 30), 0.95},
		{"deal_0004", AppraiserJingyang, BankICBC, "靖洋评报字[2021]第0416号", day21(4, 16), 1.1},
		{"deal_0006", AppraiserLiancheng, "", "连城评报字（2019）第1120号", data.NewDate(2019, time.November, 20), 0.95},
	} {
		var dl *data.Deal
		for k := range g.ds.Deals {
			if g.ds.Deals[k].ID == r.deal {
				dl = &g.ds.Deals[k]
			}
		}
		p := g.product(dl.ProductID)
		rate := 1.0
		for _, n := range dl.Patents {
			t, _ := data.PatentTypeOf(n)
			rate = min(rate, p.PledgeRates.Of(t))
		}
		f, _ := g.ents[dl.EnterpriseID].Latest()
		value := int64(math.Ceil(max(float64(dl.Amount)/rate*1.15, 1.8*float64(f.Profit)*r.margin)/100_000)) * 100_000
		g.ds.Appraisals = append(g.ds.Appraisals, data.Appraisal{
			ID: fmt.Sprintf("appraisal_%04d", i+1), EnterpriseID: dl.EnterpriseID, AppraiserID: r.appraiser, BankID: r.bank,
			Patents: slices.Clone(dl.Patents), Value: value, BaseDate: r.base, Method: data.MethodIncome, ReportNumber: r.number,
			Note: "拟质押专利权专项资产评估（演示数据）",
		})
	}
}
