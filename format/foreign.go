package format

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// An Importer is a Format whose keys come from another framework's
// configuration ("sesstool keys import --alg"): Fernet, JWT, Rails, …
type Importer interface {
	Format
	// Algorithms returns the keyring algorithms of the format's keys
	// (of family keyring.FamilyForeign).
	Algorithms() []keyring.Algorithm
	// ParseKey reads a key of algorithm alg as the other framework's
	// configuration holds it (the text that "keys import" reads on stdin:
	// see TextSecret and HexSecrets) and checks its options. Its errors
	// wrap ErrKeyInput, or keyring.ErrOption for an option, and never
	// quote input.
	ParseKey(alg keyring.Algorithm, input []byte, opts keyring.Options) (keyring.Material, error)
}

// ErrKeyInput is wrapped by the errors of Importer.ParseKey for key
// material that is not what the format's configuration holds.
var ErrKeyInput = errors.New("invalid key material")

// Importer returns the format whose keys have algorithm alg, or nil.
func (r *Registry) Importer(alg keyring.Algorithm) Importer {
	for _, f := range r.formats {
		if im, ok := f.(Importer); ok && slices.Contains(im.Algorithms(), alg) {
			return im
		}
	}
	return nil
}

// A Detail is one thing a token of a foreign format shows or holds, for
// people: a JWT's header, a PASETO footer, an iron password ID, a Rails
// purpose. Peek's details are NOT verified; Opened's are.
type Detail struct {
	Label string // lowercase, a few words: "header", "footer", "password id"
	Value string // as the token holds it, printable
}

// TextSecret returns a text secret (a Flask SECRET_KEY, a JWT secret, a
// Rails secret_key_base, …) as its bytes: input with one trailing newline
// ("\n" or "\r\n") dropped, as "keys import" reads it on stdin. It must be
// valid UTF-8 and not empty. The result is a copy.
func TextSecret(input []byte) ([]byte, error) {
	s := input
	if bytes.HasSuffix(s, []byte("\r\n")) {
		s = s[:len(s)-2]
	} else if bytes.HasSuffix(s, []byte("\n")) {
		s = s[:len(s)-1]
	}
	switch {
	case len(s) == 0:
		return nil, fmt.Errorf("%w: the secret is empty", ErrKeyInput)
	case !utf8.Valid(s):
		return nil, fmt.Errorf("%w: the secret is text, and the input is not valid UTF-8", ErrKeyInput)
	}
	return bytes.Clone(s), nil
}

// HexSecrets reads between min and max words of hexadecimal digits,
// separated by white space (the byte keys of Branca, PASETO, securecookie,
// …), and returns their bytes. what names each word, for errors ("the hash
// key", "the block key"). Errors never quote the input.
func HexSecrets(input []byte, what ...string) ([][]byte, error) {
	return hexSecrets(input, len(what), what)
}

// HexSecretsOptional is HexSecrets where only the first min words are
// required.
func HexSecretsOptional(input []byte, min int, what ...string) ([][]byte, error) {
	return hexSecrets(input, min, what)
}

func hexSecrets(input []byte, min int, what []string) ([][]byte, error) {
	fields := bytes.Fields(input)
	switch {
	case len(fields) == 0:
		return nil, fmt.Errorf("%w: the input is empty", ErrKeyInput)
	case len(fields) < min || len(fields) > len(what):
		return nil, fmt.Errorf("%w: the input has %d words; it is %s, in hexadecimal, separated by white space", ErrKeyInput, len(fields), wordsOf(min, what))
	}
	out := make([][]byte, len(fields))
	for i, f := range fields {
		b := make([]byte, hex.DecodedLen(len(f)))
		if _, err := hex.Decode(b, f); err != nil || len(f)%2 != 0 {
			for _, o := range out {
				clear(o)
			}
			clear(b)
			return nil, fmt.Errorf("%w: %s is not an even number of hexadecimal digits", ErrKeyInput, what[i])
		}
		out[i] = b
	}
	return out, nil
}

func wordsOf(min int, what []string) string {
	s := strings.Join(what[:min], " then ")
	if len(what) > min {
		s += ", optionally followed by " + strings.Join(what[min:], " then ")
	}
	return s
}

// SecondsOption returns option name of o as a duration of whole seconds
// (max-age=SECONDS), or def when o does not have it. A value that is not a
// positive integer is an error wrapping keyring.ErrOption.
func SecondsOption(o keyring.Options, name string, def time.Duration) (time.Duration, error) {
	v, ok := o.Get(name)
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return 0, fmt.Errorf("%w: %s is a number of seconds, a positive integer", keyring.ErrOption, name)
	}
	return time.Duration(n) * time.Second, nil
}

// ChoiceOption returns option name of o, which must be one of choices, or
// def when o does not have it. Other values are an error wrapping
// keyring.ErrOption.
func ChoiceOption(o keyring.Options, name, def string, choices ...string) (string, error) {
	v, ok := o.Get(name)
	if !ok {
		return def, nil
	}
	if !slices.Contains(choices, v) {
		return "", fmt.Errorf("%w: %s is one of %s", keyring.ErrOption, name, strings.Join(choices, ", "))
	}
	return v, nil
}

