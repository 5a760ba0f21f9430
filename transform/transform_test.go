package transform_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/internal/transformtest"
	"github.com/sesstool/sesstool/transform"
)

var (
	key32 = bytes.Repeat([]byte{0x42}, 32)
	key16 = bytes.Repeat([]byte{0x24}, 16)
	ad    = []byte("LOGIN_SESSION")
)

func must(t transform.Transformer, err error) transform.Transformer {
	if err != nil {
		panic(err)
	}
	return t
}

func TestConformance(t *testing.T) {
	other := bytes.Repeat([]byte{0x43}, 32)
	tests := []struct {
		name string
		c    transformtest.Config
	}{
		{"XChaCha20Poly1305", transformtest.Config{
			New: func() transform.Transformer { return must(transform.NewXChaCha20Poly1305(key32, ad)) },
			Others: func() []transform.Transformer {
				return []transform.Transformer{
					must(transform.NewXChaCha20Poly1305(other, ad)),
					must(transform.NewXChaCha20Poly1305(key32, []byte("OTHER"))),
					must(transform.NewXChaCha20Poly1305(key32, nil)),
					must(transform.NewChaCha20Poly1305(key32, ad)),
				}
			},
			Authenticated: true,
		}},
		{"ChaCha20Poly1305", transformtest.Config{
			New: func() transform.Transformer { return must(transform.NewChaCha20Poly1305(key32, ad)) },
			Others: func() []transform.Transformer {
				return []transform.Transformer{
					must(transform.NewChaCha20Poly1305(other, ad)),
					must(transform.NewChaCha20Poly1305(key32, []byte("OTHER"))),
					must(transform.NewAESGCM(key32, ad)),
				}
			},
			Authenticated: true,
		}},
		{"AES256GCM", transformtest.Config{
			New: func() transform.Transformer { return must(transform.NewAESGCM(key32, ad)) },
			Others: func() []transform.Transformer {
				return []transform.Transformer{
					must(transform.NewAESGCM(other, ad)),
					must(transform.NewAESGCM(key32, []byte("LOGIN_SESSIOM"))),
					must(transform.NewChaCha20Poly1305(key32, ad)),
				}
			},
			Authenticated: true,
		}},
		{"AES128GCM", transformtest.Config{
			New: func() transform.Transformer { return must(transform.NewAESGCM(key16, ad)) },
			Others: func() []transform.Transformer {
				return []transform.Transformer{must(transform.NewAESGCM(key32[:16], ad))}
			},
			Authenticated: true,
		}},
		{"HMACSHA256", hmacConfig(transform.SHA256)},
		{"HMACSHA384", hmacConfig(transform.SHA384)},
		{"HMACSHA512", hmacConfig(transform.SHA512)},
		{"Base64URL", transformtest.Config{New: func() transform.Transformer { return transform.Base64URL() }, Deterministic: true}},
		{"Hex", transformtest.Config{New: func() transform.Transformer { return transform.Hex() }, Deterministic: true}},
		{"ChainSealThenEncode", transformtest.Config{
			New: func() transform.Transformer {
				return transform.Chain(must(transform.NewHMAC(transform.SHA256, key32, ad)), must(transform.NewXChaCha20Poly1305(key32, ad)), transform.Base64URL())
			},
			Others: func() []transform.Transformer {
				return []transform.Transformer{transform.Chain(must(transform.NewHMAC(transform.SHA256, key32, ad)), must(transform.NewXChaCha20Poly1305(key32, nil)), transform.Base64URL())}
			},
		}},
		{"EmptyChain", transformtest.Config{New: func() transform.Transformer { return transform.Chain() }, Deterministic: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { transformtest.Run(t, tt.c) })
	}
}

func hmacConfig(h transform.Hash) transformtest.Config {
	return transformtest.Config{
		New: func() transform.Transformer { return must(transform.NewHMAC(h, key32, ad)) },
		Others: func() []transform.Transformer {
			return []transform.Transformer{
				must(transform.NewHMAC(h, key16, ad)),
				must(transform.NewHMAC(h, key32, []byte("OTHER"))),
				must(transform.NewHMAC(h, key32, nil)),
				must(transform.NewHMAC(h%3+1, key32, ad)),
			}
		},
		Authenticated: true,
		Deterministic: true,
	}
}

// tagged is a Ktor-style test transformer: Write appends ";"+s, Read strips
// it or fails.
type tagged string

func (s tagged) Write(dst, src []byte) []byte { return append(append(append(dst, src...), ';'), s...) }
func (s tagged) Read(dst, src []byte) ([]byte, error) {
	suffix := ";" + string(s)
	if !strings.HasSuffix(string(src), suffix) {
		return dst, transform.ErrInvalid
	}
	return append(dst, src[:len(src)-len(suffix)]...), nil
}

// TestChainOrder is Ktor's SessionTransportTransformerKtTest: writing "0"
// through [A("1"), B("2")] gives "0;1;2", and reading it back gives "0".
func TestChainOrder(t *testing.T) {
	c := transform.Chain(tagged("1"), tagged("2"))
	if got := string(c.Write(nil, []byte("0"))); got != "0;1;2" {
		t.Fatalf("Write = %q; want %q", got, "0;1;2")
	}
	got, err := c.Read(nil, []byte("0;1;2"))
	if err != nil || string(got) != "0" {
		t.Fatalf("Read = %q, %v; want %q", got, err, "0")
	}
	// Read applies B first: a value that only A accepts is rejected.
	if _, err := c.Read(nil, []byte("0;2;1")); !errors.Is(err, transform.ErrInvalid) {
		t.Fatalf("Read(wrong order) error = %v; want ErrInvalid", err)
	}
}

func TestBase64URLStrict(t *testing.T) {
	valid := string(transform.Base64URL().Write(nil, []byte{0xfb, 0xff, 0x01}))
	if valid != "-_8B" {
		t.Fatalf("Write = %q; want %q", valid, "-_8B")
	}
	for _, in := range []string{
		"-_8B=",     // padding
		"-_8B\n",    // line feed
		"-_\r\n8B",  // CR LF inside
		"+/8B",      // standard alphabet
		"A",         // impossible length
		"AB",        // non-zero trailing bits: 'B' leaves bits set
		"-_8B -_8B", // space
	} {
		if _, err := transform.Base64URL().Read(nil, []byte(in)); !errors.Is(err, transform.ErrInvalid) {
			t.Errorf("Read(%q) error = %v; want ErrInvalid", in, err)
		}
	}
}

func TestHexStrict(t *testing.T) {
	for _, in := range []string{"ABCD", "abc", "zz", "ab cd", "ab\n"} {
		if _, err := transform.Hex().Read(nil, []byte(in)); !errors.Is(err, transform.ErrInvalid) {
			t.Errorf("Read(%q) error = %v; want ErrInvalid", in, err)
		}
	}
}

func TestConstructorErrors(t *testing.T) {
	for name, f := range map[string]func() (transform.Transformer, error){
		"xchacha short key": func() (transform.Transformer, error) { return transform.NewXChaCha20Poly1305(key16, nil) },
		"chacha short key":  func() (transform.Transformer, error) { return transform.NewChaCha20Poly1305(key16, nil) },
		"aes 24-byte key":   func() (transform.Transformer, error) { return transform.NewAESGCM(make([]byte, 24), nil) },
		"aes empty key":     func() (transform.Transformer, error) { return transform.NewAESGCM(nil, nil) },
		"hmac short key":    func() (transform.Transformer, error) { return transform.NewHMAC(transform.SHA256, key16[:15], nil) },
		"hmac unknown hash": func() (transform.Transformer, error) { return transform.NewHMAC(0, key32, nil) },
	} {
		if tr, err := f(); err == nil || tr != nil {
			t.Errorf("%s: got %v, %v; want an error", name, tr, err)
		}
	}
}

// TestHMACNoPrefixAmbiguity checks that the length prefix keeps purposes
// apart even when one purpose is a prefix of another.
func TestHMACNoPrefixAmbiguity(t *testing.T) {
	a := must(transform.NewHMAC(transform.SHA256, key32, []byte("LOGIN")))
	b := must(transform.NewHMAC(transform.SHA256, key32, []byte("LOGINX")))
	tok := a.Write(nil, []byte("Xpayload"))
	if _, err := b.Read(nil, tok); err == nil {
		t.Fatal("a tag for purpose LOGIN + message Xpayload verified for purpose LOGINX")
	}
}

// TestFormatHidesKeys: keyed transformers print their algorithm, never key
// bytes, under every verb.
func TestFormatHidesKeys(t *testing.T) {
	key := []byte("0123456789abcdef0123456789ABCDEF")
	for _, tr := range []transform.Transformer{
		must(transform.NewXChaCha20Poly1305(key, nil)),
		must(transform.NewChaCha20Poly1305(key, nil)),
		must(transform.NewAESGCM(key, nil)),
		must(transform.NewHMAC(transform.SHA256, key, nil)),
	} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			out := fmt.Sprintf(verb, tr)
			if !strings.HasPrefix(out, "transform.") || strings.Contains(out, "0123456789") || strings.Contains(out, "3031323334") {
				t.Errorf("Sprintf(%q, transformer) = %q; want the algorithm name only", verb, out)
			}
		}
	}
}

