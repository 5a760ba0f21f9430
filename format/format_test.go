package format_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/internal/tamper"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/token"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// testRing returns a ring with a native primary key (HMAC, so that Peek
// reads its tokens), a Ktor HMAC key and a Ktor Encrypt key.
func testRing(t testing.TB) *keyring.Ring {
	t.Helper()
	r, err := keyring.Generate(keyring.HMACSHA256, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []keyring.Material{
		{Algorithm: keyring.KtorHMACSHA256, Secret: bytes.Repeat([]byte{1}, 32)},
		{Algorithm: keyring.KtorEncrypt, Secret: bytes.Repeat([]byte{2}, 16), SignSecret: bytes.Repeat([]byte{3}, 32)},
	} {
		if r, _, err = r.Import(m, t0); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func mint(t *testing.T, f format.Format, r *keyring.Ring, o format.Options, payload string) string {
	t.Helper()
	op, err := f.NewOpener(r, o)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := op.(format.Minter).Mint([]byte(payload), token.Validity{ExpiresAt: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestRegistry(t *testing.T) {
	r := testRing(t)
	o := format.Options{Purpose: "login", Now: func() time.Time { return t0 }}
	native := mint(t, format.Native(), r, o, `{"u":1}`)
	signed := mint(t, format.Ktor(), r, format.Options{KeyID: keyIDOf(t, r, keyring.KtorHMACSHA256)}, `{"u":2}`)
	encrypted := mint(t, format.Ktor(), r, format.Options{KeyID: keyIDOf(t, r, keyring.KtorEncrypt)}, `{"u":3}`)
	reg := format.Default()
	tests := []struct {
		name     string
		tok      string
		format   string // "" for no format
		peekJSON string // the payload Peek reads, unverified
		openJSON string // the payload Open returns; "" when it rejects
		stage    format.Stage
		demands  format.Demands
	}{
		{name: "native", tok: native, format: "sesstool-v1", peekJSON: `{"u":1}`, openJSON: `{"u":1}`},
		{name: "native tampered", tok: tamper.At(t, native, -10, tamper.Base64URL), format: "sesstool-v1", peekJSON: `{"u":1}`, stage: format.StageAuthentication},
		{name: "ktor signed", tok: signed, format: "ktor", peekJSON: `{"u":2}`, openJSON: `{"u":2}`},
		{name: "ktor encrypted", tok: encrypted, format: "ktor", openJSON: `{"u":3}`},
		{name: "ktor with a purpose", tok: signed, format: "ktor", peekJSON: `{"u":2}`, stage: format.StageFormat, demands: format.Demands{Purpose: `purpose "login"`}},
		{name: "ktor with an expiry check", tok: encrypted, format: "ktor", stage: format.StageFormat, demands: format.Demands{Expiry: "MaxTTL"}},
		{name: "native with both checks", tok: native, format: "sesstool-v1", peekJSON: `{"u":1}`, openJSON: `{"u":1}`, demands: format.Demands{Purpose: "p", Expiry: "e"}},
		{name: "ktor tampered", tok: tamper.At(t, signed, -3, tamper.Hex), format: "ktor", peekJSON: `{"u":2}`, stage: format.StageAuthentication},
		{name: "nothing", tok: "hello world"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := reg.Detect(tt.tok)
			if tt.format == "" {
				if f != nil {
					t.Fatalf("Detect = %v, want nil", f.Name())
				}
				return
			}
			if f == nil || f.Name() != tt.format {
				t.Fatalf("Detect = %v, want %s", f, tt.format)
			}
			if reg.ByName(tt.format) != f {
				t.Errorf("ByName(%s) is not the format detected", tt.format)
			}
			p, ok := reg.Peek(tt.tok)
			if !ok || p.Err != nil || string(p.Payload) != tt.peekJSON {
				t.Errorf("Peek = %s, %v, %v; want %s", p.Payload, ok, p.Err, tt.peekJSON)
			}
			err := tt.demands.Unprovable(f)
			var res format.Opened
			if err == nil {
				op, nerr := f.NewOpener(r, o)
				if nerr != nil {
					t.Fatal(nerr)
				}
				res, err = op.Open(tt.tok)
			}
			if tt.openJSON != "" {
				if err != nil || string(res.JSON) != tt.openJSON || res.Format != f {
					t.Fatalf("Open = %s, %v; want %s", res.JSON, err, tt.openJSON)
				}
				return
			}
			e, ok := errors.AsType[*format.Error](err)
			if !ok || e.Stage != tt.stage || !errors.Is(err, token.ErrInvalid) || e.Format != f {
				t.Fatalf("Open error = %v (%T, stage %v); want a *format.Error of %s at %v wrapping token.ErrInvalid", err, err, stageOf(err), f.Name(), tt.stage)
			}
			if e.Error() != token.ErrInvalid.Error()+": "+e.Reason {
				t.Errorf("message %q is not the kind and the reason %q", e.Error(), e.Reason)
			}
		})
	}
}

// TestKtorTrialBound pins the bound on the keys tried: past MaxKtorTrial
// keys of one kind, Open refuses with a *KeyTrialError instead of trying.
func TestKtorTrialBound(t *testing.T) {
	r := testRing(t)
	var err error
	for i := range format.MaxKtorTrial {
		if r, _, err = r.Import(keyring.Material{Algorithm: keyring.KtorHMACSHA256, Secret: bytes.Repeat([]byte{byte(10 + i)}, 32)}, t0); err != nil {
			t.Fatal(err)
		}
	}
	op, err := format.Ktor().NewOpener(r, format.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = op.Open("abc/" + strings.Repeat("0", 64))
	te, ok := errors.AsType[*format.KeyTrialError](err)
	if !ok || !errors.Is(err, format.ErrTooManyKeys) || te.Keys != format.MaxKtorTrial+1 || te.Algorithm != keyring.KtorHMACSHA256 {
		t.Fatalf("Open = %v; want a *KeyTrialError for %d ktor-hmac-sha256 keys", err, format.MaxKtorTrial+1)
	}
}

// TestNativeLifetime pins the typed report of a lifetime beyond MaxTTL,
// which the token package reports at StageEnvelope like a broken
// envelope.
func TestNativeLifetime(t *testing.T) {
	r := testRing(t)

	op, err := format.Native().NewOpener(r, format.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	// mint gave the token an hour; mint one of 30 hours instead.
	m, _ := format.Native().NewOpener(r, format.Options{MaxTTL: 48 * time.Hour, Now: func() time.Time { return t0 }})
	long, _, err := m.(format.Minter).Mint([]byte(`{}`), token.Validity{ExpiresAt: t0.Add(30 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = op.Open(long)
	e, ok := errors.AsType[*format.Error](err)
	if !ok || e.Stage != format.StageEnvelope || e.Lifetime != 30*time.Hour || e.MaxTTL != token.DefaultMaxTTL {
		t.Fatalf("Open = %v; want a StageEnvelope *Error with Lifetime 30h and MaxTTL 24h", err)
	}
	if _, ok := errors.AsType[*token.Error](err); !ok {
		t.Errorf("the *token.Error is not in the chain of %v", err)
	}
}

func TestKtorSessionJSON(t *testing.T) {
	tests := []struct {
		text, json, kind string
	}{
		{strings.Repeat("ab", 16), `"` + strings.Repeat("ab", 16) + `"`, "session-id"},
		{`{"a": [1, 2]}`, `{"a":[1,2]}`, ktor.KotlinxJSON().Name()},
		{`name=%23sBob`, `{"name":"Bob"}`, ktor.Reflection().Name()},
		{"plain <text>", `"plain <text>"`, "text"},
		{`{"a":`, "", ""},
		{`name=#zz`, "", ""},
	}
	for _, tt := range tests {
		js, kind, err := format.KtorSessionJSON([]byte(tt.text))
		if tt.json == "" {
			if err == nil {
				t.Errorf("KtorSessionJSON(%q) = %s, %s; want an error", tt.text, js, kind)
			}
			continue
		}
		if err != nil || string(js) != tt.json || kind != tt.kind {
			t.Errorf("KtorSessionJSON(%q) = %s, %s, %v; want %s, %s", tt.text, js, kind, err, tt.json, tt.kind)
		}
	}
}

func TestStageNames(t *testing.T) {
	for s, want := range map[format.Stage]string{format.StageSize: "size", format.StageAuthentication: "authentication", format.StagePayload: "payload", format.StageFormat: "format"} {
		if s.String() != want {
			t.Errorf("Stage %d = %q, want %q", s, s, want)
		}
	}
}

func keyIDOf(t *testing.T, r *keyring.Ring, alg keyring.Algorithm) keyring.ID {
	for k := range r.Keys() {
		if k.Algorithm == alg {
			return k.ID
		}
	}
	t.Fatalf("no %s key", alg)
	return 0
}

func stageOf(err error) format.Stage {
	if e, ok := errors.AsType[*format.Error](err); ok {
		return e.Stage
	}
	return 0
}