// MaxKeyTrial is the most keys of one algorithm that opening a token that
// names no key tries (MultiFernet, rotated secrets, several iron
// passwords): beyond it, opening fails with a *KeyTrialError, so that one
// token cannot cost unbounded work.
const MaxKeyTrial = 8

// TrialKeys returns r's keys of algorithm alg that verify, newest first:
// the keys to try on a token of a format whose tokens name no key. More
// than MaxKeyTrial is a *KeyTrialError, which the format's Opener then
// returns from Open (see tooManyKeys), so that a ring's other formats
// still open.
func TrialKeys(r *keyring.Ring, alg keyring.Algorithm) ([]keyring.Key, error) {
	var ks []keyring.Key
	for k := range r.Keys() {
		if k.Algorithm == alg && k.State.Verifies() {
			ks = append(ks, k)
		}
	}
	slices.Reverse(ks)
	if len(ks) > MaxKeyTrial {
		return nil, &KeyTrialError{Algorithm: alg, Keys: len(ks), Max: MaxKeyTrial}
	}
	return ks, nil
}

// openerKeys begins the NewOpener of a format whose tokens name no key: it
// returns r's keys of alg to try (TrialKeys); or, when there are more than
// MaxKeyTrial, the Opener to return, which rejects every token with the
// *KeyTrialError; or ErrNoKeys when there are none.
func openerKeys(r *keyring.Ring, alg keyring.Algorithm) ([]keyring.Key, Opener, error) {
	ks, err := TrialKeys(r, alg)
	if te, ok := errors.AsType[*KeyTrialError](err); ok {
		return nil, tooManyKeys{te}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if len(ks) == 0 {
		return nil, nil, ErrNoKeys
	}
	return ks, nil, nil
}

// tooManyKeys is the Opener of a format whose ring holds more keys of one
// algorithm than MaxKeyTrial: every Open fails with the *KeyTrialError,
// which says how many keys there are and what the bound is.
type tooManyKeys struct{ err *KeyTrialError }

func (t tooManyKeys) Open(string) (Opened, error) { return Opened{}, t.err }

// OpenCookie fails as Open does.
func (t tooManyKeys) OpenCookie(string, string) (Opened, error) { return Opened{}, t.err }

// Rejection returns an *Error of format f: kind is token.ErrInvalid,
// token.ErrExpired or token.ErrNotYetValid; id is the key that rejected the
// token, or 0. For the formats' own files, and for formats defined outside
// this package.
func Rejection(f Format, kind error, stage Stage, id keyring.ID, format string, args ...any) *Error {
	return reject(f, kind, stage, id, format, args...)
}

// CheckTimes applies o's clock to a token's times, the same way for every
// format: a token is expired at exp + Leeway and not yet valid before
// nbf - Leeway (zero times are not checked), and one issued more than
// Leeway in the future is rejected as not yet valid. When o.ForeignMaxTTL is
// set, a token whose exp - iat exceeds it is rejected at StageEnvelope, and
// one without both times cannot be checked: it is rejected too.
func CheckTimes(f Format, o Options, id keyring.ID, iat, exp, nbf time.Time) error {
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	switch {
	case !exp.IsZero() && !now.Before(exp.Add(o.Leeway)):
		return reject(f, token.ErrExpired, StageValidity, id, "expired at %s", exp.UTC().Format(time.RFC3339))
	case !nbf.IsZero() && now.Before(nbf.Add(-o.Leeway)):
		return reject(f, token.ErrNotYetValid, StageValidity, id, "not valid before %s", nbf.UTC().Format(time.RFC3339))
	case !iat.IsZero() && now.Before(iat.Add(-o.Leeway)):
		return reject(f, token.ErrNotYetValid, StageValidity, id, "issued in the future, at %s", iat.UTC().Format(time.RFC3339))
	}
	if max := o.ForeignMaxTTL; max > 0 {
		if exp.IsZero() || iat.IsZero() {
			return reject(f, token.ErrInvalid, StageEnvelope, id, "the token does not carry both an issue and an expiry time, so its lifetime cannot be checked against the maximum of %v", max)
		}
		if life := exp.Sub(iat); life > max {
			e := reject(f, token.ErrInvalid, StageEnvelope, id, "the token lives %v, longer than the maximum of %v", life, max)
			e.Lifetime, e.MaxTTL = life, max
			return e
		}
	}
	return nil
}

// OpenCookie opens the value of the cookie called name with op: with the
// name for a format that binds it (a CookieOpener), as a bare token
// otherwise. For session.Legacy's Open, and any program that reads
// cookies.
func OpenCookie(op Opener, name, value string) (Opened, error) {
	if co, ok := op.(CookieOpener); ok {
		return co.OpenCookie(name, value)
	}
	return op.Open(value)
}
