package ktor

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/sesstool/sesstool/internal/transformtest"
	"github.com/sesstool/sesstool/transform"
)

// TestEncryptKtorCookies reproduces the three cookies of Ktor's own tests
// (docs/ktor-format.md §9) byte for byte and reads them back.
func TestEncryptKtorCookies(t *testing.T) {
	for _, tc := range []struct {
		name      string
		layout    Layout
		plaintext string
		cookie    string
	}{
		{"2.x reflection", Layout2, ktorReflectionPlaintext, ktorCookie2},
		{"3.x reflection", Layout3, ktorReflectionPlaintext, ktorCookie3Reflection},
		{"3.x JSON", Layout3, ktorJSONPlaintext, ktorCookie3JSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := NewEncrypt(ktorEncKey, ktorSignKey, &EncryptOptions{Write: tc.layout, IV: fixedIV(ktorIV)})
			if err != nil {
				t.Fatal(err)
			}
			// Several times: the pooled CBC modes must be reset each time.
			for range 3 {
				if got := string(tr.Write(nil, []byte(tc.plaintext))); got != tc.cookie {
					t.Errorf("Write(%q) =\n%s\nwant\n%s", tc.plaintext, got, tc.cookie)
				}
				got, err := tr.Read(nil, []byte(tc.cookie))
				if err != nil || string(got) != tc.plaintext {
					t.Errorf("Read = %q, %v; want %q", got, err, tc.plaintext)
				}
			}
		})
	}
}

// TestEncryptBackwardCompatibleRead is Ktor's backwardCompatibleRead test:
// a 3.x reader accepts the 2.x cookie only when asked to.
func TestEncryptBackwardCompatibleRead(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   EncryptOptions
		cookie string
		ok     bool
	}{
		{"3.x reads 2.x cookie", EncryptOptions{}, ktorCookie2, false},
		{"3.x backward reads 2.x cookie", EncryptOptions{Read: Layout3 | Layout2}, ktorCookie2, true},
		{"3.x backward reads 3.x cookie", EncryptOptions{Read: Layout3 | Layout2}, ktorCookie3Reflection, true},
		{"2.x reads 3.x cookie", EncryptOptions{Write: Layout2}, ktorCookie3Reflection, false},
		{"2.x reads 2.x cookie", EncryptOptions{Write: Layout2}, ktorCookie2, true},
		{"2.x writer reading both", EncryptOptions{Write: Layout2, Read: Layout3 | Layout2}, ktorCookie3Reflection, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := NewEncrypt(ktorEncKey, ktorSignKey, &tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tr.Read(nil, []byte(tc.cookie))
			if tc.ok && (err != nil || string(got) != ktorReflectionPlaintext) {
				t.Errorf("Read = %q, %v; want %q", got, err, ktorReflectionPlaintext)
			}
			if !tc.ok && !errors.Is(err, transform.ErrInvalid) {
				t.Errorf("Read = %q, %v; want transform.ErrInvalid", got, err)
			}
		})
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	for _, keySize := range []int{16, 24, 32} {
		for _, h := range []transform.Hash{transform.SHA256, transform.SHA384, transform.SHA512} {
			for _, l := range []Layout{Layout3, Layout2} {
				t.Run(strings.Join([]string{"AES", string(rune('0' + keySize/8)), h.String(), l.String()}, "-"), func(t *testing.T) {
					newEnc := func() transform.Transformer {
						tr, err := NewEncrypt(bytes.Repeat([]byte{7}, keySize), []byte("sign"), &EncryptOptions{Write: l, Sign: h})
						if err != nil {
							t.Fatal(err)
						}
						return tr
					}
					// Not Authenticated in transformtest's sense: hex case is
					// free in the IV and ciphertext, and Layout3 does not
					// cover the IV. flipEveryBit checks the rest.
					transformtest.Run(t, transformtest.Config{New: newEnc})
					tr := newEnc()
					out := tr.Write(nil, []byte("payload"))
					// "iv(32)/ct(32):tag"
					if want := 2*IVSize + 1 + 32 + 1 + 2*h.Size(); len(out) != want {
						t.Errorf("len(Write) = %d; want %d (%s)", len(out), want, out)
					}
					from := 0
					if l == Layout3 {
						from = 2 * IVSize // the IV is not authenticated: see TestEncryptIVTamper
					}
					flipEveryBit(t, tr, out, from, bytes.IndexByte(out, ':'))
				})
			}
		}
	}
}

