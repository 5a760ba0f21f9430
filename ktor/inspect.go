package ktor

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sesstool/sesstool/transform"
)

// ErrUnrecognized is wrapped by the error [Inspect] returns for a value
// that has neither the signed nor the encrypted layout.
var ErrUnrecognized = errors.New("ktor: not a signed or encrypted session value")

// MaxInspectSize is the longest value Inspect looks at, in bytes: far more
// than any browser keeps in one cookie (4096), and small enough that
// inspecting an attacker's input costs little.
const MaxInspectSize = 64 << 10

// Kind is the layout of a session value, as [Inspect] recognises it.
type Kind int

const (
	// KindUnknown is neither layout.
	KindUnknown Kind = iota
	// KindSigned is the MessageAuthentication layout:
	// payload "/" lowercase hex tag of 64, 96 or 128 characters.
	KindSigned
	// KindEncrypted is the Encrypt layout: hex "/" hex ":" lowercase hex.
	KindEncrypted
)

// String returns "unknown", "signed" or "encrypted".
func (k Kind) String() string {
	switch k {
	case KindSigned:
		return "signed"
	case KindEncrypted:
		return "encrypted"
	}
	return "unknown"
}

// Info describes a session value as far as it can be read without a key.
// NOTHING IN IT IS VERIFIED: anyone can write a value with any payload and
// a tag of the right shape. Use it to look at cookies, never to make an
// access decision; to trust a value, Read it with the transformer and key
// that wrote it.
type Info struct {
	// Kind is the layout recognised.
	Kind Kind
	// Value is the session value after cookie decoding: what the last
	// transformer wrote.
	Value string
	// Tag is the hex tag: after the last '/' (signed) or the last ':'
	// (encrypted).
	Tag string
	// Hash is the HMAC algorithm whose tag has Tag's length, if HashKnown.
	// A 96-character tag may also be the unkeyed SHA-384 of Ktor 1.x's
	// deprecated Digest transformer, which has the same layout.
	Hash      transform.Hash
	HashKnown bool
	// IV is the hex IV of an encrypted value.
	IV string
	// CiphertextLen is the ciphertext length in bytes of an encrypted
	// value; the plaintext is 1 to 16 bytes shorter.
	CiphertextLen int
	// Payload is the text before the tag of a signed value: the
	// serialized session, a session ID, or an encrypted value.
	Payload string
	// Format names what Payload looks like: "kotlinx-json" or
	// "ktor-reflection" if it parses as that serializer's output (Data
	// then holds it), "session-id" for 32 or 64 lowercase hex characters
	// (a by-ID session), "encrypted" for an encrypted value signed again
	// (Inner then describes it), or "" if none of these.
	Format string
	// Data is Payload decoded as a generic value that encoding/json can
	// marshal (see [Reflection] for the mapping), or nil.
	Data any
	// Inner describes the encrypted value inside a signed one, as written
	// by Chain(Encrypt, MessageAuthentication).
	Inner *Info
}

// Inspect recognises the layout of a session cookie value without a key
// and returns what it can read: the tag, the hash its length suggests,
// the IV and ciphertext length of an encrypted value, and the payload of
// a signed one, decoded when it is the kotlinx JSON or reflection format.
// The RESULT IS UNVERIFIED: see [Info].
//
// value may be the raw Cookie header value or its URI-decoded form:
// surrounding whitespace and double quotes are removed, and a value that
// contains '%' is URI-decoded (the default cookie encoding; a malformed
// escape gives an error wrapping [ErrMalformedCookie]). A value of
// neither layout gives Kind KindUnknown and an error wrapping
// [ErrUnrecognized], and so does a value over [MaxInspectSize], before any
// work. Inspect never panics, whatever the input.
func Inspect(value string) (Info, error) {
	if len(value) > MaxInspectSize {
		return Info{}, unrecognized(fmt.Sprintf("value is %d bytes; a cookie holds at most %d", len(value), MaxInspectSize))
	}
	v := trimKotlinWhitespace(value)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if strings.Contains(v, "%") {
		var err error
		if v, err = DecodeCookieValue(v, URIEncoding); err != nil {
			return Info{}, err
		}
	}
	if info, ok := inspectEncrypted(v); ok {
		return info, nil
	}
	if info, ok := inspectSigned(v); ok {
		return info, nil
	}
	return Info{Kind: KindUnknown, Value: v}, unrecognized("expected hex/hex:hex or payload/hex tag")
}

func inspectEncrypted(v string) (Info, bool) {
	slash := strings.LastIndexByte(v, '/')
	if slash < 0 {
		return Info{}, false
	}
	iv, tail := v[:slash], v[slash+1:]
	colon := strings.LastIndexByte(tail, ':')
	if colon < 0 {
		return Info{}, false
	}
	ct, tag := tail[:colon], tail[colon+1:]
	if !isHex(iv, true) || !isHex(ct, true) || !isHex(tag, false) {
		return Info{}, false
	}
	info := Info{Kind: KindEncrypted, Value: v, Tag: tag, IV: iv, CiphertextLen: len(ct) / 2}
	info.Hash, info.HashKnown = hashForTag(tag)
	return info, true
}

func inspectSigned(v string) (Info, bool) {
	slash := strings.LastIndexByte(v, '/')
	if slash < 0 {
		return Info{}, false
	}
	tag := v[slash+1:]
	h, ok := hashForTag(tag)
	if !ok || !isHex(tag, false) {
		return Info{}, false
	}
	info := Info{Kind: KindSigned, Value: v, Tag: tag, Hash: h, HashKnown: true, Payload: v[:slash]}
	p := info.Payload
	switch {
	case strings.HasPrefix(p, "{"):
		var data any
		if KotlinxJSON().Unmarshal([]byte(p), &data) == nil {
			info.Format, info.Data = KotlinxJSON().Name(), data
		}
	case looksLikeReflection(p):
		var data any
		if Reflection().Unmarshal([]byte(p), &data) == nil {
			info.Format, info.Data = Reflection().Name(), data
		}
	case (len(p) == 32 || len(p) == 64) && isHex(p, false):
		info.Format = "session-id"
	default:
		if inner, ok := inspectEncrypted(p); ok {
			info.Format, info.Inner = "encrypted", &inner
		}
	}
	return info, true
}

// looksLikeReflection reports whether p starts like the reflection
// format: a property name, '=', and a '#' prefix, raw or as %23.
func looksLikeReflection(p string) bool {
	name, val, ok := strings.Cut(p, "=")
	return ok && name != "" && !strings.Contains(name, "&") &&
		(strings.HasPrefix(val, "#") || strings.HasPrefix(val, "%23"))
}

// hashForTag returns the HMAC whose hex tag has tag's length.
func hashForTag(tag string) (transform.Hash, bool) {
	for _, h := range hashes {
		if len(tag) == 2*h.Size() {
			return h, true
		}
	}
	return 0, false
}

// isHex reports whether s is non-empty hex, lowercase only unless
// anyCase.
func isHex(s string, anyCase bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || anyCase && 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
