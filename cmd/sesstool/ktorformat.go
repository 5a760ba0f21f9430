package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/token"
	"github.com/sesstool/sesstool/transform"
)

// ktorFormat is a session cookie of Ktor's Sessions plugin (package ktor):
// a session signed by SessionTransportTransformerMessageAuthentication
// (session "/" hex tag), encrypted by SessionTransportTransformerEncrypt
// (hex IV "/" hex ciphertext ":" hex tag), or encrypted then signed, and
// usually URI-encoded for the cookie.
//
// A Ktor cookie names no key and carries no expiry. Opening one therefore
// tries the keyring's Ktor keys of the matching kind, newest first: the
// ktor-hmac-* keys whose hash has the tag's length for a signed cookie, the
// ktor-encrypt keys for an encrypted one. This is the one place sesstool
// tries several keys, because Ktor's format leaves no other way; the trial
// is bounded by maxKtorTrial keys of a kind (beyond that, --key must choose
// one), and the report names the key that verified. Ktor keys are few: one
// per Ktor service and rotation.
type ktorFormat struct{}

func (ktorFormat) name() string  { return "ktor" }
func (ktorFormat) title() string { return "Ktor session cookie" }

// bindsPurpose: a Ktor cookie is authenticated by its key alone.
func (ktorFormat) bindsPurpose() bool { return false }

// carriesExpiry: Ktor relies on the cookie's Max-Age, which the client
// controls.
func (ktorFormat) carriesExpiry() bool { return false }

// maxKtorTrial is the most Ktor keys of one kind that opening a cookie
// tries. A trial costs one HMAC per key, but trying many keys weakens
// what a match proves (a forger gets one guess per key), and a ring with
// that many Ktor keys of one kind is better served by --key.
const maxKtorTrial = 8

// detect recognises the two Ktor layouts, raw or URI-encoded, through
// ktor.Inspect. A native token never has one: its characters are base64url
// only, while both layouts need a '/' (or its escape %2F).
func (ktorFormat) detect(tok string) bool {
	if len(tok) > maxTokenInput {
		return false
	}
	info, err := ktor.Inspect(tok)
	return err == nil && info.Kind != ktor.KindUnknown
}

// detectStrong reports whether tok is a Ktor cookie whose layout leaves no
// doubt: encrypted, or signed over a session that parses as one of Ktor's
// serializers, a session ID or an encrypted value. A signed layout alone
// (anything, '/', a hex tag) is weak: "name=session/tag" matches it as a
// whole although it is a cookie whose value is the Ktor cookie.
func (ktorFormat) detectStrong(tok string) bool {
	if len(tok) > maxTokenInput {
		return false
	}
	info, err := ktor.Inspect(tok)
	return err == nil && (info.Kind == ktor.KindEncrypted || info.Kind == ktor.KindSigned && info.Format != "")
}

// Layout names, as --json prints them: what the cookie is, and for an
// encrypted cookie which of Ktor's two Encrypt layouts (known only once a
// key has verified it).
const (
	ktorSigned          = "signed"
	ktorEncrypted       = "encrypted"
	ktorEncryptedSigned = "encrypted+signed" // Encrypt, then MessageAuthentication
)

// ktorLayoutName returns the layout name of a verified cookie: "signed",
// "encrypted-3.x", "encrypted-pre-3.0", or either with "+signed".
func ktorLayoutName(kind string, l ktor.Layout) string {
	v := ""
	switch l {
	case ktor.Layout3:
		v = "-3.x"
	case ktor.Layout2:
		v = "-pre-3.0"
	}
	switch kind {
	case ktorEncrypted:
		return "encrypted" + v
	case ktorEncryptedSigned:
		return "encrypted" + v + "+signed"
	}
	return kind
}