func TestEncryptRandomIV(t *testing.T) {
	tr, err := NewEncrypt(ktorEncKey, ktorSignKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := tr.Write(nil, []byte("x")), tr.Write(nil, []byte("x"))
	if bytes.Equal(a[:2*IVSize], b[:2*IVSize]) {
		t.Errorf("two Writes used the same IV %s", a[:2*IVSize])
	}
}

// TestEncryptIVTamper demonstrates the security caveat of docs/ktor-format.md §3.3: the
// Ktor 3.x layout does not authenticate the IV, so flipping IV bits flips
// the same bits of the first plaintext block and the value is accepted.
// The 2.x layout, and the recommended chain with MessageAuthentication,
// reject it.
func TestEncryptIVTamper(t *testing.T) {
	const plaintext = "admin=%23bof&user=%23salice" // two blocks
	tamper := func(cookie []byte, off int) []byte {
		// XOR IV byte 11 with 'f'^'t' = 0x12: "#bof" becomes "#bot".
		out := bytes.Clone(cookie)
		b := mustHex(string(out[off+22 : off+24]))
		b[0] ^= 'f' ^ 't'
		hex.Encode(out[off+22:off+24], b)
		return out
	}

	enc3, err := NewEncrypt(ktorEncKey, ktorSignKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := enc3.Read(nil, tamper(enc3.Write(nil, []byte(plaintext)), 0))
	if err != nil || string(got) != "admin=%23bot&user=%23salice" {
		t.Errorf("Layout3 Read(IV-tampered) = %q, %v; want the forged admin=%%23bot value accepted (the documented caveat)", got, err)
	}

	enc2, err := NewEncrypt(ktorEncKey, ktorSignKey, &EncryptOptions{Write: Layout2})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := enc2.Read(nil, tamper(enc2.Write(nil, []byte(plaintext)), 0)); !errors.Is(err, transform.ErrInvalid) {
		t.Errorf("Layout2 Read(IV-tampered) = %q, %v; want transform.ErrInvalid", got, err)
	}

	mac, err := NewMessageAuthentication([]byte("another key"), transform.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	safe := transform.Chain(enc3, mac)
	if got, err := safe.Read(nil, tamper(safe.Write(nil, []byte(plaintext)), 0)); !errors.Is(err, transform.ErrInvalid) {
		t.Errorf("Chain(Encrypt, MessageAuthentication).Read(IV-tampered) = %q, %v; want transform.ErrInvalid", got, err)
	}
	transformtest.Run(t, transformtest.Config{
		New: func() transform.Transformer { return safe },
		Others: func() []transform.Transformer {
			other, _ := NewMessageAuthentication([]byte("other key"), transform.SHA256)
			return []transform.Transformer{enc3, transform.Chain(enc3, other), transform.Chain(enc2, mac)}
		},
		Authenticated: true,
	})
	// Over the chain, even a change of hex case is rejected: the outer MAC
	// covers the inner value's exact bytes.
	flipEveryBit(t, safe, safe.Write(nil, []byte("x")), 0, 0)
}

func TestEncryptRejects(t *testing.T) {
	tr, err := NewEncrypt(ktorEncKey, ktorSignKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	good := ktorCookie3JSON
	slash := strings.IndexByte(good, '/')
	colon := strings.IndexByte(good, ':')
	iv, ct, tag := good[:slash], good[slash+1:colon], good[colon+1:]
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"INVALID", "INVALID"},
		{"abc/abc:abc", "abc/abc:abc"},
		{"no colon", iv + "/" + ct + tag},
		{"no slash", iv + ct + ":" + tag},
		{"last hex digit flipped", good[:len(good)-1] + "2"},
		{"last char replaced by x", good[:len(good)-1] + "x"},
		{"uppercase tag", iv + "/" + ct + ":" + strings.ToUpper(tag)},
		{"odd IV hex", iv + "0/" + ct + ":" + tag},
		{"odd ciphertext hex", iv + "/" + ct + "0:" + tag},
		{"non-hex IV", "g" + iv[1:] + "/" + ct + ":" + tag},
		{"non-hex ciphertext", iv + "/" + ct[:len(ct)-1] + "g:" + tag},
		{"IV of 8 bytes", iv[:16] + "/" + ct + ":" + tag},
		{"IV of 32 bytes", iv + iv + "/" + ct + ":" + tag},
		{"ciphertext not whole blocks", iv + "/" + ct[:len(ct)-2] + ":" + tag},
		{"empty ciphertext", iv + "/:" + tag},
		{"empty tag", iv + "/" + ct + ":"},
		{"truncated tag", iv + "/" + ct + ":" + tag[:62]},
		{"ciphertext blocks swapped", iv + "/" + ct[32:] + ct[:32] + ":" + tag},
		{"2.x tag without backward read", ktorCookie2},
		{"extra slash", iv + "/x/" + ct + ":" + tag},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := tr.Read(nil, []byte(tc.in)); !errors.Is(err, transform.ErrInvalid) {
				t.Errorf("Read(%q) = %q, %v; want transform.ErrInvalid", tc.in, got, err)
			}
		})
	}
	// Uppercase IV and ciphertext hex are accepted, as in every Ktor version.
	upper := strings.ToUpper(iv) + "/" + strings.ToUpper(ct) + ":" + tag
	if got, err := tr.Read(nil, []byte(upper)); err != nil || string(got) != ktorJSONPlaintext {
		t.Errorf("Read(uppercase IV and ciphertext) = %q, %v; want %q", got, err, ktorJSONPlaintext)
	}
}

