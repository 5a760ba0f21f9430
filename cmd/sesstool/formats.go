package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// A tokenFormat is one kind of token that inspect, open, verify, rewrap and
// mint understand: sesstool's own format v1 (native.go) and Ktor session
// cookies (ktorformat.go). Another plugs in by implementing this interface
// and joining formats. Minting and rewrapping are optional: an opener that
// can do them also implements tokenMinter or tokenRewrapper.
type tokenFormat interface {
	// name is the format's stable name, used in --json output.
	name() string
	// title is the format's name for people.
	title() string
	// detect reports whether tok has this format's syntax. It reads no key
	// and proves nothing: it only routes the token.
	detect(tok string) bool
	// peek reads what the format shows without a key, for inspect. Nothing
	// in the report is verified; ref is the time to compare expiry with.
	peek(tok string, ref time.Time) report
	// newOpener returns an opener that verifies tokens of this format under
	// the ring's keys, or an error wrapping errNoKeys when the ring has no
	// key for this format.
	newOpener(r *keyring.Ring, o openOptions) (tokenOpener, error)
	// bindsPurpose reports whether the format authenticates a purpose, so
	// that a token that opens for --purpose P was minted for P. A format
	// that does not cannot pass a check of --purpose (see demands).
	bindsPurpose() bool
	// carriesExpiry reports whether the format authenticates an expiry,
	// so that --at and --max-ttl can be checked. A format that does not
	// cannot pass those checks (see demands).
	carriesExpiry() bool
}

// A tokenOpener verifies tokens of one format. It must be safe for
// concurrent use (batch mode shares one among all workers). Rejections wrap
// token.ErrInvalid, token.ErrExpired or token.ErrNotYetValid.
type tokenOpener interface {
	open(tok string) (opened, error)
}

// A tokenMinter is a tokenOpener that can also mint. payload is validated
// JSON; the opener encodes it with its codec.
type tokenMinter interface {
	mint(payload []byte, v token.Validity) (string, opened, error)
}

// A tokenRewrapper is a tokenOpener that can re-mint a valid token under the
// primary key, keeping its payload and validity.
type tokenRewrapper interface {
	rewrap(tok string) (string, opened, error)
}

// errNoKeys is wrapped by newOpener when a ring holds no key for a format.
var errNoKeys = errors.New("the keyring holds no key for this format")

// formats lists the known token formats, in the order detection tries them.
var formats = []tokenFormat{nativeFormat{}, ktorFormat{}}

// detectFormat returns the first format whose syntax tok has, or nil.
func detectFormat(tok string) tokenFormat {
	for _, f := range formats {
		if f.detect(tok) {
			return f
		}
	}
	return nil
}

// openOptions configure how tokens are opened.
type openOptions struct {
	purpose string
	codec   string // "json", "cbor", or "auto" (try json, then cbor)
	// validateOnly: check that the payload decodes, but do not render it
	// as JSON (opened.json stays nil). For verify.
	validateOnly bool
	maxTTL       time.Duration
	leeway       time.Duration
	maxTokenSize int // the longest native token; 0 means the library's default
	now          func() time.Time
	// keyID, when not zero, is the one Ktor key to open with (--key): a
	// Ktor cookie names no key.
	keyID keyring.ID
	// Ktor minting: the session serializer, or raw (the payload is the
	// session text itself).
	ktorSerializer codec.Codec
	raw            bool
	// format, when not nil, is the one format to accept (--format);
	// nil accepts every known format.
	format tokenFormat
	// demands are the checks the command line asked for that a format
	// must be able to make; see demands.unprovable.
	demands demands
}

// demands are the checks asked for on the command line that only some
// formats can make: --purpose needs a format that binds a purpose, --at
// and --max-ttl one that carries an expiry. A token whose format cannot
// make a check asked for is rejected, whatever its authenticity: "exit 0
// for --purpose P" must mean minted for P. This is the one place the rule
// lives, for every format, present and to come; accepting such formats
// is the explicit choice of leaving the flag out (and of --format F, which
// refuses the flags F cannot check, see checkFormatDemands).
type demands struct {
	purpose    bool   // --purpose was given
	purposeVal string // its value, for messages
	expiry     string // the flag that asked for an expiry check ("--at", "--max-ttl"), or ""
}

