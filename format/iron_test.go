package format_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

const (
	ironPW1 = "a password of at least 32 characters, #1"
	ironPW2 = "another password, at least 32 characters long"
)

// ironRing returns a ring with a native primary key and iron keys, each a
// password with its options.
func ironRing(t testing.TB, keys ...struct {
	pw   string
	opts map[string]string
}) *keyring.Ring {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	imp := format.Iron().(format.Importer)
	for _, k := range keys {
		o, err := keyring.NewOptions(k.opts)
		if err != nil {
			t.Fatal(err)
		}
		m, err := imp.ParseKey(keyring.Iron, []byte(k.pw+"\n"), o)
		if err != nil {
			t.Fatal(err)
		}
		if r, _, err = r.Import(m, t0); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

type ironK = struct {
	pw   string
	opts map[string]string
}

func TestIronParseKey(t *testing.T) {
	imp := format.Iron().(format.Importer)
	tests := []struct {
		name  string
		input string
		opts  map[string]string
		want  error
	}{
		{"32 characters", strings.Repeat("p", 32) + "\n", nil, nil},
		{"password id and max-age", ironPW1, map[string]string{"password-id": "k_1", "max-age": "60"}, nil},
		{"31 characters", strings.Repeat("p", 31), nil, format.ErrKeyInput},
		// 16 characters of 3 bytes: 48 bytes, but iron counts 16.
		{"16 CJK characters", strings.Repeat("鍵", 16), nil, format.ErrKeyInput},
		{"32 CJK characters", strings.Repeat("鍵", 32), nil, nil},
		{"password id with a dash", ironPW1, map[string]string{"password-id": "k-1"}, keyring.ErrOption},
		{"zero max-age", ironPW1, map[string]string{"max-age": "0"}, keyring.ErrOption},
		{"empty", "\n", nil, format.ErrKeyInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := keyring.NewOptions(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = imp.ParseKey(keyring.Iron, []byte(tt.input), o)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "pppp") || strings.Contains(err.Error(), "password of")) {
				t.Fatalf("the error quotes the input: %v", err)
			}
		})
	}
}

// TestIronRoundTrip mints seals and opens them: password IDs choose the
// keys tried, the expiration is checked with the leeway as iron's skew,
// and max-age bounds how far ahead a seal may expire.
func TestIronRoundTrip(t *testing.T) {
	at := func(d time.Duration) format.Options {
		return format.Options{Now: func() time.Time { return t0.Add(d) }}
	}
	tests := []struct {
		name   string
		minter []ironK // the ring that mints (its newest active key)
		opener []ironK
		exp    time.Duration // 0: no expiration
		o      format.Options
		want   error
	}{
		{"no id", []ironK{{ironPW1, nil}}, []ironK{{ironPW1, nil}}, 0, at(0), nil},
		{"id k1, rotated passwords", []ironK{{ironPW2, map[string]string{"password-id": "k1"}}},
			[]ironK{{ironPW2, map[string]string{"password-id": "k1"}}, {ironPW1, map[string]string{"password-id": "k1"}}}, time.Hour, at(0), nil},
		{"id k1, no k1 key", []ironK{{ironPW2, map[string]string{"password-id": "k1"}}}, []ironK{{ironPW2, nil}}, 0, at(0), token.ErrInvalid},
		{"no id, only a k1 key", []ironK{{ironPW2, nil}}, []ironK{{ironPW2, map[string]string{"password-id": "k1"}}}, 0, at(0), token.ErrInvalid},
		{"wrong password", []ironK{{ironPW1, nil}}, []ironK{{ironPW2, nil}}, 0, at(0), token.ErrInvalid},
		{"expired", []ironK{{ironPW1, nil}}, []ironK{{ironPW1, nil}}, time.Hour, at(time.Hour), token.ErrExpired},
		{"expired, within iron's 60 s skew as leeway", []ironK{{ironPW1, nil}}, []ironK{{ironPW1, nil}}, time.Hour,
			format.Options{Now: func() time.Time { return t0.Add(time.Hour + 59*time.Second) }, Leeway: time.Minute}, nil},
		{"max-age, no expiration", []ironK{{ironPW1, nil}}, []ironK{{ironPW1, map[string]string{"max-age": "60"}}}, 0, at(0), token.ErrInvalid},
		{"max-age, expiring too late", []ironK{{ironPW1, nil}}, []ironK{{ironPW1, map[string]string{"max-age": "60"}}}, time.Hour, at(0), token.ErrInvalid},
		{"max-age, expiring within it", []ironK{{ironPW1, nil}}, []ironK{{ironPW1, map[string]string{"max-age": "60"}}}, time.Hour, at(time.Hour - time.Minute), nil},
		{"a lifetime limit and no issue time", []ironK{{ironPW1, nil}}, []ironK{{ironPW1, nil}}, time.Hour,
			format.Options{Now: func() time.Time { return t0 }, ForeignMaxTTL: 24 * time.Hour}, token.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mop, err := format.Iron().NewOpener(ironRing(t, tt.minter...), format.Options{})
			if err != nil {
				t.Fatal(err)
			}
			v := token.Validity{}
			if tt.exp != 0 {
				v.ExpiresAt = t0.Add(tt.exp)
			}
			tok, minted, err := mop.(format.Minter).Mint([]byte(`{"user": "alice", "n": [1, 2.5]}`), v)
			if err != nil {
				t.Fatal(err)
			}
			if got := format.Default().Detect(tok); got == nil || got.Name() != "iron" {
				t.Fatalf("a minted seal is detected as %v", got)
			}
			op, err := format.Iron().NewOpener(ironRing(t, tt.opener...), tt.o)
			if err != nil {
				t.Fatal(err)
			}
			res, err := op.Open(tok)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(res.JSON) != `{"user":"alice","n":[1,2.5]}` || !res.ExpiresAt.Equal(minted.ExpiresAt) {
				t.Fatalf("opened %s, expiring at %v", res.JSON, res.ExpiresAt)
			}
			p := format.Iron().Peek(tok)
			if p.Err != nil || !p.Sealed || !p.ExpiresAt.Equal(minted.ExpiresAt) || p.Details[0].Label != "password id" {
				t.Fatalf("Peek: %+v", p)
			}
		})
	}
}

