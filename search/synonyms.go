package search

// synonymGroups are words written differently for the same thing in
// patents, enterprise profiles and loan products: equipment and civil
// engineering terms, and the short names of banks (建行 for 中国建设银行,
// 农商银行 for 农村商业银行). A query word equal to one of a group matches
// any of them. Only true synonyms belong here, not broader or narrower
// terms (数控车床 is a 数控机床, not the same word).
var synonymGroups = [][]string{
	{"减速器", "减速机"},
	{"液压缸", "液压油缸", "油缸"},
	{"电动机", "电机", "马达"},
	{"清扫车", "清洁车", "扫路车", "扫地车"},
	{"除雪", "铲雪", "扫雪", "融雪", "除冰"},
	{"交通标志", "路标", "标志牌", "标志板"},
	{"知识产权质押", "专利质押", "专利权质押"},
	{"风险补偿", "风补"},
	{"高新技术企业", "高企", "高新企业"},
	{"农商银行", "农村商业银行", "农商行"},
	{"建设银行", "建行"},
	{"工商银行", "工行"},
	{"农业银行", "农行"},
	{"中国银行", "中行"},
	{"交通银行", "交行"},
}

// synonyms maps each word of synonymGroups to its group.
var synonyms = func() map[string][]string {
	m := map[string][]string{}
	for _, g := range synonymGroups {
		for _, w := range g {
			if _, dup := m[w]; dup {
				panic("search: " + w + " is in two synonym groups")
			}
			m[w] = g
		}
	}
	return m
}()
