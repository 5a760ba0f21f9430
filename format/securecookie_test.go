package format_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// scRing returns a ring with a native primary key and one securecookie
// key read from input with opts.
func scRing(t testing.TB, input string, opts map[string]string) (*keyring.Ring, keyring.Key) {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	o, err := keyring.NewOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	imp := format.SecureCookie().(format.Importer)
	m, err := imp.ParseKey(keyring.SecureCookie, []byte(input), o)
	if err != nil {
		t.Fatal(err)
	}
	r, k, err := r.Import(m, t0)
	if err != nil {
		t.Fatal(err)
	}
	return r, k
}

var (
	scHash  = strings.Repeat("a1", 32)
	scBlock = strings.Repeat("b2", 16)
)

func TestSecureCookieParseKey(t *testing.T) {
	imp := format.SecureCookie().(format.Importer)
	tests := []struct {
		name  string
		input string
		opts  map[string]string
		want  error // nil: accepted
	}{
		{"hash key", scHash + "\n", nil, nil},
		{"hash and AES-128 block key", scHash + " " + scBlock, nil, nil},
		{"AES-256 block key", scHash + "\n" + strings.Repeat("c3", 32) + "\n", map[string]string{"encoder": "json", "max-age": "0", "max-length": "0"}, nil},
		{"block key of 20 bytes", scHash + " " + strings.Repeat("c3", 20), nil, format.ErrKeyInput},
		{"three words", scHash + " " + scBlock + " " + scBlock, nil, format.ErrKeyInput},
		{"not hex", "zz" + scHash, nil, format.ErrKeyInput},
		{"empty", "\n", nil, format.ErrKeyInput},
		{"unknown encoder", scHash, map[string]string{"encoder": "xml"}, keyring.ErrOption},
		{"negative max-age", scHash, map[string]string{"max-age": "-1"}, keyring.ErrOption},
		{"max-length beyond the input limit", scHash, map[string]string{"max-length": "70000"}, keyring.ErrOption},
		{"max-length with a sign", scHash, map[string]string{"max-length": "+10"}, keyring.ErrOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := keyring.NewOptions(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			m, err := imp.ParseKey(keyring.SecureCookie, []byte(tt.input), o)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if hex.EncodeToString(m.Secret) != scHash {
					t.Fatal("the hash key is not the first word")
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "a1a1") || strings.Contains(err.Error(), "b2b2") || strings.Contains(err.Error(), "xml") {
				t.Fatalf("the error quotes the input: %v", err)
			}
		})
	}
}

// TestSecureCookieRoundTrip mints values with each encoder, with and
// without a block key, and opens them under the cookie's name only.
func TestSecureCookieRoundTrip(t *testing.T) {
	tests := []struct {
		name, input string
		opts        map[string]string
		payload     string
		want        string
		enc         string
	}{
		{"gob, signed", scHash, nil, `{"user_id":42,"name":"alice","ok":true,"ratio":0.5,"tags":["a","b"],"prefs":{"k":[1,null]}}`,
			`{"name":"alice","ok":true,"prefs":{"k":[1,null]},"ratio":0.5,"tags":["a","b"],"user_id":42}`, "none"},
		{"gob, encrypted", scHash + " " + scBlock, nil, `{"n":-7}`, `{"n":-7}`, "AES-128-CTR"},
		{"json, signed", scHash, map[string]string{"encoder": "json"}, `[1, "two"]`, `[1,"two"]`, "none"},
		{"json, encrypted", scHash + " " + strings.Repeat("c3", 32), map[string]string{"encoder": "json"}, `{"a":"<b>"}`, `{"a":"<b>"}`, "AES-256-CTR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, k := scRing(t, tt.input, tt.opts)
			o := format.Options{Now: func() time.Time { return t0 }, CookieName: "session"}
			op, err := format.SecureCookie().NewOpener(r, o)
			if err != nil {
				t.Fatal(err)
			}
			tok, minted, err := op.(format.Minter).Mint([]byte(tt.payload), token.Validity{})
			if err != nil {
				t.Fatal(err)
			}
			if got := format.Default().Detect(tok); got == nil || got.Name() != "securecookie" {
				t.Fatalf("a minted value is detected as %v", got)
			}
			res, err := op.(format.CookieOpener).OpenCookie("session", tok)
			if err != nil {
				t.Fatal(err)
			}
			if string(res.JSON) != tt.want || res.Key.ID != k.ID || !res.IssuedAt.Equal(t0) || !minted.ExpiresAt.Equal(res.ExpiresAt) {
				t.Fatalf("opened %s by %s at %v until %v", res.JSON, res.Key.ID, res.IssuedAt, res.ExpiresAt)
			}
			if want := t0.Add(30*24*time.Hour + time.Second); !res.ExpiresAt.Equal(want) {
				t.Fatalf("expires at %v, want %v (30 days, then the second securecookie still accepts)", res.ExpiresAt, want)
			}
			if d := res.Details[2]; d.Label != "encryption" || d.Value != tt.enc {
				t.Fatalf("details %v", res.Details)
			}
			if _, err := op.(format.CookieOpener).OpenCookie("Session", tok); !errors.Is(err, token.ErrInvalid) {
				t.Fatalf("opened under another name: %v", err)
			}
			_, err = op.Open(tok)
			if e, ok := errors.AsType[*format.Error](err); !ok || e.Stage != format.StageAuthentication || !strings.Contains(e.Reason, "Cookie: header") {
				t.Fatalf("Open without a name: %v", err)
			}
			p := format.SecureCookie().Peek(tok)
			if p.Err != nil || !p.IssuedAt.Equal(t0) {
				t.Fatalf("Peek: %+v", p)
			}
			if sealed := tt.enc != "none"; p.Sealed != sealed || !sealed && string(p.Payload) != tt.want {
				t.Fatalf("Peek: sealed %v, payload %s", p.Sealed, p.Payload)
			}
		})
	}
}

