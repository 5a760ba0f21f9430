package fuzz

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/token"
	"github.com/sesstool/sesstool/transform"
)

// TestTamperNative flips every bit of every byte of a token of each native
// algorithm and codec, truncates it at every length and extends it by every
// byte at either end: Open, Unseal and Rewrap must reject every result with
// a *token.Error wrapping ErrInvalid.
func TestTamperNative(t *testing.T) {
	for _, s := range nativeSamples(t) {
		t.Run(s.name, func(t *testing.T) {
			ms := mutations(s.tok)
			for _, m := range ms {
				var got session
				c, err := s.m.Open(m.text, &got)
				if !isTokenRejection(err) {
					t.Fatalf("Open(token with %s) = %+v, %v; want a *token.Error wrapping ErrInvalid", m.desc, c, err)
				}
				if _, _, err := s.m.Unseal(m.text); !isTokenRejection(err) {
					t.Fatalf("Unseal(token with %s) error = %v; want a *token.Error wrapping ErrInvalid", m.desc, err)
				}
				if _, _, err := s.m.Rewrap(m.text); !isTokenRejection(err) {
					t.Fatalf("Rewrap(token with %s) error = %v; want a *token.Error wrapping ErrInvalid", m.desc, err)
				}
			}
			t.Logf("%d mutations of a %d-character token rejected", len(ms), len(s.tok))
		})
	}
}

// TestTamperKtor does the same to Ktor session values. MessageAuthentication
// and Chain(Encrypt, MessageAuthentication) reject every mutation. Encrypt
// rejects every mutation except those encryptAccepts documents (a case flip
// in the IV or ciphertext hex; and, for Layout3 only, a changed IV digit,
// which Layout3 does not authenticate); the test pins that exception: it
// must accept exactly those, with exactly the plaintext predicted.
func TestTamperKtor(t *testing.T) {
	for _, s := range ktorSamples(t) {
		t.Run(s.name, func(t *testing.T) {
			var accepted, ivForged int
			for _, m := range mutations(s.value) {
				got, err := s.tr.Read(nil, []byte(m.text))
				want, wantPlain := false, []byte(nil)
				if s.kind == ktorEncrypt {
					want, wantPlain = encryptAccepts(s.value, s.plain, s.read, m)
				}
				switch {
				case !want && err == nil:
					t.Fatalf("Read(value with %s) = %q, accepted; want it rejected\nvalue %s\ntampered %q", m.desc, got, s.value, m.text)
				case !want && !errors.Is(err, transform.ErrInvalid):
					t.Fatalf("Read(value with %s) error = %v; want transform.ErrInvalid", m.desc, err)
				case want && err != nil:
					t.Fatalf("Read(value with %s) error = %v; the documented exception says it is accepted as %q", m.desc, err, wantPlain)
				case want && !bytes.Equal(got, wantPlain):
					t.Fatalf("Read(value with %s) = %q; want %q", m.desc, got, wantPlain)
				case want:
					accepted++
					if !bytes.Equal(got, s.plain) {
						ivForged++
					}
				}
			}
			t.Logf("%d mutations accepted as documented, %d of them with a changed plaintext (IV not authenticated)", accepted, ivForged)
			// The exception is real for Layout3, and absent elsewhere.
			switch {
			case s.kind == ktorEncrypt && s.read&ktor.Layout3 != 0 && ivForged == 0:
				t.Errorf("no IV flip changed the plaintext: the Layout3 caveat is not exercised")
			case (s.kind != ktorEncrypt || s.read&ktor.Layout3 == 0) && ivForged > 0:
				t.Errorf("%d IV flips accepted with a changed plaintext", ivForged)
			case s.kind != ktorEncrypt && accepted > 0:
				t.Errorf("%d mutations accepted", accepted)
			}
		})
	}
}

// TestTamperKtorChainIVFlips checks the remedy the ktor documentation
// gives for the Layout3 caveat: every IV flip that a bare Layout3 accepts
// is rejected once MessageAuthentication signs the encrypted value.
func TestTamperKtorChainIVFlips(t *testing.T) {
	plain := []byte(`{"username":"alice","admin":false}`)
	enc := must(ktor.NewEncrypt(ktorEncKey, ktorSignKey, &ktor.EncryptOptions{IV: fixedIV}))
	mac := must(ktor.NewMessageAuthentication(ktorChainKey, transform.SHA256))
	chain := transform.Chain(enc, mac)
	inner := string(enc.Write(nil, plain))
	outer := string(chain.Write(nil, plain))
	if !strings.HasPrefix(outer, inner+"/") {
		t.Fatalf("Chain(Encrypt, MAC) = %q; want the Encrypt value %q then '/' and a tag", outer, inner)
	}
	n := 0
	for _, m := range mutations(inner) {
		if ok, _ := encryptAccepts(inner, plain, ktor.Layout3, m); !ok || m.pos >= 2*ktor.IVSize {
			continue
		}
		if _, err := enc.Read(nil, []byte(m.text)); err != nil {
			t.Fatalf("bare Layout3 rejects the IV flip %s: %v; the caveat changed, update encryptAccepts", m.desc, err)
		}
		n++
		tampered := m.text + outer[len(inner):]
		if got, err := chain.Read(nil, []byte(tampered)); !errors.Is(err, transform.ErrInvalid) {
			t.Fatalf("Chain(Encrypt, MAC) Read with %s in the IV = %q, %v; want transform.ErrInvalid", m.desc, got, err)
		}
	}
	if n == 0 {
		t.Fatal("no IV flip is accepted by bare Layout3: nothing was checked")
	}
}

