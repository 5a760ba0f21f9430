// Package format is the registry of token formats that sesstool reads:
// its own format v1 (package token), Ktor's session cookies (package
// ktor), and other frameworks' tokens and cookies (PASETO, JWT, Fernet,
// Rails, Flask, …). The command line, the session layer and programs share it to
// detect a token's format, peek at it without a key, and open, verify,
// mint or rewrap it under a keyring with one call.
//
// A format is a value implementing [Format]; [Default] returns the
// registry of the formats this module knows, and [NewRegistry] builds one
// from any list. Adding a format is one file with a type that implements
// Format and a line in Default.
//
// Every rejection of a token is a [*Error], whatever the format: its Stage
// and Kind say where and why, for errors.As and errors.Is, so that no
// caller reads them out of the message.
//
// Some formats cannot prove what a caller may ask: a Ktor cookie binds no
// purpose and carries no expiry. [Demands] holds the rule that rejects such
// a token when a check it cannot pass is asked for.
package format

import (
	"errors"
	"strings"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// A Format is one kind of token. Its methods must be safe for concurrent
// use.
type Format interface {
	// Name is the format's stable name, for machines ("sesstool-v1").
	Name() string
	// Title is the format's name for people ("sesstool v1").
	Title() string
	// Detect reports whether tok has this format's syntax. It reads no key
	// and proves nothing: it only routes the token.
	Detect(tok string) bool
	// Peek reads what the token shows without a key. NOTHING IN IT IS
	// VERIFIED: use it to show a token to a person, never to decide
	// access.
	Peek(tok string) Peek
	// NewOpener returns an Opener that verifies tokens of this format
	// under r's keys, or an error wrapping ErrNoKeys when r holds no key
	// for this format.
	NewOpener(r *keyring.Ring, o Options) (Opener, error)
	// BindsPurpose reports whether the format authenticates a purpose, so
	// that a token that opens for purpose P was minted for P.
	BindsPurpose() bool
	// CarriesExpiry reports whether the format authenticates an expiry.
	CarriesExpiry() bool
}

// An Opener verifies tokens of one format. It is safe for concurrent use.
// Some Openers also implement [Minter] and [Rewrapper].
type Opener interface {
	// Open verifies tok and decodes its payload as Options ask. Its
	// rejections are *Error values.
	Open(tok string) (Opened, error)
}

// A CookieOpener is an Opener of a format that binds a cookie's name
// (Rails cookies, gorilla/securecookie): a value verifies only under the
// name it was set with. Open, without a name, rejects such a value, and
// says to give the name.
type CookieOpener interface {
	OpenCookie(name, value string) (Opened, error)
}

// A Minter is an Opener that can also mint. payload is a JSON value; the
// Minter encodes it with its codec or serializer.
type Minter interface {
	Mint(payload []byte, v token.Validity) (string, Opened, error)
}

// A Rewrapper is an Opener that can re-mint a valid token under the
// primary key, keeping its payload and validity.
type Rewrapper interface {
	Rewrap(tok string) (string, Opened, error)
}

// ErrNoKeys is wrapped by NewOpener when a ring holds no key for a format.
var ErrNoKeys = errors.New("the keyring holds no key for this format")

// Options configure an Opener. The zero value opens with purpose "", JSON
// payloads and the token package's limits.
type Options struct {
	// Purpose is the purpose native tokens are opened for.
	Purpose string
	// Codec names how a native payload is decoded: "json" (the default),
	// "cbor", or "auto" (JSON, then CBOR; a payload that is neither is
	// returned undecoded rather than rejected).
	Codec string
	// ValidateOnly checks that the payload decodes without rendering it
	// as JSON: Opened.JSON stays nil.
	ValidateOnly bool
	// MaxTTL, Leeway, MaxTokenSize and Now are token.Options' fields.
	MaxTTL       time.Duration
	Leeway       time.Duration
	MaxTokenSize int
	Now          func() time.Time
	// ForeignMaxTTL, when not zero, is the longest lifetime (expiry −
	// issue time) a token of a foreign format may have; such a token that
	// carries no expiry or no issue time is then rejected, since its
	// lifetime cannot be checked. Zero means only the format's own limits
	// (its max-age option), since foreign tokens commonly live longer than
	// MaxTTL's default.
	ForeignMaxTTL time.Duration
	// KeyID, when not zero, is the one Ktor key to open with: a Ktor
	// cookie names no key.
	KeyID keyring.ID
	// KtorSerializer is the session serializer of minted Ktor cookies;
	// nil means ktor.KotlinxJSON. With KtorRaw the payload given to Mint
	// is the session text itself.
	KtorSerializer codec.Codec
	KtorRaw        bool
	// KtorIV, when not nil, fills the IV of each Ktor cookie that Mint
	// encrypts (see ktor.EncryptOptions.IV). Only tests set it: a fixed IV
	// breaks CBC's confidentiality.
	KtorIV func(iv []byte)
	// CookieName is the cookie's name that Mint binds a value to, for
	// formats that authenticate it (gorilla/securecookie).
	CookieName string
}

// Opened describes a verified token.
type Opened struct {
	Format    Format
	Key       keyring.Key // the key that verified it
	IssuedAt  time.Time   // zero for a format that carries none
	ExpiresAt time.Time   // zero for a format that carries none
	NotBefore time.Time   // zero when the token has none
	Rewrap    bool        // verified by a key other than the primary
	Payload   []byte      // as stored in the token
	JSON      []byte      // the payload rendered as compact JSON; it may share Payload's bytes
	Codec     string      // the codec or serializer that decoded the payload
	Ktor      *KtorOpened // Ktor cookies only
	// Details are what a foreign format's token holds besides its payload
	// (a JWT's header, a PASETO footer, a Rails purpose), verified.
	Details []Detail
}

// Peek is what a token shows without a key. Nothing in it is verified.
type Peek struct {
	Format Format
	Length int    // characters
	Err    *Error // the token is malformed; the other fields may be empty
	// Sesstool tokens.
	Version          int
	KeyID            keyring.ID
	Size             int // bytes after base64url decoding
	Algorithm        keyring.Algorithm
	AlgorithmGuessed bool // Algorithm is read off the layout
	IssuedAt         time.Time
	ExpiresAt        time.Time
	NotBefore        time.Time
	// Sealed: the payload is encrypted.
	Sealed       bool
	Payload      []byte // as JSON, when readable
	PayloadCodec string
	// Ktor session cookies.
	Layout        string // KtorSigned, KtorEncrypted or KtorEncryptedSigned
	Hash          string // HmacSHA256…, from the tag's length
	Tag           string
	IV            string
	CiphertextLen int
	EncryptedTag  string  // the Encrypt tag inside a signed cookie
	SessionText   *string // the session text of a signed cookie
	// Foreign formats: what the token shows besides the fields above (a
	// JWT's header, a PASETO footer, an iron password ID), NOT verified.
	Details []Detail
}

// Registry is an ordered list of formats: detection tries them in order.
type Registry struct {
	formats []Format
}

// NewRegistry returns a registry of fs, in the order detection tries them.
func NewRegistry(fs ...Format) *Registry {
	return &Registry{formats: append([]Format(nil), fs...)}
}

// Default returns a registry of the formats this module knows: sesstool
// v1, Ktor session cookies, then other frameworks' tokens and cookies, in
// the order detection tries them (each detection is strict: no two
// formats claim one input; FuzzDetectPeek checks it).
func Default() *Registry {
	return NewRegistry(Native(), Ktor(), PasetoV4Local(), PasetoV4Public(), JWE(), ItsDangerous(), JWT(), Fernet(),
		SecureCookie(), Branca(), Iron(), Express(), Rails())
}

// Formats returns the formats, in order.
func (r *Registry) Formats() []Format { return append([]Format(nil), r.formats...) }

// Detect returns the first format whose syntax tok has, or nil.
func (r *Registry) Detect(tok string) Format {
	for _, f := range r.formats {
		if f.Detect(tok) {
			return f
		}
	}
	return nil
}

// ByName returns the format called name, or nil.
func (r *Registry) ByName(name string) Format {
	for _, f := range r.formats {
		if f.Name() == name {
			return f
		}
	}
	return nil
}

// Titles returns the formats' titles, joined with ", ".
func (r *Registry) Titles() string {
	names := make([]string, len(r.formats))
	for i, f := range r.formats {
		names[i] = f.Title()
	}
	return strings.Join(names, ", ")
}

// Peek detects tok's format and peeks at it. ok is false when no format
// has tok's syntax.
func (r *Registry) Peek(tok string) (p Peek, ok bool) {
	f := r.Detect(tok)
	if f == nil {
		return Peek{Length: len(tok)}, false
	}
	return f.Peek(tok), true
}

// Demands are checks a caller asks for that only some formats can make: a
// purpose needs a format that binds one, an expiry check (a time to open
// at, a maximum lifetime) one that carries an expiry. A token whose format
// cannot make a check asked for is rejected, whatever its authenticity, so
// that "opens for purpose P" always means "minted for P". Accepting such a
// format is the explicit choice of not asking.
type Demands struct {
	// Purpose, when not empty, names the purpose check in messages, such
	// as `purpose "login"`.
	Purpose string
	// Expiry, when not empty, names the expiry check in messages.
	Expiry string
}

// Unprovable returns the rejection, at StageFormat, of a token of format
// f when f cannot make a check d asks for, or nil.
func (d Demands) Unprovable(f Format) error {
	switch {
	case d.Purpose != "" && !f.BindsPurpose():
		return reject(f, token.ErrInvalid, StageFormat, 0, "the input is %s, which binds no purpose: it cannot prove it was minted for %s", aOf(f.Title()), d.Purpose)
	case d.Expiry != "" && !f.CarriesExpiry():
		return reject(f, token.ErrInvalid, StageFormat, 0, "the input is %s, which carries no expiry: %s cannot be checked", aOf(f.Title()), d.Expiry)
	}
	return nil
}

// Unproven returns the rejection, at StageFormat, of an opened token that
// does not carry what d asks for, or nil: a format may carry an expiry in
// some of its tokens only (a JWT without "exp", a PASETO token without
// "exp"), and a token that carries none cannot be proven unexpired at a
// time.
func (d Demands) Unproven(res Opened) error {
	if d.Expiry != "" && res.ExpiresAt.IsZero() {
		return reject(res.Format, token.ErrInvalid, StageFormat, res.Key.ID, "the %s carries no expiry: %s cannot be checked", res.Format.Title(), d.Expiry)
	}
	return nil
}

// aOf returns s with its indefinite article, "a" or "an", for messages
// that name a format ("an Express signed cookie", "a JWT").
func aOf(s string) string {
	if s != "" && strings.ContainsRune("aeiouAEIOU", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}
