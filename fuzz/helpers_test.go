package fuzz

import (
	"bytes"
	"crypto/aes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/token"
	"github.com/sesstool/sesstool/transform"
)

// session is the payload of the native samples: a struct, so that a payload
// of the other codec cannot decode into it by accident (see
// TestCrossContextRejected).
type session struct {
	UID   string   `json:"uid" cbor:"1,keyasint"`
	Roles []string `json:"roles" cbor:"2,keyasint"`
}

var sampleSession = session{UID: "alice", Roles: []string{"admin", "dev"}}

func clock() time.Time { return now }

// nativeSample is one token of sesstool's own format, with the Minter that
// opens it.
type nativeSample struct {
	name string // "algorithm/codec"
	ring *keyring.Ring
	m    *token.Minter
	tok  string
}

// nativeSamples returns a token for every generated algorithm × codec, each
// in its own single-key ring, for purpose "login".
func nativeSamples(t testing.TB) []nativeSample {
	t.Helper()
	var out []nativeSample
	for _, alg := range keyring.GeneratedAlgorithms() {
		r, err := keyring.Generate(alg, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []codec.Codec{codec.JSON(), codec.CBOR()} {
			m, err := token.New(r, &token.Options{Purpose: "login", Codec: c, Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := m.Mint(sampleSession, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			var got session
			if _, err := m.Open(tok, &got); err != nil {
				t.Fatalf("%s/%s: the sample does not open: %v", alg, c.Name(), err)
			}
			out = append(out, nativeSample{name: string(alg) + "/" + c.Name(), ring: r, m: m, tok: tok})
		}
	}
	return out
}

// Fixed Ktor key material. The IV is fixed too, so that the samples, and
// which IV flips Layout3 accepts, are the same on every run; it holds every
// hex digit.
var (
	ktorMACKey  = bytes.Repeat([]byte{0x80, 0x81, 0x82, 0x83}, 8)
	ktorEncKey  = []byte("0123456789abcdef")
	ktorSignKey = bytes.Repeat([]byte{0x40, 0x41, 0x42, 0x43}, 8)
	// ktorChainKey signs the chained samples: the ktor documentation asks
	// for a key independent of the others.
	ktorChainKey = bytes.Repeat([]byte{0xc0, 0xc1, 0xc2, 0xc3}, 8)
	ktorIV       = []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}
)

func fixedIV(iv []byte) { copy(iv, ktorIV) }

// ktorKind says which Read rules a Ktor sample follows.
type ktorKind int

const (
	ktorMAC      ktorKind = iota // MessageAuthentication: everything authenticated
	ktorEncrypt                  // Encrypt: see encryptAccepts
	ktorChainMAC                 // Chain(Encrypt, MessageAuthentication): everything authenticated
)

// ktorSample is one Ktor session value with the transformer that reads it.
type ktorSample struct {
	name   string
	config string // the name without the plaintext: samples of one config read each other
	kind   ktorKind
	read   ktor.Layout // the layouts the Encrypt transformer accepts
	tr     transform.Transformer
	value  string // the transformer's output
	plain  []byte // what Read must return
	layout ktor.Layout
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// ktorSamples returns values of MessageAuthentication with each hash, and of
// Encrypt with each layout policy, for a one-block and a multi-block
// plaintext, and of Chain(Encrypt, MessageAuthentication).
func ktorSamples(t testing.TB) []ktorSample {
	t.Helper()
	var out []ktorSample
	add := func(s ktorSample) {
		s.value = string(s.tr.Write(nil, s.plain))
		got, err := s.tr.Read(nil, []byte(s.value))
		if err != nil || !bytes.Equal(got, s.plain) {
			t.Fatalf("%s: the sample does not read back: %q, %v", s.name, got, err)
		}
		out = append(out, s)
	}
	plains := map[string][]byte{
		"1block": []byte(`{"u":1}`), // 7 bytes: one block with 9 bytes of padding
		"3block": []byte(`{"username":"alice","admin":false}`),
	}
	for _, h := range []transform.Hash{transform.SHA256, transform.SHA384, transform.SHA512} {
		add(ktorSample{name: "mac-" + h.String(), config: "mac-" + h.String(), kind: ktorMAC, tr: must(ktor.NewMessageAuthentication(ktorMACKey, h)), plain: plains["3block"]})
	}
	policies := []struct {
		name        string
		write, read ktor.Layout
	}{
		{"Layout3", ktor.Layout3, ktor.Layout3},
		{"Layout2", ktor.Layout2, ktor.Layout2},
		{"Layout3+2", ktor.Layout3, ktor.Layout3 | ktor.Layout2},
	}
	for _, p := range policies {
		for _, pn := range []string{"1block", "3block"} {
			tr := must(ktor.NewEncrypt(ktorEncKey, ktorSignKey, &ktor.EncryptOptions{Write: p.write, Read: p.read, IV: fixedIV}))
			add(ktorSample{name: "encrypt-" + p.name + "-" + pn, config: "encrypt-" + p.name, kind: ktorEncrypt, read: p.read, layout: p.write, tr: tr, plain: plains[pn]})
		}
	}
	for _, pn := range []string{"1block", "3block"} {
		enc := must(ktor.NewEncrypt(ktorEncKey, ktorSignKey, &ktor.EncryptOptions{IV: fixedIV}))
		mac := must(ktor.NewMessageAuthentication(ktorChainKey, transform.SHA256))
		add(ktorSample{name: "chain-encrypt-mac-" + pn, config: "chain", kind: ktorChainMAC, tr: transform.Chain(enc, mac), plain: plains[pn]})
	}
	return out
}

// mutation is one tampered form of a value.
type mutation struct {
	desc string
	pos  int  // the flipped byte, for flips; else -1
	bit  uint // the flipped bit, for flips
	text string
}

// mutations returns every single-bit flip of every byte of s (the result
// may be any byte, not only ASCII), every truncation, and every one-byte
// extension at either end (all 256 byte values).
func mutations(s string) []mutation {
	var ms []mutation
	for i := range len(s) {
		for bit := range uint(8) {
			b := []byte(s)
			b[i] ^= 1 << bit
			ms = append(ms, mutation{desc: fmt.Sprintf("bit %d of byte %d flipped (%q → %q)", bit, i, s[i], b[i]), pos: i, bit: bit, text: string(b)})
		}
	}
	for n := range len(s) {
		ms = append(ms, mutation{desc: fmt.Sprintf("truncated to %d bytes", n), pos: -1, text: s[:n]})
	}
	for c := range 256 {
		ms = append(ms, mutation{desc: fmt.Sprintf("byte %#02x appended", c), pos: -1, text: s + string([]byte{byte(c)})})
		ms = append(ms, mutation{desc: fmt.Sprintf("byte %#02x prepended", c), pos: -1, text: string([]byte{byte(c)}) + s})
	}
	return ms
}

// hexVal returns the value of a hex digit of either case.
func hexVal(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// encryptAccepts predicts what an Encrypt transformer that reads layouts
// read does with mutation m of a value it wrote from plain. Everything is
// rejected except the two documented leniencies, both confined to one hex
// character changed by one bit:
//
//   - IV and ciphertext hex are accepted in either case (ktor package doc,
//     "Stricter than Ktor"; vectors "uppercase IV/ciphertext hex
//     (accepted)"): a flip of bit 5 of a letter a–f spells the same bytes,
//     and is accepted with the same plaintext by every layout;
//   - Layout3 does not authenticate the IV (ktor package doc "# Security",
//     docs/ktor-format.md §3.3): a flip that leaves a different hex digit in the IV XORs
//     the same difference into the first plaintext block, and Layout3
//     accepts the result whenever its padding is still valid. Layout2 MACs
//     the plaintext and rejects it.
//
// It returns whether Read must accept, and then the plaintext it must give.
func encryptAccepts(value string, plain []byte, read ktor.Layout, m mutation) (bool, []byte) {
	if m.pos < 0 {
		return false, nil
	}
	const ivHex = 2 * ktor.IVSize
	slash, colon := ivHex, bytes.LastIndexByte([]byte(value), ':')
	old := value[m.pos]
	nu := old ^ 1<<m.bit
	ov, _ := hexVal(old)
	nv, isHex := hexVal(nu)
	switch {
	case !isHex:
		return false, nil
	case m.pos > slash && m.pos < colon: // ciphertext
		if nv == ov {
			return true, plain
		}
		return false, nil
	case m.pos >= slash:
		return false, nil
	case nv == ov: // the IV, in the other case
		return true, plain
	case read&ktor.Layout3 == 0:
		return false, nil
	}
	// A different IV byte: CBC decryption XORs it into the first block.
	n := (len(plain)/aes.BlockSize + 1) * aes.BlockSize
	padded := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(n - len(plain))}, n-len(plain))...)
	d := ov ^ nv
	if m.pos%2 == 0 {
		d <<= 4
	}
	padded[m.pos/2] ^= d
	last := padded[n-1]
	if last == 0 || last > aes.BlockSize {
		return false, nil
	}
	for _, c := range padded[n-int(last):] {
		if c != last {
			return false, nil
		}
	}
	return true, padded[:n-int(last)]
}

// isTokenRejection reports whether err is what token.Minter.Open returns
// for a token that is not authentic: a *token.Error wrapping ErrInvalid.
func isTokenRejection(err error) bool {
	te, ok := errors.AsType[*token.Error](err)
	return ok && errors.Is(err, token.ErrInvalid) && te.Stage != 0
}
