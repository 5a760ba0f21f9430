package fuzz

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/token"
	"github.com/sesstool/sesstool/transform"
)

// FuzzReaders feeds arbitrary bytes to every library read path of
// readers: none may panic, and each rejection must wrap its package's
// sentinel. What is accepted must hold together: a token header that
// Inspect reads says version 1 and the decoded size; a keyring that Parse
// accepts marshals to a file that parses to the same ring; a value that
// ktor.Inspect accepts has a known kind.
func FuzzReaders(f *testing.F) {
	s := nativeSamples(f)[0]
	for _, n := range nativeSamples(f) {
		f.Add([]byte(n.tok))
	}
	for _, k := range ktorSamples(f) {
		f.Add([]byte(k.value))
	}
	file := must(s.ring.Marshal())
	f.Add(file)
	for _, it := range malformedCorpus(s.tok) {
		if len(it.data) < 64<<10 {
			f.Add(it.data)
		}
	}
	rs := readers(f, s)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := input{b: data, s: string(data)}
		for _, r := range rs {
			if err := r.read(in); err != nil && !r.is(err) {
				t.Fatalf("%s(%q) error = %v (%T); want it to wrap the package's sentinel", r.name, data, err, err)
			}
		}
		if h, err := token.Inspect(in.s); err == nil {
			if h.Version != token.Version1 || h.Size < token.HeaderSize || h.Size != len(data)*6/8 {
				t.Fatalf("token.Inspect(%q) = %+v: inconsistent with the input", data, h)
			}
		}
		if r, err := keyring.Parse(data); err == nil {
			out, err := r.Marshal()
			if err != nil {
				t.Fatalf("Marshal of a parsed keyring: %v", err)
			}
			r2, err := keyring.Parse(out)
			if err != nil {
				t.Fatalf("Parse(Marshal(Parse(x))): %v", err)
			}
			if out2 := must(r2.Marshal()); !bytes.Equal(out, out2) {
				t.Fatalf("keyring does not round-trip:\n%s\n%s", out, out2)
			}
		}
		if info, err := ktor.Inspect(in.s); err == nil && info.Kind == ktor.KindUnknown {
			t.Fatalf("ktor.Inspect(%q) accepted a value of unknown kind", data)
		}
	})
}

// FuzzTamper applies a fuzzed edit (overwrite, insert or delete one byte,
// or truncate) to an authentic value of every format: whatever the result,
// only the original opens, except for the Ktor Encrypt leniencies that
// encryptAcceptsText predicts exactly.
func FuzzTamper(f *testing.F) {
	natives := nativeSamples(f)
	ktors := ktorSamples(f)
	n := len(natives) + len(ktors)
	for i := range n {
		f.Add(uint8(i), uint8(0), uint16(3), byte(1))
		f.Add(uint8(i), uint8(1), uint16(10), byte('A'))
		f.Add(uint8(i), uint8(3), uint16(20), byte(0))
	}
	f.Fuzz(func(t *testing.T, which, op uint8, pos uint16, b byte) {
		i := int(which) % n
		var orig string
		if i < len(natives) {
			orig = natives[i].tok
		} else {
			orig = ktors[i-len(natives)].value
		}
		p := int(pos) % (len(orig) + 1)
		var mut string
		switch op % 4 {
		case 0: // overwrite
			if p == len(orig) {
				return
			}
			mut = orig[:p] + string([]byte{b}) + orig[p+1:]
		case 1: // insert
			mut = orig[:p] + string([]byte{b}) + orig[p:]
		case 2: // delete
			if p == len(orig) {
				return
			}
			mut = orig[:p] + orig[p+1:]
		case 3: // truncate
			mut = orig[:p]
		}
		if mut == orig {
			return
		}
		if i < len(natives) {
			s := natives[i]
			var v session
			if _, err := s.m.Open(mut, &v); !isTokenRejection(err) {
				t.Fatalf("%s: Open(%q) error = %v; want ErrInvalid", s.name, mut, err)
			}
			return
		}
		k := ktors[i-len(natives)]
		got, err := k.tr.Read(nil, []byte(mut))
		want, wantPlain := false, []byte(nil)
		if k.kind == ktorEncrypt {
			want, wantPlain = encryptAcceptsText(k.value, k.plain, k.read, mut)
		}
		switch {
		case !want && err == nil:
			t.Fatalf("%s: Read(%q) = %q, accepted", k.name, mut, got)
		case !want && !errors.Is(err, transform.ErrInvalid):
			t.Fatalf("%s: Read(%q) error = %v; want transform.ErrInvalid", k.name, mut, err)
		case want && (err != nil || !bytes.Equal(got, wantPlain)):
			t.Fatalf("%s: Read(%q) = %q, %v; want %q", k.name, mut, got, err, wantPlain)
		}
	})
}

// encryptAcceptsText is encryptAccepts for any edited text: Read accepts it
// only if it spells the same IV, ciphertext and tag (the IV and ciphertext
// hex in any case, the tag in lowercase); or, with Layout3, the same
// ciphertext and tag under another IV, when the first plaintext block, XORed
// with the IV's change, still ends in valid padding.
func encryptAcceptsText(value string, plain []byte, read ktor.Layout, mut string) (bool, []byte) {
	iv0, ct0, tag0, _ := splitEncrypted(value)
	iv, ct, tag, ok := splitEncrypted(mut)
	switch {
	case !ok || !bytes.Equal(ct, ct0) || tag != tag0:
		return false, nil
	case bytes.Equal(iv, iv0):
		return true, plain
	case read&ktor.Layout3 == 0:
		return false, nil
	}
	n := (len(plain)/aes.BlockSize + 1) * aes.BlockSize
	padded := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(n - len(plain))}, n-len(plain))...)
	for j := range aes.BlockSize {
		padded[j] ^= iv0[j] ^ iv[j]
	}
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

// splitEncrypted parses hex(iv) "/" hex(ct) ":" hex(tag) as Read does:
// at the last '/' and then the last ':', IV and ciphertext hex of either
// case and the right lengths; the tag is returned as text.
func splitEncrypted(v string) (iv, ct []byte, tag string, ok bool) {
	slash := bytes.LastIndexByte([]byte(v), '/')
	if slash < 0 {
		return nil, nil, "", false
	}
	rest := v[slash+1:]
	colon := bytes.LastIndexByte([]byte(rest), ':')
	if colon < 0 {
		return nil, nil, "", false
	}
	iv, err1 := hex.DecodeString(v[:slash])
	ct, err2 := hex.DecodeString(rest[:colon])
	if err1 != nil || err2 != nil || len(iv) != ktor.IVSize || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, nil, "", false
	}
	return iv, ct, rest[colon+1:], true
}
