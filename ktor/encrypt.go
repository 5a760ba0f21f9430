package ktor

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"github.com/sesstool/sesstool/transform"
)

// IVSize is the length in bytes of the IV that the Encrypt transformer
// writes and requires on read: the AES block size. Ktor writes a 16-byte
// IV for AES in every configuration that works (see [NewEncrypt]).
const IVSize = aes.BlockSize

// Layout names what the tag of an encrypted value authenticates. Both
// layouts share the same text form, hex(iv) "/" hex(ciphertext) ":"
// hex(tag), so a reader cannot tell them apart without the key.
//
// Layout values are bit flags, so that [EncryptOptions.Read] can name a set
// of them.
type Layout uint8

const (
	// Layout3 is the Ktor ≥ 3.0.0 layout: tag = HMAC(ciphertext). The IV is
	// not authenticated; see the package documentation.
	Layout3 Layout = 1 << iota
	// Layout2 is the Ktor < 3.0.0 layout (1.x and 2.x): tag =
	// HMAC(plaintext). Reading it requires decrypting before
	// authenticating.
	Layout2
)

// String returns "Layout3", "Layout2", "Layout3|Layout2", or "Layout(n)"
// for a value with unknown bits.
func (l Layout) String() string {
	if l == 0 || l&^(Layout3|Layout2) != 0 {
		return fmt.Sprintf("Layout(%d)", uint8(l))
	}
	var names []string
	if l&Layout3 != 0 {
		names = append(names, "Layout3")
	}
	if l&Layout2 != 0 {
		names = append(names, "Layout2")
	}
	return strings.Join(names, "|")
}

// EncryptOptions configures [NewEncrypt]. The zero value (or a nil
// pointer) gives Ktor 3.x's defaults: write and read [Layout3] with
// HmacSHA256 and a random IV.
type EncryptOptions struct {
	// Write is the layout that Write produces: Layout3 (the default, Ktor
	// ≥ 3.0.0) or Layout2 (Ktor < 3.0.0).
	Write Layout
	// Read is the set of layouts that Read accepts. Zero means Write's
	// layout only, which is what every Ktor version does by default.
	// Layout3|Layout2 is Ktor 3.x with backwardCompatibleRead = true: a
	// Layout3 tag is checked first, then a Layout2 tag. Read must include
	// Write, so that a transformer always reads what it wrote.
	Read Layout
	// Sign is the HMAC algorithm, Ktor's signAlgorithm (its JCE name is
	// JCEName(Sign)). Zero means transform.SHA256 ("HmacSHA256"), Ktor's
	// default.
	Sign transform.Hash
	// IV, if non-nil, fills the IV for each Write; it is called with a
	// slice of IVSize bytes and must be safe for concurrent use. It exists
	// to reproduce known-answer vectors: a predictable or repeated IV
	// breaks the confidentiality of CBC. Nil means crypto/rand.
	IV func(iv []byte)
}

// NewEncrypt returns the equivalent of Ktor's
// SessionTransportTransformerEncrypt(encKey, signKey, encryptAlgorithm =
// "AES", signAlgorithm = JCEName(opts.Sign)).
//
// encKey is the AES key and must be 16, 24 or 32 bytes. signKey is the
// HMAC key; any non-zero length works (Ktor recommends 32 bytes, and its
// own tests use 11).
//
// Write encrypts src with AES-CBC and PKCS#7 padding under a fresh IV of
// [IVSize] bytes (Ktor ≥ 3.5.1 always uses 16 bytes for AES; older
// versions used the key size, which only worked for AES-128, so cookies
// in the wild have 16-byte IVs too) and appends
//
//	hex(iv) "/" hex(ciphertext) ":" hex(tag)
//
// to dst, all hex lowercase, with the tag of opts.Write's layout.
//
// Read splits src at its last '/' and the tail at its last ':', as Ktor
// does. The IV and ciphertext hex must be well formed (even length, hex
// digits in either case, which is Ktor ≥ 3.5.0's rule; older Ktor ignored
// an odd trailing character), the IV must be [IVSize] bytes and the
// ciphertext a non-empty multiple of the block size. The tag is compared
// as a lowercase hex string in constant time, so an uppercase tag is
// rejected, as in Ktor (which compares with plain string equality).
// The plaintext is appended to dst as bytes: Ktor decodes it as UTF-8
// with replacement, which changes nothing for values that Ktor or this
// package wrote; apply strings.ToValidUTF8 if you need a valid string.
//
// Every rejection wraps [transform.ErrInvalid]. A wrong tag and a wrong
// padding give the same error. With [Layout3] the tag is checked before
// decrypting, so a padding error can only follow a tampered IV. With
// [Layout2] decryption must come first; the padding is then checked
// without branching on it, and the tag is computed and compared whatever
// the padding, so the only difference left is the HMAC's running time,
// which depends on the unpadded length: the residual timing channel of
// every MAC-then-encrypt CBC design (Lucky Thirteen). Accept Layout2 only
// while migrating 2.x cookies.
//
// Layout3 does not authenticate the IV: see the package documentation
// for the consequence and for the configuration to use instead. The
// returned Encrypt is safe for concurrent use. [NewEncryptFromKey] builds
// one from a keyring key.
func NewEncrypt(encKey, signKey []byte, opts *EncryptOptions) (*Encrypt, error) {
	var o EncryptOptions
	if opts != nil {
		o = *opts
	}
	if o.Write == 0 {
		o.Write = Layout3
	}
	if o.Write != Layout3 && o.Write != Layout2 {
		return nil, fmt.Errorf("ktor: EncryptOptions.Write must be Layout3 or Layout2, not %v", o.Write)
	}
	if o.Read == 0 {
		o.Read = o.Write
	}
	if o.Read&^(Layout3|Layout2) != 0 {
		return nil, fmt.Errorf("ktor: EncryptOptions.Read has unknown layout bits: %v", o.Read)
	}
	if o.Read&o.Write == 0 {
		return nil, fmt.Errorf("ktor: EncryptOptions.Read (%v) must include the Write layout (%v)", o.Read, o.Write)
	}
	switch len(encKey) {
	case 16, 24, 32:
	default:
		return nil, fmt.Errorf("ktor: AES key must be 16, 24 or 32 bytes, not %d", len(encKey))
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("ktor: failed to create AES cipher: %v", err)
	}
	mac, err := newMACPool(signKey, o.Sign)
	if err != nil {
		return nil, err
	}
	return &Encrypt{block: block, mac: mac, write: o.Write, read: o.Read, iv: o.IV}, nil
}