// TestBase64URLLineBreakOffset: the error names the first line break.
func TestBase64URLLineBreakOffset(t *testing.T) {
	for in, want := range map[string]string{"AB\nCD\rEF": "offset 2", "AB\rCD\nEF": "offset 2", "ABCD\n": "offset 4"} {
		_, err := transform.Base64URL().Read(nil, []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Read(%q) error = %v; want %q", in, err, want)
		}
	}
}

// TestBase64URLRejectsEveryLineBreak: Read searches for line breaks only
// when the decoded length or the input length says there may be some; one
// or two CR or LF anywhere in an encoding of any length must still be
// found.
func TestBase64URLRejectsEveryLineBreak(t *testing.T) {
	for n := 0; n <= 40; n++ {
		enc := transform.Base64URL().Write(nil, bytes.Repeat([]byte{0xa5}, n))
		for _, brk := range []string{"\n", "\r", "\r\n", "\n\n"} {
			for i := 0; i <= len(enc); i++ {
				in := string(enc[:i]) + brk + string(enc[i:])
				_, err := transform.Base64URL().Read(nil, []byte(in))
				if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("line break at offset %d", i)) {
					t.Fatalf("Read(%q) error = %v; want a line break at offset %d", in, err, i)
				}
			}
		}
	}
}