// TestIronRejectsByStage names the stage of each malformed seal.
func TestIronRejectsByStage(t *testing.T) {
	r := ironRing(t, ironK{ironPW1, nil})
	op, err := format.Iron().NewOpener(r, format.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	good, _, err := op.(format.Minter).Mint([]byte(`1`), token.Validity{})
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Split(good, "*")
	with := func(i int, v string) string {
		q := append([]string(nil), p...)
		q[i] = v
		return strings.Join(q, "*")
	}
	tests := []struct {
		name, tok string
		stage     format.Stage
	}{
		{"too long", "Fe26.2*" + strings.Repeat("a", 70000), format.StageSize},
		{"another prefix", strings.Replace(good, "Fe26.2", "Fe26.3", 1), format.StageEncoding},
		{"a signed expiration", with(5, "+1"), format.StageEncoding},
		{"an expiration after 9999", with(5, "253402300800000"), format.StageEncoding},
		{"a long salt", with(2, strings.Repeat("s", 1025)), format.StageEncoding},
		{"an id with a dash", with(1, "a-b"), format.StageEncoding},
		{"an unknown id", with(1, "k9"), format.StageKey},
		{"a changed HMAC", with(7, strings.Repeat("A", 43)), format.StageAuthentication},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := op.Open(tt.tok)
			e, ok := errors.AsType[*format.Error](err)
			if !ok || e.Stage != tt.stage || !errors.Is(err, token.ErrInvalid) {
				t.Fatalf("err = %v, want a rejection at %v", err, tt.stage)
			}
		})
	}
	if format.Iron().Detect("Fe26.2*a*b") || format.Iron().Detect("Fe26.1*******") || !format.Iron().Detect("Fe26.2*******") {
		t.Fatal("Detect does not count eight components after Fe26.2")
	}
}

// FuzzIron opens arbitrary seals under two passwords: no panic, every
// rejection an *Error, and a seal that opens has a JSON payload.
func FuzzIron(f *testing.F) {
	r := ironRing(f, ironK{ironPW1, nil}, ironK{ironPW2, map[string]string{"password-id": "k1"}})
	op, err := format.Iron().NewOpener(r, format.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		f.Fatal(err)
	}
	tok, _, err := op.(format.Minter).Mint([]byte(`{"a":1}`), token.Validity{ExpiresAt: t0.Add(time.Hour)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add("Fe26.2*******")
	for _, v := range loadForeignVectorsFuzz(f, "iron") {
		f.Add(v[1])
	}
	ir := format.Iron()
	f.Fuzz(func(t *testing.T, tok string) {
		res, err := op.Open(tok)
		if err != nil {
			if _, ok := errors.AsType[*format.Error](err); !ok {
				t.Fatalf("%T is not a *format.Error", err)
			}
		} else if res.JSON == nil {
			t.Fatal("opened without a payload")
		}
		if p := ir.Peek(tok); ir.Detect(tok) && p.Err != nil && err == nil {
			t.Fatalf("opened, but Peek fails: %v", p.Err)
		}
	})
}
