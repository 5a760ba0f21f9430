package format

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// The parts shared by JWT (JWS compact serialization, RFC 7515 and 7519)
// and JWE (compact serialization, RFC 7516): strict base64url, the
// protected header, and the claims set.

// maxJOSEHeader is the longest protected header, decoded, that JWT and JWE
// read: a header names an algorithm and a few parameters.
const maxJOSEHeader = 4 << 10

// joseB64 is base64url without padding, strict: no padding, no
// non-zero trailing bits, and (checked before, by IsBase64URL) no CR or
// LF, which encoding/base64 would skip.
var joseB64 = base64.RawURLEncoding.Strict()

// joseDecode decodes one part of a compact serialization. what names it
// for errors ("the header").
func joseDecode(s, what string) ([]byte, error) {
	if !IsBase64URL(s) {
		return nil, fmt.Errorf("%s has a character that is not base64url", what)
	}
	b, err := joseB64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s is not canonical unpadded base64url", what)
	}
	return b, nil
}

// joseHeader is a protected header, parsed: its members as raw JSON, and
// the few that sesstool reads.
type joseHeader struct {
	json    []byte // compact
	members map[string]json.RawMessage
	alg     string
	enc     string
	kid     string
	hasKid  bool
}

// parseJOSEHeader decodes and parses a protected header: a JSON object of
// at most maxJOSEHeader bytes, with no duplicate member (RFC 7515 §5.2
// allows rejecting them, and two parsers that pick different ones are the
// classic way around a check), whose "alg" is a string. It rejects "crit"
// (sesstool understands no extension) and "b64" other than true (RFC 7797's
// unencoded payloads).
func parseJOSEHeader(b64 string) (joseHeader, error) {
	if len(b64) > joseB64.EncodedLen(maxJOSEHeader) {
		return joseHeader{}, fmt.Errorf("the header is longer than %d bytes", maxJOSEHeader)
	}
	raw, err := joseDecode(b64, "the header")
	if err != nil {
		return joseHeader{}, err
	}
	if err := codec.Validate(codec.JSON(), raw); err != nil {
		return joseHeader{}, fmt.Errorf("the header is not strict JSON (%s)", codecReason(err))
	}
	var h joseHeader
	if err := json.Unmarshal(raw, &h.members); err != nil || h.members == nil {
		return joseHeader{}, fmt.Errorf("the header is not a JSON object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return joseHeader{}, fmt.Errorf("the header is not JSON")
	}
	h.json = buf.Bytes()
	if err := h.str("alg", &h.alg); err != nil {
		return joseHeader{}, err
	}
	if h.alg == "" {
		return joseHeader{}, fmt.Errorf(`the header has no "alg"`)
	}
	if err := h.str("enc", &h.enc); err != nil {
		return joseHeader{}, err
	}
	if err := h.str("kid", &h.kid); err != nil {
		return joseHeader{}, err
	}
	_, h.hasKid = h.members["kid"]
	if _, ok := h.members["crit"]; ok {
		return joseHeader{}, fmt.Errorf(`the header has "crit": it names extensions that must be understood, and sesstool understands none`)
	}
	if v, ok := h.members["b64"]; ok && string(v) != "true" {
		return joseHeader{}, fmt.Errorf(`the header has "b64" other than true (an unencoded payload, RFC 7797), which sesstool does not read`)
	}
	return h, nil
}

// str reads member name, which must be a string when present.
func (h joseHeader) str(name string, dst *string) error {
	v, ok := h.members[name]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(v, dst); err != nil || len(v) == 0 || v[0] != '"' {
		return fmt.Errorf("the header's %q is not a string", name)
	}
	return nil
}

// details returns what the header shows: the header itself, and its key
// ID when it has one. The key ID is shown only: keys are tried by
// algorithm, never chosen by it.
func (h joseHeader) details() []Detail {
	d := []Detail{{Label: "header", Value: string(h.json)}}
	if h.hasKid {
		d = append(d, Detail{Label: "key id", Value: strconv.QuoteToASCII(h.kid)})
	}
	return d
}

// codecReason returns err's message without the codec package's prefix.
func codecReason(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, codec.ErrInvalid.Error()+": ")
	return s
}

// joseClaims is a JWT claims set, parsed.
type joseClaims struct {
	json          []byte // compact
	iat, exp, nbf time.Time
	iss           *string
	aud           []string
	hasAud        bool
}

// maxNumericDate is the last second of year 9999.
const maxNumericDate = 253402300799

// parseClaims parses a JWT claims set (RFC 7519 §4): a JSON object with no
// duplicate member, within codec's depth and size limits, whose "exp",
// "nbf" and "iat" are NumericDates (seconds since 1970, possibly
// fractional, up to year 9999), "iss" a string and "aud" a string or an
// array of strings.
func parseClaims(raw []byte) (joseClaims, error) {
	if err := codec.Validate(codec.JSON(), raw); err != nil {
		return joseClaims{}, fmt.Errorf("the claims are not strict JSON (%s)", codecReason(err))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return joseClaims{}, fmt.Errorf("the claims are not a JSON object")
	}
	var c joseClaims
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return joseClaims{}, fmt.Errorf("the claims are not JSON")
	}
	c.json = buf.Bytes()
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"iat", &c.iat}, {"exp", &c.exp}, {"nbf", &c.nbf}} {
		v, ok := m[t.name]
		if !ok {
			continue
		}
		tm, err := numericDate(v)
		if err != nil {
			return joseClaims{}, fmt.Errorf("the claim %q %v", t.name, err)
		}
		*t.dst = tm
	}
	if v, ok := m["iss"]; ok {
		var s string
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
			return joseClaims{}, fmt.Errorf(`the claim "iss" is not a string`)
		}
		c.iss = &s
	}
	if v, ok := m["aud"]; ok {
		c.hasAud = true
		if c.aud, ok = audience(v); !ok {
			return joseClaims{}, fmt.Errorf(`the claim "aud" is neither a string nor an array of strings`)
		}
	}
	return c, nil
}

