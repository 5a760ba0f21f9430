package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/token"
	"github.com/sesstool/sesstool/transform"
)

// Ktor returns the format of Ktor's session cookies (package ktor): a
// session signed by MessageAuthentication (session "/" hex tag), encrypted
// by Encrypt (hex IV "/" hex ciphertext ":" hex tag), or encrypted then
// signed, raw or URI-encoded.
//
// A Ktor cookie names no key, binds no purpose and carries no expiry.
// Opening one therefore tries the ring's Ktor keys of the matching kind,
// newest first: the ktor-hmac-* keys whose hash has the tag's length for a
// signed cookie, the ktor-encrypt keys for an encrypted one. The trial is
// bounded by MaxKtorTrial keys of a kind (beyond that, Options.KeyID must
// choose one), and Opened names the key that verified.
func Ktor() Format { return ktorFormat{} }

// MaxKtorTrial is the most Ktor keys of one kind that opening a cookie
// tries. A trial costs one HMAC per key, but trying many keys weakens what
// a match proves (a forger gets one guess per key).
const MaxKtorTrial = 8

// ErrTooManyKeys is wrapped by the error of opening a Ktor cookie when
// the ring holds more than MaxKtorTrial Ktor keys of the kind it needs.
var ErrTooManyKeys = errors.New("too many Ktor keys to try")

// Ktor layouts, as Peek and KtorOpened name them. Once a key has verified
// an encrypted cookie, its layout also names the Encrypt layout:
// "encrypted-3.x", "encrypted-pre-3.0", or either with "+signed".
const (
	KtorSigned          = "signed"
	KtorEncrypted       = "encrypted"
	KtorEncryptedSigned = "encrypted+signed" // Encrypt, then MessageAuthentication
)

// KtorOpened is what opening a Ktor cookie found, beyond Opened's fields.
type KtorOpened struct {
	Layout    string      // KtorSigned, or an encrypted layout with its version
	EncLayout ktor.Layout // the Encrypt layout that verified, or 0
	OuterKey  keyring.Key // the MessageAuthentication key of an encrypted+signed cookie
}

type ktorFormat struct{}

func (ktorFormat) Name() string        { return "ktor" }
func (ktorFormat) Title() string       { return "Ktor session cookie" }
func (ktorFormat) BindsPurpose() bool  { return false }
func (ktorFormat) CarriesExpiry() bool { return false }

// Detect recognises the two Ktor layouts, raw or URI-encoded, through
// ktor.Inspect. A sesstool token never has one: its characters are
// base64url only, while both layouts need a '/' (or its escape %2F).
func (ktorFormat) Detect(tok string) bool {
	if len(tok) > maxInput {
		return false
	}
	info, err := ktor.Inspect(tok)
	return err == nil && info.Kind != ktor.KindUnknown
}

// DetectKtorStrong reports whether tok is a Ktor cookie whose layout
// leaves no doubt: encrypted, or signed over a session that parses as one
// of Ktor's serializers, a session ID or an encrypted value. A signed
// layout alone (anything, '/', a hex tag) is weak: "name=session/tag"
// matches it as a whole although it is a cookie whose value is the Ktor
// cookie.
func DetectKtorStrong(tok string) bool {
	if len(tok) > maxInput {
		return false
	}
	info, err := ktor.Inspect(tok)
	return err == nil && (info.Kind == ktor.KindEncrypted || info.Kind == ktor.KindSigned && info.Format != "")
}

func ktorLayoutName(kind string, l ktor.Layout) string {
	v := ""
	switch l {
	case ktor.Layout3:
		v = "-3.x"
	case ktor.Layout2:
		v = "-pre-3.0"
	}
	switch kind {
	case KtorEncrypted:
		return "encrypted" + v
	case KtorEncryptedSigned:
		return "encrypted" + v + "+signed"
	}
	return kind
}

// Peek reads what a Ktor cookie shows without a key. Nothing is verified.
func (f ktorFormat) Peek(tok string) Peek {
	p := Peek{Format: f, Length: len(tok)}
	info, err := ktor.Inspect(tok)
	if err != nil {
		p.Err = ktorReject(f, StageEncoding, err)
		return p
	}
	switch info.Kind {
	case ktor.KindEncrypted:
		p.Layout = KtorEncrypted
		p.IV, p.CiphertextLen, p.Tag = info.IV, info.CiphertextLen, info.Tag
		if info.HashKnown {
			p.Hash = ktor.JCEName(info.Hash)
		}
		p.Sealed = true
	case ktor.KindSigned:
		p.Layout = KtorSigned
		p.Hash, p.Tag = ktor.JCEName(info.Hash), info.Tag
		if in := info.Inner; in != nil {
			p.Layout = KtorEncryptedSigned
			p.IV, p.CiphertextLen, p.EncryptedTag = in.IV, in.CiphertextLen, in.Tag
			p.Sealed = true
			break
		}
		text := info.Payload
		p.SessionText = &text
		if js, c, err := KtorSessionJSON([]byte(text)); err == nil {
			p.Payload, p.PayloadCodec = js, c
		}
	}
	return p
}

