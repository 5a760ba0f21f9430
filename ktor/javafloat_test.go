package ktor

import (
	"math"
	"strconv"
	"testing"
)

func TestJavaDoubleToString(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
		{1, "1.0"},
		{3, "3.0"},
		{4, "4.0"},
		{-1.5, "-1.5"},
		{0.1, "0.1"},
		{0.5, "0.5"},
		{100, "100.0"},
		{123.456, "123.456"},
		{0.001, "0.001"},
		{0.002, "0.002"}, // JDK <= 18: 0.0020
		{0.0001, "1.0E-4"},
		{9.999999e-4, "9.999999E-4"},
		{1e-5, "1.0E-5"},
		{1234567, "1234567.0"},
		{9999999, "9999999.0"},
		{1e7, "1.0E7"},
		{12345678, "1.2345678E7"},
		{1e10, "1.0E10"},
		{1e21, "1.0E21"},
		{1e23, "1.0E23"},
		{2e23, "2.0E23"},
		{-1e100, "-1.0E100"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{math.SmallestNonzeroFloat64, "4.9E-324"},
		{2 * math.SmallestNonzeroFloat64, "9.9E-324"},
		{2.2250738585072014e-308, "2.2250738585072014E-308"},
		{1.0 / 3, "0.3333333333333333"},
		{2.0 / 3, "0.6666666666666666"},
		{100.0 / 3, "33.333333333333336"},
		{9007199254740993, "9.007199254740992E15"},
		{1e6, "1000000.0"},
		{1.25e-3, "0.00125"},
	} {
		if got := javaFloat(tc.x, 64); got != tc.want {
			t.Errorf("Double.toString(%v) = %q; want %q", tc.x, got, tc.want)
		}
	}
}

func TestJavaFloatToString(t *testing.T) {
	for _, tc := range []struct {
		x    float32
		want string
	}{
		{0.1, "0.1"},
		{4, "4.0"},
		{1e10, "1.0E10"},
		{1.1, "1.1"},
		{3.4028235e38, "3.4028235E38"},
		{math.SmallestNonzeroFloat32, "1.4E-45"},
		{1.17549435e-38, "1.1754944E-38"}, // JDK <= 18: 1.17549435E-38
		{16777216, "1.6777216E7"},
		{0.3, "0.3"},
	} {
		if got := javaFloat(float64(tc.x), 32); got != tc.want {
			t.Errorf("Float.toString(%v) = %q; want %q", tc.x, got, tc.want)
		}
	}
}

// TestJavaFloatRoundTrip checks that every output parses back to its input
// across a spread of magnitudes, including subnormals.
func TestJavaFloatRoundTrip(t *testing.T) {
	for e := -1074; e <= 1023; e += 7 {
		for _, m := range []float64{1, 1.1, 1.5, 1.999999, 1.2345678901234567} {
			x := math.Ldexp(m, e)
			if x == 0 || math.IsInf(x, 0) {
				continue
			}
			s := javaFloat(x, 64)
			if f, err := strconv.ParseFloat(s, 64); err != nil || f != x {
				t.Errorf("javaFloat(%v) = %q parses as %v, %v", x, s, f, err)
			}
			x32 := float32(x)
			if x32 == 0 || math.IsInf(float64(x32), 0) {
				continue
			}
			s = javaFloat(float64(x32), 32)
			if f, err := strconv.ParseFloat(s, 32); err != nil || float32(f) != x32 {
				t.Errorf("javaFloat32(%v) = %q parses as %v, %v", x32, s, f, err)
			}
		}
	}
}

// TestJavaFloatTwoDigitPowersOfTwo checks the claim twoDigits relies on:
// for every power of two whose shortest decimal has one digit (the only
// values with an asymmetric rounding interval), the correctly rounded
// two-digit decimal still rounds to it.
func TestJavaFloatTwoDigitPowersOfTwo(t *testing.T) {
	for _, bits := range []int{32, 64} {
		lo, hi := -1074, 1023
		if bits == 32 {
			lo, hi = -149, 127
		}
		for e := lo; e <= hi; e++ {
			x := math.Ldexp(1, e)
			if digits, _ := shortestDigits(x, bits); len(digits) != 1 {
				continue
			}
			if c := strconv.FormatFloat(x, 'e', 1, bits); !roundsTo(c, x, bits) {
				t.Errorf("2^%d (float%d): two-digit decimal %s does not round back", e, bits, c)
			}
		}
	}
}
