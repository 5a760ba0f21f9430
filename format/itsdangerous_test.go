package format_test

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// foreignRing returns a native ring with the given foreign keys imported,
// each created one second after the previous (so that "newest" is the last).
func foreignRing(t testing.TB, f format.Importer, keys ...[3]string) *keyring.Ring {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range keys { // algorithm, secret, options "a=b,c=d"
		m := map[string]string{}
		for kv := range strings.SplitSeq(k[2], ",") {
			if n, v, ok := strings.Cut(kv, "="); ok {
				m[n] = v
			}
		}
		opts, err := keyring.NewOptions(m)
		if err != nil {
			t.Fatal(err)
		}
		mat, err := f.ParseKey(keyring.Algorithm(k[0]), []byte(k[1]+"\n"), opts)
		if err != nil {
			t.Fatal(err)
		}
		if r, _, err = r.Import(mat, t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func itsOpener(t testing.TB, r *keyring.Ring, now time.Time) format.Opener {
	t.Helper()
	op, err := format.ItsDangerous().NewOpener(r, format.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// TestItsDangerousMintOpen mints with each kind of key and opens the
// result: the payload comes back as compact JSON, large payloads are
// compressed, and a one-key object whose key is a Flask tag survives
// Flask's tagging (" di").
func TestItsDangerousMintOpen(t *testing.T) {
	big := `{"h":[` + strings.Repeat(`"/page/1",`, 200) + `"/"]}`
	for _, tc := range []struct {
		name, alg, opts, payload string
		compressed               bool
		exp                      time.Duration
	}{
		{"itsdangerous dict", "itsdangerous", "max-age=60", `{"a": 1, "b": [true, null]}`, false, time.Minute},
		{"itsdangerous string, no max-age", "itsdangerous", "salt=reset", `"x"`, false, 0},
		{"itsdangerous compressed", "itsdangerous", "", big, true, 0},
		{"flask session", "flask", "", `{"user_id":42}`, false, format.FlaskMaxAge},
		{"flask tag-like keys", "flask", "max-age=10", `{" t":1,"x":{" b":{" di":2}},"y":[{" u":"z"}]}`, true, 10 * time.Second}, // tagging makes it long enough to compress,
		{"flask compressed", "flask", "", big, true, format.FlaskMaxAge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := foreignRing(t, format.ItsDangerous().(format.Importer), [3]string{tc.alg, "secret-" + tc.alg, tc.opts})
			op := itsOpener(t, r, t0)
			tok, minted, err := op.(format.Minter).Mint([]byte(tc.payload), token.Validity{})
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(tok, ".") != tc.compressed {
				t.Errorf("compressed = %v, want %v: %s", !tc.compressed, tc.compressed, tok)
			}
			if got := format.Default().Detect(tok); got == nil || got.Name() != "itsdangerous" {
				t.Errorf("detected as %v", got)
			}
			res, err := op.Open(tok)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := compactTo(&want, tc.payload); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(res.JSON, want.Bytes()) || !bytes.Equal(minted.JSON, want.Bytes()) {
				t.Errorf("JSON %s (minted %s), want %s", res.JSON, minted.JSON, want.Bytes())
			}
			if !res.IssuedAt.Equal(t0) || res.Key.ID != minted.Key.ID {
				t.Errorf("IssuedAt %v key %v, want %v %v", res.IssuedAt, res.Key.ID, t0, minted.Key.ID)
			}
			if tc.exp == 0 && !res.ExpiresAt.IsZero() || tc.exp != 0 && !res.ExpiresAt.Equal(t0.Add(tc.exp)) {
				t.Errorf("ExpiresAt %v, want issue + %v", res.ExpiresAt, tc.exp)
			}
		})
	}
}

// TestItsDangerousRejects checks the stage and kind of each rejection.
func TestItsDangerousRejects(t *testing.T) {
	im := format.ItsDangerous().(format.Importer)
	r := foreignRing(t, im, [3]string{"flask", "s3cret", "max-age=3600"})
	tok, _, err := itsOpener(t, r, t0).(format.Minter).Mint([]byte(`{"u":1}`), token.Validity{})
	if err != nil {
		t.Fatal(err)
	}
	body, sig := tok[:strings.LastIndexByte(tok, '.')], tok[strings.LastIndexByte(tok, '.')+1:]
	other := foreignRing(t, im, [3]string{"flask", "other", ""})
	salted := foreignRing(t, im, [3]string{"itsdangerous", "s3cret", "salt=cookie-session"})
	for _, tc := range []struct {
		name  string
		r     *keyring.Ring
		tok   string
		at    time.Time
		kind  error
		stage format.Stage
	}{
		{"valid at the last second", r, tok, t0.Add(time.Hour - time.Second), nil, 0},
		{"expired at max-age", r, tok, t0.Add(time.Hour), token.ErrExpired, format.StageValidity},
		{"future", r, tok, t0.Add(-time.Minute), token.ErrNotYetValid, format.StageValidity},
		{"wrong key", other, tok, t0, token.ErrInvalid, format.StageAuthentication},
		{"itsdangerous derivation with Flask's salt", salted, tok, t0, token.ErrInvalid, format.StageAuthentication},
		{"signature cut", r, body + "." + sig[:26], t0, token.ErrInvalid, format.StageEncoding},
		{"no dots", r, "abc", t0, token.ErrInvalid, format.StageEncoding},
		{"empty payload", r, "." + tok[strings.IndexByte(tok, '.'):], t0, token.ErrInvalid, format.StageEncoding},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := itsOpener(t, tc.r, tc.at).Open(tc.tok)
			if tc.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.kind) || stageOf(err) != tc.stage {
				t.Fatalf("%v (stage %v); want %v at %v", err, stageOf(err), tc.kind, tc.stage)
			}
		})
	}
}

// signFlask signs body as Flask does, for tokens Mint would not write.
func signFlask(secret, body string, iat int64) string {
	dk := hmac.New(sha1.New, []byte(secret))
	dk.Write([]byte("cookie-session"))
	ts := []byte{byte(iat >> 24), byte(iat >> 16), byte(iat >> 8), byte(iat)}
	signed := body + "." + base64.RawURLEncoding.EncodeToString(ts)
	h := hmac.New(sha1.New, dk.Sum(nil))
	h.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// TestItsDangerousZipBomb: a signed token whose payload inflates to 32 MiB
// is refused at the payload stage after at most 64 KiB of output, fast.
func TestItsDangerousZipBomb(t *testing.T) {
	var zb bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&zb, zlib.BestCompression)
	zw.Write([]byte(`"`))
	zw.Write(make([]byte, 32<<20))
	zw.Close()
	tok := signFlask("s3cret", "."+base64.RawURLEncoding.EncodeToString(zb.Bytes()), t0.Unix())
	if len(tok) > 64<<10 {
		t.Fatalf("the bomb token has %d bytes", len(tok))
	}
	r := foreignRing(t, format.ItsDangerous().(format.Importer), [3]string{"flask", "s3cret", ""})
	start := time.Now()
	_, err := itsOpener(t, r, t0).Open(tok)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusing the bomb took %v", d)
	}
	if stageOf(err) != format.StagePayload || !strings.Contains(err.Error(), "inflates to more than 65536 bytes") {
		t.Fatalf("%v; want a payload rejection for the size", err)
	}
	// A compressed payload with data after the zlib stream is refused too.
	zb.Reset()
	zw = zlib.NewWriter(&zb)
	zw.Write([]byte(`{"a":1}`))
	zw.Close()
	zb.WriteString("junk")
	tok = signFlask("s3cret", "."+base64.RawURLEncoding.EncodeToString(zb.Bytes()), t0.Unix())
	if _, err := itsOpener(t, r, t0).Open(tok); stageOf(err) != format.StagePayload {
		t.Fatalf("trailing data: %v", err)
	}
}

