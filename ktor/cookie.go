package ktor

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrMalformedCookie is wrapped by the errors of [DecodeCookieValue] for a
// value that the encoding cannot have produced (such as a bad %-escape or
// bad Base64), by those of [EncodeCookieValue] for a value that the
// encoding cannot represent, and by those of [Inspect] for either.
var ErrMalformedCookie = errors.New("ktor: malformed cookie value")

// CookieEncoding is Ktor's CookieEncoding: how a session value is encoded
// in the Cookie and Set-Cookie headers (CookieConfiguration.encoding).
// The zero value is [URIEncoding], Ktor's default.
type CookieEncoding int

const (
	// URIEncoding is URI_ENCODING as Ktor ≥ 2.2.0 writes it: bytes in
	// [A-Za-z0-9-._~] are kept, a space becomes '+', every other UTF-8
	// byte becomes %XX with uppercase hex.
	URIEncoding CookieEncoding = iota
	// URIEncodingLegacy is URI_ENCODING as Ktor ≤ 2.1.2 (including 1.x)
	// writes it: only [A-Za-z0-9] are kept, so '-', '.', '_' and '~' are
	// %-encoded too. Both variants encode the output of the transformers
	// (hex, '/', ':') identically and decode identically; they differ only
	// for by-value payloads. Ktor 2.1.3's variant, which left RFC 3986
	// reserved characters unencoded, is not provided.
	URIEncodingLegacy
	// Base64Encoding is BASE64_ENCODING: standard Base64 with padding.
	Base64Encoding
	// DQuotes is DQUOTES: the value is wrapped in double quotes if it
	// contains whitespace, ';', ',' or control characters. A value that
	// contains '"' cannot be encoded.
	DQuotes
	// Raw is RAW: the value as it is. A value that contains whitespace,
	// ';', ',', '"' or control characters cannot be encoded. Ktor 1.x
	// refuses such values too; later versions write them, which can break
	// the header or inject cookie attributes.
	Raw
)

// String returns the name Ktor gives the encoding in the $x-enc cookie
// attribute: "URI_ENCODING" (for both URI variants), "BASE64_ENCODING",
// "DQUOTES" or "RAW".
func (e CookieEncoding) String() string {
	switch e {
	case URIEncoding, URIEncodingLegacy:
		return "URI_ENCODING"
	case Base64Encoding:
		return "BASE64_ENCODING"
	case DQuotes:
		return "DQUOTES"
	case Raw:
		return "RAW"
	}
	return fmt.Sprintf("CookieEncoding(%d)", int(e))
}

// EncodeCookieValue encodes v as Ktor's encodeCookieValue does with
// encoding e. It returns an error wrapping [ErrMalformedCookie] when v
// cannot be represented (see [DQuotes] and [Raw]).
func EncodeCookieValue(v string, e CookieEncoding) (string, error) {
	switch e {
	case URIEncoding:
		return percentEncode(v, keepParameter, true), nil
	case URIEncodingLegacy:
		return percentEncode(v, keepAlnum, true), nil
	case Base64Encoding:
		return base64.StdEncoding.EncodeToString([]byte(v)), nil
	case DQuotes:
		if strings.Contains(v, `"`) {
			return "", malformedCookie("DQUOTES cannot encode a value that contains '\"'")
		}
		if needsQuoting(v) {
			return `"` + v + `"`, nil
		}
		return v, nil
	case Raw:
		if needsQuoting(v) {
			return "", malformedCookie("RAW cannot encode whitespace, ';', ',', '\"' or control characters")
		}
		return v, nil
	}
	return "", fmt.Errorf("ktor: unknown %v", e)
}

// DecodeCookieValue decodes v as Ktor's decodeCookieValue does with
// encoding e:
//
//   - URIEncoding and URIEncodingLegacy: %XX escapes (either case) are
//     decoded and '+' becomes a space; a '%' not followed by two hex
//     digits is an error (Ktor throws URLDecodeException).
//   - Base64Encoding: strict standard Base64 with padding; unlike the
//     Go decoder, CR and LF are rejected.
//   - DQuotes and Raw: if v, ignoring surrounding whitespace, starts and
//     ends with '"', the whitespace and the quotes are removed; otherwise
//     v is returned as it is.
//
// The result is the decoded bytes; they need not be valid UTF-8 (Ktor
// would replace invalid sequences with U+FFFD). Errors wrap
// [ErrMalformedCookie]; no input makes it panic.
func DecodeCookieValue(v string, e CookieEncoding) (string, error) {
	switch e {
	case URIEncoding, URIEncodingLegacy:
		s, err := percentDecode(v, true)
		if err != nil {
			return "", malformedCookie(err.Error())
		}
		return s, nil
	case Base64Encoding:
		if strings.ContainsAny(v, "\r\n") {
			return "", malformedCookie("line break in Base64")
		}
		b, err := base64.StdEncoding.Strict().DecodeString(v)
		if err != nil {
			return "", malformedCookie(err.Error())
		}
		return string(b), nil
	case DQuotes, Raw:
		t := trimKotlinWhitespace(v)
		if t == "" || t[0] != '"' || t[len(t)-1] != '"' {
			return v, nil
		}
		if len(t) == 1 { // Kotlin's removeSurrounding needs two quotes
			return t, nil
		}
		return t[1 : len(t)-1], nil
	}
	return "", fmt.Errorf("ktor: unknown %v", e)
}

// needsQuoting reports whether v has a character that Ktor's
// shouldEscapeInCookies flags: whitespace, a control character, ';', ','
// or '"'.
func needsQuoting(v string) bool {
	for _, r := range v {
		if r < ' ' || r == ';' || r == ',' || r == '"' || isKotlinWhitespace(r) {
			return true
		}
	}
	return false
}
