package demo

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"ipmatch/data"
)

// district is a county-level region of Zhaoqing with the postcode, towns and
// roads used in demo addresses.
type district struct {
	code     string
	postcode string
	towns    []string
}

// zhaoqing lists Zhaoqing's eight county-level regions (NBS codes).
var zhaoqing = []district{
	{"441202", "526040", []string{"睦岗街道", "黄岗街道", "城东街道", "城西街道"}},
	{"441203", "526070", []string{"桂城街道", "坑口街道", "永安镇", "莲花镇", "沙浦镇"}},
	{"441204", "526100", []string{"南岸街道", "金渡镇", "金利镇", "蛟塘镇", "回龙镇", "白土镇", "大湾镇", "新桥镇", "禄步镇", "莲塘镇", "活道镇"}},
	{"441223", "526300", []string{"南街街道", "排沙镇", "石咀镇"}},
	{"441224", "526400", []string{"怀城街道", "冷坑镇", "汶朗镇", "岗坪镇"}},
	{"441225", "526500", []string{"江口街道", "长岗镇", "南丰镇"}},
	{"441226", "526600", []string{"德城街道", "官圩镇", "新圩镇"}},
	{"441284", "526200", []string{"东城街道", "城中街道", "大沙镇", "龙甫镇", "地豆镇", "江谷镇", "贞山街道"}},
}

// zhaoqingCounts is how many of the demo's enterprises sit in each district
// of zhaoqing (same order): weighted to 高要区, every district present.
var zhaoqingCounts = []int{8, 7, 32, 3, 4, 3, 4, 11}

var roadWords = []string{"兴业", "科技", "创业", "创新", "富民", "新城", "环城", "沿江", "宏图", "振兴", "民乐", "迎宾"}

// guangdongCounties returns Guangdong's county-level region codes in code
// order, read from the region table of package data.
var guangdongCounties = sync.OnceValue(func() []string {
	var out []string
	for city := 1; city <= 99; city++ {
		c := fmt.Sprintf("44%02d", city)
		if _, ok := data.LookupRegion(c); !ok {
			continue
		}
		for county := 1; county <= 99; county++ {
			code := fmt.Sprintf("%s%02d", c, county)
			if r, ok := data.LookupRegion(code); ok && r.Level == data.RegionCounty && r.Code == code {
				out = append(out, code)
			}
		}
	}
	return out
})

// sizeClass is an enterprise's scale, which drives its revenue, staff and
// patent count.
type sizeClass int

const (
	micro sizeClass = iota
	small
	medium
	large
)

// revenueRange is the latest revenue range of each size class in 万元.
var revenueRange = [...][2]int{micro: {300, 1000}, small: {1000, 5000}, medium: {5000, 30000}, large: {30000, 150000}}

// patentWeight is how strongly each size class attracts patents.
var patentWeight = [...]int{micro: 1, small: 2, medium: 4, large: 7}

// entMaker makes enterprises with distinct credit codes. Old enterprises
// get a numeric organisation code, those founded from 2016 an "MA" one (as
// issued since the 2015 reform); each family is numbered through a
// permutation, so codes never repeat within a maker. Demo and benchmark
// makers use disjoint leading characters, so their codes never clash either.
type entMaker struct {
	r           *rand.Rand
	digitLead   string // allowed first digits of numeric organisation codes
	maLead      string // allowed third characters of MA codes
	digits, ma  permutation
	nDigit, nMA uint64
	uniqueNames bool
	names       map[string]bool
	sizes       map[string]sizeClass // by enterprise ID, for the patent allocation
	sectorOf    map[string]int       // index into sectors, by enterprise ID
	sectorByID  bool                 // take the sector from the ID (benchmarks), not the generator
}

const base31x5 = 31 * 31 * 31 * 31 * 31

