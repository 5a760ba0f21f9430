package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
)

func newKeysImportCmd(a *app) *cobra.Command {
	var (
		alg, from, layout             string
		opts                          []string
		asJSON, allowShortKey, keepID bool
	)
	cmd := &cobra.Command{
		Use:   "import [--keep-id] [--from FILE]",
		Short: "Import key material from stdin or a file (never from the command line)",
		Long: `Import adds foreign key material to the keyring as an active key, and prints
the new key's ID. Promote it to make it mint ("keys promote ID"), if its
algorithm can mint sesstool tokens.

The material is read from --from FILE, or from stdin (also with --from -):
never from the command line, where ps and shell history would see it; an
argument is refused without being shown. On a terminal it is read without
echo. It is the secret in hexadecimal (either case) or in base64url
(unpadded, as the keyring file stores it; padded and standard base64 are
accepted too); text that is only hex digits is read as hex. Surrounding
white space is ignored.

The algorithms (--alg):
  xchacha20poly1305 (the default), chacha20poly1305, aes256gcm, aes128gcm,
  hmac-sha256, hmac-sha384, hmac-sha512
      sesstool's own tokens: a 32-byte secret
  ktor-hmac-sha256, ktor-hmac-sha384, ktor-hmac-sha512
      Ktor signed cookies: the sign key of
      SessionTransportTransformerMessageAuthentication
  ktor-encrypt
      Ktor encrypted cookies: the encryption key (16, 24 or 32 bytes) and
      the sign key of SessionTransportTransformerEncrypt
  fernet, branca, paseto-v4-local, paseto-v4-public, jwt-hs256, jwt-hs384,
  jwt-hs512, jwe-dir-a256gcm, itsdangerous, flask, rails-message-verifier,
  rails-message-encryptor, rails-cookies, express, iron, securecookie
      other frameworks' tokens and cookies (see "Other frameworks' keys")

Ktor algorithms take the keys of a Ktor service's Sessions configuration in
hexadecimal, as its hex("…") calls hold them; ktor-encrypt takes its two
keys in that order, separated by white space. A Ktor sign (HMAC) key must
have at least 16 bytes: a shorter one can be recovered offline from a
single cookie, and then every session forged. --allow-short-key accepts
one anyway, with a warning: for test keys (Ktor's own tests use an 11-byte
key), or while the service's key is being replaced.

For ktor-encrypt, --ktor-layout says which Ktor layout it writes and accepts: 3
(Ktor 3.x, the default), 2 (before 3.0: writes and accepts only that) or
both (writes 3.x, accepts both, as Ktor 3.x with backwardCompatibleRead).
Ktor keys open, verify and mint Ktor cookies (sesstool open, verify,
inspect, mint --format ktor) and can never be primary; "keys list" shows
a ktor-encrypt key's layout.

Other frameworks' keys are read exactly as that framework's configuration
holds them: text secrets (jwt-*, itsdangerous, flask, rails-message-verifier,
rails-cookies, express, iron) as their UTF-8 bytes, with one trailing
newline dropped; byte keys in hex (branca, paseto-*, jwe-dir-a256gcm,
rails-message-encryptor, securecookie; the PASETO ones also as a k4. PASERK);
Fernet keys in their own base64url form. --opt NAME=VALUE (repeatable) sets
the framework's options, stored with the key: max-age=SECONDS (fernet,
branca, itsdangerous, flask, iron, securecookie), salt= (itsdangerous),
implicit-assertion= (paseto-*), iss= and aud= (jwt-*, jwe-dir-a256gcm),
digest=, serializer=, cipher=, jar= and key-digest= (rails-*), password-id= (iron),
encoder= and max-length= (securecookie). Several keys of one algorithm
(MultiFernet, rotated secrets, iron password IDs) are all tried, newest
first, up to 8. These keys open, verify and inspect that framework's
tokens, and can never be primary. A JWT secret must be at least as long as
its hash's output (32, 48 or 64 bytes for jwt-hs256, -hs384, -hs512: RFC
7518 §3.2); --allow-short-key accepts a shorter one, with a warning, for
test keys.

An imported key gets a new random ID: importing a native key into another
keyring does not make that keyring open the first one's tokens, whose
headers carry the old ID.

With --keep-id, import reads instead the key export document that
"sesstool keys export ID" writes (SPEC.md §2.1), from a pipe or --from FILE,
and adds the key under its own ID, so that the tokens it sealed open under
this keyring too. It comes in active if it was primary or active (promote it
once every server has it), or retired, with its retirement time, if it was
retired. A keyring that already holds a key with that ID refuses it (exit
code 2). --alg, --ktor-layout and --allow-short-key do not apply: the
document says what the key is.`,
		Example: `  sesstool keys import < key.hex
  sesstool keys import --alg aes256gcm --from /run/secrets/session-key
  printf '%s %s' "$ENC_HEX" "$SIGN_HEX" | sesstool keys import --alg ktor-encrypt --ktor-layout both
  printenv FLASK_SECRET_KEY | sesstool keys import --alg flask
  sesstool keys import --alg itsdangerous --opt salt=auth --opt max-age=3600 --from secret.txt
  sesstool keys export 9f2c01ab | sesstool keys import --keep-id --keyring other.json`,
		Args: keysNoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keepID {
				for _, name := range []string{"alg", "ktor-layout", "allow-short-key", "opt"} {
					if cmd.Flags().Changed(name) {
						return usagef(cmd, "--%s does not apply with --keep-id: the export document says what the key is", name)
					}
				}
				return a.importKeepID(cmd, from, asJSON)
			}
			al, err := parseAlg(cmd, alg, false)
			if err != nil {
				return err
			}
			if layout != "" && al != keyring.KtorEncrypt {
				return usagef(cmd, "--ktor-layout applies only to --alg %s", keyring.KtorEncrypt)
			}
			var (
				importer format.Importer
				options  keyring.Options
			)
			if al.Family() == keyring.FamilyForeign {
				if importer = formats.Importer(al); importer == nil {
					return usagef(cmd, "this build of sesstool cannot read %s tokens yet, so it does not import their keys", al)
				}
				if options, err = parseOpts(al, opts); err != nil {
					return &usageError{err: err, cmd: cmd}
				}
			} else if len(opts) > 0 {
				return usagef(cmd, "--opt applies only to other frameworks' keys (such as --alg fernet or --alg flask); %s keys have no options", al)
			}
			ref, err := a.resolveKeyring(a.keyringFlag)
			if err != nil {
				return err
			}
			// Fail on a missing keyring before asking for a secret.
			if _, err := os.Stat(ref.path); err != nil {
				return keyringError(ref, err)
			}
			text, err := a.readMaterial(cmd, from, al)
			if err != nil {
				return err
			}
			defer clear(text)
			var m keyring.Material
			if importer != nil {
				m, err = importer.ParseKey(al, text, options)
			} else {
				m, err = parseMaterial(text, al, keyring.KtorLayout(layout))
			}
			if err != nil {
				return &usageError{err: err, cmd: cmd}
			}
			defer clear(m.Secret)
			defer clear(m.SignSecret)
			m.AllowShortKey = allowShortKey
			var k keyring.Key
			_, err = a.updateRing(ref, func(r *keyring.Ring) (*keyring.Ring, error) {
				r2, nk, err := r.Import(m, now())
				if errors.Is(err, keyring.ErrWeakKey) && m.Algorithm.Family() == keyring.FamilyForeign {
					return nil, &usageError{err: err, hint: fmt.Sprintf("for a test key only, add --allow-short-key; otherwise give the service a new random secret of %d bytes or more", keyring.MinHMACKeySize(m.Algorithm))}
				}
				if errors.Is(err, keyring.ErrWeakKey) {
					return nil, &usageError{err: err, hint: "for a test key only, add --allow-short-key; otherwise give the Ktor service a new random key of 32 bytes or more"}
				}
				if err != nil {
					return nil, &usageError{err: err}
				}
				k = nk
				return r2, nil
			})
			if err != nil {
				return err
			}
			if n := shortKtorHMACKey(m); n > 0 {
				fmt.Fprintf(a.stderr, "sesstool: warning: key %s has a %d-byte Ktor sign key, fewer than %d: anyone who sees one of its cookies can recover it offline and forge any session; use it for tests only, and give the Ktor service a random key of 32 bytes or more\n",
					k.ID, n, keyring.MinKtorHMACKeySize)
			}
			warnShortJWTKey(a, k.ID, m)
			if k.Algorithm == keyring.KtorEncrypt && k.KtorLayout != keyring.KtorLayout2 {
				// SECURITY.md, "Cross-layout tag reuse".
				fmt.Fprintf(a.stderr, "sesstool: warning: key %s reads Ktor 3.x cookies (layout %s), whose tag does not cover the IV: if its sign key ever signed Ktor < 3.0 (layout 2) cookies or MessageAuthentication values, a client that knows one 16-byte session can forge any session of up to 15 bytes in about 2,000 requests; use a sign key that Ktor < 3.0 never used, or chain Encrypt with MessageAuthentication under an independent key (SECURITY.md, \"Cross-layout tag reuse\")\n",
					k.ID, k.KtorLayout)
			}
			a.notef("imported key %s (%s) as active", k.ID, k.Algorithm)
			return a.printKey(k, asJSON)
		},
	}
	addAlgFlag(cmd, &alg, false)
	fs := cmd.Flags()
	fs.StringVar(&from, "from", "", "read the key material from `FILE` instead of stdin (- is stdin)")
	_ = cmd.MarkFlagFilename("from")
	fs.Var(&enumValue{v: &layout, allowed: []string{"2", "3", "both"}}, "ktor-layout", "ktor-encrypt only: the Ktor layout to write and accept, 2, 3 or both (default 3)")
	_ = cmd.RegisterFlagCompletionFunc("ktor-layout", cobra.FixedCompletions([]string{"2", "3", "both"}, cobra.ShellCompDirectiveNoFileComp))
	fs.BoolVar(&allowShortKey, "allow-short-key", false, "accept a Ktor sign key shorter than 16 bytes, or a JWT secret shorter than its hash, with a warning (test keys only)")
	fs.StringArrayVar(&opts, "opt", nil, "another framework's key option `NAME=VALUE`, stored with the key (repeatable; see above)")
	fs.BoolVar(&asJSON, "json", false, "print the new key as a JSON object")
	fs.BoolVar(&keepID, "keep-id", false, "read a key export document ('sesstool keys export') and add the key under its own ID")
	return cmd
}

