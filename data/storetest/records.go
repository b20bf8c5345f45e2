// Package storetest holds the contract that every data.Store must pass (Run),
// an import benchmark (BenchmarkImport), and constructors of valid records
// that other packages' tests reuse: Enterprise, Patent, Bank, Product, Event,
// Participant, Deal, Pool, Token, User and the generator GeneratePatents.
//
// The constructors return records without IDs or timestamps (patents carry
// their application number, which is their ID). Numbers i from 0 to
// 9,999,999 give distinct natural keys.
package storetest

import (
	"fmt"
	"time"

	"ipmatch/data"
)

// Region is the region code of the records built here: 肇庆市高要区.
const Region = "441204"

// Industry is the GB/T 4754-2017 division of the enterprises built here:
// C34 通用设备制造业.
const Industry = "C34"

// CreditCode returns a valid unified social credit code for number i,
// registered in Region: "91441204MA" + 7 digits + the check character.
func CreditCode(i int) string {
	first17 := fmt.Sprintf("91%sMA%07d", Region, i%10_000_000)
	c, err := data.CreditCodeCheck(first17)
	if err != nil {
		panic("storetest: " + err.Error()) // cannot happen: digits only
	}
	return first17 + string(c)
}

// ApplicationNumber returns a valid normalised CNIPA application number
// filed in year with type digit kind ('1' invention, '2' utility model, '3'
// design) and serial number serial (0 to 9,999,999), e.g. "202110000001.2".
func ApplicationNumber(year int, kind byte, serial int) string {
	digits := fmt.Sprintf("%04d%c%07d", year, kind, serial%10_000_000)
	c, err := data.ApplicationNumberCheck(digits)
	if err != nil {
		panic("storetest: " + err.Error())
	}
	return digits + "." + string(c)
}

// Enterprise returns a valid enterprise numbered i with credit code
// CreditCode(i) and no ID.
func Enterprise(i int) data.Enterprise {
	return data.Enterprise{
		Name:       fmt.Sprintf("肇庆市高要区测试机械制造有限公司%07d", i),
		CreditCode: CreditCode(i),
		Region:     Region,
		Industry:   Industry,
		Founded:    data.NewDate(2008+i%12, time.Month(1+i%12), 1+i%28),
		Employees:  40 + i%300,
		Financials: []data.Financials{
			{Year: 2023, Revenue: 48_000_000 + int64(i%100)*100_000, Profit: 3_200_000, Assets: 60_000_000, Liabilities: 27_000_000},
			{Year: 2024, Revenue: 53_000_000 + int64(i%100)*100_000, Profit: 3_900_000, Assets: 66_000_000, Liabilities: 29_000_000},
		},
		TaxGrade:      "A",
		Certs:         []data.Certification{data.CertHighTech, data.CertSpecialized},
		BusinessScope: "数控机床、焊接设备及自动化生产线的研发、制造与销售",
		Address:       "广东省肇庆市高要区金渡镇工业园",
		Need:          data.FinancingNeed{Amount: 5_000_000, TermMonths: 12, Purpose: "购置数控加工中心"},
		Consents:      data.Consents{Pool: true, ShareData: true},
	}
}

// Patent returns a valid granted invention patent numbered i: application
// number ApplicationNumber(2020, '1', i), in force, with no owner.
func Patent(i int) data.Patent {
	filing := data.NewDate(2020, time.March, 1).Time().AddDate(0, 0, i%300)
	f := data.DateOf(filing)
	return data.Patent{
		ApplicationNumber: ApplicationNumber(2020, '1', i),
		PublicationNumber: fmt.Sprintf("CN%09dA", 111_000_000+i%10_000_000),
		Type:              data.Invention,
		Title:             "一种数控机床的主轴冷却装置",
		Abstract:          "本发明公开了一种数控机床的主轴冷却装置，包括冷却套、循环泵和温度传感器，所述冷却套套设于主轴外侧，循环泵通过管路与冷却套连接。本发明有效降低了主轴温升，提高了加工精度。",
		MainClaim:         "1. 一种数控机床的主轴冷却装置，其特征在于，包括冷却套、循环泵和温度传感器。",
		IPC:               []string{"B23Q11/00", "B23Q1/00"},
		Applicants:        []string{fmt.Sprintf("肇庆市高要区测试机械制造有限公司%07d", i)},
		Inventors:         []string{"陈志强", "李晓明"},
		Address:           "广东省肇庆市高要区金渡镇工业园",
		Region:            Region,
		FilingDate:        f,
		PublicationDate:   f.AddMonths(18),
		GrantDate:         f.AddMonths(30),
		ExpiryDate:        f.AddYears(data.LegalTermYears(data.Invention, f)),
		LegalStatus:       data.StatusValid,
		FeesPaidThrough:   f.AddYears(6),
		ImplementedSince:  f.AddMonths(31),
		Claims:            8 + i%10,
		ForwardCitations:  i % 7,
		FamilySize:        1,
	}
}