// TestEncryptPaddingErrorIndistinguishable builds values whose tag is
// right but whose padding is wrong, for both layouts, and checks that the
// error is the one a wrong tag gives.
func TestEncryptPaddingErrorIndistinguishable(t *testing.T) {
	block, err := aes.NewCipher(ktorEncKey)
	if err != nil {
		t.Fatal(err)
	}
	tagOf := func(b []byte) string {
		m := hmac.New(sha256.New, ktorSignKey)
		m.Write(b)
		return hex.EncodeToString(m.Sum(nil))
	}
	// A plaintext block ending in 0x00 (and one ending in 0x11) has no
	// valid PKCS#7 padding.
	for _, last := range []byte{0x00, 0x11, 0x02} {
		pt := bytes.Repeat([]byte{'a'}, 16)
		pt[15] = last // 0x02 preceded by 'a' is invalid too
		ct := make([]byte, 16)
		cipher.NewCBCEncrypter(block, ktorIV).CryptBlocks(ct, pt)
		prefix := hex.EncodeToString(ktorIV) + "/" + hex.EncodeToString(ct) + ":"

		tr3, _ := NewEncrypt(ktorEncKey, ktorSignKey, nil)
		tr2, _ := NewEncrypt(ktorEncKey, ktorSignKey, &EncryptOptions{Write: Layout2})
		_, wrongTag := tr3.Read(nil, []byte(prefix+strings.Repeat("0", 64)))
		for _, tc := range []struct {
			name string
			tr   transform.Transformer
			in   string
		}{
			{"Layout3 tag over ciphertext", tr3, prefix + tagOf(ct)},
			{"Layout2 tag over the whole block", tr2, prefix + tagOf(pt)},
			{"Layout2 tag over the block minus one byte", tr2, prefix + tagOf(pt[:15])},
			{"Layout2 wrong tag", tr2, prefix + strings.Repeat("0", 64)},
		} {
			_, err := tc.tr.Read(nil, []byte(tc.in))
			if err == nil || err.Error() != wrongTag.Error() || !errors.Is(err, transform.ErrInvalid) {
				t.Errorf("last byte %#x, %s: Read error = %v; want the wrong-tag error %v", last, tc.name, err, wrongTag)
			}
		}
	}
}

