package ktor

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// Hash selects the HMAC algorithm of a transformer. Its zero value is
// [HmacSHA256], Ktor's default for both transformers.
type Hash int

const (
	// HmacSHA256 is HMAC-SHA-256: a 32-byte tag, 64 hex characters.
	// It is Ktor's default.
	HmacSHA256 Hash = iota
	// HmacSHA384 is HMAC-SHA-384: a 48-byte tag, 96 hex characters.
	HmacSHA384
	// HmacSHA512 is HMAC-SHA-512: a 64-byte tag, 128 hex characters.
	HmacSHA512
)

// maxTagSize is the largest tag of any supported Hash, in bytes.
const maxTagSize = sha512.Size

// String returns the JCE algorithm name that Ktor is configured with,
// e.g. "HmacSHA256", or "Hash(n)" for an unknown value.
func (h Hash) String() string {
	switch h {
	case HmacSHA256:
		return "HmacSHA256"
	case HmacSHA384:
		return "HmacSHA384"
	case HmacSHA512:
		return "HmacSHA512"
	}
	return fmt.Sprintf("Hash(%d)", int(h))
}

// Size returns the length of h's tag in bytes (the hex form is twice as
// long), or 0 if h is not a known Hash.
func (h Hash) Size() int {
	switch h {
	case HmacSHA256:
		return sha256.Size
	case HmacSHA384:
		return sha512.Size384
	case HmacSHA512:
		return sha512.Size
	}
	return 0
}

// ParseHash returns the Hash named by a JCE algorithm name such as
// "HmacSHA256". As in JCE, the name is matched case-insensitively.
func ParseHash(name string) (Hash, error) {
	for _, h := range []Hash{HmacSHA256, HmacSHA384, HmacSHA512} {
		if strings.EqualFold(name, h.String()) {
			return h, nil
		}
	}
	return 0, fmt.Errorf("ktor: unsupported HMAC algorithm %q (want HmacSHA256, HmacSHA384 or HmacSHA512)", name)
}

func (h Hash) newFunc() func() hash.Hash {
	switch h {
	case HmacSHA256:
		return sha256.New
	case HmacSHA384:
		return sha512.New384
	case HmacSHA512:
		return sha512.New
	}
	return nil
}

var errEmptyKey = errors.New("ktor: empty HMAC key")

// macState is one pre-keyed HMAC with scratch space for its tag, so that a
// tag can be computed and hex-encoded without allocating.
type macState struct {
	h   hash.Hash
	sum [maxTagSize]byte
	hex [2 * maxTagSize]byte
}

// lowerHex computes HMAC(data) and returns its lowercase hex form. The
// result aliases s and is valid until s is reused.
func (s *macState) lowerHex(data []byte) []byte {
	s.h.Reset()
	s.h.Write(data)
	sum := s.h.Sum(s.sum[:0])
	return s.hex[:hex.Encode(s.hex[:], sum)]
}

// macPool hands out pre-keyed HMAC states. Keying an HMAC costs two
// compression-function calls plus allocations; the pool pays that once per
// state rather than once per cookie.
type macPool struct {
	pool sync.Pool
	size int // tag size in bytes
}

func newMACPool(key []byte, h Hash) (*macPool, error) {
	fn := h.newFunc()
	if fn == nil {
		return nil, fmt.Errorf("ktor: unsupported HMAC algorithm %v", h)
	}
	if len(key) == 0 {
		return nil, errEmptyKey
	}
	key = append([]byte(nil), key...) // the caller may reuse its slice
	p := &macPool{size: h.Size()}
	p.pool.New = func() any { return &macState{h: hmac.New(fn, key)} }
	return p, nil
}

func (p *macPool) get() *macState  { return p.pool.Get().(*macState) }
func (p *macPool) put(s *macState) { p.pool.Put(s) }