// importKeepID is "keys import --keep-id": it adds the key of an export
// document under its own ID.
func (a *app) importKeepID(cmd *cobra.Command, from string, asJSON bool) error {
	ref, err := a.resolveKeyring(a.keyringFlag)
	if err != nil {
		return err
	}
	if _, err := os.Stat(ref.path); err != nil {
		return keyringError(ref, err)
	}
	var doc []byte
	switch {
	case from != "" && from != "-":
		f, err := os.Open(from)
		if err != nil {
			return fromError(err)
		}
		defer f.Close()
		doc, err = readAll(f, keyring.MaxExportSize, "the key export document in the file given to --from")
		if err != nil {
			return exportReadError(err)
		}
	case a.stdinTTY:
		return &usageError{err: errors.New("--keep-id reads a key export document from a pipe or a file, and stdin is a terminal"), cmd: cmd,
			hint: "pipe it in, as in 'sesstool keys export ID --keyring OTHER | sesstool keys import --keep-id', or give --from FILE"}
	default:
		doc, err = readAll(a.stdin, keyring.MaxExportSize, "the key export document on stdin")
		if err != nil {
			return exportReadError(err)
		}
	}
	defer clear(doc)
	k, err := keyring.ParseExport(doc)
	if err != nil {
		return &usageError{err: err, hint: "give the output of 'sesstool keys export ID', unchanged"}
	}
	var added keyring.Key
	_, err = a.updateRing(ref, func(r *keyring.Ring) (*keyring.Ring, error) {
		r2, nk, err := r.ImportKey(k)
		switch {
		case errors.Is(err, keyring.ErrIDTaken):
			return nil, &usageError{err: err, hint: "'sesstool keys list' shows this keyring's keys: if the key is there already, there is nothing to do; otherwise import it without --keep-id, as a new key under a new ID (its old tokens will not open here)"}
		case err != nil:
			return nil, &usageError{err: err}
		}
		added = nk
		return r2, nil
	})
	if err != nil {
		return err
	}
	m := added.Material()
	defer clear(m.Secret)
	defer clear(m.SignSecret)
	if n := shortKtorHMACKey(m); n > 0 {
		fmt.Fprintf(a.stderr, "sesstool: warning: key %s has a %d-byte Ktor sign key, fewer than %d: anyone who sees one of its cookies can recover it offline and forge any session; use it for tests only, and give the Ktor service a random key of 32 bytes or more\n",
			added.ID, n, keyring.MinKtorHMACKeySize)
	}
	warnShortJWTKey(a, added.ID, m)
	a.notef("imported key %s (%s) as %s, under its own ID", added.ID, added.Algorithm, added.State)
	return a.printKey(added, asJSON)
}