// Encrypt is Ktor's SessionTransportTransformerEncrypt, made by
// [NewEncrypt] or [NewEncryptFromKey]: a [transform.Transformer] that also
// reports, on read, which layout verified ([Encrypt.ReadLayout]).
type Encrypt struct {
	block cipher.Block // AES blocks are safe for concurrent use
	mac   *macPool
	write Layout
	read  Layout
	iv    func([]byte)
	bufs  sync.Pool // *scratch
}

// scratch holds a cookie's IV, its binary ciphertext and CBC modes
// between calls, so that Write and Read do not allocate them.
type scratch struct {
	iv       [IVSize]byte
	buf      []byte
	enc, dec cbcMode // nil until first use
}

// cbcMode is a CBC BlockMode whose IV can be reset, as the standard
// library's AES CBC modes can (crypto/tls relies on the same method).
// Creating a mode copies the AES key schedule, about 500 bytes; reusing
// one avoids that allocation on every cookie.
type cbcMode interface {
	cipher.BlockMode
	SetIV([]byte)
}

// encrypter returns a CBC encrypter for s.iv, reusing s's.
func (e *Encrypt) encrypter(s *scratch) cipher.BlockMode {
	if s.enc != nil {
		s.enc.SetIV(s.iv[:])
		return s.enc
	}
	m := cipher.NewCBCEncrypter(e.block, s.iv[:])
	s.enc, _ = m.(cbcMode)
	return m
}

// decrypter returns a CBC decrypter for s.iv, reusing s's.
func (e *Encrypt) decrypter(s *scratch) cipher.BlockMode {
	if s.dec != nil {
		s.dec.SetIV(s.iv[:])
		return s.dec
	}
	m := cipher.NewCBCDecrypter(e.block, s.iv[:])
	s.dec, _ = m.(cbcMode)
	return m
}

// maxPooledBuf bounds the buffers kept in the pool, so that one huge value
// does not pin its memory.
const maxPooledBuf = 16 << 10

func (e *Encrypt) getScratch(n int) *scratch {
	s, _ := e.bufs.Get().(*scratch)
	if s == nil {
		s = new(scratch)
	}
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	s.buf = s.buf[:n]
	return s
}

// putScratch wipes s, which held plaintext, and returns it to the pool.
func (e *Encrypt) putScratch(s *scratch) {
	clear(s.buf)
	if cap(s.buf) > maxPooledBuf {
		s.buf = nil
	}
	e.bufs.Put(s)
}

var (
	// errAuthFailed is the one error for a wrong tag, a wrong padding, or
	// both, so that callers cannot tell them apart.
	errAuthFailed = readError(false, "encrypted value failed authentication")
	errNoSlash    = readError(true, "malformed encrypted value: no '/' after the IV")
	errNoColon    = readError(true, "malformed encrypted value: no ':' before the tag")
	errIVLength   = readError(true, fmt.Sprintf("malformed encrypted value: IV is not %d bytes of hex", IVSize))
	errCTLength   = readError(true, fmt.Sprintf("malformed encrypted value: ciphertext is not a non-empty multiple of %d bytes of hex", aes.BlockSize))
)

