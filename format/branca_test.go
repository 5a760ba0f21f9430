package format_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/internal/tamper"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// The Branca specification's key and its "Hello world with November 27
// timestamp" token.
const (
	brancaSpecKey   = "73757065727365637265746b6579796f7573686f756c646e6f74636f6d6d6974"
	brancaSpecToken = "875GH23U0Dr6nHFA63DhOyd9LkYudBkX8RsCTOMz5xoYAMw9sMd5QwcEqLDRnTDHPenOX7nP2trlT"
)

var brancaSpecIssued = time.Unix(123206400, 0).UTC()

func brancaKeyText(b byte) string {
	k := make([]byte, 32)
	for i := range k {
		k[i] = b + byte(i)
	}
	return hex.EncodeToString(k)
}

func TestBrancaParseKey(t *testing.T) {
	f := format.Branca().(format.Importer)
	for _, tc := range []struct {
		name, input string
		opts        map[string]string
		err         error
	}{
		{"hex", brancaSpecKey, nil, nil},
		{"upper-case hex and a newline", strings.ToUpper(brancaSpecKey) + "\n", nil, nil},
		{"max-age", brancaSpecKey, map[string]string{"max-age": "60"}, nil},
		{"the spec's invalid key (11 bytes)", "746f6f73686f72746b6579", nil, format.ErrKeyInput},
		{"33 bytes", brancaSpecKey + "00", nil, format.ErrKeyInput},
		{"odd digits", brancaSpecKey[:63], nil, format.ErrKeyInput},
		{"not hex", strings.Repeat("zz", 32), nil, format.ErrKeyInput},
		{"two words", brancaSpecKey + " " + brancaSpecKey, nil, format.ErrKeyInput},
		{"the key as text", "supersecretkeyyoushouldnotcommit", nil, format.ErrKeyInput},
		{"empty", "\n", nil, format.ErrKeyInput},
		{"bad max-age", brancaSpecKey, map[string]string{"max-age": "soon"}, keyring.ErrOption},
		{"unknown option", brancaSpecKey, map[string]string{"ttl": "60"}, keyring.ErrOption},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := f.ParseKey(keyring.Branca, []byte(tc.input), mustOptions(t, tc.opts))
			if tc.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if m.Algorithm != keyring.Branca || hex.EncodeToString(m.Secret) != brancaSpecKey {
					t.Fatalf("material %v %x", m.Algorithm, m.Secret)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if in := strings.TrimSpace(tc.input); in != "" && strings.Contains(err.Error(), in) {
				t.Fatalf("the error quotes the input: %v", err)
			}
		})
	}
}