// ktorReject turns an error of package ktor into an *Error at stage, its
// reason the *ktor.Error's.
func ktorReject(f Format, stage Stage, err error) *Error {
	reason := err.Error()
	if ke, ok := errors.AsType[*ktor.Error](err); ok {
		reason = ke.Reason
	}
	return &Error{Format: f, Kind: token.ErrInvalid, Stage: stage, Reason: reason, Err: err}
}

// NewOpener collects r's Ktor keys that can verify, or the one chosen by
// o.KeyID.
func (f ktorFormat) NewOpener(r *keyring.Ring, o Options) (Opener, error) {
	op := &ktorOpener{f: f, mac: map[transform.Hash][]ktorKey{}, chosen: o.KeyID != 0, raw: o.KtorRaw, serializer: o.KtorSerializer, iv: o.KtorIV}
	if op.serializer == nil {
		op.serializer = ktor.KotlinxJSON() // Ktor 3.x's default
	}
	for k := range r.Keys() {
		if o.KeyID != 0 && k.ID != o.KeyID {
			continue
		}
		h, isMAC := ktor.KeyHash(k.Algorithm)
		if !isMAC && k.Algorithm != keyring.KtorEncrypt {
			if o.KeyID != 0 {
				return nil, fmt.Errorf("%w: key %s is a %s key, not a Ktor key", keyring.ErrState, k.ID, k.Algorithm)
			}
			continue
		}
		if !k.State.Verifies() {
			if o.KeyID != 0 {
				return nil, fmt.Errorf("%w: key %s is %s", keyring.ErrState, k.ID, k.State)
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
	if o.KeyID != 0 && len(op.all) == 0 {
		return nil, fmt.Errorf("%w: %s", keyring.ErrNotFound, o.KeyID)
	}
	if len(op.all) == 0 {
		return nil, ErrNoKeys
	}
	// Newest first: the key most likely to have written a live cookie.
	for h := range op.mac {
		slices.Reverse(op.mac[h])
	}
	slices.Reverse(op.enc)
	slices.Reverse(op.all)
	return op, nil
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
	chosen     bool                         // Options.KeyID chose the one key
	serializer codec.Codec
	raw        bool
	iv         func([]byte)
}

// Open verifies a Ktor cookie and renders its session as JSON (see
// KtorSessionJSON).
func (o *ktorOpener) Open(tok string) (Opened, error) {
	info, err := ktor.Inspect(tok)
	if err != nil {
		return Opened{}, ktorReject(o.f, StageEncoding, err)
	}
	res := Opened{Format: o.f, Ktor: &KtorOpened{}}
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
			return Opened{}, err
		}
		res.Key, res.Ktor.Layout = k, KtorSigned
		inner, ierr := ktor.Inspect(string(text))
		if ierr != nil || inner.Kind != ktor.KindEncrypted || inner.Value != string(text) {
			res.Payload = text
			break
		}
		// Encrypt, then MessageAuthentication: the outer tag covers the
		// whole encrypted value, IV included.
		ek, pt, l, err := o.trial(o.enc, string(keyring.KtorEncrypt),
			"a signed cookie that holds an encrypted value (Encrypt, then MessageAuthentication)", text)
		if err != nil {
			return Opened{}, err
		}
		res.Key, res.Payload = ek, pt
		res.Ktor.OuterKey, res.Ktor.EncLayout = k, l
		res.Ktor.Layout = ktorLayoutName(KtorEncryptedSigned, l)
	case ktor.KindEncrypted:
		k, pt, l, err := o.trial(o.enc, string(keyring.KtorEncrypt),
			fmt.Sprintf("an encrypted cookie with a %d-character tag", len(info.Tag)), value)
		if err != nil {
			return Opened{}, err
		}
		res.Key, res.Payload = k, pt
		res.Ktor.EncLayout = l
		res.Ktor.Layout = ktorLayoutName(KtorEncrypted, l)
	}
	res.JSON, res.Codec, err = KtorSessionJSON(res.Payload)
	if err != nil {
		return Opened{}, &Error{Format: o.f, Kind: token.ErrInvalid, Stage: StagePayload, KeyID: res.Key.ID, Err: err,
			Reason: "the session does not decode: " + err.Error()}
	}
	return res, nil
}

// trial reads value with each of keys in turn and returns the first key
// that verifies it, with the session text and, for Encrypt keys, the
// layout. Its rejections at StageKey wrap ErrNoKeys.
func (o *ktorOpener) trial(keys []ktorKey, alg, what string, value []byte) (keyring.Key, []byte, ktor.Layout, error) {
	if len(keys) == 0 {
		if o.chosen {
			k := o.all[0].key
			e := reject(o.f, token.ErrInvalid, StageKey, k.ID, "%s, which the chosen key %s (%s) cannot open", what, k.ID, k.Algorithm)
			e.Err, e.Algorithm, e.Subject = ErrNoKeys, k.Algorithm, what
			return keyring.Key{}, nil, 0, e
		}
		e := reject(o.f, token.ErrInvalid, StageKey, 0, "%s, and the keyring holds no %s key to open it", what, alg)
		e.Err, e.Algorithm, e.Subject = ErrNoKeys, keyring.Algorithm(alg), what
		return keyring.Key{}, nil, 0, e
	}
	if len(keys) > MaxKtorTrial {
		return keyring.Key{}, nil, 0, &KeyTrialError{Algorithm: keyring.Algorithm(alg), Keys: len(keys), Max: MaxKtorTrial}
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
	stage := StageAuthentication
	e := ktorReject(o.f, stage, last)
	if ke, ok := errors.AsType[*ktor.Error](last); ok && ke.Malformed {
		e.Stage = StageEncoding
	}
	e.Reason += " under " + under
	if len(keys) == 1 {
		e.KeyID = keys[0].key.ID
	}
	return keyring.Key{}, nil, 0, e
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

// KtorSessionJSON renders a Ktor session text as JSON, and names what it
// was: a session ID (32 or 64 lowercase hex characters) becomes a JSON
// string ("session-id"); kotlinx JSON is kept, compacted ("kotlinx-json");
// name=#… (or %23) is the reflection format, decoded ("ktor-reflection");
// anything else is a JSON string ("text"). Text that starts like JSON or
// the reflection format but does not parse is an error: Ktor's serializer
// would reject it too.
func KtorSessionJSON(text []byte) ([]byte, string, error) {
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
		return nil, "", fmt.Errorf("it starts like kotlinx JSON but is not JSON: %w", err)
	}
	if looksLikeReflection(text) {
		var v any
		if err := ktor.Reflection().Unmarshal(text, &v); err != nil {
			reason := err.Error()
			if ke, ok := errors.AsType[*ktor.Error](err); ok {
				reason = ke.Reason
			}
			return nil, "", fmt.Errorf("it starts like the reflection format but does not parse: %s", reason)
		}
		return marshalJSON(v), ktor.Reflection().Name(), nil
	}
	return marshalJSON(strings.ToValidUTF8(string(text), string(utf8.RuneError))), "text", nil
}

// marshalJSON encodes v, which holds only strings, numbers, booleans,
// nil, slices and maps, as compact JSON without HTML escaping.
func marshalJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte("null") // not reached: v is a decoded value
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

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

// ErrNoActiveKey is returned by a Ktor Minter when the ring holds no
// active Ktor key (or the chosen key is not active).
var ErrNoActiveKey = errors.New("the keyring holds no active Ktor key to write the cookie")

func (o *ktorOpener) mintKey() (ktorKey, error) {
	for _, k := range o.all { // newest first
		if k.key.State == keyring.Active {
			return k, nil
		}
		if o.chosen {
			return ktorKey{}, fmt.Errorf("%w: key %s is %s: only active Ktor keys write cookies", keyring.ErrState, k.key.ID, k.key.State)
		}
	}
	return ktorKey{}, ErrNoActiveKey
}

// Mint writes a Ktor cookie value (before cookie encoding) with the
// chosen key, else the newest active Ktor key. payload is the session text
// itself with Options.KtorRaw, else a JSON value for the serializer (see
// ktor.SessionFromJSON). Ktor cookies have no validity: v is not used.
func (o *ktorOpener) Mint(payload []byte, _ token.Validity) (string, Opened, error) {
	k, err := o.mintKey()
	if err != nil {
		return "", Opened{}, err
	}
	text := payload
	if !o.raw {
		if text, err = ktor.SessionFromJSON(o.serializer, payload); err != nil {
			return "", Opened{}, err
		}
	}
	res := Opened{Format: o.f, Key: k.key, Payload: text, Codec: "raw", Ktor: &KtorOpened{}}
	if !o.raw {
		res.Codec = o.serializer.Name()
	}
	t := k.t
	if _, ok := ktor.KeyHash(k.key.Algorithm); ok {
		res.Ktor.Layout = KtorSigned
	} else {
		l, _ := k.enc.Layouts()
		res.Ktor.EncLayout = l
		res.Ktor.Layout = ktorLayoutName(KtorEncrypted, l)
		if o.iv != nil {
			if t, err = ktor.NewEncryptFromKey(k.key, &ktor.EncryptOptions{IV: o.iv}); err != nil {
				return "", Opened{}, err
			}
		}
	}
	return string(t.Write(nil, text)), res, nil
}