// parseOpts parses --opt NAME=VALUE flags for a key of algorithm alg.
// Values are not quoted in errors.
func parseOpts(alg keyring.Algorithm, opts []string) (keyring.Options, error) {
	m := map[string]string{}
	allowed := alg.OptionNames()
	for _, o := range opts {
		name, value, ok := strings.Cut(o, "=")
		switch {
		case !ok:
			return keyring.Options{}, errors.New("--opt takes NAME=VALUE")
		case !slices.Contains(allowed, name) && len(allowed) == 0:
			return keyring.Options{}, fmt.Errorf("%s keys have no options", alg)
		case !slices.Contains(allowed, name):
			return keyring.Options{}, fmt.Errorf("%s keys have the options %s (--opt NAME=VALUE)", alg, strings.Join(allowed, ", "))
		}
		if _, dup := m[name]; dup {
			return keyring.Options{}, fmt.Errorf("--opt %s is given twice", name)
		}
		m[name] = value
	}
	return keyring.NewOptions(m)
}

// exportReadError makes an oversized export document a usage error.
func exportReadError(err error) error {
	if _, ok := errors.AsType[errTooLarge](err); ok {
		return &usageError{err: err}
	}
	return err
}

// warnShortJWTKey warns that key id, of material m, is a JWT secret
// shorter than RFC 7518 §3.2 allows (imported with --allow-short-key).
func warnShortJWTKey(a *app, id keyring.ID, m keyring.Material) {
	min := keyring.MinHMACKeySize(m.Algorithm)
	if m.Algorithm.Family() != keyring.FamilyForeign || len(m.Secret) >= min {
		return
	}
	fmt.Fprintf(a.stderr, "sesstool: warning: key %s has a %d-byte %s secret, fewer than the %d that RFC 7518 requires: anyone who sees one of its tokens can search for it offline and forge any token; use it for tests only, and give the service a random secret of %d bytes or more\n",
		id, len(m.Secret), m.Algorithm, min, min)
}