func newEntMaker(r *rand.Rand, digitLead, maLead string) *entMaker {
	m := &entMaker{
		r: r, digitLead: digitLead, maLead: maLead,
		names: map[string]bool{}, sizes: map[string]sizeClass{}, sectorOf: map[string]int{},
	}
	m.digits = newPermutation(7919, r.Uint64(), uint64(len(digitLead))*10_000_000)
	m.ma = newPermutation(1_234_567, r.Uint64(), uint64(len(maLead))*base31x5)
	return m
}

// orgCode returns the next 9-character organisation code (GB 11714: eight
// characters and a check character).
func (m *entMaker) orgCode(ma bool) string {
	var body string
	if ma {
		v := m.ma.at(m.nMA)
		m.nMA++
		lead := m.maLead[v/base31x5]
		v %= base31x5
		b := []byte{'M', 'A', lead, 0, 0, 0, 0, 0}
		for i := 7; i >= 3; i-- {
			b[i] = creditAlphabet[v%31]
			v /= 31
		}
		body = string(b)
	} else {
		v := m.digits.at(m.nDigit)
		m.nDigit++
		body = string(m.digitLead[v/10_000_000]) + fmt.Sprintf("%07d", v%10_000_000)
	}
	return body + string(orgCodeCheck(body))
}

