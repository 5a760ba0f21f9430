package ktor

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sync"

	"github.com/sesstool/sesstool/transform"
)

// An HMAC algorithm of a Ktor transformer is a [transform.Hash]:
// [transform.SHA256] (Ktor's default; the zero Hash means it here too),
// [transform.SHA384] or [transform.SHA512]. Ktor names them by their JCE
// names, which [JCEName] returns.

// maxTagSize is the largest tag of any supported Hash, in bytes.
const maxTagSize = sha512.Size

// JCEName returns the JCE algorithm name that Ktor is configured with for
// h, e.g. "HmacSHA256" for [transform.SHA256] (and for the zero Hash,
// which means SHA-256 in this package), or "Hash(n)" for an unknown value.
func JCEName(h transform.Hash) string {
	switch orDefault(h) {
	case transform.SHA256:
		return "HmacSHA256"
	case transform.SHA384:
		return "HmacSHA384"
	case transform.SHA512:
		return "HmacSHA512"
	}
	return fmt.Sprintf("Hash(%d)", uint8(h))
}

// orDefault returns h, or for the zero Hash Ktor's default,
// transform.SHA256.
func orDefault(h transform.Hash) transform.Hash {
	if h == 0 {
		return transform.SHA256
	}
	return h
}

// hashes are the HMAC algorithms Ktor can be configured with.
var hashes = [...]transform.Hash{transform.SHA256, transform.SHA384, transform.SHA512}

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

func newMACPool(key []byte, h transform.Hash) (*macPool, error) {
	h = orDefault(h)
	if h.Size() == 0 {
		return nil, fmt.Errorf("ktor: unsupported HMAC algorithm %v", JCEName(h))
	}
	if len(key) == 0 {
		return nil, errEmptyKey
	}
	key = append([]byte(nil), key...) // the caller may reuse its slice
	p := &macPool{size: h.Size()}
	p.pool.New = func() any { return &macState{h: hmac.New(h.New, key)} }
	return p, nil
}

func (p *macPool) get() *macState  { return p.pool.Get().(*macState) }
func (p *macPool) put(s *macState) { p.pool.Put(s) }