func TestUnpad(t *testing.T) {
	for padLen := 0; padLen <= 17; padLen++ {
		for _, blocks := range []int{1, 2} {
			buf := bytes.Repeat([]byte{'z'}, 16*blocks)
			for i := 0; i < padLen && i < len(buf); i++ {
				buf[len(buf)-1-i] = byte(padLen)
			}
			n, ok := unpad(buf)
			valid := padLen >= 1 && padLen <= 16
			if valid && (ok != 1 || n != len(buf)-padLen) {
				t.Errorf("unpad(%x) = %d, %d; want %d, 1", buf, n, ok, len(buf)-padLen)
			}
			if !valid && (ok != 0 || n != len(buf)) {
				t.Errorf("unpad(%x) = %d, %d; want %d, 0", buf, n, ok, len(buf))
			}
		}
	}
	// One wrong byte anywhere in the padding.
	for i := range 16 {
		buf := bytes.Repeat([]byte{16}, 16)
		buf[i] = 15
		if i == 15 {
			buf[i] = 17
		}
		if _, ok := unpad(buf); ok != 0 {
			t.Errorf("unpad(%x) ok = 1; want 0", buf)
		}
	}
}

func TestNewEncryptErrors(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 16)
	for _, tc := range []struct {
		name    string
		encKey  []byte
		signKey []byte
		opts    *EncryptOptions
	}{
		{"15-byte AES key", key[:15], key, nil},
		{"17-byte AES key", append(bytes.Clone(key), 0), key, nil},
		{"empty AES key", nil, key, nil},
		{"empty sign key", key, nil, nil},
		{"unknown hash", key, key, &EncryptOptions{Sign: transform.Hash(7)}},
		{"Write both layouts", key, key, &EncryptOptions{Write: Layout3 | Layout2}},
		{"Write unknown layout", key, key, &EncryptOptions{Write: 4}},
		{"Read unknown layout", key, key, &EncryptOptions{Read: Layout3 | 8}},
		{"Read excludes Write", key, key, &EncryptOptions{Write: Layout3, Read: Layout2}},
		{"Read excludes default Write", key, key, &EncryptOptions{Read: Layout2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tr, err := NewEncrypt(tc.encKey, tc.signKey, tc.opts); err == nil || tr != nil {
				t.Errorf("NewEncrypt = %v, %v; want nil, error", tr, err)
			}
		})
	}
}

func TestLayoutString(t *testing.T) {
	for l, want := range map[Layout]string{
		Layout3:           "Layout3",
		Layout2:           "Layout2",
		Layout3 | Layout2: "Layout3|Layout2",
		0:                 "Layout(0)",
		8:                 "Layout(8)",
	} {
		if got := l.String(); got != want {
			t.Errorf("Layout(%d).String() = %q; want %q", uint8(l), got, want)
		}
	}
}

// TestEncryptConcurrent is meant for -race.
func TestEncryptConcurrent(t *testing.T) {
	tr, err := NewEncrypt(ktorEncKey, ktorSignKey, &EncryptOptions{Read: Layout3 | Layout2, IV: fixedIV(ktorIV)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			payload := bytes.Repeat([]byte{byte('a' + i)}, 100*i)
			for range 50 {
				got, err := tr.Read(nil, tr.Write(nil, payload))
				if err != nil || !bytes.Equal(got, payload) {
					t.Errorf("concurrent round trip = %q, %v", got, err)
					return
				}
				if got, err := tr.Read(nil, []byte(ktorCookie2)); err != nil || string(got) != ktorReflectionPlaintext {
					t.Errorf("concurrent Read(2.x cookie) = %q, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
