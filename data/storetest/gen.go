package storetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"ipmatch/data"
)

// Vocabulary of equipment manufacturing (装备制造业) for generated patents.
var (
	genCities     = []string{"肇庆市", "佛山市", "广州市", "东莞市", "中山市"}
	genRegions    = []string{"441204", "441202", "441203", "441284", "440604", "440605", "440606", "440113"}
	genFirmCores  = []string{"精锐", "宏达", "华工", "粤锋", "金凯", "恒力", "创新", "联科", "鼎盛", "星辉", "明德", "远航", "中拓", "博能", "天成", "正和"}
	genFirmTrades = []string{"机械", "精密机械", "智能装备", "数控设备", "自动化设备", "电机", "液压科技", "模具", "焊接技术", "机器人"}
	genFirmForms  = []string{"有限公司", "股份有限公司", "科技有限公司"}
	genSchools    = []string{"华南理工大学", "广东工业大学", "肇庆学院", "佛山科学技术学院"}
	genSurnames   = []string{"陈", "李", "黄", "张", "梁", "刘", "林", "王", "吴", "何", "郑", "罗", "冯", "邓", "谢"}
	genGiven      = []string{"志强", "晓明", "国华", "伟", "丽娟", "建军", "海燕", "俊杰", "文彬", "思远", "嘉欣", "永康", "秀英", "振宇", "立新"}
	genModifiers  = []string{"高精度", "多工位", "自动化", "智能", "伺服驱动的", "基于机器视觉的", "用于铝型材加工的", "节能型", "模块化", "双工位", "重载", "柔性"}
	genMachines   = []string{"数控机床", "焊接机器人", "激光切割机", "冲压模具", "液压机", "输送线", "行星减速器", "电主轴", "加工中心", "压铸机", "折弯机", "磨床", "桁架机械手", "装配线"}
	genParts      = []string{"主轴冷却装置", "自动上下料机构", "定位夹紧装置", "防护罩", "在线检测系统", "传动结构", "除尘装置", "自动换刀机构", "润滑系统", "送料机构", "张紧装置", "回转工作台", "导轨防护装置", "排屑装置", "控制装置"}
	genComponents = []string{"机架", "底座", "滑台", "丝杠", "导轨", "伺服电机", "气缸", "夹爪", "传感器", "控制器", "齿轮箱", "冷却套", "支撑座", "连杆", "工作台", "横梁", "立柱", "刀库", "喷嘴", "油泵"}
	genJoins      = []string{"螺栓", "联轴器", "铰链", "焊接", "卡扣", "法兰", "同步带", "轴承座"}
	genPlaces     = []string{"顶部", "底部", "一侧", "内侧", "外侧", "前端", "后端", "中部"}
	genEffects    = []string{"加工精度", "生产效率", "定位精度", "设备稳定性", "使用寿命", "自动化程度", "良品率", "换型速度"}
	genCosts      = []string{"人工成本", "能耗", "故障率", "维护成本", "废品率", "噪声"}
	genUses       = []string{"汽车零部件加工", "五金制品生产", "铝型材深加工", "家电结构件制造", "新能源电池壳体加工", "工程机械焊接", "精密模具制造"}
	// IPC groups by machine family; each patent takes several from one family.
	genIPC = [][]string{
		{"B23K9/00", "B23K37/00", "B23K26/00", "B23K26/38", "B25J9/00"},
		{"B23Q1/00", "B23Q3/00", "B23Q11/00", "B23Q17/00", "B23B31/00", "G05B19/00"},
		{"B21D28/00", "B30B15/00", "B21C37/00", "B23P19/00"},
		{"F16H1/00", "F16H57/00", "F16C33/00", "H02K1/00"},
		{"B65G47/00", "B66C13/00", "B25J9/00", "B62D65/00"},
		{"B22D17/00", "B24B7/00", "B24B49/00", "B08B3/00"},
		{"G01N21/00", "G01B11/00", "G06T7/00", "G05B19/00"},
		{"F15B15/00", "F04B39/00", "F16K1/00", "F24F11/00"},
	}
)

// GeneratePatents returns n valid, realistic patents of equipment
// manufacturers in Guangdong, the same for the same seed: inventions,
// utility models and a few designs filed 2012–2024, with Chinese titles,
// 200–400 character abstracts, several IPC codes, one to three applicants,
// inventors, legal statuses and some pledge history. Application numbers
// are distinct (serials 1..n); about four in five patents have an owner
// "ent_gen" + a six-digit number, shared by about twenty patents each.
func GeneratePatents(seed int64, n int) []data.Patent {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	out := make([]data.Patent, n)
	owners := max(1, n/20)
	for i := range out {
		out[i] = genPatent(rng, i, owners)
	}
	return out
}

