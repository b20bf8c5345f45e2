package demo

import (
	"time"

	"ipmatch/data"
)

// The IDs of the demo's key records.
const (
	EventID = "evt_gaoyao_2021" // the 2021-04-23 Gaoyao matchmaking session
	PoolID  = "pool_zhaoqing"   // Zhaoqing's risk-compensation pool
)

// AsOf is the day the demo data describes: the event day, 2021-04-23. Legal
// statuses, paid fees and deal stages are those of that day, so eligibility
// checks on the demo should be made as of AsOf rather than today.
var AsOf = data.NewDate(2021, time.April, 23)

// lpr1y is the one-year LPR of 2021-04-20 (3.85%): products' spreads are
// chosen so that their rates fall between 3% and 5%.
const lpr1y = 385 // basis points

func pools() []data.Pool {
	return []data.Pool{{
		ID:      PoolID,
		Name:    "肇庆市知识产权质押融资风险补偿资金池",
		Region:  "4412",
		Manager: "广东股权交易中心",
		Size:    5_000_000, // first tranche, per the 2021-04-23 report
		// Assumption: docs/PRODUCT.md gives no share for Zhaoqing; 50% is the
		// common Guangdong figure (Shenzhen 1:1, Guangzhou 50%).
		FundShare: 0.5,
		// Caps are assumptions too, scaled to a 5,000,000-yuan pool.
		PerLoanCap:     2_000_000,
		PerBorrowerCap: 2_500_000,
		Leverage:       10, // the usual Guangdong leverage
		Since:          data.NewDate(2020, time.November, 1),
	}}
}

// The bank IDs.
const (
	BankCCB       = "bank_ccb_zq"     // 中国建设银行肇庆市分行
	BankZQRCB     = "bank_zqrcb"      // 肇庆农村商业银行
	BankSihuiRCB  = "bank_sihui_rcb"  // 广东四会农村商业银行
	BankGaoyaoRCB = "bank_gaoyao_rcb" // 广东高要农村商业银行
	BankBOCOM     = "bank_bocom_zq"   // 交通银行肇庆分行
	BankICBC      = "bank_icbc_zq"    // 中国工商银行肇庆分行
	BankBOC       = "bank_boc_zq"     // 中国银行肇庆分行
	BankABC       = "bank_abc_zq"     // 中国农业银行肇庆分行
	BankCGB       = "bank_cgb_zq"     // 广发银行肇庆分行
)

// The two asset-appraisal firms that explained patent valuation at the
// 2021 Gaoyao event. Their names are real; their licence numbers, reports
// and figures in the demo are synthetic.
const (
	ValuerName  = "广东靖洋资产评估有限公司"
	valuer2Name = "连城资产评估有限公司"
	// AppraiserJingyang and AppraiserLiancheng are their record IDs.
	AppraiserJingyang  = "appraiser_jingyang"
	AppraiserLiancheng = "appraiser_liancheng"
)

// appraisers returns the event's two appraisal firms.
func appraisers() []data.Appraiser {
	return []data.Appraiser{
		{ID: AppraiserJingyang, Name: ValuerName, Licence: "演示-靖洋-001", Region: "44"},
		{ID: AppraiserLiancheng, Name: valuer2Name, Licence: "演示-连城-002", Region: "44"},
	}
}

