package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// enumValue is a string flag that accepts one of a fixed set of values, so
// that a wrong value is a usage error at parse time.
type enumValue struct {
	v       *string
	allowed []string
}

func (e *enumValue) String() string { return *e.v }
func (e *enumValue) Type() string   { return "string" }
func (e *enumValue) Set(s string) error {
	for _, a := range e.allowed {
		if s == a {
			*e.v = s
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(e.allowed, ", "))
}

// addCodecFlag adds --codec with completion.
func addCodecFlag(cmd *cobra.Command, v *string, usage string) {
	*v = codec.JSON().Name()
	cmd.Flags().Var(&enumValue{v: v, allowed: codec.Names()}, "codec", usage)
	_ = cmd.RegisterFlagCompletionFunc("codec", cobra.FixedCompletions(codec.Names(), cobra.ShellCompDirectiveNoFileComp))
}

// openFlags are the flags of the commands that open tokens.
type openFlags struct {
	purpose string
	codec   string
	at      timeValue
	leeway  durationValue
	maxTTL  durationValue
	json    bool
	batch   bool
	cookie  string
	workers int
	quiet   bool
	key     string // --key: the Ktor key to open with
	raw     bool   // open --raw: print the payload exactly as stored
	format  string // --format: "auto" or a format's name
	// maxTokenSize: --max-token-size, the longest native token read.
	maxTokenSize int
	// validateOnly: verify needs the payload checked, not rendered.
	validateOnly bool
	// demands are the checks the flags given ask for; set by check.
	demands demands
}

// formatAuto is --format's default: every known format.
const formatAuto = "auto"

// addFormatFlag adds --format, which restricts the formats accepted.
func addFormatFlag(cmd *cobra.Command, f *openFlags) {
	names := []string{formatAuto}
	for _, tf := range formats.Formats() {
		names = append(names, tf.Name())
	}
	f.format = formatAuto
	addEnumFlag(cmd, &f.format, "format", names, "accept only tokens of `FORMAT`: "+strings.Join(names[1:], " or ")+
		" (auto: any known format; a format that cannot prove --purpose, --at or --max-ttl is rejected when they are given)")
}

// addValidityFlags adds the flags that say how to check a token.
func addValidityFlags(cmd *cobra.Command, f *openFlags) {
	fs := cmd.Flags()
	fs.StringVar(&f.purpose, "purpose", "", "the `PURPOSE` the token was minted for; a token never opens for another")
	addLeewayMaxTTL(cmd, f)
	fs.Var(&f.at, "at", "evaluate expiry at `TIME` instead of now: RFC 3339, Unix seconds, or +/- a duration from now")
}

// addLeewayMaxTTL adds --leeway, --max-ttl and --max-token-size.
func addLeewayMaxTTL(cmd *cobra.Command, f *openFlags) {
	fs := cmd.Flags()
	f.maxTTL = durationValue(token.DefaultMaxTTL)
	fs.Var(&f.leeway, "leeway", "clock skew to tolerate around the token's times, e.g. 30s")
	fs.Var(&f.maxTTL, "max-ttl", "reject tokens whose lifetime is longer than this (as configured when minting)")
	addMaxTokenSize(cmd, &f.maxTokenSize, "reject sesstool tokens longer than `N` characters")
}

// addMaxTokenSize adds --max-token-size.
func addMaxTokenSize(cmd *cobra.Command, v *int, usage string) {
	cmd.Flags().IntVar(v, "max-token-size", token.DefaultMaxTokenSize,
		fmt.Sprintf("%s: the default fits a cookie; raise it, up to %d, only for tokens that are not cookies", usage, tokenSizeMax))
}

// checkMaxTokenSize checks --max-token-size's bounds.
func checkMaxTokenSize(cmd *cobra.Command, n int) error {
	if n < tokenSizeMin || n > tokenSizeMax {
		return usagef(cmd, "--max-token-size must be between %d and %d characters", tokenSizeMin, tokenSizeMax)
	}
	return nil
}

func addOpenFlags(cmd *cobra.Command, f *openFlags, batchWhat string) {
	addValidityFlags(cmd, f)
	addFormatFlag(cmd, f)
	fs := cmd.Flags()
	addCodecFlag(cmd, &f.codec, "the codec the payload was minted with: json or cbor (a token does not say which)")
	fs.StringVar(&f.cookie, "cookie", "", "when the input is a cookie header with several cookies, use the one called `NAME`")
	fs.BoolVar(&f.batch, "batch", false, "read one token per line from stdin and write one JSON result per line ("+batchWhat+")")
	fs.IntVar(&f.workers, "workers", 0, "batch: number of parallel workers (default GOMAXPROCS)")
	_ = fs.MarkHidden("workers")
}

// addKtorKeyFlag adds --key, which chooses the Ktor key to use.
func (a *app) addKtorKeyFlag(cmd *cobra.Command, v *string, usage string) {
	cmd.Flags().StringVar(v, "key", "", usage)
	_ = cmd.RegisterFlagCompletionFunc("key", a.completeKtorKeys)
}

// ktorKeyUsage is the help of --key for the commands that open tokens.
const ktorKeyUsage = "Ktor cookies: open with the Ktor key `ID` only (a Ktor cookie names no key, so by default each Ktor key of the matching kind is tried)"

// completeKtorKeys completes --key with the Ktor keys of the keyring, when
// it can be read.
func (a *app) completeKtorKeys(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	ref, err := a.resolveKeyring(a.keyringFlag)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	r, err := keyring.Load(ref.path)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for k := range r.Keys() {
		if k.Algorithm.Family() == keyring.FamilyKtor && k.State.Verifies() {
			out = append(out, cobra.CompletionWithDesc(k.ID.String(), string(k.Algorithm)+" "+k.State.String()))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// options returns the open options the flags describe.
func (f *openFlags) options() openOptions {
	base := now()
	clock := now
	if at := f.at.get(base); !at.IsZero() {
		clock = func() time.Time { return at }
	}
	id, _ := keyring.ParseID(strings.ToLower(f.key)) // checked by check
	return openOptions{purpose: f.purpose, codec: f.codec, validateOnly: f.validateOnly,
		maxTTL: time.Duration(f.maxTTL), leeway: time.Duration(f.leeway), now: clock, keyID: id,
		format: formats.ByName(f.format), demands: f.demands, maxTokenSize: f.maxTokenSize}
}

// checkDemands records the checks the flags given ask for (see demands),
// and refuses those that the format chosen by --format cannot make.
func (f *openFlags) checkDemands(cmd *cobra.Command) error {
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	f.demands = demands{purpose: changed("purpose"), purposeVal: f.purpose, maxTTL: changed("max-ttl")}
	for _, name := range []string{"at", "max-ttl"} {
		if changed(name) {
			f.demands.expiry = "--" + name
			break
		}
	}
	tf := formats.ByName(f.format)
	if tf == nil {
		return nil
	}
	switch {
	case f.demands.purpose && !tf.BindsPurpose():
		return &usageError{err: fmt.Errorf("--purpose cannot be checked with --format %s: %s binds no purpose", tf.Name(), aOf(tf.Title())), cmd: cmd,
			hint: "leave out --purpose: a " + tf.Title() + " is valid when a key of the keyring verifies it, whatever it was made for"}
	case f.demands.expiry != "" && !tf.CarriesExpiry():
		return &usageError{err: fmt.Errorf("%s cannot be checked with --format %s: %s carries no expiry", f.demands.expiry, tf.Name(), aOf(tf.Title())), cmd: cmd}
	case f.key != "" && tf != ktorFmt:
		return &usageError{err: fmt.Errorf("--key chooses among Ktor keys, and --format %s names its own key", tf.Name()), cmd: cmd}
	}
	return nil
}

// check validates flag combinations before any work is done.
func (f *openFlags) check(cmd *cobra.Command, args []string) error {
	if err := f.checkDemands(cmd); err != nil {
		return err
	}
	if time.Duration(f.leeway) < 0 {
		return usagef(cmd, "--leeway must not be negative")
	}
	if time.Duration(f.maxTTL) < time.Second {
		return usagef(cmd, "--max-ttl must be at least 1s")
	}
	if err := checkMaxTokenSize(cmd, f.maxTokenSize); err != nil {
		return err
	}
	if f.key != "" {
		if _, err := parseKeyID(cmd, f.key); err != nil {
			return err
		}
	}
	if f.raw && f.json {
		return usagef(cmd, "--raw prints the payload alone and cannot be used with --json")
	}
	if f.raw && f.batch {
		return usagef(cmd, "--raw cannot be used with --batch, whose results are JSON")
	}
	if f.batch {
		if len(args) > 0 {
			return &usageError{err: errors.New("--batch reads the tokens from stdin and takes no argument"), cmd: cmd}
		}
		if f.cookie != "" {
			return &usageError{err: errors.New("--cookie cannot be used with --batch, which reads bare tokens"), cmd: cmd}
		}
		if f.workers < 0 {
			return usagef(cmd, "--workers must not be negative")
		}
	}
	return nil
}

// openSetup loads the keyring and builds the openers.
func (a *app) openSetup(f *openFlags) (*keyring.Ring, *openerSet, error) {
	ref, err := a.resolveKeyring(a.keyringFlag)
	if err != nil {
		return nil, nil, err
	}
	r, err := a.loadRing(ref)
	if err != nil {
		return nil, nil, err
	}
	set, err := newOpenerSet(r, f.options())
	if err != nil {
		return nil, nil, err
	}
	return r, set, nil
}

// openOne reads the single token of cmd and opens it.
func (a *app) openOne(cmd *cobra.Command, args []string, f *openFlags) (opened, error) {
	_, set, err := a.openSetup(f)
	if err != nil {
		return opened{}, err
	}
	input, err := a.readTokenInput(cmd, args)
	if err != nil {
		return opened{}, err
	}
	c, err := singleToken(cmd, input, f.cookie)
	if err != nil {
		return opened{}, err
	}
	op, format, err := set.opener(c.Value)
	if err == nil && format.Name() == ktorFmt.Name() {
		a.warnKtorFlags(cmd)
	}
	if err != nil {
		return opened{}, rejectionHint(err, f)
	}
	res, err := op.(explained).openCookie(c.Name, c.Value)
	if err != nil {
		return opened{}, rejectionHint(err, f)
	}
	return res, nil
}

// warnKtorFlags warns about the flags given that mean nothing for a Ktor
// cookie, which has no expiry, purpose or codec inside. (--purpose, --at
// and --max-ttl ask for checks that a Ktor cookie fails: see demands.)
func (a *app) warnKtorFlags(cmd *cobra.Command) {
	for _, name := range []string{"leeway", "codec"} {
		if fl := cmd.Flags().Lookup(name); fl != nil && fl.Changed {
			fmt.Fprintf(a.stderr, "sesstool: warning: --%s has no effect on a Ktor cookie, which carries no purpose, codec or expiry (Ktor relies on the cookie's Max-Age)\n", name)
		}
	}
}

// rejectionHint adds what to try to a token rejection that has no hint
// yet.
func rejectionHint(err error, f *openFlags) error {
	if len(hints(err)) > 0 {
		return err
	}
	_, stage, _ := rejectInfo(err)
	if fe, ok := errors.AsType[*format.Error](err); ok && fe.Format != nil && fe.Format != nativeFmt && fe.Format != ktorFmt {
		if stage == token.StageAuthentication.String() {
			what := "the key its service signs with"
			if fe.Format.BindsPurpose() {
				what += ", and --purpose (now " + strconv.Quote(f.purpose) + ")"
			}
			return withHint(err, "check --keyring: %s opens only under %s", aOf(noun(fe.Format)), what)
		}
		return err
	}
	switch stage {
	case token.StageAuthentication.String():
		return withHint(err, "check --purpose (now %q) and --keyring: a token opens only with the keyring and purpose it was minted with", f.purpose)
	case token.StagePayload.String():
		other := "cbor"
		if f.codec == "cbor" {
			other = "json"
		}
		return withHint(err, "if the token was minted with --codec %s, open it with --codec %s", other, other)
	}
	return err
}

// openJSON is the --json form of an opened token. A Ktor cookie has no
// times and no rewrap, but a layout, and an outer key when it is
// encrypted then signed.
type openJSON struct {
	Format     string          `json:"format"`
	KeyID      string          `json:"keyId"`
	Algorithm  string          `json:"algorithm"`
	Layout     string          `json:"layout,omitempty"`
	OuterKeyID string          `json:"outerKeyId,omitempty"`
	Issued     string          `json:"issued,omitempty"`
	Expires    string          `json:"expires,omitempty"`
	NotBefore  string          `json:"notBefore,omitempty"`
	Rewrap     *bool           `json:"rewrap,omitempty"`
	Codec      string          `json:"codec,omitempty"`
	Payload    json.RawMessage `json:"payload,omitempty"`
	Details    []detailJSON    `json:"details,omitempty"` // other frameworks' formats
}

func newOpenJSON(res opened, withPayload bool) *openJSON {
	j := &openJSON{
		Format:    res.Format.Name(),
		KeyID:     res.Key.ID.String(),
		Algorithm: string(res.Key.Algorithm),
		Issued:    rfc3339(res.IssuedAt),
		Expires:   rfc3339(res.ExpiresAt),
		NotBefore: rfc3339(res.NotBefore),
	}
	if res.Ktor != nil {
		j.Layout = res.Ktor.Layout
		if res.Ktor.OuterKey.ID != 0 {
			j.OuterKeyID = res.Ktor.OuterKey.ID.String()
		}
	} else if _, foreign := res.Format.(format.Importer); !foreign {
		j.Rewrap = &res.Rewrap
	}
	j.Details = detailsJSON(res.Details)
	if withPayload {
		j.Codec, j.Payload = res.Codec, res.JSON
	}
	return j
}

func newOpenCmd(a *app) *cobra.Command {
	f := &openFlags{}
	cmd := &cobra.Command{
		Use:   "open [TOKEN | -]",
		Short: "Verify a token and print its payload as JSON",
		Long: `Open verifies a token under the keyring, checks its expiry, and prints its
payload as JSON (a CBOR payload is converted). With --json it prints the
claims too: format, key ID, algorithm, issued, expires, not-before, and
whether the token should be rewrapped because an older key verified it.
With --raw it prints the payload exactly as stored, with no newline added.

The token is the argument, or stdin when the argument is "-" or absent. A
pasted cookie works too: "name=value", or a whole "Cookie:" or "Set-Cookie:"
line (choose among several cookies with --cookie).

Ktor session cookies open too, raw or URI-encoded, with the Ktor keys of
the keyring ("keys import --alg ktor-…"): signed (MessageAuthentication),
encrypted (Encrypt, either layout the key accepts), or encrypted then
signed. A Ktor cookie names no key, so each Ktor key of the matching kind
is tried (at most 8; --key ID chooses one). The session is printed as JSON:
kotlinx JSON as it is, the reflection format (name=#…) decoded, a session
ID or other text as a JSON string. --raw prints the session text exactly as
Ktor's transformers return it, before any serializer; --json adds the
layout that verified ("signed", "encrypted-3.x", "encrypted-pre-3.0", or
either with "+signed") and the key. A Ktor cookie carries no expiry, no
purpose and no codec: open cannot check its age (Ktor relies on the
cookie's Max-Age, so a copied cookie stays valid for as long as its key),
and --leeway and --codec draw a warning.

--purpose, --at and --max-ttl ask for checks that only a format binding a
purpose and carrying an expiry can pass: given any of them, a token of
another format (a Ktor cookie) is rejected with exit code 1 and the reason,
however authentic. To accept Ktor cookies, leave them out; --format ktor
accepts Ktor cookies only (and refuses those flags), --format sesstool-v1
sesstool tokens only.

A rejected token exits with code 1 and one line on stderr that says why
(none with --quiet); with --json, stdout gets one object either way:
{"ok":true,…} with the payload, or {"ok":false,"reason":…,"stage":…,
"error":…} as verify prints it.`,
		Example: `  sesstool open --purpose login "$TOKEN"
  sesstool open --purpose login --json < tok
  sesstool open --codec cbor --at 2026-03-01T12:00:00Z "$TOKEN"
  sesstool open --batch --purpose login < tokens.txt > results.jsonl
  sesstool open --keyring k.json 'Cookie: user_session=0011…%2F9b8c…%3A40af…'
  sesstool open --keyring k.json --raw "$KTOR_COOKIE" > session.txt`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(cmd, args); err != nil {
				return err
			}
			if f.batch {
				return a.runBatch(f, true)
			}
			res, err := a.openOne(cmd, args, f)
			if err != nil {
				return a.rejected(err, f)
			}
			switch {
			case f.json:
				return writeJSON(a.stdout, verifyJSON{OK: true, openJSON: newOpenJSON(res, true)})
			case f.raw:
				return a.writeRaw(res.Payload)
			}
			return writeLine(a.stdout, string(res.JSON))
		},
	}
	addOpenFlags(cmd, f, "with the payload")
	a.addKtorKeyFlag(cmd, &f.key, ktorKeyUsage)
	cmd.Flags().BoolVar(&f.json, "json", false, "print the payload with the token's claims as one JSON object, or the rejection as one object")
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "print nothing on stderr when the token is rejected: the exit code says it (with --batch: no summary)")
	cmd.Flags().BoolVar(&f.raw, "raw", false, "print the payload exactly as stored, with no newline added: for a Ktor cookie, the session text as Ktor's transformers return it")
	return cmd
}

// writeRaw writes a payload as it is. Binary data (a CBOR payload) is not
// written to a terminal.
func (a *app) writeRaw(p []byte) error {
	if a.stdoutTTY && isBinary(p) {
		return &usageError{err: errors.New("the payload is binary data, which --raw does not write to a terminal"),
			hint: "redirect the output to a file, or leave out --raw to print it as JSON"}
	}
	if _, err := a.stdout.Write(p); err != nil {
		return fmt.Errorf("failed to write output: %w", err)
	}
	return nil
}

// rejected ends open or verify with err. A rejected token (exit code 1)
// prints its result object with --json, so that --json always prints
// exactly one object, and nothing on stderr with --quiet.
func (a *app) rejected(err error, f *openFlags) error {
	if exitCode(err) != exitRejected {
		return err
	}
	if f.json {
		if werr := writeJSON(a.stdout, newRejectJSON(err)); werr != nil {
			return werr
		}
	}
	if f.quiet {
		return &silentError{code: exitRejected}
	}
	return err
}

// verifyJSON is the --json output of open and verify for a valid token:
// "ok" tells it from a rejection (rejectJSON).
type verifyJSON struct {
	OK bool `json:"ok"`
	*openJSON
}

// rejectJSON is the --json output for a rejected token.
type rejectJSON struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason"`
	Stage  string `json:"stage,omitempty"`
	KeyID  string `json:"keyId,omitempty"`
	Error  string `json:"error"`
}

func newRejectJSON(err error) rejectJSON {
	reason, stage, id := rejectInfo(err)
	v := rejectJSON{Reason: reason, Stage: stage, Error: err.Error()}
	if id != 0 {
		v.KeyID = keyring.ID(id).String()
	}
	return v
}

func newVerifyCmd(a *app) *cobra.Command {
	f := &openFlags{}
	cmd := &cobra.Command{
		Use:   "verify [TOKEN | -]",
		Short: "Check a token, setting only the exit code",
		Long: `Verify checks a token as open does, payload included, and prints nothing:
exit code 0 means valid, 1 rejected (the reason is on stderr unless
--quiet), 2 a usage error and 3 an environment error such as a missing
keyring. With --json it prints one result object, valid or not. Ktor
session cookies are verified as open verifies them (see "open --help"):
valid means authentic under a Ktor key of the keyring, since a Ktor cookie
has no expiry to check. So with --purpose, --at or --max-ttl a Ktor
cookie is rejected (exit 1, "stage":"format"): it cannot prove the purpose
or the expiry asked for. --format restricts the formats accepted.

With --batch it reads one token per line from stdin, verifies them in
parallel on all cores, and writes one JSON result per line, in input
order: {"line":N,"ok":true,"keyId":…,"expires":…} (no "expires" for a
token that carries none, such as an Express cookie) or
{"line":N,"ok":false,"reason":"expired|invalid|not-yet-valid","stage":…,"error":…}.
A line is a token, or a cookie as name=value (or a whole Cookie: line with
one cookie) for the formats that authenticate the cookie's name (Rails
cookies, gorilla/securecookie values). Lines are numbered from 1; blank
lines are skipped (but counted), CR and
surrounding spaces are trimmed, and a line longer than 64 KiB is a rejected
line. A summary goes to stderr, with a progress bar when stderr is a
terminal. The exit code is 0 when every token is valid and 1 otherwise.
Memory use does not grow with the input.`,
		Example: `  sesstool verify --purpose login "$TOKEN" && echo valid
  sesstool verify --quiet --at +1h "$TOKEN" || echo "expires within the hour"
  sesstool verify --batch --purpose login < tokens.txt > results.jsonl
  sesstool verify --keyring k.json "$KTOR_COOKIE" && echo authentic`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(cmd, args); err != nil {
				return err
			}
			f.validateOnly = true
			if f.batch {
				return a.runBatch(f, false)
			}
			res, err := a.openOne(cmd, args, f)
			if err != nil {
				return a.rejected(err, f)
			}
			if f.json {
				return writeJSON(a.stdout, verifyJSON{OK: true, openJSON: newOpenJSON(res, false)})
			}
			return nil
		},
	}
	addOpenFlags(cmd, f, "without the payload")
	a.addKtorKeyFlag(cmd, &f.key, ktorKeyUsage)
	cmd.Flags().BoolVar(&f.json, "json", false, "print the result as one JSON object, valid or not")
	cmd.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "print nothing on stderr when the token is rejected (with --batch: no summary)")
	return cmd
}

// workers returns the number of batch workers.
func (f *openFlags) workerCount() int {
	if f.workers > 0 {
		return f.workers
	}
	return runtime.GOMAXPROCS(0)
}