// peek reads what a Ktor cookie shows without a key. Nothing is verified.
func (f ktorFormat) peek(tok string, _ time.Time) report {
	rep := report{Format: f.name(), Title: f.title(), Length: len(tok)}
	info, err := ktor.Inspect(tok)
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	switch info.Kind {
	case ktor.KindEncrypted:
		rep.Layout = ktorEncrypted
		rep.IV, rep.CiphertextLen, rep.Tag = info.IV, info.CiphertextLen, info.Tag
		if info.HashKnown {
			rep.Hash = ktor.JCEName(info.Hash)
		}
		rep.Sealed = true
	case ktor.KindSigned:
		rep.Layout = ktorSigned
		rep.Hash, rep.Tag = ktor.JCEName(info.Hash), info.Tag
		if in := info.Inner; in != nil {
			rep.Layout = ktorEncryptedSigned
			rep.IV, rep.CiphertextLen, rep.EncryptedTag = in.IV, in.CiphertextLen, in.Tag
			rep.Sealed = true
			break
		}
		text := info.Payload
		rep.SessionText = &text
		if js, c, err := ktorPayloadJSON([]byte(text)); err == nil {
			rep.Payload, rep.PayloadCodec = js, c
		}
	}
	return rep
}

// newOpener collects the ring's Ktor keys that can verify, or the one
// chosen by o.keyID.
func (f ktorFormat) newOpener(r *keyring.Ring, o openOptions) (tokenOpener, error) {
	op := &ktorOpener{f: f, mac: map[transform.Hash][]ktorKey{}, chosen: o.keyID != 0, raw: o.raw, serializer: o.ktorSerializer}
	if op.serializer == nil {
		op.serializer = ktor.KotlinxJSON() // Ktor 3.x's default
	}
	for k := range r.Keys() {
		if o.keyID != 0 && k.ID != o.keyID {
			continue
		}
		h, isMAC := ktorHash(k.Algorithm)
		if !isMAC && k.Algorithm != keyring.KtorEncrypt {
			if o.keyID != 0 {
				return nil, fmt.Errorf("%w: --key %s is a %s key: --key chooses among the Ktor keys, since a Ktor cookie names none", keyring.ErrState, k.ID, k.Algorithm)
			}
			continue
		}
		if !k.State.Verifies() {
			if o.keyID != 0 {
				return nil, fmt.Errorf("%w: --key %s is %s", keyring.ErrState, k.ID, k.State)
			}
			continue
		}
		kk := ktorKey{key: k}
		var err error
		if isMAC {
			kk.t, err = ktor.NewFromKey(k)
		} else {
			kk.enc, err = ktor.NewEncryptFromKey(k, nil)
			kk.t = kk.enc
		}
		if err != nil {
			return nil, err
		}
		if isMAC {
			op.mac[h] = append(op.mac[h], kk)
		} else {
			op.enc = append(op.enc, kk)
		}
		op.all = append(op.all, kk)
	}
	if o.keyID != 0 && len(op.all) == 0 {
		return nil, withHint(fmt.Errorf("%w: %s (--key)", keyring.ErrNotFound, o.keyID), "'sesstool keys list' shows the key IDs")
	}
	if len(op.all) == 0 {
		return nil, withHint(errNoKeys, "import the Ktor service's keys: 'sesstool keys import --alg ktor-hmac-sha256' (signed cookies) or '--alg ktor-encrypt' (encrypted ones)")
	}
	// Newest first: the key most likely to have written a live cookie.
	for h := range op.mac {
		slices.Reverse(op.mac[h])
	}
	slices.Reverse(op.enc)
	slices.Reverse(op.all)
	return op, nil
}

// ktorHash returns the hash of a ktor-hmac-* algorithm.
func ktorHash(a keyring.Algorithm) (transform.Hash, bool) {
	switch a {
	case keyring.KtorHMACSHA256:
		return transform.SHA256, true
	case keyring.KtorHMACSHA384:
		return transform.SHA384, true
	case keyring.KtorHMACSHA512:
		return transform.SHA512, true
	}
	return 0, false
}