func TestBrancaOpenSpecToken(t *testing.T) {
	f := format.Branca().(format.Importer)
	for _, tc := range []struct {
		name   string
		opts   map[string]string
		at     time.Duration
		leeway time.Duration
		err    error
	}{
		{"no max-age, decades later", nil, 50 * 365 * 24 * time.Hour, 0, nil},
		{"max-age, before expiry", map[string]string{"max-age": "60"}, 59 * time.Second, 0, nil},
		{"max-age, at expiry", map[string]string{"max-age": "60"}, 60 * time.Second, 0, token.ErrExpired},
		{"max-age, at expiry, within the leeway", map[string]string{"max-age": "60"}, 60 * time.Second, time.Second, nil},
		{"issued 1 s in the future", nil, -time.Second, 0, token.ErrNotYetValid},
		{"issued 30 s in the future, leeway 30 s", nil, -30 * time.Second, 30 * time.Second, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ids := importedRing(t, f, keyring.Branca, tc.opts, brancaSpecKey)
			op, err := f.NewOpener(r, format.Options{Leeway: tc.leeway, Now: func() time.Time { return brancaSpecIssued.Add(tc.at) }})
			if err != nil {
				t.Fatal(err)
			}
			res, err := op.Open(brancaSpecToken)
			if tc.err != nil {
				if e, ok := errors.AsType[*format.Error](err); !errors.Is(err, tc.err) || !ok || e.Stage != format.StageValidity {
					t.Fatalf("err = %v, want %v at StageValidity", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Payload) != "Hello world!" || res.Codec != "text" || res.Key.ID != ids[0] || !res.IssuedAt.Equal(brancaSpecIssued) {
				t.Fatalf("opened %q (%s) by %v at %v", res.Payload, res.Codec, res.Key.ID, res.IssuedAt)
			}
			if (tc.opts == nil) != res.ExpiresAt.IsZero() {
				t.Fatalf("expires %v", res.ExpiresAt)
			}
		})
	}
	p := f.Peek(brancaSpecToken)
	if p.Err != nil || !p.Sealed || !p.IssuedAt.Equal(brancaSpecIssued) || len(p.Details) != 3 || p.Details[2] != (format.Detail{Label: "ciphertext", Value: "12 bytes"}) {
		t.Fatalf("Peek = %+v", p)
	}
}

func TestBrancaMintRoundTrip(t *testing.T) {
	f := format.Branca().(format.Importer)
	r, ids := importedRing(t, f, keyring.Branca, map[string]string{"max-age": "600"}, brancaKeyText(0), brancaKeyText(100))
	now := time.Date(2028, 6, 1, 0, 0, 0, 0, time.UTC)
	op, err := f.NewOpener(r, format.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	m := op.(format.Minter)
	for _, tc := range []struct{ name, payload, json, codec string }{
		{"json", `{"sid": "x"}`, `{"sid":"x"}`, "json"},
		{"text", "Hello world!", `"Hello world!"`, "text"},
		{"empty", "", `""`, "text"},
		{"binary", "\x00\x80", `"AIA="`, "base64"},
		{"long", strings.Repeat("a", 4000), `"` + strings.Repeat("a", 4000) + `"`, "text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, minted, err := m.Mint([]byte(tc.payload), token.Validity{})
			if err != nil {
				t.Fatal(err)
			}
			if format.Default().Detect(tok) != f {
				t.Fatalf("the minted token is detected as %v", format.Default().Detect(tok))
			}
			res, err := op.Open(tok)
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Payload) != tc.payload || string(res.JSON) != tc.json || res.Codec != tc.codec {
				t.Fatalf("opened %q as %s (%s)", res.Payload, res.JSON, res.Codec)
			}
			if res.Key.ID != ids[1] || minted.Key.ID != ids[1] || !res.IssuedAt.Equal(now) || !res.ExpiresAt.Equal(now.Add(10*time.Minute)) {
				t.Fatalf("key %v (minted %v), times %v %v", res.Key.ID, minted.Key.ID, res.IssuedAt, res.ExpiresAt)
			}
			bad := tamper.Middle(t, tok, tamper.Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
			if _, err := op.Open(bad); !errors.Is(err, token.ErrInvalid) {
				t.Fatalf("tampered: %v", err)
			}
		})
	}
	if _, _, err := m.Mint(make([]byte, 6000), token.Validity{}); err == nil {
		t.Fatal("minted a token past MaxBrancaLength")
	}
	if _, _, err := m.Mint(nil, token.Validity{NotBefore: now}); !errors.Is(err, format.ErrValidityUnsupported) {
		t.Fatalf("NotBefore: %v", err)
	}
	// Rotation: the old key's token opens, by the old key.
	oldRing, _ := importedRing(t, f, keyring.Branca, nil, brancaKeyText(0))
	oldOp, _ := f.NewOpener(oldRing, format.Options{Now: func() time.Time { return now }})
	old, _, err := oldOp.(format.Minter).Mint([]byte("old"), token.Validity{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := op.Open(old)
	if err != nil || res.Key.ID != ids[0] || res.Rewrap {
		t.Fatalf("old token: %v, key %v, rewrap %v", err, res.Key.ID, res.Rewrap)
	}
}

func TestBrancaRejections(t *testing.T) {
	f := format.Branca().(format.Importer)
	r, _ := importedRing(t, f, keyring.Branca, nil, brancaSpecKey)
	op, _ := f.NewOpener(r, format.Options{Now: func() time.Time { return brancaSpecIssued }})
	for _, tc := range []struct {
		name, tok string
		stage     format.Stage
	}{
		{"too long", strings.Repeat("z", format.MaxBrancaLength+1), format.StageSize},
		{"longest, not a token", strings.Repeat("z", format.MaxBrancaLength), format.StageEncoding},
		{"leading zero (not canonical)", "0" + brancaSpecToken, format.StageEncoding},
		{"sign", "+" + brancaSpecToken, format.StageEncoding},
		{"underscore", brancaSpecToken[:10] + "_" + brancaSpecToken[11:], format.StageEncoding},
		{"short", brancaSpecToken[:40], format.StageEncoding},
		{"tag", tamper.Last(t, brancaSpecToken, tamper.Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")), format.StageAuthentication},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := op.Open(tc.tok)
			e, ok := errors.AsType[*format.Error](err)
			if !ok || e.Stage != tc.stage || !errors.Is(err, token.ErrInvalid) || e.Format.Name() != "branca" {
				t.Fatalf("err = %v, want a branca rejection at %v", err, tc.stage)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("rejecting took %v", d)
			}
			if tc.stage != format.StageAuthentication && f.Detect(tc.tok) {
				t.Fatal("Detect claims it")
			}
		})
	}
}

// TestBrancaLeavesFernetTokens: a Fernet token without padding and
// without - or _ is base62 too; Branca's Detect leaves it to Fernet.
func TestBrancaLeavesFernetTokens(t *testing.T) {
	fr := format.Fernet().(format.Importer)
	r, _ := importedRing(t, fr, keyring.Fernet, nil, fernetKeyText(0))
	op, _ := fr.NewOpener(r, format.Options{Now: func() time.Time { return t0 }})
	found := 0
	// A 32-byte payload makes a 105-byte token: 140 base64 characters
	// without padding, with no - or _ in about 1.4% of the random IVs.
	for i := 0; i < 5000 && found < 3; i++ {
		tok, _, err := op.(format.Minter).Mint([]byte(strings.Repeat("p", 32)), token.Validity{})
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(tok, "-_=") {
			continue
		}
		found++
		if format.Branca().Detect(tok) || format.Default().Detect(tok) != fr {
			t.Fatalf("%s: detected as %v", tok, format.Default().Detect(tok))
		}
	}
	if found == 0 {
		t.Fatal("no base62 Fernet token in 5000 tries")
	}
}