// withSecret returns the keyring file of r with every key's secret
// replaced by secret, and algorithm alg when alg is not empty: the same key
// IDs over other key material.
func withSecret(t *testing.T, r *keyring.Ring, secret []byte, alg keyring.Algorithm) *keyring.Ring {
	t.Helper()
	data, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	for _, k := range f["keys"].([]any) {
		k := k.(map[string]any)
		k["secret"] = base64.RawURLEncoding.EncodeToString(secret)
		if alg != "" {
			k["algorithm"] = string(alg)
		}
	}
	data, err = json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := keyring.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return r2
}

func ringSecret(t *testing.T, r *keyring.Ring) []byte {
	t.Helper()
	data, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Keys []struct{ Secret string } `json:"keys"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	s, err := base64.RawURLEncoding.DecodeString(f.Keys[0].Secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newMinter(t *testing.T, r *keyring.Ring, purpose string, c codec.Codec) *token.Minter {
	t.Helper()
	m, err := token.New(r, &token.Options{Purpose: purpose, Codec: c, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// wantStage fails t unless err is a *token.Error wrapping ErrInvalid at
// stage.
func wantStage(t *testing.T, what string, err error, stage token.Stage) {
	t.Helper()
	te, ok := errors.AsType[*token.Error](err)
	if !ok || !errors.Is(err, token.ErrInvalid) || te.Stage != stage {
		t.Errorf("%s: error = %v; want ErrInvalid at stage %v", what, err, stage)
	}
}

// TestCrossContextRejected moves authentic values where they do not
// belong: to another purpose, another key of the same ring, another
// keyring (with other IDs, or the same IDs over other secrets or
// algorithms), another codec, and between sesstool's format and Ktor's.
func TestCrossContextRejected(t *testing.T) {
	samples := nativeSamples(t)

	t.Run("purpose", func(t *testing.T) {
		for _, s := range samples {
			for _, p := range []string{"", "Login", "login ", "logi", "loginx", "reset"} {
				c := codec.JSON()
				if strings.HasSuffix(s.name, "cbor") {
					c = codec.CBOR()
				}
				var v session
				_, err := newMinter(t, s.ring, p, c).Open(s.tok, &v)
				wantStage(t, s.name+" opened for purpose "+p, err, token.StageAuthentication)
			}
		}
	})

	t.Run("other-key-of-ring", func(t *testing.T) {
		// A ring of two keys of each algorithm: a token's header moved to
		// the other key's ID fails authentication (the header is bound as
		// associated data, and each key has its own secret).
		for _, alg := range keyring.GeneratedAlgorithms() {
			r := must(keyring.Generate(alg, now))
			r, k2, err := r.Add(alg, now)
			if err != nil {
				t.Fatal(err)
			}
			m := newMinter(t, r, "login", codec.JSON())
			tok := must(m.Mint(sampleSession, time.Hour))
			raw := must(base64.RawURLEncoding.DecodeString(tok))
			binary.BigEndian.PutUint32(raw[1:5], uint32(k2.ID))
			_, _, err = m.Unseal(base64.RawURLEncoding.EncodeToString(raw))
			wantStage(t, string(alg)+" token moved to key "+k2.ID.String(), err, token.StageAuthentication)
		}
	})

	t.Run("other-keyring", func(t *testing.T) {
		for _, s := range samples {
			other := must(keyring.Generate(keyring.Algorithm(strings.Split(s.name, "/")[0]), now))
			_, _, err := newMinter(t, other, "login", codec.JSON()).Unseal(s.tok)
			wantStage(t, s.name+" in another keyring", err, token.StageKey)
		}
	})

	t.Run("same-id-other-secret", func(t *testing.T) {
		for _, s := range samples {
			secret := bytes.Repeat([]byte{0x42}, 32)
			_, _, err := newMinter(t, withSecret(t, s.ring, secret, ""), "login", codec.JSON()).Unseal(s.tok)
			wantStage(t, s.name+" under the same key ID with another secret", err, token.StageAuthentication)
		}
	})

	t.Run("same-id-and-secret-other-algorithm", func(t *testing.T) {
		// One secret serves one algorithm only: the subkey is derived per
		// algorithm, so a keyring that relabels a key never opens its
		// tokens.
		for _, s := range samples {
			from := keyring.Algorithm(strings.Split(s.name, "/")[0])
			for _, to := range keyring.GeneratedAlgorithms() {
				if to == from {
					continue
				}
				r2 := withSecret(t, s.ring, ringSecret(t, s.ring), to)
				_, _, err := newMinter(t, r2, "login", codec.JSON()).Unseal(s.tok)
				wantStage(t, s.name+" relabelled "+string(to), err, token.StageAuthentication)
			}
		}
	})

	t.Run("codec", func(t *testing.T) {
		for _, s := range samples {
			other := codec.CBOR()
			if strings.HasSuffix(s.name, "cbor") {
				other = codec.JSON()
			}
			var v session
			_, err := newMinter(t, s.ring, "login", other).Open(s.tok, &v)
			wantStage(t, s.name+" opened with codec "+other.Name(), err, token.StagePayload)
		}
	})

	ks := ktorSamples(t)

	t.Run("native-to-ktor", func(t *testing.T) {
		for _, s := range samples {
			for _, k := range ks {
				if got, err := k.tr.Read(nil, []byte(s.tok)); !errors.Is(err, transform.ErrInvalid) {
					t.Errorf("Ktor %s Read(%s token) = %q, %v; want transform.ErrInvalid", k.name, s.name, got, err)
				}
			}
			if info, err := ktor.Inspect(s.tok); !errors.Is(err, ktor.ErrUnrecognized) {
				t.Errorf("ktor.Inspect(%s token) = %+v, %v; want ErrUnrecognized", s.name, info, err)
			}
		}
	})

	t.Run("ktor-to-native", func(t *testing.T) {
		m := samples[0].m
		for _, k := range ks {
			for _, v := range []string{k.value, must(ktor.EncodeCookieValue(k.value, ktor.URIEncoding)), must(ktor.EncodeCookieValue(k.value, ktor.Base64Encoding))} {
				var out session
				if _, err := m.Open(v, &out); !isTokenRejection(err) {
					t.Errorf("token.Open(Ktor %s value %q) error = %v; want ErrInvalid", k.name, v, err)
				}
				if h, err := token.Inspect(v); !errors.Is(err, token.ErrInvalid) {
					t.Errorf("token.Inspect(Ktor %s value %q) = %+v, %v; want ErrInvalid", k.name, v, h, err)
				}
			}
		}
	})

	t.Run("between-ktor-configurations", func(t *testing.T) {
		// Every Ktor sample read by every other configuration: a MAC of
		// another hash, an Encrypt value of another layout, a chained value
		// by a bare transformer and back.
		for _, a := range ks {
			for _, b := range ks {
				if a.config == b.config || (a.kind == ktorEncrypt && b.kind == ktorEncrypt && a.layout&b.read != 0) {
					continue // b reads what a writes by design
				}
				if got, err := b.tr.Read(nil, []byte(a.value)); !errors.Is(err, transform.ErrInvalid) {
					t.Errorf("%s Read(%s value) = %q, %v; want transform.ErrInvalid", b.name, a.name, got, err)
				}
			}
		}
	})

	t.Run("keyring-ktor-keys", func(t *testing.T) {
		// A ring with a native primary and imported Ktor keys: the token
		// package never opens a Ktor value with them, and the Ktor keys'
		// transformers never read a native token.
		r := must(keyring.Generate(keyring.Default, now))
		var ktorKeys []keyring.Key
		for _, mat := range []keyring.Material{
			{Algorithm: keyring.KtorHMACSHA256, Secret: ktorMACKey},
			{Algorithm: keyring.KtorEncrypt, Secret: ktorEncKey, SignSecret: ktorSignKey, KtorLayout: keyring.KtorLayoutBoth},
		} {
			var k keyring.Key
			var err error
			if r, k, err = r.Import(mat, now); err != nil {
				t.Fatal(err)
			}
			ktorKeys = append(ktorKeys, k)
		}
		m := newMinter(t, r, "login", codec.JSON())
		tok := must(m.Mint(sampleSession, time.Hour))
		for _, k := range ktorKeys {
			tr := must(ktor.NewFromKey(k))
			if _, err := tr.Read(nil, []byte(tok)); !errors.Is(err, transform.ErrInvalid) {
				t.Errorf("Ktor key %v read a native token: %v", k, err)
			}
			cookie := string(tr.Write(nil, []byte(`{"uid":"alice"}`)))
			if _, _, err := m.Unseal(cookie); !isTokenRejection(err) {
				t.Errorf("token.Unseal(cookie of Ktor key %v) error = %v; want ErrInvalid", k, err)
			}
			// A native header naming the Ktor key, over the Ktor value:
			// the key is found but cannot open native tokens.
			raw := binary.BigEndian.AppendUint32([]byte{token.Version1}, uint32(k.ID))
			forged := base64.RawURLEncoding.EncodeToString(append(raw, cookie...))
			_, _, err := m.Unseal(forged)
			wantStage(t, "native header naming Ktor key "+k.ID.String(), err, token.StageKey)
		}
	})
}