type ktorKey struct {
	key keyring.Key
	t   transform.Transformer
	enc *ktor.Encrypt // t, for a ktor-encrypt key; nil for a ktor-hmac-* key
}

// ktorOpener opens Ktor cookies under a ring's Ktor keys, and mints them.
// It is safe for concurrent use: its transformers are.
type ktorOpener struct {
	f          ktorFormat
	mac        map[transform.Hash][]ktorKey // newest first
	enc        []ktorKey                    // newest first
	all        []ktorKey                    // newest first
	chosen     bool                         // --key chose the one key
	serializer codec.Codec                  // mint: the session serializer
	raw        bool                         // mint: the payload is the session text
}

// ktorResult is what opening a Ktor cookie found, beyond opened's fields.
type ktorResult struct {
	layout    string      // see ktorLayoutName
	encLayout ktor.Layout // the Encrypt layout that verified, or 0
	outerKey  keyring.Key // the MessageAuthentication key of an encrypted+signed cookie
}

func (o *ktorOpener) open(tok string) (opened, error) {
	info, err := ktor.Inspect(tok)
	if err != nil {
		return opened{}, rejectedf(token.ErrInvalid, token.StageEncoding, "%s", strings.TrimPrefix(err.Error(), "ktor: "))
	}
	res := opened{format: o.f, ktor: &ktorResult{}}
	value := []byte(info.Value)
	switch info.Kind {
	case ktor.KindSigned:
		alg := "ktor-hmac-" + strings.ToLower(strings.TrimPrefix(ktor.JCEName(info.Hash), "Hmac"))
		what := fmt.Sprintf("a signed cookie whose %d-character tag is an %v tag", len(info.Tag), ktor.JCEName(info.Hash))
		k, text, _, err := o.trial(o.mac[info.Hash], alg, what, value)
		// A signed session may hold '%' itself (the reflection format
		// does: %23), so a cookie sent with Ktor's RAW encoding reads as
		// URI-encoded. If the decoded value fails, try it as it came.
		if raw := unquote(tok); err != nil && raw != info.Value && strings.Contains(raw, "/") {
			if rk, rtext, _, rerr := o.trial(o.mac[info.Hash], alg, what, []byte(raw)); rerr == nil {
				k, text, err = rk, rtext, nil
			}
		}
		if err != nil {
			return opened{}, err
		}
		res.key, res.ktor.layout = k, ktorSigned
		inner, ierr := ktor.Inspect(string(text))
		if ierr != nil || inner.Kind != ktor.KindEncrypted || inner.Value != string(text) {
			res.payload = text
			break
		}
		// Encrypt, then MessageAuthentication: the outer tag covers the
		// whole encrypted value, IV included.
		ek, pt, l, err := o.trial(o.enc, string(keyring.KtorEncrypt),
			"a signed cookie that holds an encrypted value (Encrypt, then MessageAuthentication)", text)
		if err != nil {
			return opened{}, err
		}
		res.key, res.payload = ek, pt
		res.ktor.outerKey, res.ktor.encLayout = k, l
		res.ktor.layout = ktorLayoutName(ktorEncryptedSigned, l)
	case ktor.KindEncrypted:
		k, pt, l, err := o.trial(o.enc, string(keyring.KtorEncrypt),
			fmt.Sprintf("an encrypted cookie with a %d-character tag", len(info.Tag)), value)
		if err != nil {
			return opened{}, err
		}
		res.key, res.payload = k, pt
		res.ktor.encLayout = l
		res.ktor.layout = ktorLayoutName(ktorEncrypted, l)
	}
	res.json, res.codec, err = ktorPayloadJSON(res.payload)
	if err != nil {
		return opened{}, &rejection{kind: token.ErrInvalid, stage: token.StagePayload, keyID: uint32(res.key.ID),
			reason: "the session does not decode: " + err.Error()}
	}
	return res, nil
}

