package ktor

import (
	"bytes"
	"testing"

	"github.com/sesstool/sesstool/transform"
)

// benchPayload is the session value of the project's benchmark workload
// (bench/WORKLOAD.md) as compact JSON (142 bytes).
const benchPayload = `{"uid":"u_8f14e45fceea167a","name":"Alice Example","roles":["admin","billing","support"],"csrf":"3q2-7wAAAAAAAAAAAAAAAA","created":1764115200}`

var benchKey = bytes.Repeat([]byte{0x42}, 32)

func benchTransformer(b *testing.B, tr transform.Transformer) {
	b.Helper()
	src := []byte(benchPayload)
	wire := tr.Write(nil, src)
	b.Run("Write", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(src)))
		dst := make([]byte, 0, 2*len(wire))
		for b.Loop() {
			dst = tr.Write(dst[:0], src)
		}
	})
	b.Run("Read", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(src)))
		dst := make([]byte, 0, 2*len(src))
		for b.Loop() {
			var err error
			if dst, err = tr.Read(dst[:0], wire); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMessageAuthentication(b *testing.B) {
	tr, err := NewMessageAuthentication(benchKey, transform.SHA256)
	if err != nil {
		b.Fatal(err)
	}
	benchTransformer(b, tr)
}

func BenchmarkEncrypt(b *testing.B) {
	for _, tc := range []struct {
		name string
		key  []byte
		opts *EncryptOptions
	}{
		{"AES128-Layout3", benchKey[:16], nil},
		{"AES256-Layout3", benchKey, nil},
		{"AES128-Layout2", benchKey[:16], &EncryptOptions{Write: Layout2}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tr, err := NewEncrypt(tc.key, benchKey, tc.opts)
			if err != nil {
				b.Fatal(err)
			}
			benchTransformer(b, tr)
		})
	}
}

// BenchmarkEncryptThenMAC is the recommended configuration,
// Chain(Encrypt, MessageAuthentication).
func BenchmarkEncryptThenMAC(b *testing.B) {
	enc, err := NewEncrypt(benchKey[:16], benchKey, nil)
	if err != nil {
		b.Fatal(err)
	}
	mac, err := NewMessageAuthentication(benchKey[16:], transform.SHA256)
	if err != nil {
		b.Fatal(err)
	}
	benchTransformer(b, transform.Chain(enc, mac))
}
