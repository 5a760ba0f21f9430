package ktor

import (
	"math"
	"strconv"
	"strings"
)

// appendJavaFloat appends x as Java's Double.toString (bitSize 64) or
// Float.toString (bitSize 32) writes it, following the specification of
// JDK 19 and later:
//
//   - NaN, Infinity, -Infinity, 0.0 and -0.0 are written as such;
//   - the digits are the shortest decimal that rounds to x, the closest
//     to x if there are several; when that is a single digit, the closest
//     decimal of one or two digits that rounds to x is taken instead (so
//     Double.MIN_VALUE is 4.9E-324, not 5.0E-324);
//   - for 1e-3 <= |d| < 1e7 the result is plain decimal with at least one
//     fractional digit (100.0, 0.001), otherwise computerized scientific
//     notation with at least one fractional digit (1.0E7, 1.0E-5).
//
// JDK 18 and earlier sometimes wrote more digits than needed (2.0E-3 as
// "0.0020"); both forms parse to the same value.
func appendJavaFloat(dst []byte, x float64, bitSize int) []byte {
	switch {
	case math.IsNaN(x):
		return append(dst, "NaN"...)
	case math.IsInf(x, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(x, -1):
		return append(dst, "-Infinity"...)
	case x == 0:
		if math.Signbit(x) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if x < 0 {
		dst = append(dst, '-')
		x = -x
	}
	digits, exp := shortestDigits(x, bitSize)
	if len(digits) == 1 {
		digits, exp = twoDigits(x, bitSize, digits, exp)
	}
	if -3 <= exp && exp < 7 {
		if exp < 0 {
			dst = append(dst, "0."...)
			for range -exp - 1 {
				dst = append(dst, '0')
			}
			return append(dst, digits...)
		}
		if len(digits) <= exp+1 {
			dst = append(dst, digits...)
			for range exp + 1 - len(digits) {
				dst = append(dst, '0')
			}
			return append(dst, ".0"...)
		}
		dst = append(dst, digits[:exp+1]...)
		dst = append(dst, '.')
		return append(dst, digits[exp+1:]...)
	}
	dst = append(dst, digits[0], '.')
	if len(digits) == 1 {
		dst = append(dst, '0')
	} else {
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'E')
	return strconv.AppendInt(dst, int64(exp), 10)
}

// javaFloat is appendJavaFloat to a string.
func javaFloat(x float64, bitSize int) string {
	return string(appendJavaFloat(nil, x, bitSize))
}

// shortestDigits returns the shortest decimal digits that round to x > 0
// (the closest to x if there are several) and the decimal exponent of the
// first digit: x ≈ d.ddd × 10^exp.
func shortestDigits(x float64, bitSize int) (digits string, exp int) {
	return splitE(strconv.FormatFloat(x, 'e', -1, bitSize))
}

// splitE splits "d.ddde±XX" into "dddd" and XX.
func splitE(s string) (string, int) {
	e := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[e+1:])
	return strings.Replace(s[:e], ".", "", 1), exp
}

// twoDigits applies the JDK rule for a shortest decimal of one digit d:
// among the decimals of one or two digits that round to x, take the one
// closest to x. That is the correctly rounded two-digit decimal c, which is
// at least as close to x as d, provided c rounds to x. When x is not a
// power of two its rounding interval is symmetric, so c, being no farther
// than d, rounds to x; TestJavaFloatTwoDigitPowersOfTwo checks the powers
// of two. The fallback to d is therefore never taken; it keeps the result
// correct (if longer-digited) should that ever change.
func twoDigits(x float64, bitSize int, d string, dExp int) (string, int) {
	c := strconv.FormatFloat(x, 'e', 1, bitSize)
	if !roundsTo(c, x, bitSize) {
		return d, dExp
	}
	digits, exp := splitE(c)
	return strings.TrimSuffix(digits, "0"), exp
}

func roundsTo(s string, x float64, bitSize int) bool {
	f, err := strconv.ParseFloat(s, bitSize)
	return err == nil && f == x
}
