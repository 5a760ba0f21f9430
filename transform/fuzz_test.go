package transform_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/sesstool/sesstool/transform"
)

// fuzzTransformers are the transformers the fuzz targets exercise, by index.
var fuzzTransformers = []transform.Transformer{
	must(transform.NewXChaCha20Poly1305(key32, ad)),
	must(transform.NewChaCha20Poly1305(key32, ad)),
	must(transform.NewAESGCM(key32, ad)),
	must(transform.NewAESGCM(key16, ad)),
	must(transform.NewHMAC(transform.SHA256, key32, ad)),
	must(transform.NewHMAC(transform.SHA512, key32, nil)),
	transform.Base64URL(),
	transform.Hex(),
	transform.Chain(must(transform.NewHMAC(transform.SHA256, key32, ad)), must(transform.NewXChaCha20Poly1305(key32, ad)), transform.Base64URL()),
}

// FuzzTransformRead feeds arbitrary bytes to every transformer's Read: it
// must never panic, a rejection must wrap ErrInvalid, and anything accepted
// by a deterministic transformer must be canonical (Write gives the input
// back) — no two encodings of one value.
func FuzzTransformRead(f *testing.F) {
	for i, tr := range fuzzTransformers {
		f.Add(uint8(i), tr.Write(nil, []byte("seed payload")))
		f.Add(uint8(i), []byte{})
	}
	f.Add(uint8(6), []byte("-_8B="))
	f.Add(uint8(7), []byte("ABCD"))
	f.Fuzz(func(t *testing.T, which uint8, in []byte) {
		i := int(which) % len(fuzzTransformers)
		tr := fuzzTransformers[i]
		out, err := tr.Read(nil, in)
		if err != nil {
			if !errors.Is(err, transform.ErrInvalid) {
				t.Fatalf("transformer %d: Read error = %v; want ErrInvalid", i, err)
			}
			return
		}
		if i == 6 || i == 7 { // the encodings are canonical
			if again := tr.Write(nil, out); !bytes.Equal(again, in) {
				t.Fatalf("transformer %d accepted non-canonical %q (canonical %q)", i, in, again)
			}
		}
	})
}

// FuzzTransformRoundTrip checks Read(Write(x)) == x for every transformer.
func FuzzTransformRoundTrip(f *testing.F) {
	f.Add(uint8(0), []byte("seed payload"))
	f.Add(uint8(8), bytes.Repeat([]byte("ab"), 300))
	f.Fuzz(func(t *testing.T, which uint8, in []byte) {
		i := int(which) % len(fuzzTransformers)
		tr := fuzzTransformers[i]
		got, err := tr.Read(nil, tr.Write(nil, in))
		if err != nil {
			t.Fatalf("transformer %d: Read(Write(x)) error = %v", i, err)
		}
		if !bytes.Equal(got, in) {
			t.Fatalf("transformer %d: Read(Write(x)) = %x; want %x", i, got, in)
		}
	})
}