// TestItsDangerousDetect: detection is strict, and claims none of the
// other formats' tokens.
func TestItsDangerousDetect(t *testing.T) {
	f := format.ItsDangerous()
	ts := base64.RawURLEncoding.EncodeToString([]byte{0x6b, 0x85, 0x1a, 0x00})
	sig27 := strings.Repeat("A", 27)
	for _, tc := range []struct {
		tok  string
		want bool
	}{
		{"eyJhIjoxfQ." + ts + "." + sig27, true},
		{".eJyrVkpUsjKsBQAKWwJ0." + ts + "." + sig27, true},
		{"eyJhIjoxfQ." + ts + "." + sig27[:26], false},                                               // short signature
		{"eyJhIjoxfQ." + ts + "." + sig27 + "A", false},                                              // long signature
		{"eyJhIjoxfQ.AAAAAQ." + sig27, false},                                                        // a leading zero byte
		{"eyJhIjoxfQ." + base64.RawURLEncoding.EncodeToString(make([]byte, 9)) + "." + sig27, false}, // 9 bytes
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", false},  // a JWT
		{"." + ts + "." + sig27, false},
		{"a.b." + ts + "." + sig27, false}, // dots in the payload
		{"AQAAAAE", false},
		{"s:ada.tnlZrMNLsU3/PLtR3lOiAXuAztDl5GJDba0ZzzzDGlQ", false},
		{"", false},
	} {
		if got := f.Detect(tc.tok); got != tc.want {
			t.Errorf("Detect(%q) = %v, want %v", tc.tok, got, tc.want)
		}
	}
}

