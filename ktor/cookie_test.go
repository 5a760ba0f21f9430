package ktor

import (
	"errors"
	"testing"
)

func TestCookieEncoding(t *testing.T) {
	for _, tc := range []struct {
		enc     CookieEncoding
		value   string
		encoded string
	}{
		{URIEncoding, ktorCookie3JSON[:41], "00112233445566778899aabbccddeeff%2F9b8cf990"},
		{URIEncodingLegacy, ktorCookie3JSON[:41], "00112233445566778899aabbccddeeff%2F9b8cf990"},
		{URIEncoding, "a-b.c_d~e f+g", "a-b.c_d~e+f%2Bg"},
		{URIEncodingLegacy, "a-b.c_d~e f+g", "a%2Db%2Ec%5Fd%7Ee+f%2Bg"},
		{URIEncoding, `{"n":"é€"}`, "%7B%22n%22%3A%22%C3%A9%E2%82%AC%22%7D"},
		{URIEncoding, "", ""},
		{Base64Encoding, "a/b:c", "YS9iOmM="},
		{Base64Encoding, "", ""},
		{DQuotes, "plain", "plain"},
		{DQuotes, "a b", `"a b"`},
		{DQuotes, "a;b", `"a;b"`},
		{DQuotes, "a,b", `"a,b"`},
		{DQuotes, "a\tb", "\"a\tb\""},
		{DQuotes, "a\u00a0b", "\"a\u00a0b\""}, // Kotlin's isWhitespace includes NBSP
		{Raw, "a/b:c", "a/b:c"},
		{Raw, "", ""},
	} {
		t.Run(tc.enc.String()+" "+tc.value, func(t *testing.T) {
			got, err := EncodeCookieValue(tc.value, tc.enc)
			if err != nil || got != tc.encoded {
				t.Errorf("EncodeCookieValue(%q, %v) = %q, %v; want %q", tc.value, tc.enc, got, err, tc.encoded)
			}
			back, err := DecodeCookieValue(tc.encoded, tc.enc)
			if err != nil || back != tc.value {
				t.Errorf("DecodeCookieValue(%q, %v) = %q, %v; want %q", tc.encoded, tc.enc, back, err, tc.value)
			}
		})
	}
}

func TestDecodeCookieValue(t *testing.T) {
	for _, tc := range []struct {
		enc     CookieEncoding
		encoded string
		want    string
	}{
		{URIEncoding, "a%2fb%2Fc", "a/b/c"}, // either hex case
		{URIEncoding, "a+b%20c", "a b c"},
		{URIEncoding, "%C3", "\xc3"}, // bytes, not necessarily UTF-8
		{URIEncodingLegacy, "a-b.c_d~e", "a-b.c_d~e"},
		{DQuotes, `"quoted"`, "quoted"},
		{DQuotes, `  "quoted"  `, "quoted"},
		{DQuotes, `"`, `"`},
		{DQuotes, ` " `, `"`},
		{DQuotes, `"a`, `"a`},
		{Raw, `"a/b"`, "a/b"},
		{Raw, `a"b"`, `a"b"`},
		{Raw, " x ", " x "},
	} {
		got, err := DecodeCookieValue(tc.encoded, tc.enc)
		if err != nil || got != tc.want {
			t.Errorf("DecodeCookieValue(%q, %v) = %q, %v; want %q", tc.encoded, tc.enc, got, err, tc.want)
		}
	}
}

func TestCookieValueErrors(t *testing.T) {
	for _, tc := range []struct {
		enc   CookieEncoding
		value string
	}{
		{URIEncoding, "%"},
		{URIEncoding, "a%4"},
		{URIEncoding, "%G1"},
		{URIEncoding, "%1G"},
		{URIEncoding, "abc%"},
		{URIEncodingLegacy, "%%41"},
		{Base64Encoding, "YS9iOmM"},
		{Base64Encoding, "YS9iOmM=\n"},
		{Base64Encoding, "YS9i\r\nOmM="},
		{Base64Encoding, "YS9iOmN="}, // non-zero padding bits
		{Base64Encoding, "!!!!"},
	} {
		if got, err := DecodeCookieValue(tc.value, tc.enc); !errors.Is(err, ErrMalformedCookie) {
			t.Errorf("DecodeCookieValue(%q, %v) = %q, %v; want ErrMalformedCookie", tc.value, tc.enc, got, err)
		}
	}
	for _, tc := range []struct {
		enc   CookieEncoding
		value string
	}{
		{DQuotes, `a"b`},
		{Raw, "a b"},
		{Raw, "a;b"},
		{Raw, "a,b"},
		{Raw, `a"b`},
		{Raw, "a\x01b"},
		{Raw, "a\u2028b"},
	} {
		if got, err := EncodeCookieValue(tc.value, tc.enc); !errors.Is(err, ErrMalformedCookie) {
			t.Errorf("EncodeCookieValue(%q, %v) = %q, %v; want ErrMalformedCookie", tc.value, tc.enc, got, err)
		}
	}
	if _, err := EncodeCookieValue("x", CookieEncoding(9)); err == nil {
		t.Error("EncodeCookieValue with an unknown encoding: error = nil")
	}
	if _, err := DecodeCookieValue("x", CookieEncoding(-1)); err == nil {
		t.Error("DecodeCookieValue with an unknown encoding: error = nil")
	}
}

func TestCookieEncodingString(t *testing.T) {
	for e, want := range map[CookieEncoding]string{
		URIEncoding:        "URI_ENCODING",
		URIEncodingLegacy:  "URI_ENCODING",
		Base64Encoding:     "BASE64_ENCODING",
		DQuotes:            "DQUOTES",
		Raw:                "RAW",
		CookieEncoding(42): "CookieEncoding(42)",
	} {
		if got := e.String(); got != want {
			t.Errorf("CookieEncoding(%d).String() = %q; want %q", int(e), got, want)
		}
	}
}

func TestIsKotlinWhitespace(t *testing.T) {
	for r, want := range map[rune]bool{
		' ': true, '\t': true, '\n': true, '\v': true, '\f': true, '\r': true,
		0x1c: true, 0x1f: true, 0xa0: true, 0x2007: true, 0x2028: true, 0x2029: true, 0x3000: true,
		0x85: false, 'a': false, 0: false, 0x200b: false,
	} {
		if got := isKotlinWhitespace(r); got != want {
			t.Errorf("isKotlinWhitespace(%U) = %v; want %v", r, got, want)
		}
	}
}
