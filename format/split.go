package format

import (
	"net/http"
	"slices"
	"strings"
)

// Candidate is one token found in an input: a bare token, or the value of
// a cookie (Name is then the cookie's name).
type Candidate struct {
	Name  string
	Value string
}

// setCookieAttrs are the attribute names that mark a pasted line as a
// Set-Cookie value rather than a Cookie header value.
var setCookieAttrs = []string{"path", "domain", "expires", "max-age", "secure", "httponly", "samesite", "partitioned"}

// Split finds the tokens in a pasted input, so that a cookie can be
// pasted straight from a browser's developer tools:
//
//   - "Cookie: a=1; b=2" (any case) holds one candidate per cookie;
//   - "Set-Cookie: a=1; Path=/; HttpOnly" holds one;
//   - a bare token of a known format is itself the one candidate; a Ktor
//     cookie signed over a raw session that has '=' in it ("a=b/tag") is
//     one too, unless reading the input as "name=value" finds a token in
//     the value ("name=cookie", which the whole input also matches);
//   - "a=1; b=2" and "a=1; Path=/" are read as the value of a Cookie or a
//     Set-Cookie header (the latter when it has cookie attributes);
//   - anything else is taken as a bare token, which will then fail to open.
//
// header names the header the input was read as ("Cookie", "Set-Cookie"),
// or is "" for a bare token; an error says why the input does not parse as
// that header.
func (r *Registry) Split(input string) (header string, cs []Candidate, err error) {
	s := strings.TrimSpace(input)
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "cookie:"):
		header = "Cookie"
		cs, err = parseCookieLine(s[len("cookie:"):])
	case strings.HasPrefix(lower, "set-cookie:"):
		header = "Set-Cookie"
		cs, err = parseSetCookieLine(s[len("set-cookie:"):])
	case !strings.Contains(s, "=") || r.detectStrong(s):
		cs = []Candidate{{Value: s}}
	case r.Detect(s) != nil && !r.pairHoldsToken(s):
		// Only a Ktor signed layout matches the whole input ("anything/
		// hex tag"), and read as name=value it holds no token: the input
		// is a raw Ktor cookie whose session has '=' in it.
		cs = []Candidate{{Value: s}}
	case isSetCookieValue(s):
		header = "Set-Cookie"
		cs, err = parseSetCookieLine(s)
	default:
		header = "Cookie"
		cs, err = parseCookieLine(s)
	}
	return header, cs, err
}

// isSetCookieValue reports whether s has a Set-Cookie attribute.
func isSetCookieValue(s string) bool {
	parts := strings.Split(s, ";")
	for _, p := range parts[1:] {
		attr, _, _ := strings.Cut(strings.TrimSpace(p), "=")
		if slices.Contains(setCookieAttrs, strings.ToLower(attr)) {
			return true
		}
	}
	return false
}

// parseCookieLine reads the value of a Cookie header.
func parseCookieLine(s string) ([]Candidate, error) {
	cookies, err := http.ParseCookie(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	var cs []Candidate
	for _, c := range cookies {
		cs = append(cs, Candidate{Name: c.Name, Value: c.Value})
	}
	return cs, nil
}

// parseSetCookieLine reads the value of a Set-Cookie header.
func parseSetCookieLine(s string) ([]Candidate, error) {
	c, err := http.ParseSetCookie(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	return []Candidate{{Name: c.Name, Value: c.Value}}, nil
}

// detectStrong reports whether tok is a token of a known format beyond
// doubt: a native token, or a Ktor cookie whose layout says more than
// "anything, '/', a hex tag" (see DetectKtorStrong).
func (r *Registry) detectStrong(tok string) bool {
	return Native().Detect(tok) || DetectKtorStrong(tok)
}

// pairHoldsToken reports whether s, read as a Cookie or Set-Cookie value,
// holds a cookie whose value is a token of a known format.
func (r *Registry) pairHoldsToken(s string) bool {
	parse := parseCookieLine
	if isSetCookieValue(s) {
		parse = parseSetCookieLine
	}
	cs, err := parse(s)
	if err != nil {
		return false
	}
	for _, c := range cs {
		if r.Detect(c.Value) != nil {
			return true
		}
	}
	return false
}
