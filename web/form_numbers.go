package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"ipmatch/data"
)

// formNumbers reads the numbers of a page's form as people type them
// (万元, %, months, years), adding a Chinese problem naming the field to
// problems for each that is not one; an empty field is 0. The product
// editor, the profile editor and the application form share it.
type formNumbers struct{ problems *[]string }

// maxWan bounds an amount in 万元 (1,000 亿元), far above any loan or
// small firm's figures, so the yuan cannot overflow.
const maxWan = 1e7

// num returns s as a number from lo to hi.
func (f formNumbers) num(s, label string, lo, hi float64) float64 {
	if s == "" {
		return 0
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || x < lo || x > hi {
		*f.problems = append(*f.problems, fmt.Sprintf("%s：须为 %s 到 %s 之间的数", label, numString(lo), numString(hi)))
		return 0
	}
	return x
}

// wan returns s, typed in 万元 from lo to maxWan, in yuan.
func (f formNumbers) wan(s, label string, lo float64) int64 {
	return int64(math.Round(f.num(s, label, lo, maxWan) * 10_000))
}

// integer returns s as a whole number from 0 to max.
func (f formNumbers) integer(s, label string, max int) int {
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > max {
		*f.problems = append(*f.problems, fmt.Sprintf("%s：须为 0 到 %d 的整数", label, max))
		return 0
	}
	return n
}

// date returns s as a day; "" is the zero day.
func (f formNumbers) date(s, label string) data.Date {
	d, err := data.ParseDate(s)
	if err != nil {
		*f.problems = append(*f.problems, label+"：须为日期，如 2012-03-15")
	}
	return d
}

// statements returns a year of statements typed in 万元 (label names
// the row in problems).
func (f formNumbers) statements(r statementRow, label string) data.Financials {
	return data.Financials{Year: f.integer(r.Year, label+"年度", 2200), Revenue: f.wan(r.Revenue, label+"营业收入", 0),
		Profit: f.wan(r.Profit, label+"净利润", -maxWan), Assets: f.wan(r.Assets, label+"资产总额", 0),
		Liabilities: f.wan(r.Liabilities, label+"负债总额", 0)}
}

// splitList splits a list typed with commas (either width), 、, semicolons
// or white space: codes, application numbers.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})
}
