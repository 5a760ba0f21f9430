package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/token"
)

// mintFormats are the formats mint writes, by --format name: their
// openers implement format.Minter.
var mintFormats = []tokenFormat{nativeFmt, ktorFmt}

type mintFlags struct {
	purpose   string
	codec     string
	ttl       durationValue
	maxTTL    durationValue
	notBefore timeValue
	json      bool
	// maxTokenSize: --max-token-size, the longest token mint writes.
	maxTokenSize int

	format         string
	ktorSerializer string
	raw            bool
	key            string
	cookieEncoding string
	setCookie      string
}

// mintJSON is mint's --json output. A Ktor cookie has no times, but a
// layout, a serializer and a cookie encoding; token is the cookie value as
// printed (cookie-encoded).
type mintJSON struct {
	Token          string `json:"token"`
	Format         string `json:"format"`
	KeyID          string `json:"keyId"`
	Algorithm      string `json:"algorithm"`
	Issued         string `json:"issued,omitempty"`
	Expires        string `json:"expires,omitempty"`
	NotBefore      string `json:"notBefore,omitempty"`
	Layout         string `json:"layout,omitempty"`
	Serializer     string `json:"serializer,omitempty"`
	CookieEncoding string `json:"cookieEncoding,omitempty"`
	SetCookie      string `json:"setCookie,omitempty"`
}

// Ktor's serializers and cookie encodings, by flag value.
var (
	ktorSerializers = map[string]codec.Codec{
		"json":       ktor.KotlinxJSON(),
		"reflection": ktor.Reflection(),
	}
	cookieEncodings = map[string]ktor.CookieEncoding{
		"uri":        ktor.URIEncoding,
		"uri-legacy": ktor.URIEncodingLegacy,
		"base64":     ktor.Base64Encoding,
		"dquotes":    ktor.DQuotes,
		"raw":        ktor.Raw,
	}
)

// ktorMaxAge is the Max-Age of Ktor's session cookies by default
// (CookieConfiguration.maxAgeInSeconds: 7 days), used by --set-cookie.
const ktorMaxAge = 7 * 24 * time.Hour

// maxCookieSize is the longest cookie browsers are required to keep
// (RFC 6265 §6.1: name, value and attributes).
const maxCookieSize = 4096