// shortKtorHMACKey returns the length of m's Ktor HMAC key when it is
// shorter than keyring.MinKtorHMACKeySize, and 0 otherwise.
func shortKtorHMACKey(m keyring.Material) int {
	key := m.Secret
	switch m.Algorithm {
	case keyring.KtorHMACSHA256, keyring.KtorHMACSHA384, keyring.KtorHMACSHA512:
	case keyring.KtorEncrypt:
		key = m.SignSecret
	default:
		return 0
	}
	if len(key) < keyring.MinKtorHMACKeySize {
		return len(key)
	}
	return 0
}

// readMaterial reads the key material from the file or stdin, without echo
// on a terminal.
//
// The --from value is never quoted in messages: it may be a key typed where
// a file name was expected.
func (a *app) readMaterial(cmd *cobra.Command, from string, alg keyring.Algorithm) ([]byte, error) {
	if from != "" && from != "-" {
		f, err := os.Open(from)
		if err != nil {
			return nil, fromError(err)
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
			fmt.Fprintln(a.stderr, "sesstool: warning: the file given to --from is readable by other users; delete it once the key is imported")
		}
		return a.readSecret(f, "in the file given to --from")
	}
	if a.stdinTTY && a.stdinFile != nil {
		what := "the key (hex or base64url)"
		if alg.Family() == keyring.FamilyForeign {
			what = "the key as the other framework's configuration holds it"
		}
		if alg == keyring.KtorEncrypt {
			what = "the encryption key and the sign key, in hex, separated by a space"
		}
		fmt.Fprintf(a.stderr, "sesstool: paste %s, then press Enter: ", what)
		b, err := term.ReadPassword(int(a.stdinFile.Fd()))
		fmt.Fprintln(a.stderr)
		if err != nil {
			return nil, fmt.Errorf("failed to read the key material from the terminal: %w", err)
		}
		return b, nil
	}
	return a.readSecret(a.stdin, "on stdin")
}

