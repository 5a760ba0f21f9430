package ktor

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/transform"
)

// Keys and IV of Ktor's SessionTest.kt / SessionTestJvm.kt (docs/ktor-format.md §9).
var (
	ktorEncKey  = mustHex("00112233445566778899aabbccddeeff")
	ktorSignKey = mustHex("02030405060708090a0b0c")
	ktorIV      = mustHex("00112233445566778899aabbccddeeff")
)

const (
	ktorReflectionPlaintext = "cart=%23cl&userId=%23sid2"
	ktorJSONPlaintext       = `{"userId":"id2","cart":[]}`
	ktorCookie2             = "00112233445566778899aabbccddeeff/c3850fc1ddc62f71ec5eaad6d393b91fa809fe32a1cf0cb4730788c5a489daef:51a5e9fcd1c91418f9a623bafa5022a524348e44244265dc0cab2cebacc28a5d"
	ktorCookie3Reflection   = "00112233445566778899aabbccddeeff/c3850fc1ddc62f71ec5eaad6d393b91fa809fe32a1cf0cb4730788c5a489daef:65f0bd15bfa7e96b8bd9e134e23a24860b324e361c606e6800af050f5d104b68"
	ktorCookie3JSON         = "00112233445566778899aabbccddeeff/9b8cf9900ff0f63849cb7a2ad71ed8a1ac9f0e2735492d2a5129cf278d70ab27:40af9f393a00034b53d2267251047259005bdf5ff104eede599149e80e6fee13"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// fixedIV returns an EncryptOptions.IV that always writes iv.
func fixedIV(iv []byte) func([]byte) {
	if len(iv) != IVSize {
		panic(fmt.Sprintf("fixedIV: %d bytes", len(iv)))
	}
	return func(dst []byte) { copy(dst, iv) }
}

// flipEveryBit checks that Read rejects wire with any single bit flipped
// at byte offsets from..len(wire)-1, except for flips that only change the
// case of a hex letter before offset anyCase, where hex is
// case-insensitive by design (the IV and ciphertext of encrypted values).
func flipEveryBit(t *testing.T, tr transform.Transformer, wire []byte, from, anyCase int) {
	t.Helper()
	for i := from; i < len(wire); i++ {
		for bit := range 8 {
			b := bytes.Clone(wire)
			b[i] ^= 1 << bit
			if i < anyCase && bit == 5 && bytes.ContainsRune([]byte("abcdefABCDEF"), rune(wire[i])) {
				continue
			}
			if got, err := tr.Read(nil, b); !errors.Is(err, transform.ErrInvalid) {
				t.Fatalf("Read(%q with bit %d of byte %d flipped) = %q, %v; want transform.ErrInvalid", wire, bit, i, got, err)
			}
		}
	}
}

// parseJCEName returns the Hash that a vector file names by its JCE name,
// e.g. "HmacSHA256", matched case-insensitively as JCE does.
func parseJCEName(name string) (transform.Hash, error) {
	for _, h := range hashes {
		if strings.EqualFold(name, JCEName(h)) {
			return h, nil
		}
	}
	return 0, fmt.Errorf("unsupported HMAC algorithm %q", name)
}