// TestSecureCookieClock pins the age rules: securecookie accepts a value
// until its timestamp plus max-age, inclusive, in whole seconds; max-age=0
// means no limit; a timestamp ahead of the clock by more than the leeway is
// rejected (securecookie's minAge is 0 and would accept it).
func TestSecureCookieClock(t *testing.T) {
	tests := []struct {
		name   string
		maxAge string
		at     time.Time
		leeway time.Duration
		want   error
	}{
		{"at the timestamp", "", t0, 0, nil},
		{"on the last second of max-age", "60", t0.Add(60*time.Second + 999*time.Millisecond), 0, nil},
		{"one second past max-age", "60", t0.Add(61 * time.Second), 0, token.ErrExpired},
		{"one second past max-age, within the leeway", "60", t0.Add(61 * time.Second), 2 * time.Second, nil},
		{"no limit", "0", t0.Add(10 * 365 * 24 * time.Hour), 0, nil},
		{"a second before the timestamp", "", t0.Add(-time.Second), 0, token.ErrNotYetValid},
		{"a second before the timestamp, within the leeway", "", t0.Add(-time.Second), time.Second, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := map[string]string{}
			if tt.maxAge != "" {
				opts["max-age"] = tt.maxAge
			}
			r, _ := scRing(t, scHash, opts)
			mintOp, err := format.SecureCookie().NewOpener(r, format.Options{Now: func() time.Time { return t0 }, CookieName: "c"})
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := mintOp.(format.Minter).Mint([]byte(`{}`), token.Validity{})
			if err != nil {
				t.Fatal(err)
			}
			op, err := format.SecureCookie().NewOpener(r, format.Options{Now: func() time.Time { return tt.at }, Leeway: tt.leeway})
			if err != nil {
				t.Fatal(err)
			}
			res, err := op.(format.CookieOpener).OpenCookie("c", tok)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if tt.maxAge == "0" && !res.ExpiresAt.IsZero() {
					t.Fatalf("max-age=0: expires at %v", res.ExpiresAt)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestSecureCookieRejects covers what the vectors cannot: keys' own
// limits and the stage of each rejection.
func TestSecureCookieRejects(t *testing.T) {
	r, _ := scRing(t, scHash, map[string]string{"max-length": "100"})
	op, err := format.SecureCookie().NewOpener(r, format.Options{Now: func() time.Time { return t0 }, CookieName: "c"})
	if err != nil {
		t.Fatal(err)
	}
	short, _, err := op.(format.Minter).Mint([]byte(`{}`), token.Validity{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		value string
		stage format.Stage
	}{
		{"longer than max-length", strings.Repeat("A", 104), format.StageSize},
		{"longer than any input", strings.Repeat("A", 70000), format.StageSize},
		{"a line break", short[:4] + "\n" + short[4:], format.StageEncoding},
		{"standard base64", strings.ReplaceAll(strings.ReplaceAll(short, "-", "+"), "_", "/") + "+", format.StageEncoding},
		{"one part", base64.URLEncoding.EncodeToString([]byte("123")), format.StageEncoding},
		{"a wrong MAC", base64.URLEncoding.EncodeToString([]byte("1|e30K|" + strings.Repeat("x", 32))), format.StageAuthentication},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := op.(format.CookieOpener).OpenCookie("c", tt.value)
			e, ok := errors.AsType[*format.Error](err)
			if !ok || e.Stage != tt.stage || !errors.Is(err, token.ErrInvalid) {
				t.Fatalf("err = %v, want a rejection at %v", err, tt.stage)
			}
		})
	}
	if _, _, err := op.(format.Minter).Mint([]byte(`{"s":"`+strings.Repeat("x", 200)+`"}`), token.Validity{}); err == nil {
		t.Fatal("minted a value longer than max-length")
	}
	op2, _ := format.SecureCookie().NewOpener(r, format.Options{})
	if _, _, err := op2.(format.Minter).Mint([]byte(`{}`), token.Validity{}); !errors.Is(err, format.ErrCookieName) {
		t.Fatalf("Mint without a cookie name: %v", err)
	}
	if _, _, err := op.(format.Minter).Mint([]byte(`[1]`), token.Validity{}); err == nil {
		t.Fatal("the gob encoder minted a session that is not an object")
	}
}

// TestSecureCookieDetect: securecookie values are told apart from the
// other formats' tokens, and the other way round.
func TestSecureCookieDetect(t *testing.T) {
	r := testRing(t)
	native := mint(t, format.Native(), r, format.Options{Now: func() time.Time { return t0 }}, `{"a":1}`)
	sc := format.SecureCookie()
	for _, tok := range []string{native, "", "MTIzfGFiY3w=", base64.URLEncoding.EncodeToString([]byte("12a|AAAA|" + strings.Repeat("m", 32))),
		base64.URLEncoding.EncodeToString([]byte("12|AAAA|" + strings.Repeat("m", 31)))} {
		if sc.Detect(tok) {
			t.Errorf("Detect(%q) = true", tok)
		}
	}
	good := base64.URLEncoding.EncodeToString([]byte("1803895200|AAAA|" + strings.Repeat("|", 32)))
	if !sc.Detect(good) || format.Native().Detect(good) || format.Ktor().Detect(good) {
		t.Errorf("%q is not detected as securecookie alone", good)
	}
}

// FuzzSecureCookie opens arbitrary values under a fixed key: no panic,
// every rejection an *Error, and Detect agrees with Peek.
func FuzzSecureCookie(f *testing.F) {
	r, _ := scRing(f, scHash+" "+scBlock, nil)
	mintOp, err := format.SecureCookie().NewOpener(r, format.Options{Now: func() time.Time { return t0 }, CookieName: "session"})
	if err != nil {
		f.Fatal(err)
	}
	tok, _, err := mintOp.(format.Minter).Mint([]byte(`{"a":[1,"x"]}`), token.Validity{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("session", tok)
	f.Add("s", "MTgwMzg5NTIwMHxBQUFBfHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fA==")
	for _, v := range loadForeignVectorsFuzz(f, "securecookie") {
		f.Add(v[0], v[1])
	}
	sc := format.SecureCookie()
	op, err := sc.NewOpener(r, format.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		res, err := op.(format.CookieOpener).OpenCookie(name, value)
		if err != nil {
			if _, ok := errors.AsType[*format.Error](err); !ok {
				t.Fatalf("%T is not a *format.Error", err)
			}
		} else if res.JSON == nil {
			t.Fatal("opened without a payload")
		}
		p := sc.Peek(value)
		if sc.Detect(value) && p.Err != nil {
			t.Fatalf("detected, but Peek fails: %v", p.Err)
		}
	})
}

// loadForeignVectorsFuzz returns the cookie names and tokens of the
// testvectors/<dir>/open*.json files, as fuzz seeds.
func loadForeignVectorsFuzz(tb testing.TB, dir string) [][2]string {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "testvectors", dir, "open*.json"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no vectors in %s: %v", dir, err)
	}
	var out [][2]string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		var v ForeignVectors
		if err := json.Unmarshal(data, &v); err != nil {
			tb.Fatal(err)
		}
		for _, tc := range v.Tests {
			out = append(out, [2]string{tc.Cookie, tc.Token})
		}
	}
	return out
}

// TestSecureCookieSameHashKeyTwice: a ring holding one hash key both
// without and with a block key (cookies written before and after
// encryption was turned on) opens both kinds of cookie, whichever key is
// newer: the MAC names the hash key only.
func TestSecureCookieSameHashKeyTwice(t *testing.T) {
	imp := format.SecureCookie().(format.Importer)
	ring := func(inputs ...string) *keyring.Ring {
		r, err := keyring.Generate(keyring.Default, t0)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range inputs {
			m, err := imp.ParseKey(keyring.SecureCookie, []byte(in), keyring.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r, _, err = r.Import(m, t0); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	o := format.Options{Now: func() time.Time { return t0 }, CookieName: "s"}
	for i, in := range []string{scHash, scHash + " " + scBlock} {
		mop, err := format.SecureCookie().NewOpener(ring(in), o)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := mop.(format.Minter).Mint([]byte(`{"a":1}`), token.Validity{})
		if err != nil {
			t.Fatal(err)
		}
		for j, order := range [][]string{{scHash, scHash + " " + scBlock}, {scHash + " " + scBlock, scHash}} {
			op, err := format.SecureCookie().NewOpener(ring(order...), o)
			if err != nil {
				t.Fatal(err)
			}
			if res, err := op.(format.CookieOpener).OpenCookie("s", tok); err != nil || string(res.JSON) != `{"a":1}` {
				t.Errorf("cookie %d (0: signed, 1: encrypted), ring %d (0: the block key newest): %s, %v", i, j, res.JSON, err)
			}
		}
	}
}