// Bank returns a valid bank branch numbered i, without an ID.
func Bank(i int) data.Bank {
	return data.Bank{
		Name:   fmt.Sprintf("测试农村商业银行股份有限公司%04d", i),
		Type:   "农村商业银行",
		Branch: fmt.Sprintf("高要支行%04d", i),
		Region: Region,
	}
}

// Product returns a valid loan product numbered i of the given bank.
func Product(i int, bankID string) data.Product {
	return data.Product{
		BankID:            bankID,
		Name:              fmt.Sprintf("知识产权质押贷%04d", i),
		Description:       "面向装备制造业科技型中小企业的专利权质押贷款",
		MinAmount:         500_000,
		MaxAmount:         10_000_000,
		MinTerm:           6,
		MaxTerm:           36,
		SpreadBP:          50,
		PledgeRates:       data.ByType{Invention: 0.4, UtilityModel: 0.3},
		Regions:           []string{Region},
		Industries:        []string{Industry},
		IPCAreas:          []string{"B23K", "B23Q"},
		PatentTypes:       []data.PatentType{data.Invention, data.UtilityModel},
		MinRemainingYears: data.ByType{Invention: 5, UtilityModel: 3},
		MinRevenue:        10_000_000,
		MaxDebtRatio:      0.7,
		MinTaxGrade:       "B",
		Active:            true,
	}
}

// Event returns a valid draft matchmaking event numbered i, without an ID.
func Event(i int) data.Event {
	return data.Event{
		Name:        fmt.Sprintf("装备制造业知识产权质押融资对接会第%d场", i),
		Organizer:   "广东股权交易中心",
		Region:      Region,
		Venue:       "肇庆市高要区政务服务中心",
		Focus:       "装备制造业",
		Date:        data.NewDate(2025, time.June, 1+i%28),
		StartsAt:    "09:00",
		SlotMinutes: 20,
		Slots:       12,
		MaxMeetings: 4,
		Status:      data.EventDraft,
	}
}

// Participant returns a valid enterprise participant of the given event:
// the enterprise "ent_p" + i, so its natural key is eventID + "|enterprise|"
// + that ID.
func Participant(i int, eventID string) data.Participant {
	return data.Participant{
		EventID:        eventID,
		Role:           data.RoleEnterprise,
		EnterpriseID:   fmt.Sprintf("ent_p%07d", i),
		Name:           fmt.Sprintf("测试企业%07d", i),
		WantedMeetings: 3,
	}
}

// Deal returns a valid new deal numbered i between the given enterprise,
// bank and product.
func Deal(i int, enterpriseID, bankID, productID string) data.Deal {
	return data.Deal{
		EnterpriseID: enterpriseID,
		BankID:       bankID,
		ProductID:    productID,
		Amount:       1_000_000 + int64(i)*10_000,
		TermMonths:   12,
		Patents:      []string{ApplicationNumber(2020, '1', i)},
		Stage:        data.StageRegistered,
		History:      []data.StageChange{},
	}
}

