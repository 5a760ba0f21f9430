package format_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

const railsTestSecret = "rails test secret"

// railsSign signs data as a MessageVerifier with SHA1 does: base64 (or
// the given encoding) "--" hex HMAC of the base64 text.
func railsSign(data []byte, enc *base64.Encoding) string {
	b := enc.EncodeToString(data)
	m := hmac.New(sha1.New, []byte(railsTestSecret))
	m.Write([]byte(b))
	return b + "--" + hex.EncodeToString(m.Sum(nil))
}

func railsRing(t *testing.T, keys ...struct {
	alg   keyring.Algorithm
	input string
	opts  map[string]string
}) *keyring.Ring {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		opts, err := keyring.NewOptions(k.opts)
		if err != nil {
			t.Fatal(err)
		}
		m, err := format.Rails().(format.Importer).ParseKey(k.alg, []byte(k.input), opts)
		if err != nil {
			t.Fatal(err)
		}
		if r, _, err = r.Import(m, t0); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

type railsTestKey = struct {
	alg   keyring.Algorithm
	input string
	opts  map[string]string
}

// TestRailsEnvelopes opens what ActiveSupport 6.1 cannot write (so the
// vectors of testvectors/rails do not hold it): Rails 7.1's metadata in
// the serializer ("data"), in JSON and in Marshal, and its url_safe
// messages; and the hybrid serializer.
func TestRailsEnvelopes(t *testing.T) {
	exp := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	before, after := exp.Add(-time.Hour), exp.Add(time.Hour)
	marshal71 := mustHex("04087b0649220b5f7261696c73063a0645547b0849220964617461063b00547b0649220c757365725f6964063b00546906492208657870063b005449221d323032372d30362d30315431323a30303a30302e3030305a063b0054492208707572063b005449220a6c6f67696e063b0054")
	marshal71NoMeta := mustHex("04087b0649220b5f7261696c73063a0645547b0849220964617461063b00544922076869063b0054492208657870063b005430492208707572063b005430")
	json71 := []byte(`{"_rails":{"data":{"user_id":1,"roles":["a"]},"exp":"2027-06-01T12:00:00.000Z","pur":"login"}}`)
	tests := []struct {
		name    string
		opts    map[string]string
		tok     string
		purpose string
		at      time.Time
		want    string // payload, or "" for a rejection
		kind    error
	}{
		{"7.1 JSON data envelope", map[string]string{"serializer": "json"}, railsSign(json71, base64.StdEncoding), "login", before, `{"user_id":1,"roles":["a"]}`, nil},
		{"7.1 JSON, wrong purpose", map[string]string{"serializer": "json"}, railsSign(json71, base64.StdEncoding), "other", before, "", token.ErrInvalid},
		{"7.1 JSON, expired", map[string]string{"serializer": "json"}, railsSign(json71, base64.StdEncoding), "login", after, "", token.ErrExpired},
		{"7.1 url_safe (unpadded base64url)", map[string]string{"serializer": "json"}, railsSign(json71, base64.RawURLEncoding), "login", before, `{"user_id":1,"roles":["a"]}`, nil},
		{"7.1 Marshal data envelope", nil, railsSign(marshal71, base64.StdEncoding), "login", before, `{"user_id":1}`, nil},
		{"7.1 Marshal, no purpose asked", nil, railsSign(marshal71, base64.StdEncoding), "", before, "", token.ErrInvalid},
		{"7.1 Marshal, expired", nil, railsSign(marshal71, base64.StdEncoding), "login", after, "", token.ErrExpired},
		{"7.1 Marshal, nil purpose and expiry", nil, railsSign(marshal71NoMeta, base64.StdEncoding), "", after, `"hi"`, nil},
		{"7.1 JSON data envelope under a Marshal key", nil, railsSign(json71, base64.StdEncoding), "login", before, "", token.ErrInvalid},
		{"hybrid reads JSON", map[string]string{"serializer": "hybrid"}, railsSign([]byte(`[1,2]`), base64.StdEncoding), "", before, `[1,2]`, nil},
		{"hybrid reads Marshal", map[string]string{"serializer": "hybrid"}, railsSign(marshal71NoMeta, base64.StdEncoding), "", before, `"hi"`, nil},
		{"envelope without message or data", map[string]string{"serializer": "json"}, railsSign([]byte(`{"_rails":{"pur":"x"}}`), base64.StdEncoding), "x", before, "", token.ErrInvalid},
		{"exp not a time", map[string]string{"serializer": "json"}, railsSign([]byte(`{"_rails":{"data":1,"exp":"soon"}}`), base64.StdEncoding), "", before, "", token.ErrInvalid},
		{"pur not a string", map[string]string{"serializer": "json"}, railsSign([]byte(`{"_rails":{"data":1,"pur":7}}`), base64.StdEncoding), "", before, "", token.ErrInvalid},
		{"duplicate keys refused", map[string]string{"serializer": "json"}, railsSign([]byte(`{"a":1,"a":2}`), base64.StdEncoding), "", before, "", token.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := railsRing(t, railsTestKey{keyring.RailsMessageVerifier, railsTestSecret, tt.opts})
			op, err := format.Rails().NewOpener(r, format.Options{Purpose: tt.purpose, Now: func() time.Time { return tt.at }})
			if err != nil {
				t.Fatal(err)
			}
			if !format.Rails().Detect(tt.tok) {
				t.Errorf("Detect(%q) = false", tt.tok)
			}
			res, err := op.Open(tt.tok)
			if tt.want == "" {
				if !errors.Is(err, tt.kind) {
					t.Fatalf("err = %v, want %v", err, tt.kind)
				}
				if _, ok := errors.AsType[*format.Error](err); !ok {
					t.Errorf("%T is not a *format.Error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(res.JSON) != tt.want {
				t.Errorf("JSON = %s, want %s", res.JSON, tt.want)
			}
		})
	}
}

func TestRailsParseKey(t *testing.T) {
	gcm := strings.Repeat("ab", 32)
	tests := []struct {
		name  string
		alg   keyring.Algorithm
		input string
		opts  map[string]string
		want  error // nil: accepted
	}{
		{"verifier", keyring.RailsMessageVerifier, "secret\n", nil, nil},
		{"verifier sha512 json", keyring.RailsMessageVerifier, "secret", map[string]string{"digest": "sha512", "serializer": "json"}, nil},
		{"verifier empty", keyring.RailsMessageVerifier, "\n", nil, format.ErrKeyInput},
		{"verifier bad digest", keyring.RailsMessageVerifier, "s", map[string]string{"digest": "md5"}, keyring.ErrOption},
		{"verifier bad serializer", keyring.RailsMessageVerifier, "s", map[string]string{"serializer": "yaml"}, keyring.ErrOption},
		{"encryptor gcm", keyring.RailsMessageEncryptor, gcm + "\n", nil, nil},
		{"encryptor cbc with sign secret", keyring.RailsMessageEncryptor, gcm + "\n" + strings.Repeat("cd", 64) + "\n", map[string]string{"cipher": "aes-256-cbc"}, nil},
		{"encryptor gcm with a sign secret", keyring.RailsMessageEncryptor, gcm + " " + gcm, nil, format.ErrKeyInput},
		{"encryptor short secret", keyring.RailsMessageEncryptor, "abcd", nil, format.ErrKeyInput},
		{"encryptor not hex", keyring.RailsMessageEncryptor, strings.Repeat("zz", 32), nil, format.ErrKeyInput},
		{"encryptor bad cipher", keyring.RailsMessageEncryptor, gcm, map[string]string{"cipher": "aes-128-gcm"}, keyring.ErrOption},
		{"cookies", keyring.RailsCookies, strings.Repeat("0f", 64) + "\n", map[string]string{"jar": "signed", "key-digest": "sha1"}, nil},
		{"cookies bad jar", keyring.RailsCookies, "x", map[string]string{"jar": "permanent"}, keyring.ErrOption},
		{"cookies cipher with the signed jar", keyring.RailsCookies, "x", map[string]string{"jar": "signed", "cipher": "aes-256-cbc"}, keyring.ErrOption},
		{"cookies bad key-digest", keyring.RailsCookies, "x", map[string]string{"key-digest": "sha512"}, keyring.ErrOption},
		{"not a Rails algorithm", keyring.Fernet, "x", nil, format.ErrKeyInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := keyring.NewOptions(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			m, err := format.Rails().(format.Importer).ParseKey(tt.alg, []byte(tt.input), opts)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := railsRing(t).Import(m, t0); err != nil {
					t.Errorf("Import: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if in := strings.TrimSpace(tt.input); len(in) >= 8 && strings.Contains(err.Error(), in) {
				t.Errorf("the error quotes the input: %v", err)
			}
		})
	}
}

// TestRailsDetect: detection is strict; it claims no native token and no
// arbitrary text with "--" in it.
func TestRailsDetect(t *testing.T) {
	hex40 := strings.Repeat("a", 40)
	tests := []struct {
		tok  string
		want bool
	}{
		{railsSign([]byte(`{"a":1}`), base64.StdEncoding), true},
		{railsSign([]byte{4, 8, '0'}, base64.StdEncoding), true},
		{"BAgw--" + hex40, true},
		{"dGVzdA==--" + hex40, false},                              // "test": neither JSON nor Marshal
		{"BAgw--" + strings.ToUpper(hex40), false},                 // uppercase digest
		{"BAgw--" + hex40[:39], false},                             // digest of no HMAC's length
		{"AQAAAAE" + strings.Repeat("A", 40), false},               // a native-looking token
		{"a--b--c", false},                                         // not base64 parts of the right sizes
		{"YWJj--YWJjZGVmZ2hpamts--YWJjZGVmZ2hpamtsbW5vcA==", true}, // 12-byte IV, 16-byte tag
		{"YWJj--YWJjZGVmZ2hpamtsbQ==--YWJjZGVmZ2hpamtsbW5vcA==", false},
		{strings.Repeat("A", 70<<10) + "--" + hex40, false}, // beyond maxInput
		{"", false},
		{"--", false},
	}
	for _, tt := range tests {
		if got := format.Rails().Detect(tt.tok); got != tt.want {
			t.Errorf("Detect(%.60q) = %v, want %v", tt.tok, got, tt.want)
		}
	}
}

// TestRailsCookieNeedsName: a cookie of a jar does not open without its
// name, and the rejection says to give it; OpenCookie also opens messages.
func TestRailsCookieNeedsName(t *testing.T) {
	v := loadForeignVectors(t)["../testvectors/rails/open_cookies.json"]
	if v == nil {
		t.Fatal("no open_cookies.json")
	}
	tok := v.Tests[1].Token
	r := railsRing(t,
		railsTestKey{keyring.RailsCookies, v.Keys[0].Input, nil},
		railsTestKey{keyring.RailsMessageVerifier, railsTestSecret, map[string]string{"serializer": "json"}})
	op, err := format.Rails().NewOpener(r, format.Options{Now: func() time.Time { return t0.AddDate(-3, 0, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = op.Open(tok)
	e, ok := errors.AsType[*format.Error](err)
	if !ok || e.Stage != format.StageKey || !strings.Contains(e.Reason, "Cookie: header") {
		t.Fatalf("Open without a name: %v", err)
	}
	co := op.(format.CookieOpener)
	if _, err := co.OpenCookie("_app_session", tok); err != nil {
		t.Fatalf("OpenCookie: %v", err)
	}
	res, err := co.OpenCookie("msg", railsSign([]byte(`"hi"`), base64.StdEncoding))
	if err != nil || string(res.JSON) != `"hi"` {
		t.Fatalf("OpenCookie of a verifier message: %s, %v", res.JSON, err)
	}
	// A purpose asked for must be the cookie's own.
	op2, _ := format.Rails().NewOpener(r, format.Options{Purpose: "login", Now: func() time.Time { return t0.AddDate(-3, 0, 0) }})
	if _, err := op2.(format.CookieOpener).OpenCookie("_app_session", tok); !errors.Is(err, token.ErrInvalid) {
		t.Fatalf("OpenCookie with another purpose: %v", err)
	}
	op3, _ := format.Rails().NewOpener(r, format.Options{Purpose: "cookie._app_session", Now: func() time.Time { return t0.AddDate(-3, 0, 0) }})
	if _, err := op3.(format.CookieOpener).OpenCookie("_app_session", tok); err != nil {
		t.Fatalf("OpenCookie with the cookie's purpose: %v", err)
	}
}

func TestRailsPeekAndBounds(t *testing.T) {
	tok := railsSign([]byte(`{"_rails":{"message":"eyJhIjoxfQ==","exp":"2027-06-01T12:00:00.000Z","pur":"login"}}`), base64.StdEncoding)
	p := format.Rails().Peek(tok)
	if p.Err != nil || string(p.Payload) != `{"a":1}` || p.ExpiresAt.IsZero() || p.Sealed {
		t.Fatalf("Peek = %+v", p)
	}
	found := false
	for _, d := range p.Details {
		found = found || d.Label == "purpose" && d.Value == "login"
	}
	if !found {
		t.Errorf("Peek.Details = %v, want the purpose", p.Details)
	}
	if p := format.Rails().Peek("YWJj--YWJjZGVmZ2hpamts--YWJjZGVmZ2hpamtsbW5vcA=="); p.Err != nil || !p.Sealed {
		t.Errorf("Peek of an encrypted message = %+v", p)
	}
	if p := format.Rails().Peek("nope"); p.Err == nil || p.Err.Stage != format.StageEncoding {
		t.Errorf("Peek of a malformed token = %+v", p)
	}
	r := railsRing(t, railsTestKey{keyring.RailsMessageVerifier, railsTestSecret, nil})
	op, _ := format.Rails().NewOpener(r, format.Options{})
	start := time.Now()
	_, err := op.Open(strings.Repeat("A", 65<<10) + "--" + strings.Repeat("a", 40))
	if e, ok := errors.AsType[*format.Error](err); !ok || e.Stage != format.StageSize {
		t.Errorf("a 65 KiB token: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("a 65 KiB token took %v", d)
	}
	if _, err := format.Rails().NewOpener(railsRing(t), format.Options{}); !errors.Is(err, format.ErrNoKeys) {
		t.Errorf("NewOpener without Rails keys: %v", err)
	}
}

// FuzzRails opens arbitrary input under the keys of the vectors: it never
// panics, and every rejection is a *format.Error.
func decodeForeignVectors(data []byte) (*ForeignVectors, error) {
	var v ForeignVectors
	return &v, json.Unmarshal(data, &v)
}

func FuzzRails(f *testing.F) {
	var keys []railsTestKey
	for _, name := range []string{"open.json", "open_encryptor.json", "open_cookies.json"} {
		data, err := os.ReadFile("../testvectors/rails/" + name)
		if err != nil {
			f.Fatal(err)
		}
		v, err := decodeForeignVectors(data)
		if err != nil {
			f.Fatal(err)
		}
		for _, k := range v.Keys {
			keys = append(keys, railsTestKey{keyring.Algorithm(k.Algorithm), k.Input, k.Options})
		}
		for _, tc := range v.Tests {
			f.Add(tc.Cookie, tc.Token)
		}
	}
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		f.Fatal(err)
	}
	for _, k := range keys { // fewer than MaxKeyTrial of each algorithm
		opts, _ := keyring.NewOptions(k.opts)
		m, err := format.Rails().(format.Importer).ParseKey(k.alg, []byte(k.input), opts)
		if err != nil {
			f.Fatal(err)
		}
		if r, _, err = r.Import(m, t0); err != nil {
			f.Fatal(err)
		}
	}
	op, err := format.Rails().NewOpener(r, format.Options{Now: func() time.Time { return time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, tok string) {
		format.Rails().Detect(tok)
		if p := format.Rails().Peek(tok); p.Err != nil && p.Err.Format == nil {
			t.Fatalf("Peek error without a format: %v", p.Err)
		}
		var err error
		if name != "" {
			_, err = op.(format.CookieOpener).OpenCookie(name, tok)
		} else {
			_, err = op.Open(tok)
		}
		if err != nil {
			if _, ok := errors.AsType[*format.Error](err); !ok {
				t.Fatalf("%T %v is not a *format.Error", err, err)
			}
		}
	})
}