func newMintCmd(a *app) *cobra.Command {
	f := &mintFlags{ttl: durationValue(time.Hour), maxTTL: durationValue(token.DefaultMaxTTL)}
	cmd := &cobra.Command{
		Use:   "mint [PAYLOAD | @FILE | -]",
		Short: "Mint a token (or a Ktor session cookie) holding a JSON payload",
		Long: `Mint seals a JSON payload into a new token under the keyring's primary
key, valid for --ttl, and prints the token.

The payload is, unambiguously:
  PAYLOAD   JSON text given as the argument, e.g. '{"uid":"alice"}'
  @FILE     the contents of FILE ("@-" is stdin)
  - or none stdin
It must be one JSON value with no duplicate object keys, and the token
must fit in --max-token-size characters: 4000 by default, which fits a
cookie and leaves about 2,900 bytes of compact JSON with the default suite
(a token takes 4 characters for every 3 bytes of payload and of the 50 to
86 bytes of header, nonce, times and tag, by suite). For tokens that are
not cookies the limit can be raised, up to 65536 (about 49,000 bytes of
payload); whoever opens them needs the same --max-token-size. Input over
1 MiB is refused before any work. With --codec json (the default) the
payload is stored compacted; with --codec cbor it is converted to CBOR,
which makes smaller tokens (integers must fit in 64 bits). Whoever opens
the token must use the same --codec and --purpose.

The token is bound to --purpose: it never opens for another purpose.
Without --purpose it is bound to the empty purpose, with a warning on
stderr; --purpose "" says so explicitly.

With --format ktor, mint writes a session cookie of Ktor's Sessions plugin
instead, under a Ktor key of the keyring (see "keys import"): the newest
active one, or the one chosen by --key. A ktor-hmac-* key signs the session
(MessageAuthentication); a ktor-encrypt key encrypts it (Encrypt), in the
layout of its --ktor-layout (3.x for 3 and both, pre-3.0 for 2). The JSON
payload becomes the session text as Ktor's serializer would write it:
--ktor-serializer json (kotlinx JSON, Ktor 3.x's default; object keys in
the order given, which must be the Kotlin class's declaration order) or
reflection (Ktor 1.x/2.x's; properties sorted by name, strings as #s,
integers as #i or #l, other numbers #f, booleans, null, arrays #cl and
objects as nested classes). With --raw the argument or stdin is the session
text itself, taken verbatim (no newline is trimmed: use printf, not echo),
so that the MAC transformer's output can be compared byte for byte. The
cookie value is printed encoded with --cookie-encoding (uri, Ktor's
default), or as a whole Set-Cookie line with --set-cookie NAME, rendered as
Ktor renders it (Max-Age=604800, Expires, Path=/, HttpOnly, $x-enc).

A Ktor cookie carries no expiry and binds no purpose: --ttl, --max-ttl,
--not-before, --purpose and --codec are refused with --format ktor. Ktor
relies on the cookie's Max-Age, so a copied cookie stays valid for as
long as its key.`,
		Example: `  sesstool mint --purpose login --ttl 1h '{"uid":"alice","roles":["admin"]}'
  sesstool mint --purpose login --codec cbor @session.json
  echo '{"uid":"bob"}' | sesstool mint --purpose reset --ttl 15m --json
  sesstool mint --purpose login --not-before +5m '{"uid":"carol"}'
  sesstool mint --format ktor '{"userId":"id2","cart":[]}'
  sesstool mint --format ktor --ktor-serializer reflection --set-cookie user_session @session.json
  sesstool mint --format ktor --raw 'cart=%23cl&userId=%23sid2'`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.mint(cmd, args, f)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.purpose, "purpose", "", "bind the token to `PURPOSE`, e.g. login; it opens for that purpose only")
	fs.Var(&f.ttl, "ttl", "how long the token stays valid, e.g. 15m, 1h, 7d")
	fs.Var(&f.maxTTL, "max-ttl", "the longest --ttl allowed; openers must allow at least the same")
	fs.Var(&f.notBefore, "not-before", "the token opens only from `TIME` on: RFC 3339, Unix seconds, or +duration")
	fs.BoolVar(&f.json, "json", false, "print the token with its key ID and times as one JSON object")
	addMaxTokenSize(cmd, &f.maxTokenSize, "refuse to write a token longer than `N` characters")
	addCodecFlag(cmd, &f.codec, "encode the payload as json or cbor")
	f.format, f.ktorSerializer, f.cookieEncoding = nativeFmt.Name(), "json", "uri"
	var formatNames []string
	for _, mf := range mintFormats {
		formatNames = append(formatNames, mf.Name())
	}
	addEnumFlag(cmd, &f.format, "format", formatNames, "the token `FORMAT`: "+strings.Join(formatNames, " or ")+" (a Ktor session cookie)")
	addEnumFlag(cmd, &f.ktorSerializer, "ktor-serializer", []string{"json", "reflection"},
		"--format ktor: the session serializer, json (kotlinx, Ktor 3.x) or reflection (Ktor 1.x/2.x)")
	fs.BoolVar(&f.raw, "raw", false, "--format ktor: the payload is the session text itself, taken verbatim")
	a.addKtorKeyFlag(cmd, &f.key, "--format ktor: write with the Ktor key `ID` (default: the newest active Ktor key)")
	addEnumFlag(cmd, &f.cookieEncoding, "cookie-encoding", []string{"uri", "uri-legacy", "base64", "dquotes", "raw"},
		"--format ktor: the cookie encoding: uri (Ktor ≥ 2.2, the default), uri-legacy (Ktor ≤ 2.1.2), base64, dquotes or raw")
	fs.StringVar(&f.setCookie, "set-cookie", "", "--format ktor: print a whole Set-Cookie line for the cookie `NAME`, as Ktor renders it")
	return cmd
}

// addEnumFlag adds a string flag that takes one of allowed, with
// completion. *v holds the default.
func addEnumFlag(cmd *cobra.Command, v *string, name string, allowed []string, usage string) {
	cmd.Flags().Var(&enumValue{v: v, allowed: allowed}, name, usage)
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
}

