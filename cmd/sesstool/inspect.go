package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/token"
)

// report is what inspect shows about one token. Without a keyring nothing
// in it is verified, and the output says so.
type report struct {
	Cookie           string          `json:"cookie,omitempty"`
	Format           string          `json:"format"`
	Verified         bool            `json:"verified"`
	Status           string          `json:"status"` // not-verified, verified, rejected, malformed, unknown-format
	Keyring          string          `json:"keyring,omitempty"`
	Purpose          *string         `json:"purpose,omitempty"`
	Version          int             `json:"version,omitempty"`
	KeyID            string          `json:"keyId,omitempty"`
	KeyState         string          `json:"keyState,omitempty"`
	Algorithm        string          `json:"algorithm,omitempty"`
	AlgorithmGuessed bool            `json:"algorithmGuessed,omitempty"`
	Length           int             `json:"length"`
	Size             int             `json:"size,omitempty"`
	Issued           string          `json:"issued,omitempty"`
	Expires          string          `json:"expires,omitempty"`
	NotBefore        string          `json:"notBefore,omitempty"`
	Rewrap           bool            `json:"rewrap,omitempty"`
	Sealed           bool            `json:"sealed,omitempty"` // the payload is encrypted
	PayloadCodec     string          `json:"payloadCodec,omitempty"`
	Payload          json.RawMessage `json:"payload,omitempty"`
	Reason           string          `json:"reason,omitempty"`
	Error            string          `json:"error,omitempty"`

	// Ktor session cookies only (ktorformat.go).
	Layout        string  `json:"layout,omitempty"`           // signed, encrypted, encrypted+signed; once verified e.g. encrypted-3.x
	Hash          string  `json:"hash,omitempty"`             // HmacSHA256…, from the tag's length
	Tag           string  `json:"tag,omitempty"`              // the outer tag, hex
	IV            string  `json:"iv,omitempty"`               // hex
	CiphertextLen int     `json:"ciphertextLength,omitempty"` // bytes
	EncryptedTag  string  `json:"encryptedTag,omitempty"`     // the Encrypt tag inside a signed cookie
	OuterKeyID    string  `json:"outerKeyId,omitempty"`       // the MessageAuthentication key of encrypted+signed
	SessionText   *string `json:"sessionText,omitempty"`      // the session as the transformers return it
	Warning       string  `json:"warning,omitempty"`

	// Other frameworks' formats: what the token shows or holds besides
	// the fields above (a JWT header, a PASETO footer, a Rails purpose).
	Details []detailJSON `json:"details,omitempty"`

	Title   string    `json:"-"` // the format's name for people
	expires time.Time // for "in 59m" / "3h ago"
}