// trial reads value with each of keys in turn and returns the first key
// that verifies it, with the session text and, for Encrypt keys, the
// layout.
func (o *ktorOpener) trial(keys []ktorKey, alg, what string, value []byte) (keyring.Key, []byte, ktor.Layout, error) {
	if len(keys) == 0 {
		if o.chosen {
			k := o.all[0].key
			return keyring.Key{}, nil, 0, withHint(rejectedf(token.ErrInvalid, token.StageKey,
				"%s, which --key %s (%s) cannot open", what, k.ID, k.Algorithm),
				"a signed cookie needs a ktor-hmac-* key whose hash has the tag's length; an encrypted one a ktor-encrypt key")
		}
		return keyring.Key{}, nil, 0, withHint(rejectedf(token.ErrInvalid, token.StageKey,
			"%s, and the keyring holds no %s key to open it", what, alg),
			"import the Ktor service's key with 'sesstool keys import --alg %s'", alg)
	}
	if len(keys) > maxKtorTrial {
		return keyring.Key{}, nil, 0, &usageError{err: fmt.Errorf("the keyring holds %d %s keys: a Ktor cookie names no key, and sesstool tries at most %d", len(keys), alg, maxKtorTrial),
			hint: "choose the key with --key ID ('sesstool keys list' shows them), or retire and prune old Ktor keys"}
	}
	var last error
	for _, k := range keys {
		var (
			out []byte
			l   ktor.Layout
			err error
		)
		if k.enc != nil {
			out, l, err = k.enc.ReadLayout(nil, value)
		} else {
			out, err = k.t.Read(nil, value)
		}
		if err == nil {
			return k.key, out, l, nil
		}
		last = err
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.key.ID.String()
	}
	under := "key " + ids[0]
	if len(ids) > 1 {
		under = "each of the " + fmt.Sprint(len(ids)) + " " + alg + " keys " + strings.Join(ids, ", ")
	}
	msg := strings.TrimSuffix(strings.TrimPrefix(last.Error(), "ktor: "), ": "+transform.ErrInvalid.Error())
	stage := token.StageAuthentication
	if strings.HasPrefix(msg, "malformed") {
		stage = token.StageEncoding
	}
	err := rejectedf(token.ErrInvalid, stage, "%s under %s", msg, under)
	if stage == token.StageAuthentication {
		err = withHint(err, "a Ktor cookie opens only under the key and layout that wrote it: check the imported keys and, for ktor-encrypt, --ktor-layout (2 for Ktor before 3.0, both to accept either)")
	}
	if re, ok := errors.AsType[*rejection](err); ok && len(keys) == 1 {
		re.keyID = uint32(keys[0].key.ID)
	}
	return keyring.Key{}, nil, 0, err
}

// unquote removes surrounding white space and double quotes, as Ktor's
// cookie decoding does for every encoding.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s
}

// ktorPayloadJSON renders a Ktor session text as JSON, and names what it
// was: a session ID (32 or 64 lowercase hex characters) becomes a JSON
// string; JSON is kotlinx's, kept as it is, compacted; name=#… (or %23) is
// the reflection format, decoded; anything else is shown as a JSON string
// ("text"). Text that starts like JSON or the reflection format but does
// not parse is an error: Ktor's serializer would reject it too.
func ktorPayloadJSON(text []byte) ([]byte, string, error) {
	if (len(text) == 32 || len(text) == 64) && isLowerHex(text) {
		js, err := json.Marshal(string(text))
		return js, "session-id", err
	}
	var raw json.RawMessage
	if err := codec.JSON().Unmarshal(text, &raw); err == nil {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), ktor.KotlinxJSON().Name(), nil
	} else if len(text) > 0 && text[0] == '{' {
		return nil, "", fmt.Errorf("it starts like kotlinx JSON but is not JSON: %v", strings.TrimPrefix(err.Error(), codec.ErrInvalid.Error()+": "))
	}
	if looksLikeReflection(text) {
		var v any
		if err := ktor.Reflection().Unmarshal(text, &v); err != nil {
			return nil, "", fmt.Errorf("it starts like the reflection format but does not parse: %v", strings.TrimSuffix(strings.TrimPrefix(err.Error(), "ktor: "), ": "+codec.ErrInvalid.Error()))
		}
		var buf bytes.Buffer
		if err := writeJSON(&buf, v); err != nil {
			return nil, "", err
		}
		return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), ktor.Reflection().Name(), nil
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, strings.ToValidUTF8(string(text), string(utf8.RuneError))); err != nil {
		return nil, "", err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), "text", nil
}

