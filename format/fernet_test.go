package format_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/internal/tamper"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// The Fernet specification's key and its valid token ("hello", issued at
// 1985-10-26T08:20:00Z).
const (
	fernetSpecKey   = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
	fernetSpecToken = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="
)

var fernetSpecIssued = time.Date(1985, 10, 26, 8, 20, 0, 0, time.UTC)

func mustOptions(t *testing.T, m map[string]string) keyring.Options {
	t.Helper()
	o, err := keyring.NewOptions(m)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// importedRing returns a ring with a native primary key and one imported
// key per input (oldest first), all with opts.
func importedRing(t *testing.T, f format.Importer, alg keyring.Algorithm, opts map[string]string, inputs ...string) (*keyring.Ring, []keyring.ID) {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []keyring.ID
	for _, in := range inputs {
		m, err := f.ParseKey(alg, []byte(in), mustOptions(t, opts))
		if err != nil {
			t.Fatalf("ParseKey: %v", err)
		}
		var k keyring.Key
		if r, k, err = r.Import(m, t0); err != nil {
			t.Fatalf("Import: %v", err)
		}
		ids = append(ids, k.ID)
	}
	return r, ids
}

func fernetKeyText(b byte) string {
	k := make([]byte, 32)
	for i := range k {
		k[i] = b + byte(i)
	}
	return base64.URLEncoding.EncodeToString(k)
}

func TestFernetParseKey(t *testing.T) {
	f := format.Fernet().(format.Importer)
	for _, tc := range []struct {
		name, input string
		opts        map[string]string
		err         error
	}{
		{"padded, as generate_key writes it", fernetSpecKey, nil, nil},
		{"with a trailing newline", fernetSpecKey + "\n", nil, nil},
		{"with CRLF", fernetSpecKey + "\r\n", nil, nil},
		{"unpadded", strings.TrimRight(fernetSpecKey, "="), nil, nil},
		{"max-age", fernetSpecKey, map[string]string{"max-age": "3600"}, nil},
		{"standard base64", strings.NewReplacer("-", "+", "_", "/").Replace(fernetSpecKey), nil, format.ErrKeyInput},
		{"16 bytes", base64.URLEncoding.EncodeToString(make([]byte, 16)), nil, format.ErrKeyInput},
		{"33 bytes", base64.URLEncoding.EncodeToString(make([]byte, 33)), nil, format.ErrKeyInput},
		{"not base64", "this is not a fernet key, it is a sentence of text!", nil, format.ErrKeyInput},
		{"empty", "", nil, format.ErrKeyInput},
		{"two newlines", fernetSpecKey + "\n\n", nil, format.ErrKeyInput},
		{"max-age 0", fernetSpecKey, map[string]string{"max-age": "0"}, keyring.ErrOption},
		{"max-age negative", fernetSpecKey, map[string]string{"max-age": "-5"}, keyring.ErrOption},
		{"max-age not a number", fernetSpecKey, map[string]string{"max-age": "1h"}, keyring.ErrOption},
		{"unknown option", fernetSpecKey, map[string]string{"salt": "x"}, keyring.ErrOption},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := f.ParseKey(keyring.Fernet, []byte(tc.input), mustOptions(t, tc.opts))
			if tc.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if m.Algorithm != keyring.Fernet || len(m.Secret) != 32 {
					t.Fatalf("material %v with %d bytes", m.Algorithm, len(m.Secret))
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if tc.input != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.input)) {
				t.Fatalf("the error quotes the input: %v", err)
			}
		})
	}
	if _, err := f.ParseKey(keyring.Branca, []byte(fernetSpecKey), keyring.Options{}); !errors.Is(err, format.ErrKeyInput) {
		t.Fatalf("a branca key: %v", err)
	}
}

