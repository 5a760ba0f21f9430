package token_test

import (
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// The benchmarks use the workload of bench/WORKLOAD.md: the Session
// value, a one-hour expiry, purpose LOGIN_SESSION, a reused destination.
// Compare runs with benchstat; bench/ compares with peer libraries.

func benchMinter(b *testing.B, alg keyring.Algorithm, c codec.Codec) *token.Minter {
	b.Helper()
	r, err := keyring.Generate(alg, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	m, err := token.New(r, &token.Options{Purpose: "LOGIN_SESSION", Codec: c})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func forEachSuite(b *testing.B, f func(b *testing.B, m *token.Minter)) {
	for _, alg := range keyring.GeneratedAlgorithms() {
		for _, c := range []codec.Codec{codec.CBOR(), codec.JSON()} {
			b.Run(string(alg)+"/"+c.Name(), func(b *testing.B) { f(b, benchMinter(b, alg, c)) })
		}
	}
}

func BenchmarkMint(b *testing.B) {
	forEachSuite(b, func(b *testing.B, m *token.Minter) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Mint(&workload, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkOpen(b *testing.B) {
	forEachSuite(b, func(b *testing.B, m *token.Minter) {
		tok, err := m.Mint(&workload, time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		var s Session
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Open(tok, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSeal and BenchmarkUnseal measure the byte level: no payload codec.
func BenchmarkSeal(b *testing.B) {
	payload, _ := codec.CBOR().Marshal(&workload)
	for _, alg := range keyring.GeneratedAlgorithms() {
		b.Run(string(alg), func(b *testing.B) {
			m := benchMinter(b, alg, nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Seal(payload, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnseal(b *testing.B) {
	payload, _ := codec.CBOR().Marshal(&workload)
	for _, alg := range keyring.GeneratedAlgorithms() {
		b.Run(string(alg), func(b *testing.B) {
			m := benchMinter(b, alg, nil)
			tok, _ := m.Seal(payload, time.Hour)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := m.Unseal(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpenParallel(b *testing.B) {
	for _, alg := range []keyring.Algorithm{keyring.XChaCha20Poly1305, keyring.AES256GCM} {
		for _, c := range []codec.Codec{codec.CBOR(), codec.JSON()} {
			b.Run(string(alg)+"/"+c.Name(), func(b *testing.B) {
				m := benchMinter(b, alg, c)
				tok, _ := m.Mint(&workload, time.Hour)
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					var s Session
					for pb.Next() {
						if _, err := m.Open(tok, &s); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
