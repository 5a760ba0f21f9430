package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// The formats come from package format, which holds their parsers, the
// bounded trial of Ktor keys and the rule on checks a format cannot make.
// This file routes a token to its format and turns the library's typed
// errors into the command line's messages and hints.
var (
	formats   = format.Default()
	nativeFmt = format.Native()
	ktorFmt   = format.Ktor()
)

type (
	tokenFormat = format.Format
	opened      = format.Opened
)

// openOptions configure how tokens are opened.
type openOptions struct {
	purpose        string
	codec          string // "json", "cbor", or "auto" (try json, then cbor)
	validateOnly   bool   // verify: check the payload, do not render it
	maxTTL, leeway time.Duration
	maxTokenSize   int // 0 means the library's default
	now            func() time.Time
	keyID          keyring.ID  // --key: the one Ktor key to open with
	ktorSerializer codec.Codec // Ktor minting
	raw            bool        // Ktor minting: the payload is the session text
	format         tokenFormat // --format, or nil for every known format
	demands        demands
}

func (o openOptions) lib() format.Options {
	fo := format.Options{Purpose: o.purpose, Codec: o.codec, ValidateOnly: o.validateOnly, MaxTTL: o.maxTTL, Leeway: o.leeway,
		MaxTokenSize: o.maxTokenSize, Now: o.now, KeyID: o.keyID, KtorSerializer: o.ktorSerializer, KtorRaw: o.raw, KtorIV: testOnlyKtorIV}
	if o.demands.maxTTL {
		// Foreign tokens commonly outlive --max-ttl's default: their
		// lifetime is checked only when the flag is given.
		fo.ForeignMaxTTL = o.maxTTL
	}
	return fo
}

// testOnlyKtorIV, when not nil, fills the IV of every Ktor cookie that
// mint encrypts, so that scripts can reproduce Ktor's known-answer cookies
// (docs/ktor-format.md §9). Only tests set it (see applyTestHooks in
// sesstool_test.go): no flag or environment variable can.
var testOnlyKtorIV func(iv []byte)

// demands are the checks asked for on the command line that only some
// formats can make (see format.Demands, where the rule lives).
type demands struct {
	purpose    bool   // --purpose was given
	purposeVal string // its value, for messages
	expiry     string // the flag that asked for an expiry check ("--at", "--max-ttl"), or ""
	maxTTL     bool   // --max-ttl was given
}

func (d demands) lib() format.Demands {
	fd := format.Demands{Expiry: d.expiry}
	if d.purpose {
		fd.Purpose = fmt.Sprintf("--purpose %q", d.purposeVal)
	}
	return fd
}