func pick[E any](rng *rand.Rand, list []E) E { return list[rng.IntN(len(list))] }

func firmName(k int) string {
	return genCities[k%len(genCities)] + genFirmCores[(k/5)%len(genFirmCores)] + genFirmTrades[(k/80)%len(genFirmTrades)] +
		genFirmForms[(k/800)%len(genFirmForms)] + fmt.Sprint(k/2400+1)
}

func genPatent(rng *rand.Rand, i, owners int) data.Patent {
	var t data.PatentType
	var digit byte
	switch r := rng.IntN(100); {
	case r < 55:
		t, digit = data.Invention, '1'
	case r < 95:
		t, digit = data.UtilityModel, '2'
	default:
		t, digit = data.Design, '3'
	}
	year := 2012 + rng.IntN(13)
	filing := data.DateOf(time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(365)))
	p := data.Patent{
		ApplicationNumber: ApplicationNumber(year, digit, i+1),
		Type:              t,
		FilingDate:        filing,
		ExpiryDate:        filing.AddYears(data.LegalTermYears(t, filing)),
		Region:            pick(rng, genRegions),
		Agency:            "广州三环专利商标代理有限公司",
		Agent:             pick(rng, genSurnames) + pick(rng, genGiven),
	}

	machine, part := pick(rng, genMachines), pick(rng, genParts)
	subject := pick(rng, genModifiers) + machine + "的" + part
	if t == data.Invention && rng.IntN(4) == 0 {
		subject = machine + part + "的控制方法"
	}
	if t == data.Design {
		p.Title = machine + "（" + part + "）"
	} else {
		p.Title = "一种" + subject
	}
	p.Abstract = genAbstract(rng, t, subject, machine)
	p.IPC = []string{} // normal form: a design may have none, but the list is never nil
	if t != data.Design {
		p.MainClaim = "1. 一种" + subject + "，其特征在于，包括" + pick(rng, genComponents) + "、" + pick(rng, genComponents) +
			"和" + pick(rng, genComponents) + "，所述" + pick(rng, genComponents) + "通过" + pick(rng, genJoins) + "安装于所述" +
			pick(rng, genComponents) + "的" + pick(rng, genPlaces) + "。"
		family := pick(rng, genIPC)
		k := 1 + rng.IntN(min(4, len(family)))
		for _, j := range rng.Perm(len(family))[:k] {
			p.IPC = append(p.IPC, family[j])
		}
	}

	owner := rng.IntN(owners)
	p.Applicants = []string{firmName(owner)}
	if rng.IntN(5) > 0 {
		p.OwnerID = fmt.Sprintf("ent_gen%06d", owner)
	}
	switch r := rng.IntN(10); {
	case r == 0:
		p.Applicants = append(p.Applicants, pick(rng, genSchools))
	case r == 1:
		p.Applicants = append(p.Applicants, firmName(rng.IntN(owners)+owners), pick(rng, genSchools))
	}
	p.CoOwnersConsent = len(p.Applicants) > 1 && rng.IntN(2) == 0
	for range 1 + rng.IntN(5) {
		p.Inventors = append(p.Inventors, pick(rng, genSurnames)+pick(rng, genGiven))
	}
	p.Address = "广东省" + genCities[owner%len(genCities)] + pick(rng, genFirmCores) + "路" + fmt.Sprint(1+rng.IntN(300)) + "号"

	// Legal status, with the dates and fees that go with it.
	today := data.NewDate(2025, time.June, 30)
	granted := filing.AddMonths(6 + rng.IntN(8))
	if t == data.Invention {
		granted = filing.AddMonths(18 + rng.IntN(24))
		p.PublicationDate = filing.AddMonths(18)
	}
	switch r := rng.IntN(100); {
	case granted.After(today) || r < 8 && t == data.Invention:
		p.LegalStatus = data.StatusPending
	case r < 80:
		p.LegalStatus = data.StatusValid
		p.GrantDate = granted
		p.FeesPaidThrough = data.DateOf(time.Date(2025+rng.IntN(2), time.Month(filing.Month), int(filing.Day), 0, 0, 0, 0, time.UTC))
	case r < 95:
		p.LegalStatus = data.StatusLapsed
		p.GrantDate = granted
	default:
		p.LegalStatus = data.StatusWithdrawn
	}
	if !p.GrantDate.IsZero() {
		if p.PublicationDate.IsZero() {
			p.PublicationDate = p.GrantDate
		}
		suffix := "B"
		switch t {
		case data.UtilityModel:
			suffix = "U"
		case data.Design:
			suffix = "S"
		}
		p.PublicationNumber = fmt.Sprintf("CN%09d%s", 100_000_000+rng.IntN(900_000_000), suffix)
		if rng.IntN(3) > 0 {
			p.ImplementedSince = p.GrantDate.AddMonths(rng.IntN(12))
		}
		p.Claims = 1 + rng.IntN(20)
		if t == data.Design {
			p.Claims = 0
		}
		p.ForwardCitations = rng.IntN(15)
		p.FamilySize = 1 + rng.IntN(3)
		if p.LegalStatus == data.StatusValid && rng.IntN(8) == 0 {
			start := p.GrantDate.AddMonths(1 + rng.IntN(24))
			tx := data.Transaction{Kind: data.TxPledge, Date: start, Party: "肇庆农村商业银行股份有限公司", Amount: int64(1+rng.IntN(50)) * 100_000}
			if rng.IntN(2) == 0 {
				tx.End = start.AddMonths(12)
			} else {
				tx.Open = true
			}
			p.History = append(p.History, tx)
		}
	}
	return p
}