// TestFernetSpecKey checks that the key splits as the spec says (signing
// key, then encryption key) by opening the spec's token.
func TestFernetOpenSpecToken(t *testing.T) {
	f := format.Fernet().(format.Importer)
	r, ids := importedRing(t, f, keyring.Fernet, nil, fernetSpecKey)
	op, err := f.NewOpener(r, format.Options{Now: func() time.Time { return fernetSpecIssued.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := op.Open(fernetSpecToken)
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Payload) != "hello" || string(res.JSON) != `"hello"` || res.Codec != "text" || res.Key.ID != ids[0] {
		t.Fatalf("opened %q as %s (%s) by %v", res.Payload, res.JSON, res.Codec, res.Key.ID)
	}
	if !res.IssuedAt.Equal(fernetSpecIssued) || !res.ExpiresAt.IsZero() || res.Rewrap {
		t.Fatalf("issued %v, expires %v, rewrap %v; want the spec's time, no expiry, no rewrap", res.IssuedAt, res.ExpiresAt, res.Rewrap)
	}
	p := f.Peek(fernetSpecToken)
	if p.Err != nil || !p.Sealed || !p.IssuedAt.Equal(fernetSpecIssued) || len(p.Details) != 3 || p.Details[1] != (format.Detail{Label: "iv", Value: "000102030405060708090a0b0c0d0e0f"}) || p.Payload != nil {
		t.Fatalf("Peek = %+v", p)
	}
}

// TestFernetClock pins the time rules: expiry at issue + max-age exactly
// (sesstool's boundary, one second before the reference's), the leeway
// on both sides, and no time check at all without max-age but the one on
// tokens from the future.
func TestFernetClock(t *testing.T) {
	f := format.Fernet().(format.Importer)
	for _, tc := range []struct {
		name   string
		maxAge map[string]string
		at     time.Duration // after issue
		leeway time.Duration
		err    error
	}{
		{"max-age, 1 s before expiry", map[string]string{"max-age": "60"}, 59 * time.Second, 0, nil},
		{"max-age, at expiry", map[string]string{"max-age": "60"}, 60 * time.Second, 0, token.ErrExpired},
		{"max-age, at expiry within the leeway", map[string]string{"max-age": "60"}, 60 * time.Second, time.Second, nil},
		{"max-age, past expiry and the leeway", map[string]string{"max-age": "60"}, 61 * time.Second, time.Second, token.ErrExpired},
		{"no max-age, years later", nil, 40 * 365 * 24 * time.Hour, 0, nil},
		{"issued 1 s in the future", nil, -time.Second, 0, token.ErrNotYetValid},
		{"issued 60 s in the future, leeway 60 s (the reference's skew)", nil, -60 * time.Second, 60 * time.Second, nil},
		{"issued 61 s in the future, leeway 60 s", nil, -61 * time.Second, 60 * time.Second, token.ErrNotYetValid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := importedRing(t, f, keyring.Fernet, tc.maxAge, fernetSpecKey)
			op, err := f.NewOpener(r, format.Options{Leeway: tc.leeway, Now: func() time.Time { return fernetSpecIssued.Add(tc.at) }})
			if err != nil {
				t.Fatal(err)
			}
			res, err := op.Open(fernetSpecToken)
			if tc.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if tc.maxAge != nil && !res.ExpiresAt.Equal(fernetSpecIssued.Add(time.Minute)) {
					t.Fatalf("expires %v", res.ExpiresAt)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if e, ok := errors.AsType[*format.Error](err); !ok || e.Stage != format.StageValidity {
				t.Fatalf("err = %#v, want a *format.Error at StageValidity", err)
			}
		})
	}
}

// TestFernetMintRoundTrip mints under the newest active key and opens
// with the same ring: payload, codec, times and key round-trip, and a
// one-character change is rejected.
func TestFernetMintRoundTrip(t *testing.T) {
	f := format.Fernet().(format.Importer)
	r, ids := importedRing(t, f, keyring.Fernet, map[string]string{"max-age": "600"}, fernetKeyText(0), fernetKeyText(100))
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	op, err := f.NewOpener(r, format.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	m := op.(format.Minter)
	for _, tc := range []struct {
		name, payload, json, codec string
	}{
		{"json object", `{"user": "alice", "n": 1}`, `{"user":"alice","n":1}`, "json"},
		{"json null", `null`, `null`, "json"},
		{"text", "hello", `"hello"`, "text"},
		{"duplicate keys are text", `{"a":1,"a":2}`, `"{\"a\":1,\"a\":2}"`, "text"},
		{"empty", "", `""`, "text"},
		{"one block", "0123456789abcdef", `"0123456789abcdef"`, "text"},
		{"binary", "\x80\xff", `"gP8="`, "base64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, minted, err := m.Mint([]byte(tc.payload), token.Validity{})
			if err != nil {
				t.Fatal(err)
			}
			if !f.Detect(tok) || format.Default().Detect(tok) != f {
				t.Fatalf("the minted token %q is not detected as Fernet", tok)
			}
			res, err := op.Open(tok)
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Payload) != tc.payload || string(res.JSON) != tc.json || res.Codec != tc.codec {
				t.Fatalf("opened %q as %s (%s), want %s (%s)", res.Payload, res.JSON, res.Codec, tc.json, tc.codec)
			}
			if res.Key.ID != ids[1] || minted.Key.ID != ids[1] || res.Rewrap {
				t.Fatalf("key %v (minted by %v, rewrap %v), want the newest %v", res.Key.ID, minted.Key.ID, res.Rewrap, ids[1])
			}
			if !res.IssuedAt.Equal(now) || !res.ExpiresAt.Equal(now.Add(600*time.Second)) || !minted.ExpiresAt.Equal(res.ExpiresAt) {
				t.Fatalf("times %v %v, minted %v", res.IssuedAt, res.ExpiresAt, minted.ExpiresAt)
			}
			bad := tamper.Middle(t, tok, tamper.Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
			if _, err := op.Open(bad); !errors.Is(err, token.ErrInvalid) {
				t.Fatalf("tampered: %v", err)
			}
		})
	}
	if _, _, err := m.Mint([]byte("x"), token.Validity{NotBefore: now.Add(time.Minute)}); !errors.Is(err, format.ErrValidityUnsupported) {
		t.Fatalf("NotBefore: %v", err)
	}
}

// TestFernetMultiFernet: the keys are tried newest first, the one that
// verified is reported, and more than MaxKeyTrial keys are refused.
func TestFernetMultiFernet(t *testing.T) {
	f := format.Fernet().(format.Importer)
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	o := format.Options{Now: func() time.Time { return now }}
	oldRing, oldIDs := importedRing(t, f, keyring.Fernet, nil, fernetKeyText(0))
	oldOp, _ := f.NewOpener(oldRing, o)
	old, _, err := oldOp.(format.Minter).Mint([]byte(`{"user":"bob"}`), token.Validity{})
	if err != nil {
		t.Fatal(err)
	}
	r, ids := importedRing(t, f, keyring.Fernet, nil, fernetKeyText(0), fernetKeyText(100))
	if ids[0] != oldIDs[0] {
		t.Logf("the same key imported twice has IDs %v and %v", oldIDs[0], ids[0])
	}
	op, _ := f.NewOpener(r, o)
	res, err := op.Open(old)
	if err != nil {
		t.Fatal(err)
	}
	if res.Key.ID != ids[0] || res.Rewrap {
		t.Fatalf("opened by %v (rewrap %v), want the old key %v (and no rewrap: only native keys rewrap)", res.Key.ID, res.Rewrap, ids[0])
	}
	newOnly, _ := importedRing(t, f, keyring.Fernet, nil, fernetKeyText(100))
	op, _ = f.NewOpener(newOnly, o)
	if _, err := op.Open(old); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("the old key's token under the new key only: %v", err)
	}

	var many []string
	for i := range format.MaxKeyTrial + 1 {
		many = append(many, fernetKeyText(byte(i)))
	}
	r, _ = importedRing(t, f, keyring.Fernet, nil, many...)
	op, err = f.NewOpener(r, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Open(old); !errors.As(err, new(*format.KeyTrialError)) {
		t.Fatalf("%d keys: %v, want a *KeyTrialError", len(many), err)
	}
	r, _ = importedRing(t, f, keyring.Fernet, nil, many[:format.MaxKeyTrial]...)
	op, _ = f.NewOpener(r, o)
	if _, err := op.Open(old); err != nil {
		t.Fatalf("%d keys: %v", format.MaxKeyTrial, err)
	}
}

// TestFernetRejections checks the stage of each kind of malformed token
// and the bounds on size.
func TestFernetRejections(t *testing.T) {
	f := format.Fernet().(format.Importer)
	r, _ := importedRing(t, f, keyring.Fernet, nil, fernetSpecKey)
	op, _ := f.NewOpener(r, format.Options{Now: func() time.Time { return fernetSpecIssued }})
	long := "gAAAAA" + strings.Repeat("A", 64<<10)
	for _, tc := range []struct {
		name, tok string
		stage     format.Stage
	}{
		{"too long", long, format.StageSize},
		{"unpadded", strings.TrimRight(fernetSpecToken, "="), format.StageEncoding},
		{"not base64url", strings.Replace(fernetSpecToken, "_", "/", 1), format.StageEncoding},
		{"truncated", fernetSpecToken[:60], format.StageEncoding},
		{"wrong MAC", flipLastByte(t, fernetSpecToken), format.StageAuthentication},
		{"empty", "", format.StageEncoding},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := op.Open(tc.tok)
			e, ok := errors.AsType[*format.Error](err)
			if !ok || e.Stage != tc.stage || !errors.Is(err, token.ErrInvalid) || e.Format == nil || e.Format.Name() != "fernet" {
				t.Fatalf("err = %v (%#v), want a fernet rejection at %v", err, e, tc.stage)
			}
			if d := time.Since(start); d > time.Second {
				t.Fatalf("rejecting took %v", d)
			}
			if p := f.Peek(tc.tok); (p.Err == nil) != (tc.stage == format.StageAuthentication) {
				t.Fatalf("Peek.Err = %v", p.Err)
			}
		})
	}
	if f.Detect(long) {
		t.Fatal("Detect claims a token past the size limit")
	}
}