// Pool returns a valid risk-compensation pool numbered i, without an ID.
func Pool(i int) data.Pool {
	return data.Pool{
		Name:           fmt.Sprintf("高要区知识产权质押融资风险补偿资金池%d", i),
		Region:         Region,
		Manager:        "广东股权交易中心",
		Size:           20_000_000,
		FundShare:      0.5,
		PerLoanCap:     2_000_000,
		PerBorrowerCap: 3_000_000,
		Leverage:       10,
		Since:          data.NewDate(2023, time.January, 1),
	}
}

// TokenSecret returns the secret of token i.
func TokenSecret(i int) string { return fmt.Sprintf("ipm_storetest_secret_%07d", i) }

// Token returns a valid bank token numbered i for the given bank; its hash
// (the natural key) is data.HashToken(TokenSecret(i)).
func Token(i int, bankID string) data.Token {
	return data.Token{
		Hash:   data.HashToken(TokenSecret(i)),
		Role:   data.RoleBank,
		BankID: bankID,
		Label:  fmt.Sprintf("测试令牌%d", i),
	}
}

// Schedule returns a valid meeting schedule for event "evt_store_<i>" with
// two meetings that share no slot, table or enterprise, one override with
// its reason, one must-meet pair that meets, and who computed it when.
func Schedule(i int) data.Schedule {
	event := fmt.Sprintf("evt_store_%d", i)
	return data.Schedule{
		ID:      event,
		EventID: event,
		Meetings: []data.Meeting{
			{EnterpriseID: "ent_a", BankID: "bank_a", Table: 1, Slot: 1, Score: 0.8, Override: true, OverrideReason: "必须会谈，组织方破例安排"},
			{EnterpriseID: "ent_b", BankID: "bank_a", Table: 1, Slot: 2, Score: 0.6, Pinned: true, MustMeet: true},
		},
		Unscheduled:  []data.Shortfall{{EnterpriseID: "ent_c", Wanted: 2, Got: 0, Reason: "没有符合条件的银行"}},
		TotalScore:   1.4,
		Overrides:    []data.ScheduleOverride{{EnterpriseID: "ent_a", BankID: "bank_a", Reason: "必须会谈，组织方破例安排"}},
		MustMeet:     1,
		MustMeetMet:  1,
		ComputedBy:   "user:organizer",
		ComputedAt:   time.Date(2025, 5, 20, 9, 30, 15, 0, time.UTC),
		WeightBasis:  "storetest weights",
		ModelVersion: "storetest",
	}
}

// UserPasswordHash is a bcrypt hash (cost 4) of "storetest-password" for
// the users of User; storetest does not import bcrypt.
const UserPasswordHash = "$2a$04$8s8LwTF9IuAgXokZtLXo0uMQVHv9NnYWQcJrmBAyIy/9VprgFTS62"

// User returns a valid organizer user numbered i, username "user<i>".
func User(i int) data.User {
	return data.User{
		Username:     fmt.Sprintf("user%d", i),
		PasswordHash: UserPasswordHash,
		Role:         data.RoleOrganizer,
		Label:        fmt.Sprintf("测试用户%d", i),
	}
}

// Appraiser returns a valid appraisal firm numbered i, without an ID; its
// licence (the natural key) is "粤评备-<i>".
func Appraiser(i int) data.Appraiser {
	return data.Appraiser{Name: fmt.Sprintf("测试资产评估有限公司%d", i), Licence: fmt.Sprintf("粤评备-%04d", i), Region: "44"}
}

// Appraisal returns a valid appraisal numbered i of two patents of the
// given enterprise by the given firm, recorded by bankID (may be ""),
// without an ID; its report number (with the firm, the natural key) is
// "测评报字[2021]第<i>号".
func Appraisal(i int, enterpriseID, appraiserID, bankID string) data.Appraisal {
	return data.Appraisal{
		EnterpriseID: enterpriseID, AppraiserID: appraiserID, BankID: bankID,
		Patents:      []string{ApplicationNumber(2020, '1', i), ApplicationNumber(2020, '2', i)},
		Value:        5_000_000 + int64(i)*10_000,
		BaseDate:     data.NewDate(2021, time.March, 15),
		Method:       data.MethodIncome,
		ReportNumber: fmt.Sprintf("测评报字[2021]第%d号", i),
	}
}