// checkFormatFlags refuses the flags that do not apply to the chosen
// format, before any work is done.
func (f *mintFlags) checkFormatFlags(cmd *cobra.Command) error {
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	if f.format != ktorFmt.Name() {
		for _, name := range []string{"ktor-serializer", "raw", "key", "cookie-encoding", "set-cookie"} {
			if changed(name) {
				return &usageError{err: fmt.Errorf("--%s applies only to --format ktor", name), cmd: cmd}
			}
		}
		return nil
	}
	for _, c := range []struct{ name, why string }{
		{"ttl", "a Ktor cookie carries no expiry (Ktor relies on the cookie's Max-Age)"},
		{"max-ttl", "a Ktor cookie carries no expiry (Ktor relies on the cookie's Max-Age)"},
		{"not-before", "a Ktor cookie carries no times"},
		{"purpose", "a Ktor cookie binds no purpose"},
		{"codec", "the session is written by Ktor's serializer: use --ktor-serializer json or reflection"},
		{"max-token-size", "a Ktor cookie is bounded only by what browsers keep (mint warns past 4096 bytes)"},
	} {
		if changed(c.name) {
			return &usageError{err: fmt.Errorf("--%s does not apply to --format ktor: %s", c.name, c.why), cmd: cmd}
		}
	}
	if f.raw && changed("ktor-serializer") {
		return &usageError{err: errors.New("--raw takes the session text as it is, so --ktor-serializer does not apply"), cmd: cmd}
	}
	if f.key != "" {
		if _, err := parseKeyID(cmd, f.key); err != nil {
			return err
		}
	}
	if f.setCookie != "" {
		if err := (&http.Cookie{Name: f.setCookie, Value: "x"}).Valid(); err != nil || strings.HasPrefix(f.setCookie, "$") {
			return usagef(cmd, "--set-cookie %q is not a valid cookie name", f.setCookie)
		}
	}
	return nil
}

// mintKtor mints a Ktor session cookie.
func (a *app) mintKtor(cmd *cobra.Command, args []string, f *mintFlags) error {
	var (
		payload []byte
		err     error
	)
	if f.raw {
		payload, err = a.readSessionText(cmd, args)
	} else {
		payload, err = a.readPayload(cmd, args)
	}
	if err != nil {
		return err
	}
	ref, err := a.resolveKeyring(a.keyringFlag)
	if err != nil {
		return err
	}
	r, err := a.loadRing(ref)
	if err != nil {
		return err
	}
	id, _ := keyring.ParseID(strings.ToLower(f.key)) // checked by checkFormatFlags
	if id != 0 {
		if err := checkKtorKey(r, id); err != nil {
			return err
		}
	}
	op, err := ktorFmt.NewOpener(r, openOptions{keyID: id, ktorSerializer: ktorSerializers[f.ktorSerializer], raw: f.raw}.lib())
	if errors.Is(err, format.ErrNoKeys) {
		return &usageError{err: errors.New("the keyring holds no Ktor key to write the cookie"),
			hint: "import the Ktor service's key with 'sesstool keys import --alg ktor-hmac-sha256' (or ktor-encrypt)"}
	}
	if err != nil {
		return err
	}
	value, res, err := op.(format.Minter).Mint(payload, token.Validity{})
	if ke, ok := errors.AsType[*ktor.Error](err); ok {
		return &usageError{err: fmt.Errorf("the payload cannot be written with the %s serializer: %s", ktorSerializers[f.ktorSerializer].Name(), ke.Reason)}
	}
	if errors.Is(err, format.ErrNoActiveKey) {
		return &usageError{err: err, hint: "import the Ktor service's key with 'sesstool keys import --alg ktor-hmac-sha256' (or ktor-encrypt)"}
	}
	if k, _ := r.Lookup(id); errors.Is(err, keyring.ErrState) {
		return fmt.Errorf("%w: --key %s is %s: only active Ktor keys write cookies", keyring.ErrState, id, k.State)
	}
	if err != nil {
		return err
	}
	enc := cookieEncodings[f.cookieEncoding]
	cookie, err := ktor.EncodeCookieValue(value, enc)
	if err != nil {
		detail := err.Error()
		if ke, ok := errors.AsType[*ktor.Error](err); ok {
			detail = ke.Detail
		}
		return &usageError{err: fmt.Errorf("the cookie value cannot be written with --cookie-encoding %s: %v", f.cookieEncoding, detail), cmd: cmd,
			hint: "use --cookie-encoding uri, Ktor's default"}
	}
	setCookie := ""
	if f.setCookie != "" {
		setCookie = renderSetCookie(f.setCookie, cookie, enc, now())
	}
	if n := len(cookie) + len(f.setCookie) + 1; n > maxCookieSize {
		fmt.Fprintf(a.stderr, "sesstool: warning: the cookie is %d bytes, more than the %d that browsers must keep: keep the session on the server\n", n, maxCookieSize)
	}
	if f.json {
		return writeJSON(a.stdout, mintJSON{
			Token: cookie, Format: res.Format.Name(), KeyID: res.Key.ID.String(), Algorithm: string(res.Key.Algorithm),
			Layout: res.Ktor.Layout, Serializer: res.Codec, CookieEncoding: f.cookieEncoding, SetCookie: setCookie,
		})
	}
	if setCookie != "" {
		return writeLine(a.stdout, "Set-Cookie: "+setCookie)
	}
	return writeLine(a.stdout, cookie)
}