// aOf returns s with its indefinite article, "a" or "an".
func aOf(s string) string {
	if s != "" && strings.ContainsRune("aeiouAEIOU", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// noun names a token of format f in a sentence: "sesstool v1 token",
// "Ktor session cookie".
func noun(f tokenFormat) string {
	if t := f.Title(); strings.HasSuffix(t, "cookie") || strings.HasSuffix(t, "token") {
		return t
	}
	return f.Title() + " token"
}

// openerSet opens tokens of every known format under one ring. It is safe
// for concurrent use.
type openerSet struct {
	// openers are explained values, each put in its interface once
	// here: an explained holds openOptions, so converting one per token
	// would allocate on every line of a batch.
	openers map[tokenFormat]format.Opener
	errs    map[tokenFormat]error
	o       openOptions
	// demands is o.demands.lib(), made once: it formats the purpose,
	// which per token would allocate on every line of a batch.
	demands format.Demands
}

func newOpenerSet(r *keyring.Ring, o openOptions) (*openerSet, error) {
	if o.keyID != 0 {
		if err := checkKtorKey(r, o.keyID); err != nil {
			return nil, err
		}
	}
	s := &openerSet{openers: map[tokenFormat]format.Opener{}, errs: map[tokenFormat]error{}, o: o, demands: o.demands.lib()}
	for _, f := range formats.Formats() {
		op, err := f.NewOpener(r, o.lib())
		switch {
		case errors.Is(err, format.ErrNoKeys), errors.Is(err, format.ErrTooManyKeys):
			// Only this format's tokens fail, with the reason; the
			// ring's other formats still open.
			s.errs[f] = err
		case err != nil:
			return nil, err
		default:
			s.openers[f] = explained{Opener: op, o: o, demands: s.demands}
		}
	}
	return s, nil
}

// checkKtorKey checks --key: a Ktor key that verifies.
func checkKtorKey(r *keyring.Ring, id keyring.ID) error {
	k, ok := r.Lookup(id)
	switch {
	case !ok:
		return withHint(fmt.Errorf("%w: %s (--key)", keyring.ErrNotFound, id), "'sesstool keys list' shows the key IDs")
	case k.Algorithm.Family() != keyring.FamilyKtor:
		return fmt.Errorf("%w: --key %s is a %s key: --key chooses among the Ktor keys, since a Ktor cookie names none", keyring.ErrState, k.ID, k.Algorithm)
	case !k.State.Verifies():
		return fmt.Errorf("%w: --key %s is %s", keyring.ErrState, k.ID, k.State)
	}
	return nil
}

// opener returns the opener for tok's format. A token of no known format
// goes to the first (native) format, or to the one --format chose, whose
// errors say what is wrong. A token of a format that cannot make the
// checks asked for is rejected here, before any key is tried.
func (s *openerSet) opener(tok string) (format.Opener, tokenFormat, error) {
	f, err := s.route(tok)
	if err != nil {
		return nil, f, err
	}
	if err := s.demands.Unprovable(f); err != nil {
		leave := "--purpose, --at and --max-ttl"
		switch {
		case f.BindsPurpose():
			leave = "--at and --max-ttl"
		case f.CarriesExpiry():
			leave = "--purpose"
		}
		return nil, f, withHint(err, "to accept %s, which cannot prove what was asked, leave out %s (and give --format %s to accept nothing else)", aOf(noun(f)), leave, f.Name())
	}
	if op := s.openers[f]; op != nil {
		return op, f, nil
	}
	err = format.Reject(token.ErrInvalid, format.StageKey, "the input is %s, and %v", aOf(f.Title()), s.errs[f])
	if errors.Is(s.errs[f], format.ErrTooManyKeys) {
		err = withHint(err, "%s", tooManyKeysHint)
	} else if f == ktorFmt {
		err = withHint(err, "import the Ktor service's keys: 'sesstool keys import --alg ktor-hmac-sha256' (signed cookies) or '--alg ktor-encrypt' (encrypted ones)")
	}
	if im, ok := f.(format.Importer); ok && errors.Is(s.errs[f], format.ErrNoKeys) {
		as := im.Algorithms()
		alt := ""
		if len(as) > 1 {
			alt = " (or --alg " + strings.Join(names(as[1:]), ", ") + ")"
		}
		err = withHint(err, "import the key its service uses, from stdin: 'sesstool keys import --alg %s'%s; see 'sesstool keys import --help'", as[0], alt)
	}
	return nil, f, err
}

// route returns the format tok goes to.
func (s *openerSet) route(tok string) (tokenFormat, error) {
	if f := s.o.format; f != nil {
		if d := formats.Detect(tok); d != nil && d != f {
			return d, withHint(format.Reject(token.ErrInvalid, format.StageEncoding, "the input is %s, not %s (--format %s)", aOf(noun(d)), aOf(noun(f)), f.Name()),
				"leave out --format to accept every known format")
		}
		if s.o.keyID != 0 && f != ktorFmt {
			return f, &usageError{err: fmt.Errorf("--key chooses among Ktor keys, and --format %s names its own key", f.Name())}
		}
		return f, nil
	}
	f := formats.Detect(tok)
	if f == nil {
		if !format.IsBase64URL(tok) {
			// Not native either: the native opener's base64 errors would
			// only confuse.
			err := error(format.Reject(token.ErrInvalid, format.StageEncoding, "the input is not a token of a known format (%s)", formats.Titles()))
			if strings.Contains(tok, "/") {
				err = withHint(err, "a Ktor cookie is session/tag or iv/ciphertext:tag, its tag lowercase hex of 64, 96 or 128 characters, usually URI-encoded")
			}
			return nil, err
		}
		f = nativeFmt
	}
	if s.o.keyID != 0 && f != ktorFmt {
		return f, &usageError{err: fmt.Errorf("--key chooses among Ktor keys, and the input is %s, which names its own key", aOf(noun(f)))}
	}
	return f, nil
}

// explained is an opener whose rejections explain turns into the command
// line's words.
type explained struct {
	format.Opener
	o       openOptions
	demands format.Demands // o.demands.lib(), made once
}

func (e explained) Open(tok string) (opened, error) {
	res, err := e.Opener.Open(tok)
	if err == nil {
		// A format may carry an expiry in some tokens only (a JWT
		// without "exp"): one without cannot pass --at or --max-ttl.
		if err = e.demands.Unproven(res); err != nil {
			return opened{}, err
		}
	}
	return res, e.o.explain(tok, err)
}

// openCookie opens the value of cookie name: with the name, for a format
// that binds it (format.CookieOpener), and as a bare token otherwise.
func (e explained) openCookie(name, value string) (opened, error) {
	co, ok := e.Opener.(format.CookieOpener)
	if !ok || name == "" {
		return e.Open(value)
	}
	res, err := co.OpenCookie(name, value)
	if err == nil {
		if err = e.demands.Unproven(res); err != nil {
			return opened{}, err
		}
	}
	return res, e.o.explain(value, err)
}

// rewrap re-mints tok with op's format, when the format can.
func (e explained) rewrap(tok string) (string, opened, bool, error) {
	rw, ok := e.Opener.(format.Rewrapper)
	if !ok {
		return "", opened{}, false, nil
	}
	out, res, err := rw.Rewrap(tok)
	return out, res, true, e.o.explain(tok, err)
}

func (s *openerSet) open(tok string) (opened, error) {
	op, _, err := s.opener(tok)
	if err != nil {
		return opened{}, err
	}
	return op.Open(tok)
}

// openCookie is open for the value of a cookie called name ("" for a bare
// token): formats that bind the cookie's name verify it.
func (s *openerSet) openCookie(name, value string) (opened, error) {
	op, _, err := s.opener(value)
	if err != nil {
		return opened{}, err
	}
	return op.(explained).openCookie(name, value)
}

// tooManyKeysHint is the hint for a ring with more keys of one foreign
// algorithm than a token is tried under.
var tooManyKeysHint = fmt.Sprintf("destroy the keys of this kind that no live token needs ('sesstool keys destroy ID'; 'sesstool keys list' shows them: retired keys still verify, so they count), so that at most %d remain", format.MaxKeyTrial)

// explain turns the library's typed rejections into the command line's
// words: the limits it names are flags, and some rejections have a hint.
// It reads the error's fields, never its text.
func (o openOptions) explain(tok string, err error) error {
	e, ok := errors.AsType[*format.Error](err)
	if !ok {
		if te, ok := errors.AsType[*format.KeyTrialError](err); ok && te.Algorithm.Family() != keyring.FamilyKtor {
			// Another framework's format: its tokens are rejected, the
			// ring's other formats still open.
			return withHint(format.Reject(token.ErrInvalid, format.StageKey, "%v", te), "%s", tooManyKeysHint)
		}
		if te, ok := errors.AsType[*format.KeyTrialError](err); ok {
			return &usageError{err: fmt.Errorf("the keyring holds %d %s keys: a Ktor cookie names no key, and sesstool tries at most %d", te.Keys, te.Algorithm, te.Max),
				hint: "choose the key with --key ID ('sesstool keys list' shows them), or retire and prune old Ktor keys"}
		}
		return err
	}
	switch {
	case e.Stage == format.StageSize && e.Format == nativeFmt:
		limit := cmpOr(o.maxTokenSize, token.DefaultMaxTokenSize)
		switch {
		case len(tok) <= limit || limit >= tokenSizeMax: // empty, or past any limit
		case len(tok) > token.DefaultMaxTokenSize:
			return withHint(err, "a token longer than %d characters does not fit a cookie; if this one is not a cookie, --max-token-size %d or more (at most %d) reads it",
				token.DefaultMaxTokenSize, len(tok), tokenSizeMax)
		default:
			return withHint(err, "--max-token-size %d or more reads it (the default is %d)", len(tok), token.DefaultMaxTokenSize)
		}
	case e.Lifetime > 0:
		ne := *e
		ne.Reason = fmt.Sprintf("the token's lifetime, %v, is longer than --max-ttl %v", e.Lifetime, e.MaxTTL)
		return withHint(&ne, "if tokens are minted that long on purpose (mint --max-ttl), open them with --max-ttl %v or more", e.Lifetime)
	case e.Format == ktorFmt && e.Stage == format.StageKey && o.keyID != 0:
		ne := *e
		ne.Reason = fmt.Sprintf("%s, which --key %s (%s) cannot open", e.Subject, e.KeyID, e.Algorithm)
		return withHint(&ne, "a signed cookie needs a ktor-hmac-* key whose hash has the tag's length; an encrypted one a ktor-encrypt key")
	case e.Format == ktorFmt && e.Stage == format.StageKey:
		return withHint(err, "import the Ktor service's key with 'sesstool keys import --alg %s'", e.Algorithm)
	case e.Format == ktorFmt && e.Stage == format.StageAuthentication:
		return withHint(err, "a Ktor cookie opens only under the key and layout that wrote it: check the imported keys and, for ktor-encrypt, --ktor-layout (2 for Ktor before 3.0, both to accept either)")
	}
	return err
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}