// creditAlphabet is the alphabet of unified social credit codes.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// orgCodeCheck returns the GB 11714 check character of an 8-character
// organisation code body (digits 0–9, letters A=10 … Z=35; 10 is X, 11 is 0).
func orgCodeCheck(body string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		c := body[i]
		v := int(c - '0')
		if c >= 'A' {
			v = int(c-'A') + 10
		}
		sum += v * orgWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// creditCode builds an enterprise's 18-character unified social credit code:
// "91" (registered by market regulation, enterprise), the region, the
// organisation code and the check character.
func creditCode(region, org string) string {
	first := "91" + region + org
	c, err := data.CreditCodeCheck(first)
	if err != nil {
		panic("demo: " + err.Error()) // the alphabet is ours: a bug
	}
	return first + string(c)
}

// foundingYearWeights weights founding years 1995..2020.
var foundingYearWeights = []int{2, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6, 6, 5, 5, 5, 5, 4, 4, 4, 3, 3, 2, 2, 1, 1}

// make returns one enterprise with the given ID in region; d is the Zhaoqing
// district (for addresses) or nil. A non-zero founded fixes the founding
// date.
func (m *entMaker) make(id, region string, d *district, founded data.Date) data.Enterprise {
	r := m.r
	si := weighted(r, sectorWeights)
	if m.sectorByID {
		si = sectorIndexOf(id)
	}
	sec := sectors[si]
	year := 1995 + weighted(r, foundingYearWeights)
	if random := randDate(r, data.NewDate(year, time.January, 1), data.NewDate(year, time.December, 31)); founded.IsZero() {
		founded = random
	}
	year = int(founded.Year)

	size := sizeClass(weighted(r, []int{20, 45, 28, 7}))
	if year >= 2018 && size > small {
		size = small
	}
	if year >= 2020 {
		size = micro
	}
	e := data.Enterprise{
		ID:       id,
		Region:   region,
		Industry: sec.industry,
		Founded:  founded,
	}
	e.Name = m.name(region, sec, size)
	e.CreditCode = creditCode(region, m.orgCode(founded.Year >= 2016))
	e.Financials = financials(r, size, founded)
	latest := e.Financials[len(e.Financials)-1]
	perHead := int64(between(r, 35, 90)) * 10000
	e.Employees = max(int(latest.Revenue/perHead), between(r, 8, 20))
	if founded.Year >= 2020 {
		e.Employees = between(r, 6, 25)
	}
	e.TaxGrade = data.TaxGrades[weighted(r, []int{45, 43, 4, 6, 2})]
	if founded.Year >= 2019 {
		e.TaxGrade = "M" // newly registered taxpayers are graded M
	} else if latest.Profit < 0 && e.TaxGrade == "A" {
		e.TaxGrade = "B"
	}
	e.Certs = certifications(r, size, founded)
	e.BusinessScope = businessScope(r, sec)
	e.Address = address(r, region, d)
	e.Need = data.FinancingNeed{
		Amount:     int64(between(r, 10, 100)) * 100_000,
		TermMonths: pick(r, []int{12, 12, 24, 24, 36, 36, 36}),
		Purpose:    pick(r, purposes),
	}
	if size == micro {
		e.Need.Amount = int64(between(r, 10, 30)) * 100_000
	}
	e.Consents = data.Consents{Pool: chance(r, 85), ShareData: chance(r, 80)}
	e.Normalize()
	m.sizes[id] = size
	m.sectorOf[id] = si
	return e
}

// name makes a company name: a place prefix, a distinctive word, a trade and
// a legal form, e.g. 肇庆市高要区宏达机械设备有限公司 or 广东鸿图智能装备股份有限公司.
func (m *entMaker) name(region string, sec sector, size sizeClass) string {
	r := m.r
	county, _ := data.LookupRegion(region)
	city, _ := data.LookupRegion(county.Parent)
	cityStem := strings.TrimSuffix(city.Name, "市")
	for try := 0; ; try++ {
		word := pick(r, firmWords)
		if try >= 8 {
			word += pick(r, firmWords) // two words once single ones run out
		}
		trade := pick(r, sec.trades)
		if chance(r, 25) {
			trade += pick(r, []string{"科技", "设备", "实业", "制造"})
		}
		var prefix, form string
		switch p := r.IntN(100); {
		case size >= medium && p < 35:
			prefix, form = "广东", "股份有限公司"
			if chance(r, 50) {
				form = "有限公司"
			}
		case strings.HasSuffix(county.Name, "区") && p < 75:
			prefix = city.Name + county.Name
		case !strings.HasSuffix(county.Name, "区") && p < 75:
			prefix = county.Name
		case p < 88:
			prefix = city.Name
		default:
			prefix = cityStem
		}
		if form == "" {
			form = "有限公司"
		}
		n := prefix + word + trade + form
		if !m.uniqueNames {
			return n
		}
		if !m.names[n] || try > 40 {
			m.names[n] = true
			return n
		}
	}
}

// financials returns up to three years (2018–2020) of plausible, correlated
// figures in yuan; years before founding are left out. All arithmetic is on
// integers so that the output is the same on every platform.
func financials(r *rand.Rand, size sizeClass, founded data.Date) []data.Financials {
	rr := revenueRange[size]
	rev := int64(between(r, rr[0], rr[1])) * 10_000 // 2020, yuan
	margin := int64(between(r, 20, 140))            // per mille
	if chance(r, 9) {
		margin = -int64(between(r, 10, 120)) // loss-making
	}
	assetsPerRev := int64(between(r, 700, 1600)) // per mille
	debt := int64(between(r, 250, 780))          // per mille
	if chance(r, 8) {
		debt = int64(between(r, 800, 920))
	}
	var out []data.Financials
	for year := 2020; year >= 2018 && year >= int(founded.Year); year-- {
		m := margin + int64(between(r, -20, 20))
		if year == 2020 && founded.Year == 2020 {
			rev = rev * int64(between(r, 200, 600)) / 1000 // part of a year
		}
		assets := rev * (assetsPerRev + int64(between(r, -80, 80))) / 1000
		dr := min(max(debt+int64(between(r, -40, 40)), 100), 950)
		out = append(out, data.Financials{
			Year:        year,
			Revenue:     round(rev, 1000),
			Profit:      round(rev*m/1000, 1000),
			Assets:      round(assets, 1000),
			Liabilities: round(assets*dr/1000, 1000),
		})
		// The year before: revenue g‰ lower or higher (2020 saw COVID dips).
		g := int64(between(r, -120, 280))
		rev = rev * 1000 / (1000 + g)
	}
	slices.Reverse(out)
	return out
}

// round rounds v to a multiple of unit.
func round(v, unit int64) int64 {
	if v < 0 {
		return -round(-v, unit)
	}
	return (v + unit/2) / unit * unit
}

func certifications(r *rand.Rand, size sizeClass, founded data.Date) []data.Certification {
	var c []data.Certification
	age := 2021 - founded.Year
	if age >= 2 && chance(r, []int{15, 35, 60, 75}[size]) {
		c = append(c, data.CertHighTech)
	}
	if size <= small && chance(r, 40) {
		c = append(c, data.CertTechSME)
	}
	if age >= 3 && size >= small && chance(r, 18) {
		c = append(c, data.CertSpecialized)
		if size >= medium && chance(r, 20) {
			c = append(c, data.CertLittleGiant)
		}
	}
	return c
}

func businessScope(r *rand.Rand, sec sector) string {
	extra := pick(r, []string{
		"机械设备及配件的技术开发、技术咨询、技术服务",
		"机械零部件加工；五金制品销售",
		"工业自动化设备的设计、安装及维修",
		"金属材料、钢材销售；机械设备租赁",
		"智能装备的研发与技术推广",
	})
	return "研发、生产、销售：" + sec.products + "；" + extra + "；货物进出口、技术进出口。（依法须经批准的项目，经相关部门批准后方可开展经营活动）"
}

// address returns a street address: in Zhaoqing with a real town of the
// district, elsewhere the region's full name and a synthetic road.
func address(r *rand.Rand, region string, d *district) string {
	no := strconv.Itoa(between(r, 1, 288)) + "号"
	if d != nil {
		town := pick(r, d.towns)
		switch r.IntN(3) {
		case 0:
			return data.RegionFullName(region) + town + pick(r, roadWords) + "工业园" + no
		case 1:
			return data.RegionFullName(region) + town + pick(r, roadWords) + "路" + no
		default:
			return data.RegionFullName(region) + town + "工业大道" + no
		}
	}
	return data.RegionFullName(region) + pick(r, roadWords) + "路" + no
}

// sectorIndexOf picks a sector (by sectorWeights) from a hash of an
// enterprise ID, so that GeneratePatents gives the owners of benchmark
// enterprises patents in their own trade.
func sectorIndexOf(id string) int {
	h := fnv.New64a()
	h.Write([]byte(id))
	total := 0
	for _, w := range sectorWeights {
		total += w
	}
	n := int(h.Sum64() % uint64(total))
	for i, w := range sectorWeights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(sectorWeights) - 1
}

// GenerateEnterprises returns n synthetic equipment manufacturers across
// Guangdong's county-level regions, with IDs "ent_000001" … (six digits, so
// they never clash with the demo's "ent_0001" …), valid and distinct credit
// codes, and the same vocabulary and distributions as the demo. It is
// deterministic in seed and meant for benchmarks; names may repeat. The
// credit codes never clash with the demo's.
func GenerateEnterprises(seed int64, n int) []data.Enterprise {
	return NewEnterpriseGenerator(seed).Next(n)
}

// EnterpriseGenerator yields the enterprises of GenerateEnterprises a batch
// at a time: Next(a) then Next(b) gives what GenerateEnterprises(seed, a+b)
// would.
type EnterpriseGenerator struct {
	r       *rand.Rand
	m       *entMaker
	regions []string
	i       int
}

// NewEnterpriseGenerator starts the enterprises of GenerateEnterprises(seed, …).
func NewEnterpriseGenerator(seed int64) *EnterpriseGenerator {
	r := newRand(seed, streamBenchEnterprises)
	m := newEntMaker(r, "0123456", "56789")
	m.sectorByID = true
	return &EnterpriseGenerator{r: r, m: m, regions: guangdongCounties()}
}

// Next returns the next n enterprises.
func (g *EnterpriseGenerator) Next(n int) []data.Enterprise {
	out := make([]data.Enterprise, n)
	for i := range out {
		g.i++
		out[i] = g.m.make(fmt.Sprintf("ent_%06d", g.i), pick(g.r, g.regions), nil, data.Date{})
	}
	return out
}