// TestItsDangerousParseKey: key errors are typed and quote no input.
func TestItsDangerousParseKey(t *testing.T) {
	im := format.ItsDangerous().(format.Importer)
	for _, tc := range []struct {
		alg   keyring.Algorithm
		input string
		opts  map[string]string
		want  error
	}{
		{keyring.Flask, "s3cret\n", nil, nil},
		{keyring.ItsDangerous, "s3cret", map[string]string{"salt": "x", "max-age": "60"}, nil},
		{keyring.Flask, "\n", nil, format.ErrKeyInput},
		{keyring.Flask, "\xff\xfe", nil, format.ErrKeyInput},
		{keyring.ItsDangerous, "s3cret", map[string]string{"max-age": "soon"}, keyring.ErrOption},
		{keyring.ItsDangerous, "s3cret", map[string]string{"max-age": "-1"}, keyring.ErrOption},
		{keyring.Express, "s3cret", nil, format.ErrKeyInput},
	} {
		opts, err := keyring.NewOptions(tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		m, err := im.ParseKey(tc.alg, []byte(tc.input), opts)
		if !errors.Is(err, tc.want) || tc.want == nil && err != nil {
			t.Errorf("ParseKey(%v): %v, want %v", tc.alg, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "soon")) {
			t.Errorf("the error quotes the input: %v", err)
		}
		if err == nil && string(m.Secret) != "s3cret" {
			t.Errorf("secret %q", m.Secret)
		}
	}
}

// TestItsDangerousRotation: the newest key that verifies is reported, and
// more than MaxKeyTrial keys of one algorithm is an error.
func TestItsDangerousRotation(t *testing.T) {
	im := format.ItsDangerous().(format.Importer)
	old := foreignRing(t, im, [3]string{"flask", "old", ""})
	tok, _, err := itsOpener(t, old, t0).(format.Minter).Mint([]byte(`{"v":1}`), token.Validity{})
	if err != nil {
		t.Fatal(err)
	}
	r := foreignRing(t, im, [3]string{"flask", "old", ""}, [3]string{"itsdangerous", "x", ""}, [3]string{"flask", "new", ""})
	res, err := itsOpener(t, r, t0).Open(tok)
	if err != nil || res.Key.Algorithm != keyring.Flask {
		t.Fatalf("%v %v", res.Key, err)
	}
	var many [][3]string
	for range format.MaxKeyTrial + 1 {
		many = append(many, [3]string{"flask", "k", ""})
	}
	op, err := format.ItsDangerous().NewOpener(foreignRing(t, im, many...), format.Options{})
	if err != nil {
		t.Fatalf("%d keys: NewOpener: %v; want the bound reported by Open", len(many), err)
	}
	if _, err := op.Open(tok); !errors.Is(err, format.ErrTooManyKeys) {
		t.Fatalf("%d keys: %v", len(many), err)
	}
}

// TestFlaskSessionJSON renders Flask's tags.
func TestFlaskSessionJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a": 1}`, `{"a":1}`},
		{`{" t": [1, {" t": [2]}]}`, `[1,[2]]`},
		{`{" b": "AAFi/w=="}`, `"AAFi/w=="`},
		{`{" m": "<b>x</b>"}`, `"<b>x</b>"`},
		{`{" u": "12345678123456781234567812345678"}`, `"12345678-1234-5678-1234-567812345678"`},
		{`{" d": "Sun, 28 Feb 2027 09:30:15 GMT"}`, `"2027-02-28T09:30:15Z"`},
		{`{" di": {" t__": {" t": [1]}}}`, `{" t":[1]}`},
		{`{" t": [1], "x": 2}`, `{" t":[1],"x":2}`}, // two keys: not a tag
		{`{"z": 1, "a": {" u": "00000000000000000000000000000000"}}`, `{"z":1,"a":"00000000-0000-0000-0000-000000000000"}`},
		{`"\u00e9 \" \\"`, `"\u00e9 \" \\"`},
		{`{" t": "ab"}`, ``},
		{`{" b": "not base64!"}`, ``},
		{`{" b": 5}`, ``},
		{`{" m": null}`, ``},
		{`{" u": "1234"}`, ``},
		{`{" d": "2027-02-28"}`, ``},
		{`{" di": {" t": 1}}`, ``},
		{`{" di": {"a__": 1, "b__": 2}}`, ``},
		{`{"a": 1, "a": 2}`, ``}, // duplicate keys
		{`[NaN]`, ``},
	} {
		got, err := format.FlaskSessionJSON([]byte(tc.in))
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s: %s; want an error", tc.in, got)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// TestItsDangerousPeek shows the issue time and payload unverified.
func TestItsDangerousPeek(t *testing.T) {
	r := foreignRing(t, format.ItsDangerous().(format.Importer), [3]string{"flask", "s3cret", ""})
	tok, _, err := itsOpener(t, r, t0).(format.Minter).Mint([]byte(`{"u":1}`), token.Validity{})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := format.Default().Peek(tok)
	if !ok || p.Err != nil || p.Format.Name() != "itsdangerous" || !p.IssuedAt.Equal(t0) || string(p.Payload) != `{"u":1}` {
		t.Fatalf("%+v", p)
	}
}

func compactTo(buf *bytes.Buffer, s string) error {
	return json.Compact(buf, []byte(s))
}