// flipLastByte flips the last byte of a Fernet token (its HMAC's).
func flipLastByte(t *testing.T, tok string) string {
	t.Helper()
	b, err := base64.URLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	return base64.URLEncoding.EncodeToString(b)
}

// TestForeignDetectExclusive: the vectors' tokens are each claimed by one
// format only, and a Fernet token is never taken for a native token.
func TestForeignDetectExclusive(t *testing.T) {
	reg := format.Default()
	for path, v := range loadForeignVectors(t) {
		for _, tc := range v.Tests {
			n := 0
			for _, f := range reg.Formats() {
				if f.Detect(tc.Token) {
					n++
				}
			}
			if n > 1 {
				t.Errorf("%s test %d: %d formats detect it", path, tc.ID, n)
			}
		}
	}
}

func TestOpaquePayloadJSON(t *testing.T) {
	for _, tc := range []struct{ in, out, codec string }{
		{`{"a": [1, 2]}`, `{"a":[1,2]}`, "json"},
		{` 42 `, `42`, "json"},
		{`"quoted"`, `"quoted"`, "json"},
		{`null`, `null`, "json"},
		{`hello`, `"hello"`, "text"},
		{`{"a":`, `"{\"a\":"`, "text"},
		{`<b>&</b>`, `"<b>&</b>"`, "text"},
		{"", `""`, "text"},
		{"\x00\x01", `"\u0000\u0001"`, "text"},
		{"\x80", `"gA=="`, "base64"},
		{"ok\xff", `"b2v/"`, "base64"},
	} {
		js, c := format.OpaquePayloadJSON([]byte(tc.in))
		if string(js) != tc.out || c != tc.codec {
			t.Errorf("OpaquePayloadJSON(%q) = %s (%s), want %s (%s)", tc.in, js, c, tc.out, tc.codec)
		}
	}
}