// genAbstract writes a 200–400 character abstract from templates.
func genAbstract(rng *rand.Rand, t data.PatentType, subject, machine string) string {
	if t == data.Design {
		return "1. 本外观设计产品的名称：" + machine + "。2. 本外观设计产品的用途：用于" + pick(rng, genUses) +
			"。3. 本外观设计产品的设计要点：在于形状与图案的结合，" + pick(rng, genComponents) + "与" + pick(rng, genComponents) +
			"采用流线型过渡，整体造型简洁，便于操作和维护。4. 最能表明设计要点的图片或照片：立体图。" +
			"本产品适用于" + pick(rng, genUses) + "等场合，外观与" + pick(rng, genComponents) + "布局协调，" +
			"兼顾人机工程与安全防护要求，" + pick(rng, genEffects) + "得到提升，" + "满足现代装备制造车间对设备外观一致性的要求。" +
			"产品主体采用钣金喷塑外壳，操作面板位于正面便于观察的位置，色彩不作为设计要点。"
	}
	lead := "本发明公开了一种"
	noun := "本发明"
	if t == data.UtilityModel {
		lead, noun = "本实用新型公开了一种", "本实用新型"
	}
	c := func() string { return pick(rng, genComponents) }
	var b strings.Builder
	b.WriteString(lead + subject + "，包括" + c() + "、" + c() + "和" + c() + "，所述" + c() + "固定安装在" + c() + "的" +
		pick(rng, genPlaces) + "，所述" + c() + "通过" + pick(rng, genJoins) + "与" + c() + "连接。")
	target := 200 + rng.IntN(201)
	sentences := []func() string{
		func() string {
			return "工作时，" + c() + "驱动" + c() + "沿" + c() + "往复移动，" + c() + "实时采集位置信号并反馈至" + c() + "。"
		},
		func() string {
			return "所述" + c() + "的" + pick(rng, genPlaces) + "设有" + c() + "，" + c() + "与" + c() + "之间通过" + pick(rng, genJoins) + "连接，便于拆装和维护。"
		},
		func() string {
			return noun + "结构简单、布局合理，有效提高了" + pick(rng, genEffects) + "和" + pick(rng, genEffects) + "，降低了" + pick(rng, genCosts) + "。"
		},
		func() string {
			return "与现有技术相比，" + noun + "无需人工干预即可完成" + c() + "的定位与调整，" + pick(rng, genEffects) + "显著提升。"
		},
		func() string {
			return noun + "适用于" + pick(rng, genUses) + "和" + pick(rng, genUses) + "等领域，具有良好的推广应用价值。"
		},
	}
	for n := utf8.RuneCountInString(b.String()); n < target; n = utf8.RuneCountInString(b.String()) {
		s := pick(rng, sentences)()
		if n >= 200 && n+utf8.RuneCountInString(s) > 400 {
			break
		}
		b.WriteString(s)
	}
	return b.String()
}