func newInspectCmd(a *app) *cobra.Command {
	f := &openFlags{}
	cmd := &cobra.Command{
		Use:   "inspect [TOKEN | COOKIE | -]",
		Short: "Show what a token holds, verified only with --keyring",
		Long: `Inspect detects a token's format and shows what can be read from it: format
version, key ID, algorithm where known, issue and expiry times and the
payload where readable (pretty JSON; CBOR is shown as JSON).

Without --keyring nothing is verified, and the report says so: anyone can
forge a token's clear-text fields. The payload of a token sealed by an AEAD
key (the default) is encrypted and unreadable without the keyring; a token
sealed by an HMAC key shows its times and payload, unverified. With
--keyring, inspect verifies and decrypts the token, and reports
"verified" or why it was rejected (exit code 1). $SESSTOOL_KEYRING is not
consulted: inspect needs no key unless you give one.

The input may be a bare token, a "name=value" pair, or a whole "Cookie:"
or "Set-Cookie:" line as copied from a browser's developer tools; every
cookie of a Cookie line is inspected, or only the one named by --cookie.

A Ktor session cookie (raw or URI-encoded) shows its layout: signed
(MessageAuthentication), encrypted (Encrypt, whose Ktor 3.x and pre-3.0
layouts look alike until a key verifies one), or encrypted then signed;
the hash its tag's length implies, the tag, the IV and ciphertext length,
and for a signed cookie the session text, decoded from kotlinx JSON or the
reflection format into JSON, all NOT VERIFIED. With --keyring, inspect
verifies or decrypts it with the keyring's Ktor keys (or --key ID), names
the key and the layout that verified, and warns when that layout is weak:
Ktor 3.x's Encrypt layout alone leaves the IV unauthenticated (docs/ktor-format.md §3.3),
so sign encrypted cookies too. A Ktor cookie carries no expiry and binds
no purpose: with --keyring and --purpose, --at or --max-ttl it is reported
rejected, as open and verify reject it.

Formats known to this build: sesstool v1; Ktor session cookies; PASETO v4
(local and public); JWT (HS256/384/512) and JWE (dir + A256GCM); Fernet;
Branca; itsdangerous and Flask session cookies; Express (cookie-signature,
j: cookies, express-session IDs); gorilla/securecookie values (give the
cookie as name=value or a Cookie: header: the name is authenticated);
@hapi/iron seals; Rails messages and cookies (signed and encrypted).
docs/formats.md describes each; other frameworks' keys come in with
"sesstool keys import --alg FORMAT".`,
		Example: `  sesstool inspect "$TOKEN"
  sesstool inspect 'Cookie: theme=dark; session=AQ…'
  sesstool inspect --keyring prod.json --purpose login --cookie session < cookie.txt
  sesstool inspect --json "$TOKEN" | jq .expires
  sesstool inspect 'Set-Cookie: user_session=0011…%2F9b8c…%3A40af…; Path=/; HttpOnly'
  sesstool inspect --keyring k.json --cookie user_session < cookie-header.txt`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.inspect(cmd, args, f)
		},
	}
	addValidityFlags(cmd, f)
	addFormatFlag(cmd, f)
	cmd.Flags().StringVar(&f.cookie, "cookie", "", "inspect only the cookie called `NAME`")
	a.addKtorKeyFlag(cmd, &f.key, "Ktor cookies, with --keyring: verify with the Ktor key `ID` only (by default each Ktor key of the matching kind is tried)")
	cmd.Flags().BoolVar(&f.json, "json", false, "print one JSON object per token")
	return cmd
}

