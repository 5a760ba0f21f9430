package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/token"
)

// candidate is one token found in the input: a bare token, or the value of
// a cookie (name is then the cookie's name).
type candidate struct {
	name  string
	value string
}

// setCookieAttrs are the attribute names that mark a pasted line as a
// Set-Cookie value rather than a Cookie header value.
var setCookieAttrs = []string{"path", "domain", "expires", "max-age", "secure", "httponly", "samesite", "partitioned"}

// splitCookies finds the tokens in a pasted input, so that a cookie can be
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
// With name set, only the cookie of that name is kept.
func splitCookies(cmd *cobra.Command, input, name string) ([]candidate, error) {
	s := strings.TrimSpace(input)
	var (
		cs     []candidate
		header string
		err    error
	)
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "cookie:"):
		header = "Cookie"
		cs, err = parseCookieLine(s[len("cookie:"):])
	case strings.HasPrefix(lower, "set-cookie:"):
		header = "Set-Cookie"
		cs, err = parseSetCookieLine(s[len("set-cookie:"):])
	case !strings.Contains(s, "=") || detectStrong(s):
		cs = []candidate{{value: s}}
	case formats.Detect(s) != nil && !pairHoldsToken(s):
		// Only a Ktor signed layout matches the whole input ("anything/
		// hex tag"), and read as name=value it holds no token: the input
		// is a raw Ktor cookie whose session has '=' in it.
		cs = []candidate{{value: s}}
	case isSetCookieValue(s):
		header = "Set-Cookie"
		cs, err = parseSetCookieLine(s)
	default:
		header = "Cookie"
		cs, err = parseCookieLine(s)
	}
	if err != nil {
		return nil, &usageError{err: fmt.Errorf("cannot read the input as a %s header: %v", header, err), cmd: cmd,
			hint: "paste a token, a name=value pair, or a whole 'Cookie:' or 'Set-Cookie:' line"}
	}
	if name == "" {
		return cs, nil
	}
	var names []string
	for _, c := range cs {
		if c.name == name {
			return []candidate{c}, nil
		}
		names = append(names, c.name)
	}
	if len(names) == 0 || (len(names) == 1 && names[0] == "") {
		return nil, &usageError{err: fmt.Errorf("--cookie %s: the input is a bare token, not a cookie", name), cmd: cmd}
	}
	return nil, &usageError{err: fmt.Errorf("no cookie named %q in the input (it has %s)", name, strings.Join(names, ", ")), cmd: cmd}
}

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

func parseCookieLine(s string) ([]candidate, error) {
	cookies, err := http.ParseCookie(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	var cs []candidate
	for _, c := range cookies {
		cs = append(cs, candidate{name: c.Name, value: c.Value})
	}
	return cs, nil
}

func parseSetCookieLine(s string) ([]candidate, error) {
	c, err := http.ParseSetCookie(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	return []candidate{{name: c.Name, value: c.Value}}, nil
}

// singleToken returns the one token of a single-token command's input:
// the bare token, or the one cookie that holds a token of a known format.
func singleToken(cmd *cobra.Command, input, name string) (candidate, error) {
	cs, err := splitCookies(cmd, input, name)
	if err != nil {
		return candidate{}, err
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	var known []candidate
	for _, c := range cs {
		if formats.Detect(c.value) != nil {
			known = append(known, c)
		}
	}
	if len(known) == 1 {
		return known[0], nil
	}
	if len(known) == 0 {
		return candidate{}, format.Reject(token.ErrInvalid, format.StageEncoding,
			"none of the input's cookies (%s) holds a token of a known format", cookieNames(cs))
	}
	return candidate{}, &usageError{err: fmt.Errorf("the input holds several cookies with tokens (%s)", cookieNames(known)), cmd: cmd,
		hint: "choose one with --cookie NAME, or look at them all with 'sesstool inspect'"}
}

// detectStrong reports whether tok is a token of a known format beyond
// doubt: a native token, or a Ktor cookie whose layout says more than
// "anything, '/', a hex tag" (see format.DetectKtorStrong).
func detectStrong(tok string) bool {
	return nativeFmt.Detect(tok) || format.DetectKtorStrong(tok)
}

// pairHoldsToken reports whether s, read as a Cookie or Set-Cookie value,
// holds a cookie whose value is a token of a known format.
func pairHoldsToken(s string) bool {
	parse := parseCookieLine
	if isSetCookieValue(s) {
		parse = parseSetCookieLine
	}
	cs, err := parse(s)
	if err != nil {
		return false
	}
	for _, c := range cs {
		if formats.Detect(c.value) != nil {
			return true
		}
	}
	return false
}

// cookieNames lists the names of cs for a message: the first few, then how
// many more, so that a header of a thousand cookies gives a short line.
func cookieNames(cs []candidate) string {
	const most = 5
	var names []string
	for i, c := range cs {
		if i == most {
			names = append(names, fmt.Sprintf("and %d more", len(cs)-most))
			break
		}
		names = append(names, truncate(c.name, 40))
	}
	return strings.Join(names, ", ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