// banks returns the Zhaoqing branches of real banks. Types and NFRA codes of
// the legal entities come from the NFRA list of 2025-06-30 (first 216 rows;
// the rural commercial banks are not among them, so they carry no code).
func banks() []data.Bank {
	return []data.Bank{
		{ID: BankCCB, Name: "中国建设银行肇庆市分行", Type: "国有大型商业银行", Branch: "肇庆市分行", Region: "4412", NFRACode: "B0004H111000001"},
		{ID: BankZQRCB, Name: "肇庆农村商业银行", Type: "农村商业银行", Region: "441202"},
		{ID: BankSihuiRCB, Name: "广东四会农村商业银行", Type: "农村商业银行", Region: "441284"},
		{ID: BankGaoyaoRCB, Name: "广东高要农村商业银行", Type: "农村商业银行", Region: "441204"},
		{ID: BankBOCOM, Name: "交通银行肇庆分行", Type: "国有大型商业银行", Branch: "肇庆分行", Region: "4412", NFRACode: "B0005H131000001"},
		{ID: BankICBC, Name: "中国工商银行肇庆分行", Type: "国有大型商业银行", Branch: "肇庆分行", Region: "4412", NFRACode: "B0001H111000001"},
		{ID: BankBOC, Name: "中国银行肇庆分行", Type: "国有大型商业银行", Branch: "肇庆分行", Region: "4412", NFRACode: "B0003H111000001"},
		{ID: BankABC, Name: "中国农业银行肇庆分行", Type: "国有大型商业银行", Branch: "肇庆分行", Region: "4412", NFRACode: "B0002H111000001"},
		{ID: BankCGB, Name: "广发银行肇庆分行", Type: "股份制商业银行", Branch: "肇庆分行", Region: "4412", NFRACode: "B0012H144010001"},
	}
}

// equipmentIPC are the IPC areas of equipment manufacturing that several
// products target: metal working and shaping (B21–B30), fluid power (F15),
// engineering elements (F16), control (G05B) and conveying (B65G).
var equipmentIPC = []string{"B21", "B22", "B23", "B24", "B25", "B26", "B27", "B28", "B29", "B30", "B65G", "F15", "F16", "G05B"}

// The product IDs that other records refer to.
const (
	ProdSihuiPatentLoan = "prod_sihui_rcb_zhuanlidai" // 四会农商行 专利贷 (real criteria)
	ProdCCBKechuang     = "prod_ccb_kechuang_ip"      // 智权贷-style criteria
	ProdZQRCBIP         = "prod_zqrcb_ip"
	ProdICBCIP          = "prod_icbc_ip"
	ProdBOCOMIP         = "prod_bocom_ip" // 交通银行-style pledge rates
	prodGaoyaoGaoqi     = "prod_gaoyao_rcb_gaoqi"
	prodBOCZhizhi       = "prod_boc_zhizhi"
)