// stageFormat is the stage that rejections by demands report: the token
// was not opened, because its format cannot prove what was asked.
const stageFormat = "format"

// unprovable returns the rejection of a token of format f when f cannot
// make a check that d asks for, or nil.
func (d demands) unprovable(f tokenFormat) error {
	var err error
	switch {
	case d.purpose && !f.bindsPurpose():
		err = &rejection{kind: token.ErrInvalid, stageName: stageFormat,
			reason: fmt.Sprintf("the input is a %s, which binds no purpose: it cannot prove it was minted for --purpose %q", f.title(), d.purposeVal)}
	case d.expiry != "" && !f.carriesExpiry():
		err = &rejection{kind: token.ErrInvalid, stageName: stageFormat,
			reason: fmt.Sprintf("the input is a %s, which carries no expiry: %s cannot be checked", f.title(), d.expiry)}
	default:
		return nil
	}
	return withHint(err, "to accept a %s, which only its key authenticates, leave out --purpose, --at and --max-ttl (and give --format %s to accept nothing else)", f.title(), f.name())
}

// noun names a token of format f in a sentence: "sesstool v1 token",
// "Ktor session cookie".
func noun(f tokenFormat) string {
	if t := f.title(); strings.HasSuffix(t, "cookie") || strings.HasSuffix(t, "token") {
		return t
	}
	return f.title() + " token"
}

// formatByName returns the known format called name, or nil.
func formatByName(name string) tokenFormat {
	for _, f := range formats {
		if f.name() == name {
			return f
		}
	}
	return nil
}

// opened describes a verified token.
type opened struct {
	format    tokenFormat
	key       keyring.Key // the key that verified it
	issued    time.Time
	expires   time.Time
	notBefore time.Time   // zero when the token has none
	rewrap    bool        // verified by a key other than the primary
	payload   []byte      // as stored in the token
	json      []byte      // the payload rendered as JSON, compact
	codec     string      // the codec that decoded the payload
	ktor      *ktorResult // Ktor cookies only
}

// openerSet opens tokens of every known format under one ring. It is safe
// for concurrent use.
type openerSet struct {
	openers map[tokenFormat]tokenOpener
	errs    map[tokenFormat]error
	keyID   keyring.ID  // --key
	format  tokenFormat // --format, or nil for any
	demands demands
}

func newOpenerSet(r *keyring.Ring, o openOptions) (*openerSet, error) {
	s := &openerSet{openers: map[tokenFormat]tokenOpener{}, errs: map[tokenFormat]error{}, keyID: o.keyID,
		format: o.format, demands: o.demands}
	for _, f := range formats {
		op, err := f.newOpener(r, o)
		switch {
		case errors.Is(err, errNoKeys):
			s.errs[f] = err
		case err != nil:
			return nil, err
		default:
			s.openers[f] = op
		}
	}
	return s, nil
}

// opener returns the opener for tok's format. A token of no known format
// goes to the first (native) format, or to the one --format chose, whose
// errors say what is wrong. A token of a format that cannot make the
// checks asked for is rejected here, before any key is tried.
func (s *openerSet) opener(tok string) (tokenOpener, tokenFormat, error) {
	f, err := s.route(tok)
	if err != nil {
		return nil, f, err
	}
	if err := s.demands.unprovable(f); err != nil {
		return nil, f, err
	}
	if op := s.openers[f]; op != nil {
		return op, f, nil
	}
	err = rejectedf(token.ErrInvalid, token.StageKey, "the input is a %s, and %v", f.title(), s.errs[f])
	if h := hints(s.errs[f]); len(h) > 0 {
		err = withHint(err, "%s", h[0])
	}
	return nil, f, err
}

