package demo

import "ipmatch/data"

// The policy IDs of the demo.
const (
	PolicyZhaoqingRisk     = "policy_zq_risk_2020"
	PolicyInterestSubsidy  = "policy_zq_interest"
	zhaoqingReportURL      = "https://zscq.creditchina.gov.cn/dxal/202501/t20250123_349350.html"
	zhaoqingReportTitle    = "广东:探索创新 形成多元知识产权质押融资风险补偿基金运作模式（国家知识产权局，2025-01-26）"
	zhongguancunSubsidyURL = "http://www.beijing.gov.cn/fuwu/lqfw/ztzl/zczxwqy/rdwd/202109/t20210914_2492450.html"
)

// policies returns the demo's support policies (issue 19):
//
//   - Zhaoqing's 2020 risk-compensation measures, 《肇庆市知识产权质押融资
//     风险补偿管理办法（试行）》: the first pool of 500 万元 and its manager,
//     广东股权交易中心 since 2020-11, as reported (../shared/data/policy/
//     guangdong_risk_compensation.json, from the CNIPA report of
//     2025-01-26 and the press report of the 2021-04-23 Gaoyao event). The
//     measures' own text was not found: the fund's 50 % share of a loss and
//     the caps of 200 万元 a loan and 250 万元 a borrower are the demo's
//     assumptions, as on the pool record, and are marked so.
//   - An interest subsidy (贴息) with the figures of Zhongguancun's
//     published measures (《关于建立实施中关村知识产权质押融资成本分担和
//     风险补偿机制的若干措施》, as answered by 北京市科学技术委员会 on
//     2021-05-18): 40 % of the interest actually paid, for loans priced at
//     most 40 % above the one-year LPR, at most 50 万元 per enterprise a
//     year, for enterprises with revenue of at most 2 亿元. No Zhaoqing
//     interest-subsidy policy was found; applying these figures to
//     Zhaoqing's pool, and the yearly budget of 200 万元, are the demo's
//     assumptions, marked so.
func policies() []data.Policy {
	return []data.Policy{
		{
			ID: PolicyZhaoqingRisk, Name: "肇庆市知识产权质押融资风险补偿管理办法（试行）",
			Issuer: "肇庆市（发布部门以原文为准）", Region: "4412",
			Summary: "肇庆市 2020 年出台知识产权质押融资风险补偿办法，设立首期 500 万元风险补偿资金池，" +
				"2020 年 11 月起由广东股权交易中心担任资金管理人，负责政策宣传、企业入库、银行入库、投融对接、备案尽调、业务受理和风险补偿全流程。" +
				"入池银行向入库企业发放的知识产权质押贷款出现损失时，由资金池按约定比例分担。2021 年 4 月资金池下首笔质押贷款 350 万元落地。",
			Source:    data.PolicySource{URL: zhaoqingReportURL, Title: zhaoqingReportTitle},
			RiskShare: 0.5, PoolID: PoolID,
			Eligibility: data.PolicyEligibility{Regions: []string{"4412"}, PoolID: PoolID,
				Text: "企业须入库（风险补偿资金池企业库），贷款须由入池银行发放并备案"},
			Assumption: true,
			AssumptionNotes: "资金池承担损失的 50%、单笔贷款补偿上限 200 万元、单户企业上限 250 万元均为演示假设：" +
				"未找到该办法原文，公开报道只载明资金池规模 500 万元和资金管理人。出处为国家知识产权局关于广东各市风险补偿模式的报道。",
		},
		{
			ID: PolicyInterestSubsidy, Name: "知识产权质押融资贴息（演示，参照中关村标准）",
			Issuer: "演示：肇庆市风险补偿资金池", Region: "4412",
			Summary: "对获得知识产权质押贷款、且贷款利率上浮不超过同期一年期贷款市场报价利率 40% 的企业，按实际支付利息的 40% 给予贴息，" +
				"单家企业每年最高 50 万元。",
			Source: data.PolicySource{URL: zhongguancunSubsidyURL,
				Title: "《关于建立实施中关村知识产权质押融资成本分担和风险补偿机制的若干措施》中提及“加大科技型中小微企业知识产权质押融资贴息支持力度”，具体内容是什么？（北京市科学技术委员会、中关村科技园区管理委员会，2021-05-18）"},
			Interest:      &data.InterestSubsidy{Share: 0.4, MaxRateOverLPR: 0.4, CapPerEnterpriseYear: 500_000},
			BudgetPerYear: 2_000_000,
			Eligibility: data.PolicyEligibility{Regions: []string{"4412"}, PoolID: PoolID, MaxRevenue: 200_000_000,
				Text: "年收入 2 亿元及以下、具有核心技术或自主知识产权的企业"},
			Assumption: true,
			AssumptionNotes: "贴息比例 40%、利率上限（一年期报价利率上浮 40%）、每家企业每年 50 万元和年收入 2 亿元的条件出自中关村的措施；" +
				"未找到肇庆市的贴息政策，把这些数字用于肇庆资金池内的贷款、以及每年 200 万元的预算均为演示假设。",
		},
	}
}