// audience reads "aud": a string, or an array of strings.
func audience(v json.RawMessage) ([]string, bool) {
	var s string
	if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
		return []string{s}, true
	}
	var items []json.RawMessage
	if len(v) == 0 || v[0] != '[' || json.Unmarshal(v, &items) != nil {
		return nil, false
	}
	out := make([]string, len(items))
	for i, it := range items {
		if len(it) == 0 || it[0] != '"' || json.Unmarshal(it, &out[i]) != nil {
			return nil, false
		}
	}
	return out, true
}

// numericDate reads a NumericDate: a JSON number of seconds since 1970,
// maybe fractional, between 0 and the end of year 9999.
func numericDate(v json.RawMessage) (time.Time, error) {
	if len(v) == 0 || !(v[0] == '-' || '0' <= v[0] && v[0] <= '9') {
		return time.Time{}, fmt.Errorf("is not a number (a NumericDate: seconds since 1970)")
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return time.Time{}, fmt.Errorf("is not a NumericDate between 1970 and 9999")
	}
	sec := math.Floor(f)
	return time.Unix(int64(sec), int64((f-sec)*1e9)).UTC(), nil
}

// joseClaimOptions are the claim checks a key's options ask for.
type joseClaimOptions struct {
	iss, aud       string
	hasIss, hasAud bool
}

func claimOptions(o keyring.Options) joseClaimOptions {
	var c joseClaimOptions
	c.iss, c.hasIss = o.Get("iss")
	c.aud, c.hasAud = o.Get("aud")
	return c
}

// check applies the key's iss and aud options to c (RFC 7519 §4.1.1 and
// §4.1.3): with iss set, the token's "iss" must equal it; with aud set,
// the token's "aud" (a string or an array) must hold it. A token with an
// "aud" is rejected by a key without the aud option: RFC 7519 says a
// recipient that does not identify itself with a value of "aud" MUST
// reject it.
func (o joseClaimOptions) check(f Format, id keyring.ID, c joseClaims) error {
	if o.hasIss {
		switch {
		case c.iss == nil:
			return reject(f, token.ErrInvalid, StageEnvelope, id, `the token has no "iss" claim, and key %s requires issuer %s`, id, strconv.Quote(o.iss))
		case *c.iss != o.iss:
			return reject(f, token.ErrInvalid, StageEnvelope, id, `the token's issuer %s is not %s, which key %s requires`, quoteClaim(*c.iss), strconv.Quote(o.iss), id)
		}
	}
	switch {
	case o.hasAud && !c.hasAud:
		return reject(f, token.ErrInvalid, StageEnvelope, id, `the token has no "aud" claim, and key %s requires audience %s`, id, strconv.Quote(o.aud))
	case o.hasAud:
		for _, a := range c.aud {
			if a == o.aud {
				return nil
			}
		}
		return reject(f, token.ErrInvalid, StageEnvelope, id, `the token's audience does not include %s, which key %s requires`, strconv.Quote(o.aud), id)
	case c.hasAud:
		return reject(f, token.ErrInvalid, StageEnvelope, id, `the token is meant for an audience ("aud"), and key %s names none: import the key with --opt aud=AUDIENCE for the audience this service is (RFC 7519 §4.1.3)`, id)
	}
	return nil
}

// quoteClaim quotes a claim's text for a message, shortened.
func quoteClaim(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strconv.QuoteToASCII(s)
}

// joseParts splits a compact serialization into exactly n parts.
func joseParts(tok string, n int) ([]string, bool) {
	if strings.Count(tok, ".") != n-1 {
		return nil, false
	}
	return strings.Split(tok, "."), true
}

// mintClaims returns payload, a JSON object, as the claims of a minted
// token: with "iat" now, "exp" and "nbf" from v when set and not in
// payload, and "iss" and "aud" from the key's options when set and not in
// payload.
func mintClaims(payload []byte, v token.Validity, now time.Time, o joseClaimOptions) ([]byte, error) {
	if err := codec.Validate(codec.JSON(), payload); err != nil {
		return nil, fmt.Errorf("format: the claims are not strict JSON: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil || m == nil {
		return nil, fmt.Errorf("format: the claims of a JWT are a JSON object")
	}
	set := func(name string, v any) {
		if _, ok := m[name]; !ok {
			b, _ := json.Marshal(v)
			m[name] = b
		}
	}
	set("iat", now.Unix())
	if !v.ExpiresAt.IsZero() {
		set("exp", v.ExpiresAt.Unix())
	}
	if !v.NotBefore.IsZero() {
		set("nbf", v.NotBefore.Unix())
	}
	if o.hasIss {
		set("iss", o.iss)
	}
	if o.hasAud {
		set("aud", o.aud)
	}
	out, err := json.Marshal(m) // sorted members
	if err != nil {
		return nil, err
	}
	if _, err := parseClaims(out); err != nil {
		return nil, fmt.Errorf("format: %v", err)
	}
	return out, nil
}