// route returns the format tok goes to.
func (s *openerSet) route(tok string) (tokenFormat, error) {
	if s.format != nil {
		if d := detectFormat(tok); d != nil && d != s.format {
			return d, withHint(rejectedf(token.ErrInvalid, token.StageEncoding, "the input is a %s, not a %s (--format %s)", noun(d), noun(s.format), s.format.name()),
				"leave out --format to accept every known format")
		}
		if s.keyID != 0 && s.format != (ktorFormat{}) {
			return s.format, &usageError{err: fmt.Errorf("--key chooses among Ktor keys, and --format %s names its own key", s.format.name())}
		}
		return s.format, nil
	}
	f := formats[0]
	if len(formats) > 1 {
		d := detectFormat(tok)
		if d == nil && !isBase64URL(tok) {
			// Not native either: the native opener's base64 errors would
			// only confuse.
			err := rejectedf(token.ErrInvalid, token.StageEncoding, "the input is not a token of a known format (%s)", knownFormats())
			if strings.Contains(tok, "/") {
				err = withHint(err, "a Ktor cookie is session/tag or iv/ciphertext:tag, its tag lowercase hex of 64, 96 or 128 characters, usually URI-encoded")
			}
			return nil, err
		}
		if d != nil {
			f = d
		}
	}
	if s.keyID != 0 && f.name() != (ktorFormat{}).name() {
		return f, &usageError{err: fmt.Errorf("--key chooses among Ktor keys, and the input is a %s token, which names its own key", f.title())}
	}
	return f, nil
}

func (s *openerSet) open(tok string) (opened, error) {
	op, _, err := s.opener(tok)
	if err != nil {
		return opened{}, err
	}
	return op.open(tok)
}

// payloadJSON renders a payload as compact JSON with the named codec
// ("auto" tries JSON, then CBOR), and returns the codec that decoded it.
func payloadJSON(payload []byte, codecName string) ([]byte, string, error) {
	switch codecName {
	case "json":
		var raw json.RawMessage
		if err := codec.JSON().Unmarshal(payload, &raw); err != nil {
			return nil, "", err
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), "json", nil
	case "cbor":
		out, err := codec.CBORToJSON(payload)
		return out, "cbor", err
	}
	if out, c, err := payloadJSON(payload, "json"); err == nil {
		return out, c, nil
	}
	if out, c, err := payloadJSON(payload, "cbor"); err == nil {
		return out, c, nil
	}
	return nil, "", fmt.Errorf("%d bytes that are neither JSON nor CBOR", len(payload))
}

// validatePayload checks that a payload decodes with the named codec.
func validatePayload(payload []byte, codecName string) error {
	if codecName == "cbor" {
		return codec.Validate(codec.CBOR(), payload)
	}
	return codec.Validate(codec.JSON(), payload)
}

// encodePayload encodes a validated JSON payload with the named codec: JSON
// is compacted; CBOR is converted value by value.
func encodePayload(js []byte, codecName string) ([]byte, error) {
	if codecName != "cbor" {
		var buf bytes.Buffer
		if err := json.Compact(&buf, js); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	v, err := cborValue(v)
	if err != nil {
		return nil, err
	}
	return codec.CBOR().Marshal(v)
}

// cborValue turns the numbers of a JSON value (json.Number) into integers
// where they are integers and fit in 64 bits, and into float64 otherwise.
func cborValue(v any) (any, error) {
	switch v := v.(type) {
	case json.Number:
		s := string(v)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return u, nil
		}
		if !bytes.ContainsAny([]byte(s), ".eE") {
			return nil, fmt.Errorf("the integer %s does not fit in 64 bits, which CBOR payloads need", s)
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("the number %s is out of range", s)
		}
		return f, nil
	case []any:
		for i := range v {
			e, err := cborValue(v[i])
			if err != nil {
				return nil, err
			}
			v[i] = e
		}
		return v, nil
	case map[string]any:
		for k, e := range v {
			e, err := cborValue(e)
			if err != nil {
				return nil, err
			}
			v[k] = e
		}
		return v, nil
	}
	return v, nil
}

// isBase64URL reports whether s has only base64url characters, as every
// native token does.
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		if !base64URLChar[s[i]] {
			return false
		}
	}
	return true
}