// fromError reports a --from file that cannot be opened without quoting
// its name.
func fromError(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return withHint(errors.New("the file given to --from does not exist"),
			"keys are never taken from the command line: give --from the name of a file that holds the key, or pass the key on stdin")
	}
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err
	}
	return fmt.Errorf("cannot read the file given to --from: %w", err)
}

func (a *app) readSecret(r interface{ Read([]byte) (int, error) }, what string) ([]byte, error) {
	b, err := readAll(r, maxSecretInput, "the key material "+what)
	if _, ok := errors.AsType[errTooLarge](err); ok {
		return nil, &usageError{err: err}
	}
	return b, err
}

// parseMaterial decodes key material for alg. Its errors never quote the
// material.
func parseMaterial(text []byte, alg keyring.Algorithm, layout keyring.KtorLayout) (keyring.Material, error) {
	fields := bytes.Fields(text)
	want := 1
	if alg == keyring.KtorEncrypt {
		want = 2
	}
	switch {
	case len(fields) == 0:
		return keyring.Material{}, errors.New("no key material: the input is empty")
	case len(fields) != want && want == 1 && alg.Family() != keyring.FamilyNative:
		return keyring.Material{}, fmt.Errorf("a %s key is one word of hexadecimal digits; the input has %s", alg, words(len(fields)))
	case len(fields) != want && want == 1:
		return keyring.Material{}, fmt.Errorf("a %s key is one word, %s; the input has %s", alg, nativeForms, words(len(fields)))
	case len(fields) != want:
		return keyring.Material{}, fmt.Errorf("a %s key is two words of hexadecimal digits, the encryption key then the sign key; the input has %s", alg, words(len(fields)))
	}
	decode := decodeSecret
	if alg.Family() != keyring.FamilyNative {
		decode = decodeKtorHex
	}
	m := keyring.Material{Algorithm: alg, KtorLayout: layout}
	var err error
	if m.Secret, err = decode(fields[0]); err != nil {
		if alg.Family() == keyring.FamilyNative {
			return keyring.Material{}, fmt.Errorf("%v: the input has %d characters, and a %s key is %s", err, len(fields[0]), alg, nativeForms)
		}
		if want == 2 {
			return keyring.Material{}, fmt.Errorf("encryption key: %v", err)
		}
		return keyring.Material{}, err
	}
	if want == 2 {
		if m.SignSecret, err = decode(fields[1]); err != nil {
			clear(m.Secret)
			return keyring.Material{}, fmt.Errorf("sign key: %v", err)
		}
	}
	return m, nil
}

// nativeForms says how a native key is written.
const nativeForms = "32 bytes: 64 hexadecimal digits or 43 base64url characters"

// words is "1 word" or "n words", with "separated by white space" to say
// what a word is.
func words(n int) string {
	if n == 1 {
		return "1 word"
	}
	return fmt.Sprintf("%d words (separated by white space)", n)
}

// decodeKtorHex decodes a Ktor key, which a Ktor configuration holds as
// hex("…"): hexadecimal only, so that a typo is never read as base64.
func decodeKtorHex(s []byte) ([]byte, error) {
	if !isHex(s) {
		return nil, errors.New("a Ktor key is hexadecimal, as in the service's hex(\"…\") call, and the input is not")
	}
	if len(s)%2 != 0 {
		return nil, fmt.Errorf("the key has an odd number of hex digits (%d): Ktor before 3.5.0 ignored the last one and later versions refuse it; drop it if the service is older", len(s))
	}
	out := make([]byte, len(s)/2)
	if _, err := hex.Decode(out, s); err != nil {
		return nil, errors.New("the key is not valid hexadecimal")
	}
	return out, nil
}

// decodeSecret decodes hex (when the text is only hex digits, of even
// length) or base64 (URL or standard alphabet, padded or not).
func decodeSecret(s []byte) ([]byte, error) {
	if len(s)%2 == 0 && isHex(s) {
		out := make([]byte, len(s)/2)
		if _, err := hex.Decode(out, s); err == nil {
			return out, nil
		}
	}
	trimmed := bytes.TrimRight(s, "=")
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.RawStdEncoding} {
		out := make([]byte, enc.DecodedLen(len(trimmed)))
		if n, err := enc.Decode(out, trimmed); err == nil {
			return out[:n], nil
		}
		clear(out)
	}
	return nil, errors.New("the key material is neither hexadecimal nor base64")
}

func isHex(s []byte) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return len(s) > 0
}
