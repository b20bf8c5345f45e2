package data

import (
	"fmt"
	"strings"
)

// creditCodeAlphabet is the 31-character alphabet of the unified social
// credit code (GB 32100-2015): digits and upper-case letters without I, O,
// S, V and Z.
const creditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCodeCheck returns the check character for the first 17 characters
// of a unified social credit code.
func CreditCodeCheck(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("want 17 characters, got %d", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeAlphabet, first17[i])
		if v < 0 {
			return 0, fmt.Errorf("character %d %q is not allowed (allowed: %s)", i+1, first17[i], creditCodeAlphabet)
		}
		sum += v * creditCodeWeights[i]
	}
	return creditCodeAlphabet[(31-sum%31)%31], nil
}

// NormalizeCreditCode upper-cases and trims a unified social credit code
// and checks its length, alphabet, check character and region part
// (characters 3–8 must be a known region code).
func NormalizeCreditCode(code string) (string, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 18 {
		return "", fmt.Errorf("must be 18 characters, got %d", len([]rune(code)))
	}
	want, err := CreditCodeCheck(code[:17])
	if err != nil {
		return "", err
	}
	if code[17] != want {
		return "", fmt.Errorf("check character is %q, want %q", code[17], want)
	}
	if _, ok := LookupRegion(code[2:8]); !ok {
		return "", fmt.Errorf("characters 3-8 %q are not a known region code", code[2:8])
	}
	return code, nil
}

// CreditCodeRegion returns the region code carried in characters 3–8 of a
// valid credit code.
func CreditCodeRegion(code string) string {
	if len(code) != 18 {
		return ""
	}
	return code[2:8]
}

var appNumberWeights = [12]int{2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5}

// ApplicationNumberCheck returns the check character of a 12-digit CNIPA
// application number (since 2003): the digits weighted 2..9,2..5, summed,
// mod 11, with 10 written as X.
func ApplicationNumberCheck(digits12 string) (byte, error) {
	if len(digits12) != 12 {
		return 0, fmt.Errorf("want 12 digits, got %d", len(digits12))
	}
	sum := 0
	for i := 0; i < 12; i++ {
		c := digits12[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("character %d %q is not a digit", i+1, c)
		}
		sum += int(c-'0') * appNumberWeights[i]
	}
	r := sum % 11
	if r == 10 {
		return 'X', nil
	}
	return byte('0' + r), nil
}

// NormalizeApplicationNumber turns "CN201220249767.4", "ZL201220249767.4",
// "2012202497674" or " 201220249767.4 " into "201220249767.4" after
// checking the check character and the type digit.
func NormalizeApplicationNumber(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "CN")
	s = strings.TrimPrefix(s, "ZL")
	s = strings.ReplaceAll(s, " ", "")
	s = strings.ReplaceAll(s, ".", "")
	if len(s) != 13 {
		return "", fmt.Errorf("must be 12 digits and a check character like 201220249767.4")
	}
	want, err := ApplicationNumberCheck(s[:12])
	if err != nil {
		return "", err
	}
	if s[12] != want {
		return "", fmt.Errorf("check character is %q, want %q", s[12], want)
	}
	if _, err := PatentTypeOf(s[:12]); err != nil {
		return "", err
	}
	return s[:12] + "." + s[12:], nil
}

// PatentTypeOf returns the patent type encoded in digit 5 of an application
// number: 1 and 8 invention (8 is a PCT national phase), 2 and 9 utility
// model (9 is PCT), 3 design.
func PatentTypeOf(appNumber string) (PatentType, error) {
	if len(appNumber) < 5 {
		return "", fmt.Errorf("too short to carry a type digit")
	}
	switch appNumber[4] {
	case '1', '8':
		return Invention, nil
	case '2', '9':
		return UtilityModel, nil
	case '3':
		return Design, nil
	}
	return "", fmt.Errorf("type digit (5th) is %q; want 1 or 8 (invention), 2 or 9 (utility model), 3 (design)", appNumber[4])
}