// renderSetCookie renders a Set-Cookie header value as Ktor's
// renderSetCookieHeader does for a session cookie with the default
// CookieConfiguration (docs/ktor-format.md §5.2): name=value, Max-Age, Expires, Path=/,
// HttpOnly, then $x-enc.
func renderSetCookie(name, value string, enc ktor.CookieEncoding, t time.Time) string {
	expires := t.Add(ktorMaxAge).UTC().Format(http.TimeFormat)
	return fmt.Sprintf("%s=%s; Max-Age=%d; Expires=%s; Path=/; HttpOnly; $x-enc=%s",
		name, value, int(ktorMaxAge.Seconds()), expires, enc)
}

// readSessionText reads mint --raw's session text verbatim: the argument,
// @FILE, or stdin. It must be text (UTF-8, no NUL).
func (a *app) readSessionText(cmd *cobra.Command, args []string) ([]byte, error) {
	return a.readMintInput(cmd, args, "session text", "text",
		"a cookie holds 4 KiB at most: keep large data on the server")
}

// readMintInput reads mint's input — the argument, @FILE, or stdin for "-",
// "@-" or no argument — bounded by maxPayload, and refuses binary data.
// noun names the input in messages ("payload"), kind what it must be
// ("JSON text"), and tooLargeHint says what to do when it is too large.
func (a *app) readMintInput(cmd *cobra.Command, args []string, noun, kind, tooLargeHint string) ([]byte, error) {
	var (
		data []byte
		err  error
		what = noun
	)
	switch {
	case len(args) == 0 || args[0] == "-" || args[0] == "@-":
		data, err = a.readStdin(maxPayload, noun)
	case strings.HasPrefix(args[0], "@"):
		name := args[0][1:]
		what = noun + " file " + name
		var fh *os.File
		if fh, err = os.Open(name); err != nil {
			return nil, fmt.Errorf("failed to read the %s: %w", noun, err)
		}
		defer fh.Close()
		data, err = readAll(fh, maxPayload, what)
	default:
		data = []byte(args[0])
		if len(data) > maxPayload {
			err = errTooLarge{what: "the " + noun + " argument", limit: maxPayload}
		}
	}
	if _, ok := errors.AsType[errTooLarge](err); ok {
		return nil, &usageError{err: err, cmd: cmd, hint: tooLargeHint}
	}
	if err != nil {
		return nil, err
	}
	if isBinary(data) {
		return nil, &usageError{err: fmt.Errorf("the %s is binary data, not %s", what, kind), cmd: cmd}
	}
	return data, nil
}