// looksLikeReflection reports whether a session text starts like the
// reflection format: a property name, '=', and a '#' type prefix, raw or
// as %23.
func looksLikeReflection(p []byte) bool {
	name, val, ok := bytes.Cut(p, []byte("="))
	return ok && len(name) > 0 && !bytes.ContainsAny(name, "&#%") &&
		(bytes.HasPrefix(val, []byte("#")) || bytes.HasPrefix(val, []byte("%23")))
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return len(b) > 0
}

// testOnlyKtorIV, when not nil, is the IV of every Ktor cookie that mint
// encrypts, so that scripts can reproduce Ktor's known-answer cookies
// (docs/ktor-format.md §9). Only tests set it (see applyTestHooks in sesstool_test.go):
// a fixed IV breaks CBC's confidentiality, so no flag or environment
// variable of the production binary can set it.
var testOnlyKtorIV []byte

// mintKey returns the key mint writes with: the one --key chose, else the
// newest active Ktor key. Retired keys verify but never write.
func (o *ktorOpener) mintKey() (ktorKey, error) {
	for _, k := range o.all { // newest first
		if k.key.State == keyring.Active {
			return k, nil
		}
		if o.chosen {
			return ktorKey{}, fmt.Errorf("%w: --key %s is %s: only active Ktor keys write cookies", keyring.ErrState, k.key.ID, k.key.State)
		}
	}
	return ktorKey{}, &usageError{err: errors.New("the keyring holds no active Ktor key to write the cookie"),
		hint: "import the Ktor service's key with 'sesstool keys import --alg ktor-hmac-sha256' (or ktor-encrypt)"}
}

// mint writes a Ktor cookie value (before cookie encoding). payload is the
// session text itself when o.raw, else validated JSON for o.serializer.
// Ktor cookies have no validity, so v is not used.
func (o *ktorOpener) mint(payload []byte, _ token.Validity) (string, opened, error) {
	k, err := o.mintKey()
	if err != nil {
		return "", opened{}, err
	}
	text := payload
	if !o.raw {
		if text, err = ktor.SessionFromJSON(o.serializer, payload); err != nil {
			return "", opened{}, &usageError{err: fmt.Errorf("the payload cannot be written with the %s serializer: %v", o.serializer.Name(),
				strings.TrimSuffix(strings.TrimPrefix(err.Error(), "ktor: "), ": "+codec.ErrInvalid.Error()))}
		}
	}
	res := opened{format: o.f, key: k.key, payload: text, codec: "raw", ktor: &ktorResult{}}
	if !o.raw {
		res.codec = o.serializer.Name()
	}
	t := k.t
	if _, ok := ktorHash(k.key.Algorithm); ok {
		res.ktor.layout = ktorSigned
	} else {
		l, _ := k.enc.Layouts()
		res.ktor.encLayout = l
		res.ktor.layout = ktorLayoutName(ktorEncrypted, l)
		if testOnlyKtorIV != nil {
			if t, err = ktor.NewEncryptFromKey(k.key, &ktor.EncryptOptions{IV: func(iv []byte) { copy(iv, testOnlyKtorIV) }}); err != nil {
				return "", opened{}, err
			}
		}
	}
	return string(t.Write(nil, text)), res, nil
}