func (a *app) inspect(cmd *cobra.Command, args []string, f *openFlags) error {
	if err := f.check(cmd, args); err != nil {
		return err
	}
	if a.keyringFlag == "" {
		for _, name := range []string{"purpose", "leeway", "max-ttl", "max-token-size", "key"} {
			if cmd.Flags().Changed(name) {
				fmt.Fprintf(a.stderr, "sesstool: warning: --%s has no effect without --keyring: nothing is verified\n", name)
			}
		}
	}
	ref := f.options().now()
	var set *openerSet
	var ring keyringRef
	if a.keyringFlag != "" {
		ring = keyringRef{path: a.keyringFlag, source: "--keyring"}
		r, err := a.loadRing(ring)
		if err != nil {
			return err
		}
		o := f.options()
		o.codec = "auto"
		if set, err = newOpenerSet(r, o); err != nil {
			return err
		}
	}
	input, err := a.readTokenInput(cmd, args)
	if err != nil {
		if f.json && exitCode(err) == exitRejected {
			// --json prints one object per token, and one for an input
			// that holds none (binary data, too long).
			reason, _, _ := rejectInfo(err)
			if werr := writeJSON(a.stdout, report{Format: "unknown", Status: "malformed", Reason: reason, Error: err.Error()}); werr != nil {
				return werr
			}
		}
		return err
	}
	cs, err := splitCookies(cmd, input, f.cookie)
	if err != nil {
		return err
	}
	var firstErr error
	known := 0
	for i, c := range cs {
		rep, err := inspectOne(c, set, ring.path, f.purpose, ref)
		if rep.Status != "unknown-format" {
			known++
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if f.json {
			if err := writeJSON(a.stdout, rep); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		if err := rep.render(a.stdout, ref); err != nil {
			return err
		}
	}
	if firstErr != nil {
		return rejectionHint(firstErr, f)
	}
	if known == 0 {
		what := "the input is not a token"
		if len(cs) > 1 || cs[0].Name != "" {
			what = "no cookie in the input holds a token"
		}
		return format.Reject(token.ErrInvalid, format.StageEncoding, "%s of a known format (%s)", what, knownFormats())
	}
	return nil
}

func knownFormats() string { return formats.Titles() }

// detailJSON is one format.Detail.
type detailJSON struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

func detailsJSON(ds []format.Detail) []detailJSON {
	var out []detailJSON
	for _, d := range ds {
		out = append(out, detailJSON(d))
	}
	return out
}

// peekReport is the report of what p shows without a key.
func peekReport(p format.Peek) report {
	rep := report{Format: p.Format.Name(), Title: p.Format.Title(), Length: p.Length, Size: p.Size, Algorithm: string(p.Algorithm),
		AlgorithmGuessed: p.AlgorithmGuessed, Issued: rfc3339(p.IssuedAt), Expires: rfc3339(p.ExpiresAt), NotBefore: rfc3339(p.NotBefore),
		expires: p.ExpiresAt, Sealed: p.Sealed, Payload: p.Payload, PayloadCodec: p.PayloadCodec, Layout: p.Layout, Hash: p.Hash,
		Tag: p.Tag, IV: p.IV, CiphertextLen: p.CiphertextLen, EncryptedTag: p.EncryptedTag, SessionText: p.SessionText,
		Details: detailsJSON(p.Details)}
	if p.Err != nil {
		rep.Error = p.Err.Error()
	}
	if p.Version != 0 {
		rep.Version, rep.KeyID = p.Version, p.KeyID.String()
	}
	return rep
}

// inspectOne reports on one candidate, verifying it when set is not nil. It
// returns the rejection, if any.
func inspectOne(c candidate, set *openerSet, keyringPath, purpose string, ref time.Time) (report, error) {
	p, ok := formats.Peek(c.Value)
	if !ok {
		return report{Cookie: c.Name, Format: "unknown", Status: "unknown-format", Length: len(c.Value),
			Error: "not a token of a known format (" + knownFormats() + ")"}, nil
	}
	rep := peekReport(p)
	rep.Cookie = c.Name
	if p.Err != nil {
		rep.Status = "malformed"
		return rep, p.Err
	}
	if set == nil {
		rep.Status = "not-verified"
		return rep, nil
	}
	rep.Keyring, rep.Purpose = keyringPath, &purpose
	res, err := set.openCookie(c.Name, c.Value)
	if err != nil {
		rep.Status = "rejected"
		rep.Reason, _, _ = rejectInfo(err)
		rep.Error = err.Error()
		return rep, err
	}
	rep.Status, rep.Verified = "verified", true
	rep.Algorithm, rep.AlgorithmGuessed = string(res.Key.Algorithm), false
	rep.KeyState = res.Key.State.String()
	if res.Ktor != nil {
		rep.Purpose = nil // Ktor binds no purpose
		rep.KeyID = res.Key.ID.String()
		rep.Layout = res.Ktor.Layout
		if res.Ktor.OuterKey.ID != 0 {
			rep.OuterKeyID = res.Ktor.OuterKey.ID.String()
		}
		text := string(res.Payload)
		rep.SessionText = &text
		rep.Sealed = false
		rep.Payload, rep.PayloadCodec = res.JSON, res.Codec
		switch {
		case res.Ktor.OuterKey.ID != 0: // the outer MAC covers everything
		case res.Ktor.EncLayout == ktor.Layout3:
			rep.Warning = ktorIVWarning
		case res.Ktor.EncLayout == ktor.Layout2:
			rep.Warning = ktorLayout2Warning
		}
		return rep, nil
	}
	rep.Issued, rep.Expires, rep.NotBefore = rfc3339(res.IssuedAt), rfc3339(res.ExpiresAt), rfc3339(res.NotBefore)
	rep.expires = res.ExpiresAt
	rep.Rewrap = res.Rewrap
	if _, foreign := p.Format.(format.Importer); foreign {
		rep.KeyID = res.Key.ID.String()
		if !p.Format.BindsPurpose() {
			rep.Purpose = nil
		}
		rep.Details = detailsJSON(res.Details)
	}
	rep.Sealed = false
	rep.Payload, rep.PayloadCodec = res.JSON, res.Codec
	return rep, nil
}

// render writes the report for people.
func (rep report) render(w io.Writer, ref time.Time) error {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-11s %s\n", label+":", fmt.Sprintf(format, args...))
	}
	unverified, note := "", ""
	if !rep.Verified {
		unverified, note = ", not verified", "not verified"
	}
	if rep.Cookie != "" {
		line("cookie", "%s", rep.Cookie)
	}
	switch rep.Status {
	case "unknown-format":
		line("format", "unknown: %s", rep.Error)
		line("length", "%d characters", rep.Length)
		_, err := io.WriteString(w, b.String())
		return err
	case "malformed":
		line("format", "%s", rep.Title)
		line("status", "MALFORMED: %s", rep.Error)
		_, err := io.WriteString(w, b.String())
		return err
	}
	if rep.Format == ktorFmt.Name() {
		rep.renderKtor(&b, line)
		_, err := io.WriteString(w, b.String())
		return err
	}
	if f := formats.ByName(rep.Format); f != nil {
		if _, foreign := f.(format.Importer); foreign {
			if err := rep.renderForeign(&b, line, ref); err != nil {
				return err
			}
			_, err := io.WriteString(w, b.String())
			return err
		}
	}
	line("format", "%s (version %d)", rep.Title, rep.Version)
	switch rep.Status {
	case "not-verified":
		line("status", "NOT VERIFIED (no keyring given): anyone can forge what follows")
	case "verified":
		line("status", "verified by key %s of %s, purpose %q", rep.KeyID, rep.Keyring, *rep.Purpose)
	case "rejected":
		line("status", "REJECTED: %s", rep.Error)
	}
	keyNote := ""
	switch {
	case rep.KeyState != "" && rep.Rewrap:
		keyNote = fmt.Sprintf(" (%s: not the primary key; 'sesstool rewrap' moves the token to it)", rep.KeyState)
	case rep.KeyState != "":
		keyNote = " (" + rep.KeyState + ")"
	}
	line("key id", "%s%s", rep.KeyID, keyNote)
	switch {
	case rep.Algorithm != "" && rep.AlgorithmGuessed:
		line("algorithm", "%s (guessed from the layout, not verified)", rep.Algorithm)
	case rep.Algorithm != "":
		line("algorithm", "%s", rep.Algorithm)
	default:
		line("algorithm", "not in the token: each key has its own%s", rep.keyringHint())
	}
	line("size", "%d characters, %d bytes decoded", rep.Length, rep.Size)
	if rep.Sealed || rep.Issued == "" {
		line("times", "encrypted with the payload: readable only with the keyring")
		line("payload", "encrypted: readable only with the keyring%s", rep.keyringHint())
		_, err := io.WriteString(w, b.String())
		return err
	}
	line("issued", "%s%s", rep.Issued, parenthesize(note))
	expNote := relative(rep.expires, ref)
	if !rep.expires.After(ref) {
		expNote = "expired " + expNote
	}
	line("expires", "%s (%s%s)", rep.Expires, expNote, unverified)
	if rep.NotBefore != "" {
		line("not before", "%s%s", rep.NotBefore, parenthesize(note))
	}
	if rep.Payload == nil {
		line("payload", "neither JSON nor CBOR")
	} else {
		codecNote := rep.PayloadCodec
		if rep.PayloadCodec == "cbor" {
			codecNote = "cbor, shown as JSON"
		}
		line("payload", "(%s%s)", codecNote, unverified)
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, rep.Payload, "", "  "); err != nil {
			return errors.New("failed to format the payload")
		}
		b.Write(pretty.Bytes())
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// renderForeign writes the report on a token of another framework's
// format.
func (rep report) renderForeign(b *strings.Builder, line func(label, format string, args ...any), ref time.Time) error {
	unverified, note := "", ""
	if !rep.Verified {
		unverified, note = ", not verified", "not verified"
	}
	line("format", "%s", rep.Title)
	switch rep.Status {
	case "not-verified":
		line("status", "NOT VERIFIED (no keyring given): anyone can forge what follows")
	case "verified":
		if rep.Purpose != nil {
			line("status", "verified by key %s (%s, %s) of %s, purpose %q", rep.KeyID, rep.Algorithm, rep.KeyState, rep.Keyring, *rep.Purpose)
		} else {
			line("status", "verified by key %s (%s, %s) of %s", rep.KeyID, rep.Algorithm, rep.KeyState, rep.Keyring)
		}
	case "rejected":
		line("status", "REJECTED: %s", rep.Error)
	}
	line("size", "%d characters", rep.Length)
	for _, d := range rep.Details {
		line(d.Label, "%s%s", d.Value, parenthesize(note))
	}
	if rep.Issued != "" {
		line("issued", "%s%s", rep.Issued, parenthesize(note))
	}
	if rep.Expires != "" {
		expNote := relative(rep.expires, ref)
		if !rep.expires.After(ref) {
			expNote = "expired " + expNote
		}
		line("expires", "%s (%s%s)", rep.Expires, expNote, unverified)
	}
	if rep.NotBefore != "" {
		line("not before", "%s%s", rep.NotBefore, parenthesize(note))
	}
	switch {
	case rep.Payload != nil:
		line("payload", "(%s%s)", rep.PayloadCodec, unverified)
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, rep.Payload, "", "  "); err != nil {
			return errors.New("failed to format the payload")
		}
		b.Write(pretty.Bytes())
		b.WriteByte('\n')
	case rep.Sealed:
		line("payload", "encrypted: readable only with the keyring%s", rep.keyringHint())
	default:
		line("payload", "not readable as JSON")
	}
	return nil
}

// keyringHint ends the lines that only a keyring could fill in: "give
// --keyring" when none was given, and "the keyring given rejected it" when
// one was.
func (rep report) keyringHint() string {
	if rep.Keyring != "" {
		return " (the token was rejected under " + rep.Keyring + ")"
	}
	return " (give --keyring)"
}

// parenthesize returns " (s)", or "" for an empty s.
func parenthesize(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// ktorIVWarning is the caveat of Ktor 3.x's Encrypt layout (docs/ktor-format.md §3.3),
// shown for a cookie verified under it without an outer MAC.
const ktorIVWarning = "the Ktor 3.x Encrypt layout does not authenticate the IV: whoever holds this cookie can change " +
	"the first 16 bytes of the session at will and Ktor accepts the result (docs/ktor-format.md §3.3); " +
	"sign the encrypted cookie too: in Ktor, transform(SessionTransportTransformerEncrypt(…)) then " +
	"transform(SessionTransportTransformerMessageAuthentication(…)) with an independent key"

// ktorLayout2Warning is the caveat of the pre-3.0 Encrypt layout, shown
// for a cookie verified under it.
const ktorLayout2Warning = "the pre-3.0 Encrypt layout decrypts before it authenticates, which leaves a timing channel " +
	"(MAC-then-encrypt CBC); accept it (--ktor-layout both) only while Ktor 2.x servers still write cookies"

// ktorLayouts describe the layouts for people.
var ktorLayouts = map[string]string{
	"signed":                   "signed (MessageAuthentication): the client can read the session; the tag keeps it from changing it",
	"encrypted":                "encrypted (Encrypt: AES-CBC, then HMAC); the Ktor 3.x and pre-3.0 layouts look alike: only the key tells them apart",
	"encrypted-3.x":            "encrypted, Ktor 3.x layout (the tag covers the ciphertext, not the IV)",
	"encrypted-pre-3.0":        "encrypted, pre-3.0 layout (Ktor 1.x/2.x: the tag covers the plaintext)",
	"encrypted+signed":         "encrypted, then signed (Encrypt, then MessageAuthentication): the outer tag covers the whole encrypted value",
	"encrypted-3.x+signed":     "encrypted with the Ktor 3.x layout, then signed: the outer tag covers the whole encrypted value, IV included",
	"encrypted-pre-3.0+signed": "encrypted with the pre-3.0 layout, then signed: the outer tag covers the whole encrypted value",
}

// renderKtor writes the lines of a Ktor cookie's report.
func (rep report) renderKtor(b *strings.Builder, line func(label, format string, args ...any)) {
	note := ""
	if !rep.Verified {
		note = ", not verified"
	}
	line("format", "%s", rep.Title)
	switch rep.Status {
	case "not-verified":
		line("status", "NOT VERIFIED (no keyring given): anyone can forge what follows")
	case "verified":
		line("status", "verified by %s key %s of %s", rep.Algorithm, rep.KeyID, rep.Keyring)
	case "rejected":
		line("status", "REJECTED: %s", rep.Error)
	}
	line("layout", "%s", ktorLayouts[rep.Layout])
	if rep.Verified {
		line("key id", "%s (%s, %s)", rep.KeyID, rep.Algorithm, rep.KeyState)
		if rep.OuterKeyID != "" {
			line("outer key", "%s (the MessageAuthentication key)", rep.OuterKeyID)
		}
	} else {
		line("key id", "not in the cookie: each Ktor key of the matching kind is tried%s", rep.keyringHint())
	}
	switch {
	case rep.Hash != "" && rep.Verified:
		line("hash", "%s", rep.Hash)
	case rep.Hash != "":
		line("hash", "%s (from the tag's length%s)", rep.Hash, note)
	}
	if rep.Tag != "" {
		line("tag", "%s", rep.Tag)
	}
	if rep.IV != "" {
		line("iv", "%s", rep.IV)
		if rep.CiphertextLen >= 16 {
			line("ciphertext", "%d bytes (a session of %d to %d bytes)", rep.CiphertextLen, rep.CiphertextLen-16, rep.CiphertextLen-1)
		} else {
			line("ciphertext", "%d bytes: not a whole AES block, so no key can open it", rep.CiphertextLen)
		}
	}
	if rep.EncryptedTag != "" {
		line("inner tag", "%s (the Encrypt tag)", rep.EncryptedTag)
	}
	line("size", "%d characters", rep.Length)
	line("expires", "not in the cookie: Ktor relies on the cookie's Max-Age, so a copied cookie stays valid as long as its key")
	if rep.Warning != "" {
		line("warning", "%s", rep.Warning)
	}
	switch {
	case rep.SessionText == nil:
		line("payload", "encrypted: readable only with the keyring%s", rep.keyringHint())
		return
	case rep.Payload == nil:
		line("session", "%s%s", displayText(*rep.SessionText), parenthesize(strings.TrimPrefix(note, ", ")))
		line("payload", "neither kotlinx JSON nor the reflection format")
		return
	}
	line("session", "%s%s", displayText(*rep.SessionText), parenthesize(strings.TrimPrefix(note, ", ")))
	line("payload", "(%s%s)", rep.PayloadCodec, note)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, rep.Payload, "", "  "); err != nil {
		pretty.Write(rep.Payload)
	}
	b.Write(pretty.Bytes())
	b.WriteByte('\n')
}

// displayText returns s for a terminal: as it is when it is printable
// text, else quoted with escapes, so that a forged session cannot send
// control sequences to the terminal.
func displayText(s string) string {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