// products returns the demo's loan products. The 四会农商行 专利贷, the
// 智权贷-style and the 交通银行-style criteria follow published products
// (docs/PRODUCT.md); the other figures are synthetic but within the market ranges
// (pledge rates 10%–60%, 1–3 year terms, rates of 3%–5% over an LPR of 3.85%).
func products() []data.Product {
	zq := []string{"4412"}
	c3435 := []string{"C34", "C35"}
	all := []data.Product{
		{
			ID: ProdSihuiPatentLoan, BankID: BankSihuiRCB, Name: "专利贷",
			Description: "以专利、商标等知识产权质押，贷款额度不超过知识产权评估价值的30%，单户最高500万元，期限最长36个月（流动资金贷款原则上不超过2年），纳入肇庆市知识产权质押融资风险补偿范围。适用于在肇庆市辖区内有固定经营场所的企业。",
			MinAmount:   100_000, MaxAmount: 5_000_000, MinTerm: 6, MaxTerm: 36, SpreadBP: 465 - lpr1y,
			PledgeRates: data.ByType{Invention: 0.3, UtilityModel: 0.3, Design: 0.3},
			Regions:     zq, PoolID: PoolID, Active: true,
		},
		{
			ID: ProdCCBKechuang, BankID: BankCCB, Name: "科创知识产权质押贷",
			Description: "面向科技型企业的专利权质押贷款：企业注册满1年；质押专利已实施满2年，发明专利剩余保护期不少于8年、实用新型不少于4年，年费按时缴纳。发明专利质押率40%，实用新型30%。纳入肇庆市风险补偿资金池。",
			MinAmount:   500_000, MaxAmount: 10_000_000, MinTerm: 12, MaxTerm: 36, SpreadBP: 420 - lpr1y,
			PledgeRates:         data.ByType{Invention: 0.4, UtilityModel: 0.3},
			PatentTypes:         []data.PatentType{data.Invention, data.UtilityModel},
			MinRemainingYears:   data.ByType{Invention: 8, UtilityModel: 4},
			MinImplementedYears: 2, MinEnterpriseYears: 1,
			Regions: zq, PoolID: PoolID, Active: true,
		},
		{
			ID: "prod_ccb_zhuanjingtexin", BankID: BankCCB, Name: "专精特新知识产权贷",
			Description: "为专精特新中小企业提供的知识产权质押信用增信贷款，发明专利质押率最高50%，要求纳税信用B级及以上。",
			MinAmount:   1_000_000, MaxAmount: 20_000_000, MinTerm: 12, MaxTerm: 36, SpreadBP: 400 - lpr1y,
			PledgeRates:   data.ByType{Invention: 0.5, UtilityModel: 0.3},
			PatentTypes:   []data.PatentType{data.Invention, data.UtilityModel},
			Industries:    []string{"C34", "C35", "C38", "C40"},
			MinTaxGrade:   "B",
			RequiredCerts: []data.Certification{data.CertSpecialized},
			Regions:       zq, Active: true,
		},
		{
			ID: ProdBOCOMIP, BankID: BankBOCOM, Name: "知识产权质押贷款",
			Description: "以发明专利、实用新型专利质押，授信额度不超过评估价值的25%（发明专利）或15%（实用新型），期限不超过3年。",
			MinAmount:   500_000, MaxAmount: 10_000_000, MinTerm: 12, MaxTerm: 36, SpreadBP: 435 - lpr1y,
			PledgeRates:       data.ByType{Invention: 0.25, UtilityModel: 0.15},
			PatentTypes:       []data.PatentType{data.Invention, data.UtilityModel},
			MinRemainingYears: data.ByType{Invention: 3, UtilityModel: 3},
			Regions:           zq, Active: true,
		},
		{
			ID: ProdZQRCBIP, BankID: BankZQRCB, Name: "知识产权质押贷",
			Description: "肇庆农商银行知识产权质押贷款，纳入肇庆市知识产权质押融资风险补偿资金池，单户最高500万元，最长3年。",
			MinAmount:   300_000, MaxAmount: 5_000_000, MinTerm: 12, MaxTerm: 36, SpreadBP: 480 - lpr1y,
			PledgeRates: data.ByType{Invention: 0.35, UtilityModel: 0.3, Design: 0.1},
			Regions:     zq, MinEnterpriseYears: 1, PoolID: PoolID, Active: true,
		},
		{
			ID: "prod_zqrcb_gaoyao_equip", BankID: BankZQRCB, Name: "装备制造专利贷（高要专场）",
			Description: "为高要区装备制造业企业设立的专项专利质押贷款，接受机械加工、锻压铸造、流体动力、传动部件、自动控制等领域的专利，纳入风险补偿资金池。",
			MinAmount:   300_000, MaxAmount: 3_000_000, MinTerm: 12, MaxTerm: 24, SpreadBP: 470 - lpr1y,
			PledgeRates: data.ByType{Invention: 0.4, UtilityModel: 0.3},
			PatentTypes: []data.PatentType{data.Invention, data.UtilityModel},
			Regions:     []string{"441204"}, Industries: c3435, IPCAreas: equipmentIPC,
			PoolID: PoolID, Active: true,
		},
		{
			ID: "prod_zqrcb_ip_2019", BankID: BankZQRCB, Name: "知识产权质押贷（2019版，已停办）",
			Description: "已由2021年新版产品替代，不再受理新申请。",
			MinAmount:   300_000, MaxAmount: 3_000_000, MinTerm: 12, MaxTerm: 24, SpreadBP: 500 - lpr1y,
			PledgeRates: data.ByType{Invention: 0.3, UtilityModel: 0.2},
			Regions:     zq, Active: false,
		},
		{
			ID: "prod_gaoyao_rcb_gaoqi", BankID: BankGaoyaoRCB, Name: "高新专利贷",
			Description: "面向高新技术企业的专利质押贷款，发明专利质押率45%，实用新型30%，纳入风险补偿资金池。",
			MinAmount:   200_000, MaxAmount: 5_000_000, MinTerm: 12, MaxTerm: 36, SpreadBP: 460 - lpr1y,
			PledgeRates:   data.ByType{Invention: 0.45, UtilityModel: 0.3},
			PatentTypes:   []data.PatentType{data.Invention, data.UtilityModel},
			RequiredCerts: []data.Certification{data.CertHighTech},
			Regions:       zq, PoolID: PoolID, Active: true,
		},
		{
			ID: ProdICBCIP, BankID: BankICBC, Name: "知识产权质押融资",
			Description: "工商银行知识产权质押融资，发明专利质押率50%，实用新型30%；要求上年营业收入不低于2000万元、资产负债率不高于70%、纳税信用B级及以上。",
			MinAmount:   1_000_000, MaxAmount: 30_000_000, MinTerm: 12, MaxTerm: 36, SpreadBP: 375 - lpr1y,
			PledgeRates: data.ByType{Invention: 0.5, UtilityModel: 0.3},
			PatentTypes: []data.PatentType{data.Invention, data.UtilityModel},
			Industries:  []string{"C33", "C34", "C35", "C36", "C38", "C40"},
			MinRevenue:  20_000_000, MaxDebtRatio: 0.7, MinTaxGrade: "B",
			MinRemainingYears: data.ByType{Invention: 5, UtilityModel: 3},
			Regions:           zq, Active: true,
		},
		{
			ID: "prod_boc_zhizhi", BankID: BankBOC, Name: "中银知识产权贷",
			Description: "面向盈利的装备制造企业，发明专利质押率最高55%，要求纳税信用A级、资产负债率不高于65%。",
			MinAmount:   1_000_000, MaxAmount: 20_000_000, MinTerm: 12, MaxTerm: 36, SpreadBP: 405 - lpr1y,
			PledgeRates:   data.ByType{Invention: 0.55, UtilityModel: 0.35, Design: 0.1},
			Industries:    []string{"C34", "C35", "C38", "C40"},
			RequireProfit: true, MaxDebtRatio: 0.65, MinTaxGrade: "A",
			MinEnterpriseYears: 3,
			Regions:            zq, Active: true,
		},
		{
			ID: "prod_cgb_ip", BankID: BankCGB, Name: "科技知识产权质押贷",
			Description: "广发银行面向高新技术企业的知识产权质押贷款，发明专利质押率最高60%，要求上年营业收入不低于5000万元、成立满3年。",
			MinAmount:   2_000_000, MaxAmount: 30_000_000, MinTerm: 12, MaxTerm: 36, SpreadBP: 425 - lpr1y,
			PledgeRates:   data.ByType{Invention: 0.6, UtilityModel: 0.4},
			PatentTypes:   []data.PatentType{data.Invention, data.UtilityModel},
			IPCAreas:      equipmentIPC,
			RequiredCerts: []data.Certification{data.CertHighTech},
			MinRevenue:    50_000_000, MinEnterpriseYears: 3,
			MinRemainingYears: data.ByType{Invention: 5, UtilityModel: 3},
			Regions:           []string{"44"}, Active: true,
		},
		{
			ID: "prod_abc_kejie", BankID: BankABC, Name: "科捷贷（知识产权质押）",
			Description: "农业银行小额知识产权质押贷款，接受发明、实用新型和外观设计专利，发明专利质押率30%，实用新型20%，外观设计10%，期限1至2年。",
			MinAmount:   100_000, MaxAmount: 8_000_000, MinTerm: 12, MaxTerm: 24, SpreadBP: 395 - lpr1y,
			PledgeRates: data.ByType{Invention: 0.3, UtilityModel: 0.2, Design: 0.1},
			Industries:  []string{"C33", "C34", "C35", "C38", "C40"},
			MinTaxGrade: "M",
			Regions:     zq, Active: true,
		},
	}
	return all
}

func events() []data.Event {
	return []data.Event{{
		ID:          EventID,
		Name:        "高要区装备制造业专利导航成果发布暨知识产权质押融资银企对接会",
		Organizer:   "广东股权交易中心",
		Region:      "441204",
		Venue:       "肇庆市高要区",
		Focus:       "装备制造业",
		Date:        AsOf,
		StartsAt:    "14:00",
		SlotMinutes: 20,
		Slots:       8,
		MaxMeetings: 4,
		PoolID:      PoolID,
		Status:      data.EventDraft,
	}}
}