func (a *app) mint(cmd *cobra.Command, args []string, f *mintFlags) error {
	// Check the flags before doing any work.
	if err := f.checkFormatFlags(cmd); err != nil {
		return err
	}
	if f.format == ktorFmt.Name() {
		return a.mintKtor(cmd, args, f)
	}
	ttl, maxTTL := time.Duration(f.ttl), time.Duration(f.maxTTL)
	switch {
	case maxTTL < time.Second:
		return usagef(cmd, "--max-ttl must be at least 1s")
	case ttl < time.Second:
		return usagef(cmd, "--ttl must be at least 1s")
	case ttl > maxTTL:
		return &usageError{err: fmt.Errorf("--ttl %v is longer than --max-ttl %v", ttl, maxTTL), cmd: cmd,
			hint: "raise --max-ttl, and open the tokens with the same --max-ttl"}
	}
	if err := checkMaxTokenSize(cmd, f.maxTokenSize); err != nil {
		return err
	}
	t0 := now()
	val := token.Validity{ExpiresAt: t0.Add(ttl), NotBefore: f.notBefore.get(t0)}
	if !val.NotBefore.IsZero() && (val.NotBefore.Before(t0.Truncate(time.Second)) || !val.NotBefore.Before(val.ExpiresAt)) {
		return usagef(cmd, "--not-before %s must lie between now and the expiry (%s)", rfc3339(val.NotBefore), rfc3339(val.ExpiresAt))
	}

	payload, err := a.readPayload(cmd, args)
	if err != nil {
		return err
	}
	ref, err := a.resolveKeyring(a.keyringFlag)
	if err != nil {
		return err
	}
	r, err := a.loadRing(ref)
	if err != nil {
		return err
	}
	mintFormat := nativeFmt
	minter := func(size int) (format.Minter, error) {
		op, err := mintFormat.NewOpener(r, openOptions{purpose: f.purpose, codec: f.codec, maxTTL: maxTTL, maxTokenSize: size, now: func() time.Time { return t0 }}.lib())
		if err != nil {
			return nil, err
		}
		m, ok := op.(format.Minter)
		if !ok {
			return nil, fmt.Errorf("%s tokens cannot be minted by this build", mintFormat.Title())
		}
		return m, nil
	}
	m, err := minter(f.maxTokenSize)
	if err != nil {
		return err
	}
	tok, res, err := m.Mint(payload, val)
	if err != nil {
		// The keyring is fine, so what failed is the request: a payload
		// too large for a token, or one that the codec cannot hold.
		return &usageError{err: err, hint: longerTokenHint(f, minter, payload, val)}
	}
	if !cmd.Flags().Changed("purpose") {
		fmt.Fprintln(a.stderr, `sesstool: warning: no --purpose: the token is bound to the empty purpose, so whatever opens tokens without --purpose accepts it; name its use (e.g. --purpose login), or give --purpose "" to mean none`)
	}
	if f.json {
		return writeJSON(a.stdout, mintJSON{
			Token: tok, Format: res.Format.Name(), KeyID: res.Key.ID.String(), Algorithm: string(res.Key.Algorithm),
			Issued: rfc3339(res.IssuedAt), Expires: rfc3339(res.ExpiresAt), NotBefore: rfc3339(res.NotBefore),
		})
	}
	return writeLine(a.stdout, tok)
}

// longerTokenHint returns, when the payload makes a token longer than
// --max-token-size allows but not longer than sesstool ever reads, a hint
// with the size that holds it; else "". The token is minted again under
// the largest limit to learn its length: only on this error path.
func longerTokenHint(f *mintFlags, minter func(int) (format.Minter, error), payload []byte, val token.Validity) string {
	if f.maxTokenSize >= tokenSizeMax {
		return ""
	}
	big, err := minter(tokenSizeMax)
	if err != nil {
		return ""
	}
	tok, _, err := big.Mint(payload, val)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("a token that is not a cookie may be longer: --max-token-size %d or more (at most %d) writes this one, and whatever opens it needs the same", len(tok), tokenSizeMax)
}

// readPayload reads and validates mint's JSON payload.
func (a *app) readPayload(cmd *cobra.Command, args []string) ([]byte, error) {
	data, err := a.readMintInput(cmd, args, "payload", "JSON text",
		"a token holds a few kilobytes at most: keep large data on the server")
	if err != nil {
		return nil, err
	}
	what := "payload"
	if len(args) == 1 && strings.HasPrefix(args[0], "@") && args[0] != "@-" {
		what = "payload file " + args[0][1:]
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, &usageError{err: fmt.Errorf("the %s is empty", what), cmd: cmd,
			hint: `give a JSON value, e.g. '{"uid":"alice"}' (an empty object is '{}')`}
	}
	var raw json.RawMessage
	if err := codec.JSON().Unmarshal(data, &raw); err != nil {
		ue := &usageError{err: fmt.Errorf("the %s is not valid JSON: %v", what, err), cmd: cmd}
		if len(args) == 1 && !strings.HasPrefix(args[0], "@") && args[0] != "-" {
			ue.hint = "to read the payload from a file, write @FILE"
		}
		return nil, ue
	}
	return raw, nil
}
