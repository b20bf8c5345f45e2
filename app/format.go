package app

import (
	"fmt"
	"math"
	"strconv"
)

// Wan formats an amount in yuan (int64, int or float64) as 万元 with
// exactly two decimals, e.g. 3500000 → "350.00", 3000 → "0.30", 12345 →
// "1.23". This is the one rule for money in words (the pages, and the
// answers that explain a figure): a fixed two decimals keep a column's
// figures aligned and comparable (「0.3」 beside 「0.14」 read as different
// precisions), and two is the finest a 万元 figure needs (one hundredth of
// 万 is 100 yuan, well below any loan's rounding).
func Wan(v any) string {
	var yuan float64
	switch x := v.(type) {
	case int64:
		yuan = float64(x)
	case int:
		yuan = float64(x)
	case float64:
		yuan = x
	default:
		panic(fmt.Sprintf("app: Wan of %T", v))
	}
	s := strconv.FormatFloat(math.Round(yuan/100)/100, 'f', 2, 64)
	if s == "-0.00" {
		s = "0.00"
	}
	return s
}

// Pct formats a ratio as a percentage with one decimal ("27.5%").
func Pct(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" }
