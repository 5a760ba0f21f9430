package ktor

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// keepSet lists the bytes that a percent-encoder leaves as they are.
type keepSet [256]bool

func newKeepSet(extra string) *keepSet {
	var k keepSet
	for c := '0'; c <= '9'; c++ {
		k[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		k[c] = true
		k[c-'a'+'A'] = true
	}
	for i := 0; i < len(extra); i++ {
		k[extra[i]] = true
	}
	return &k
}

var (
	// keepAlnum is Ktor's encodeURLQueryComponent(encodeFull = true): the
	// cookie URI_ENCODING of Ktor ≤ 2.1.2.
	keepAlnum = newKeepSet("")
	// keepParameter is Ktor's encodeURLParameter: the cookie URI_ENCODING
	// of Ktor ≥ 2.2.0, and the names and values of the reflection format.
	keepParameter = newKeepSet("-._~")
	// keepQuery is Ktor's encodeURLQueryComponent() with its defaults
	// (RFC 3986 reserved and unreserved characters kept): the "QC" of
	// list and map elements in the reflection format.
	keepQuery = newKeepSet(":/?#[]@!$&'()*,;=-._~+")
)

const upperHex = "0123456789ABCDEF"

// appendPercentEncoded appends s to dst with every byte not in keep
// written as %XX (uppercase hex, as Ktor writes it), and a space written
// as '+' if spaceToPlus, else as "%20".
func appendPercentEncoded(dst []byte, s string, keep *keepSet, spaceToPlus bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case keep[c]:
			dst = append(dst, c)
		case c == ' ' && spaceToPlus:
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&0xf])
		}
	}
	return dst
}

func percentEncode(s string, keep *keepSet, spaceToPlus bool) string {
	return string(appendPercentEncoded(make([]byte, 0, len(s)), s, keep, spaceToPlus))
}

// percentDecode reverses percent-encoding as Ktor's
// decodeURLQueryComponent does: %XX (either case) becomes the byte XX and,
// if plusIsSpace, '+' becomes a space. A '%' not followed by two hex
// digits is an error, as it is in Ktor (URLDecodeException). The result
// is the decoded bytes, which need not be valid UTF-8.
func percentDecode(s string, plusIsSpace bool) (string, error) {
	first := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || (plusIsSpace && s[i] == '+') {
			first = i
			break
		}
	}
	if first < 0 {
		return s, nil
	}
	b := make([]byte, first, len(s))
	copy(b, s)
	for i := first; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			if i+2 >= len(s) {
				return "", fmt.Errorf("incomplete %% escape at offset %d", i)
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", fmt.Errorf("invalid %% escape %q at offset %d", s[i:i+3], i)
			}
			b = append(b, hi<<4|lo)
			i += 2
		case c == '+' && plusIsSpace:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// isKotlinWhitespace reports whether Kotlin's Char.isWhitespace() is true
// for r on the JVM: Java's Character.isWhitespace or isSpaceChar. It
// differs from unicode.IsSpace on U+001C–U+001F (Kotlin: yes) and U+0085
// (Kotlin: no).
func isKotlinWhitespace(r rune) bool {
	switch {
	case '\t' <= r && r <= '\r', 0x1c <= r && r <= 0x1f:
		return true
	case r < 0x80:
		return r == ' '
	}
	return unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}

// trimKotlinWhitespace is Kotlin's String.trim().
func trimKotlinWhitespace(s string) string {
	start := 0
	for start < len(s) {
		r, n := utf8.DecodeRuneInString(s[start:])
		if !isKotlinWhitespace(r) {
			break
		}
		start += n
	}
	end := len(s)
	for end > start {
		r, n := utf8.DecodeLastRuneInString(s[start:end])
		if !isKotlinWhitespace(r) {
			break
		}
		end -= n
	}
	return s[start:end]
}