func (e *Encrypt) Write(dst, src []byte) []byte {
	n := (len(src)/aes.BlockSize + 1) * aes.BlockSize
	s := e.getScratch(n)
	defer e.putScratch(s)

	if e.iv != nil {
		e.iv(s.iv[:])
	} else {
		rand.Read(s.iv[:]) // never fails since Go 1.24
	}
	ct := s.buf
	copy(ct, src)
	pad := byte(n - len(src)) // PKCS#7: 1..16 bytes, each equal to the count
	for i := len(src); i < n; i++ {
		ct[i] = pad
	}
	e.encrypter(s).CryptBlocks(ct, ct)

	m := e.mac.get()
	defer e.mac.put(m)
	var tag []byte
	if e.write == Layout3 {
		tag = m.lowerHex(ct)
	} else {
		tag = m.lowerHex(src)
	}
	dst = hex.AppendEncode(dst, s.iv[:])
	dst = append(dst, '/')
	dst = hex.AppendEncode(dst, ct)
	dst = append(dst, ':')
	return append(dst, tag...)
}

func (e *Encrypt) Read(dst, src []byte) ([]byte, error) {
	dst, _, err := e.readLayout(dst, src)
	return dst, err
}

// ReadLayout is Read, and also reports the layout whose tag verified:
// [Layout3] or [Layout2]. Both layouts have the same text form, so only the
// key tells them apart; an Encrypt that accepts both (Layout3|Layout2)
// checks Layout3 first. Use it to tell a Ktor 3.x cookie from an older
// one, for instance to find the cookies still written by Ktor 2.x servers
// before turning Layout2 off. The layout is 0 when err is not nil.
func (e *Encrypt) ReadLayout(dst, src []byte) ([]byte, Layout, error) {
	return e.readLayout(dst, src)
}

// Layouts returns the layout that Write produces and the set of layouts
// that Read accepts.
func (e *Encrypt) Layouts() (write, read Layout) { return e.write, e.read }

// Format prints the transformer's layouts under every verb, never its keys.
func (e *Encrypt) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "ktor.Encrypt{write %v, read %v}", e.write, e.read)
}

// readLayout is Read, and reports the layout whose tag verified.
func (e *Encrypt) readLayout(dst, src []byte) ([]byte, Layout, error) {
	slash := bytes.LastIndexByte(src, '/')
	if slash < 0 {
		return dst, 0, errNoSlash
	}
	ivHex, tail := src[:slash], src[slash+1:]
	colon := bytes.LastIndexByte(tail, ':')
	if colon < 0 {
		return dst, 0, errNoColon
	}
	ctHex, tagHex := tail[:colon], tail[colon+1:]
	if len(ivHex) != 2*IVSize {
		return dst, 0, errIVLength
	}
	if len(ctHex) == 0 || len(ctHex)%(2*aes.BlockSize) != 0 {
		return dst, 0, errCTLength
	}

	s := e.getScratch(len(ctHex) / 2)
	defer e.putScratch(s)
	if _, err := hex.Decode(s.iv[:], ivHex); err != nil {
		return dst, 0, readError(true, "malformed encrypted value: invalid hex in IV: "+err.Error())
	}
	buf := s.buf
	if _, err := hex.Decode(buf, ctHex); err != nil {
		return dst, 0, readError(true, "malformed encrypted value: invalid hex in ciphertext: "+err.Error())
	}

	m := e.mac.get()
	defer e.mac.put(m)
	if e.read&Layout3 != 0 && subtle.ConstantTimeCompare(m.lowerHex(buf), tagHex) == 1 {
		// The ciphertext is authentic. The padding can still be wrong if
		// the unauthenticated IV was changed and the value is one block.
		e.decrypter(s).CryptBlocks(buf, buf)
		n, ok := unpad(buf)
		if ok != 1 {
			return dst, 0, errAuthFailed
		}
		return append(dst, buf[:n]...), Layout3, nil
	}
	if e.read&Layout2 != 0 {
		e.decrypter(s).CryptBlocks(buf, buf)
		n, ok := unpad(buf)
		// Compute and compare the tag whatever the padding said, then
		// combine both results without branching on either.
		ok &= subtle.ConstantTimeCompare(m.lowerHex(buf[:n]), tagHex)
		if ok == 1 {
			return append(dst, buf[:n]...), Layout2, nil
		}
	}
	return dst, 0, errAuthFailed
}

// unpad checks the PKCS#7 padding of buf, whose length is a non-zero
// multiple of the block size, without branching on its contents. It
// returns the unpadded length and ok = 1 if the padding is valid, and
// len(buf) and ok = 0 if it is not.
func unpad(buf []byte) (n int, ok int) {
	last := buf[len(buf)-1]
	padLen := int(last)
	ok = subtle.ConstantTimeLessOrEq(1, padLen) & subtle.ConstantTimeLessOrEq(padLen, aes.BlockSize)
	// Check the last block: every byte within the padding must equal it.
	block := buf[len(buf)-aes.BlockSize:]
	for i := range aes.BlockSize {
		inPad := subtle.ConstantTimeLessOrEq(aes.BlockSize-i, padLen) // byte i is among the last padLen
		same := subtle.ConstantTimeByteEq(block[i], last)
		ok &= subtle.ConstantTimeSelect(inPad, same, 1)
	}
	n = subtle.ConstantTimeSelect(ok, len(buf)-padLen, len(buf))
	return n, ok
}
