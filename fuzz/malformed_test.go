package fuzz

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/internal/spectest"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/token"
	"github.com/sesstool/sesstool/transform"
)

// corpusItem is one malformed input.
type corpusItem struct {
	name string
	data []byte
}

const big = 10 << 20 // the size of the "10 MB" inputs

// malformedCorpus returns hostile inputs: empty and white space, 10 MB
// inputs, invalid UTF-8, NUL bytes, a token in the wrong base64 alphabet,
// padded or broken by CR/LF, deeply nested CBOR and JSON, CBOR that
// declares huge lengths, a deflate bomb, and broken Ktor values. tok is an
// authentic native token that the items are derived from.
func malformedCorpus(tok string) []corpusItem {
	rng := rand.New(rand.NewChaCha8([32]byte{'s', 'e', 's', 's'}))
	random := make([]byte, big)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	cborHead := func(major byte, n uint64) []byte {
		return binary.BigEndian.AppendUint64([]byte{major<<5 | 27}, n)
	}
	nested := func(open, close string, n int) []byte {
		return []byte(strings.Repeat(open, n) + close)
	}
	items := []corpusItem{
		{"empty", nil},
		{"space", []byte(" ")},
		{"whitespace", []byte(" \t\r\n\v\f \u00a0\u2028")},
		{"10MB-A", bytes.Repeat([]byte("A"), big)},
		{"10MB-token-prefix", append([]byte(tok), bytes.Repeat([]byte("A"), big)...)},
		{"10MB-random", random},
		{"10MB-json-array", append(append([]byte("["), bytes.Repeat([]byte("1,"), big/2)...), '1', ']')},
		{"10MB-percent", bytes.Repeat([]byte("%41"), big/3)},
		{"invalid-utf8", []byte("\xff\xfe\xfd")},
		{"invalid-utf8-in-token", []byte(tok[:8] + "\xc0\xaf" + tok[8:])},
		{"overlong-utf8", []byte("\xc3\x28\xe2\x28\xa1")},
		{"nul", []byte("\x00\x00")},
		{"nul-in-token", []byte(tok[:8] + "\x00" + tok[8:])},
		{"std-alphabet-plus", []byte(tok[:10] + "+" + tok[11:])},
		{"std-alphabet-slash", []byte(tok[:10] + "/" + tok[11:])},
		{"base64-length-1-mod-4", []byte(tok[:len(tok)-(len(tok)-1)%4])},
		{"base64-trailing-bits", []byte(tok[:len(tok)-(len(tok)-1)%4] + "B")},
		{"padding-1", []byte(tok + "=")},
		{"padding-2", []byte(tok + "==")},
		{"padding-only", []byte("====")},
		{"crlf-inside", []byte(tok[:20] + "\r\n" + tok[20:])},
		{"lf-inside", []byte(tok[:20] + "\n" + tok[20:])},
		{"crlf-only", []byte("\r\n")},
		{"cr-after", []byte(tok + "\r")},
		{"cbor-nested-arrays", nested("\x81", "\x00", 10000)},
		{"cbor-nested-maps", nested("\xa1\x00", "\x00", 10000)},
		{"json-nested", nested("[", strings.Repeat("]", 10000), 10000)},
		{"cbor-bytes-2^62", append(cborHead(2, 1<<62), 'x')},
		{"cbor-text-2^62", append(cborHead(3, 1<<62), 'x')},
		{"cbor-array-2^62", append(cborHead(4, 1<<62), 0)},
		{"cbor-map-2^62", append(cborHead(5, 1<<62), 0, 0)},
		{"cbor-array-2^32-1", []byte{0x9a, 0xff, 0xff, 0xff, 0xff, 0x00}},
		{"cbor-bytes-2^64-1", cborHead(2, math.MaxUint64)},
		{"deflate-bomb", deflateBomb(64 << 20)},
		{"ktor-percent", []byte("%")},
		{"ktor-bad-escape", []byte("%zz/00")},
		{"ktor-shape-only", []byte("abc/abc:abc")},
		{"ktor-separators", []byte("/:/:/")},
	}
	return items
}

// deflateBomb returns the DEFLATE compression of n zero bytes.
func deflateBomb(n int) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		panic(err)
	}
	zeros := make([]byte, 1<<20)
	for range n / len(zeros) {
		w.Write(zeros)
	}
	w.Close()
	return buf.Bytes()
}

// input is a corpus item as bytes and as a string, both made once, so that
// the conversion does not count in a reader's allocations.
type input struct {
	b []byte
	s string
}

// reader is one library read path, with the sentinel its errors wrap.
type reader struct {
	name string
	read func(input) error
	is   func(error) bool
	// accepts lists the corpus items this reader may accept: for decoders
	// such as base64, the empty input is well formed.
	accepts    []string
	acceptsAny bool // a decoder for which no input is malformed as such
	// bounded: the reader checks the input's size before any work, so a
	// 10 MB input costs it almost nothing (see maxEarlyAlloc). Otherwise it
	// must use at most about the input's size.
	bounded bool
}

// cborScalars are the corpus items that are well-formed one-byte CBOR:
// " " is -1 and "%" is -6.
var cborScalars = []string{"space", "ktor-percent"}

func isAny(sentinels ...error) func(error) bool {
	return func(err error) bool {
		for _, s := range sentinels {
			if errors.Is(err, s) {
				return true
			}
		}
		return false
	}
}

// readers returns every library read path for untrusted bytes.
func readers(t testing.TB, s nativeSample) []reader {
	t.Helper()
	key32 := bytes.Repeat([]byte{7}, 32)
	xc := must(transform.NewXChaCha20Poly1305(key32, []byte("ad")))
	ktorSamples := ktorSamples(t)
	var rs []reader
	add := func(r reader) { rs = append(rs, r) }
	add(reader{name: "token.Open", bounded: true, is: isTokenRejection, read: func(in input) error {
		var v session
		_, err := s.m.Open(in.s, &v)
		return err
	}})
	add(reader{name: "token.Unseal", bounded: true, is: isTokenRejection, read: func(in input) error {
		_, _, err := s.m.Unseal(in.s)
		return err
	}})
	add(reader{name: "token.Rewrap", bounded: true, is: isTokenRejection, read: func(in input) error {
		_, _, err := s.m.Rewrap(in.s)
		return err
	}})
	add(reader{name: "token.Inspect", bounded: true, is: isTokenRejection, read: func(in input) error {
		_, err := token.Inspect(in.s)
		return err
	}})
	add(reader{name: "keyring.Parse", bounded: true, is: isAny(keyring.ErrCorrupt), read: func(in input) error {
		_, err := keyring.Parse(in.b)
		return err
	}})
	for _, c := range []codec.Codec{codec.JSON(), codec.CBOR(), ktor.KotlinxJSON()} {
		var accepts []string
		if c == codec.CBOR() {
			accepts = cborScalars
		}
		add(reader{name: c.Name() + ".Unmarshal(any)", bounded: true, is: isAny(codec.ErrInvalid), accepts: accepts, read: func(in input) error {
			var v any
			return c.Unmarshal(in.b, &v)
		}})
		add(reader{name: c.Name() + ".Unmarshal(struct)", bounded: true, is: isAny(codec.ErrInvalid), read: func(in input) error {
			var v session
			return c.Unmarshal(in.b, &v)
		}})
	}
	for _, c := range []codec.Codec{ktor.Reflection(), ktor.KotlinxBackwardCompatible()} {
		// The empty text is the reflection form of an object without
		// properties.
		add(reader{name: c.Name() + ".Unmarshal(any)", bounded: true, is: isAny(codec.ErrInvalid), accepts: []string{"empty"}, read: func(in input) error {
			var v any
			return c.Unmarshal(in.b, &v)
		}})
	}
	add(reader{name: "codec.CBORToJSON", bounded: true, is: isAny(codec.ErrInvalid), accepts: cborScalars, read: func(in input) error {
		_, err := codec.CBORToJSON(in.b)
		return err
	}})
	for name, tr := range map[string]transform.Transformer{
		"transform.Base64URL": transform.Base64URL(),
		"transform.Hex":       transform.Hex(),
	} {
		add(reader{name: name + ".Read", is: isAny(transform.ErrInvalid), accepts: []string{"empty", "10MB-A", "10MB-token-prefix"}, read: func(in input) error {
			_, err := tr.Read(nil, in.b)
			return err
		}})
	}
	for name, tr := range map[string]transform.Transformer{
		"transform.XChaCha20Poly1305":    xc,
		"transform.HMAC":                 must(transform.NewHMAC(transform.SHA256, key32, nil)),
		"transform.Chain(HMAC,AEAD,B64)": transform.Chain(must(transform.NewHMAC(transform.SHA256, key32, nil)), xc, transform.Base64URL()),
	} {
		add(reader{name: name + ".Read", is: isAny(transform.ErrInvalid), read: func(in input) error {
			_, err := tr.Read(nil, in.b)
			return err
		}})
	}
	for _, k := range ktorSamples {
		add(reader{name: "ktor." + k.name + ".Read", is: isAny(transform.ErrInvalid), read: func(in input) error {
			_, err := k.tr.Read(nil, in.b)
			return err
		}})
	}
	// Inspect recognises layouts by their shape only (hex/hex:hex), as
	// documented, so "abc/abc:abc" is an encrypted value to it.
	add(reader{name: "ktor.Inspect", is: isAny(ktor.ErrUnrecognized, ktor.ErrMalformedCookie), accepts: []string{"ktor-shape-only"}, read: func(in input) error {
		_, err := ktor.Inspect(in.s)
		return err
	}})
	// Cookie decoding has no notion of a malformed value beyond bad
	// escapes and bad Base64: most of the corpus decodes. Errors must still
	// be typed.
	for _, e := range []ktor.CookieEncoding{ktor.URIEncoding, ktor.Base64Encoding, ktor.DQuotes} {
		add(reader{name: "ktor.DecodeCookieValue(" + e.String() + ")", is: isAny(ktor.ErrMalformedCookie), acceptsAny: true, read: func(in input) error {
			_, err := ktor.DecodeCookieValue(in.s, e)
			return err
		}})
	}
	return rs
}

// allocPerWarmCall returns the bytes that f allocates per call, on average
// over n calls, for a caller that has just called f, which warmed its pools
// and caches.
func allocPerWarmCall(n int, f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(n)
}

// maxEarlyAlloc is what a reader that checks sizes first may allocate for a
// 10 MB input: its error message, and no copy of the input.
const maxEarlyAlloc = 16 << 10

// TestMalformedInputs feeds the corpus to every library read path: each
// must reject it (except what accepts lists) with an error wrapping its
// package's sentinel, and never panic. For the 10 MB inputs it measures
// the memory allocated per call: readers that document a size limit must
// reject before touching the input (at most maxEarlyAlloc), and no other
// reader may allocate more than twice the input's size plus 1 MiB (a
// decoder's output and its conversion to a string).
func TestMalformedInputs(t *testing.T) {
	s := nativeSamples(t)[0]
	corpus := malformedCorpus(s.tok)
	ins := make(map[string]input, len(corpus))
	for _, it := range corpus {
		ins[it.name] = input{b: it.data, s: string(it.data)}
	}
	for _, r := range readers(t, s) {
		t.Run(r.name, func(t *testing.T) {
			for _, it := range corpus {
				in := ins[it.name]
				err := r.read(in)
				switch {
				case err == nil && !r.acceptsAny && !contains(r.accepts, it.name):
					t.Errorf("%s accepted %s (%d bytes)", r.name, it.name, len(it.data))
				case err != nil && !r.is(err):
					t.Errorf("%s(%s) error = %v (%T); want it to wrap the package's sentinel", r.name, it.name, err, err)
				case err != nil && len(err.Error()) > 1024:
					t.Errorf("%s(%s) error message is %d bytes long: it quotes the input", r.name, it.name, len(err.Error()))
				}
				if len(it.data) < big || testing.Short() || raceEnabled {
					continue
				}
				// The read above warmed the reader up. Anything else the
				// runtime allocates meanwhile (another test's goroutine, a
				// GC's bookkeeping) can only add to a measurement, so one
				// over the limit is taken twice more, and the least counts.
				limit := 2*uint64(len(it.data)) + 1<<20
				if r.bounded {
					limit = maxEarlyAlloc
				}
				n := allocPerWarmCall(1, func() { r.read(in) })
				for i := 0; i < 2 && n > limit; i++ {
					n = min(n, allocPerWarmCall(1, func() { r.read(in) }))
				}
				if n > limit {
					t.Errorf("%s(%s): %d bytes allocated per call for %d bytes of input; want at most %d", r.name, it.name, n, len(it.data), limit)
				}
			}
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestAbsurdTimestamps seals envelopes with absurd or inconsistent times
// under real keys (so that they pass authentication and reach the
// envelope checks): Open must reject each with the right sentinel and
// stage, and never overflow into accepting one.
func TestAbsurdTimestamps(t *testing.T) {
	const maxUnix = 253402300799 // 9999-12-31T23:59:59Z
	nowUnix := uint64(now.Unix())
	env := func(flags byte, times ...uint64) []byte {
		b := []byte{flags}
		for _, v := range times {
			b = binary.BigEndian.AppendUint64(b, v)
		}
		return append(b, `{"uid":"alice","roles":[]}`...)
	}
	cases := []struct {
		name  string
		env   []byte
		kind  error
		stage token.Stage
	}{
		{"empty", nil, token.ErrInvalid, token.StageEnvelope},
		{"16 bytes", make([]byte, 16), token.ErrInvalid, token.StageEnvelope},
		{"unknown flag 0x02", env(0x02, nowUnix, nowUnix+60), token.ErrInvalid, token.StageEnvelope},
		{"unknown flag 0x80", env(0x80, nowUnix, nowUnix+60), token.ErrInvalid, token.StageEnvelope},
		{"all flags", env(0xff, nowUnix, nowUnix+60, nowUnix), token.ErrInvalid, token.StageEnvelope},
		{"zero times", env(0, 0, 0), token.ErrInvalid, token.StageEnvelope},
		{"expiry before issue", env(0, nowUnix, nowUnix-1), token.ErrInvalid, token.StageEnvelope},
		{"issue time 2^64-1", env(0, math.MaxUint64, nowUnix+60), token.ErrInvalid, token.StageEnvelope},
		{"expiry 2^64-1", env(0, nowUnix, math.MaxUint64), token.ErrInvalid, token.StageEnvelope},
		{"expiry 2^63", env(0, nowUnix, 1<<63), token.ErrInvalid, token.StageEnvelope},
		{"expiry 2^63-1", env(0, nowUnix, math.MaxInt64), token.ErrInvalid, token.StageEnvelope},
		{"expiry in year 10000", env(0, maxUnix-10, maxUnix+1), token.ErrInvalid, token.StageEnvelope},
		{"lifetime 25h", env(0, nowUnix, nowUnix+25*3600), token.ErrInvalid, token.StageEnvelope},
		{"lifetime 9999 years", env(0, 0, maxUnix), token.ErrInvalid, token.StageEnvelope},
		{"not-before flag, no time", []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, token.ErrInvalid, token.StageEnvelope},
		{"not-before 2^64-1", env(1, nowUnix, nowUnix+60, math.MaxUint64), token.ErrInvalid, token.StageEnvelope},
		{"not-before before issue", env(1, nowUnix, nowUnix+60, nowUnix-1), token.ErrInvalid, token.StageEnvelope},
		{"not-before at expiry", env(1, nowUnix, nowUnix+60, nowUnix+60), token.ErrInvalid, token.StageEnvelope},
		// In range, authentic, but not valid now.
		{"issued in year 9999", env(0, maxUnix-60, maxUnix), token.ErrNotYetValid, token.StageValidity},
		{"not before year 9999", env(1, maxUnix-3600, maxUnix, maxUnix-1), token.ErrNotYetValid, token.StageValidity},
		{"expired in 1970", env(0, 0, 1), token.ErrExpired, token.StageValidity},
		{"expired a second ago", env(0, nowUnix-60, nowUnix), token.ErrExpired, token.StageValidity},
	}
	for _, alg := range []keyring.Algorithm{keyring.XChaCha20Poly1305, keyring.HMACSHA256} {
		r := must(keyring.Generate(alg, now))
		k := r.Primary()
		for _, purpose := range []string{"login"} {
			m := newMinter(t, r, purpose, codec.JSON())
			header := binary.BigEndian.AppendUint32([]byte{token.Version1}, uint32(k.ID))
			tr := spectest.Transformer(t, k, append(bytes.Clone(header), purpose...))
			seal := func(env []byte) string {
				return base64.RawURLEncoding.EncodeToString(tr.Write(bytes.Clone(header), env))
			}
			// The construction is right: a sane envelope opens.
			var v session
			if _, err := m.Open(seal(env(0, nowUnix, nowUnix+60)), &v); err != nil {
				t.Fatalf("%s: a hand-sealed valid envelope does not open: %v", alg, err)
			}
			for _, c := range cases {
				var v session
				_, err := m.Open(seal(c.env), &v)
				te, ok := errors.AsType[*token.Error](err)
				if !ok || !errors.Is(err, c.kind) || te.Stage != c.stage {
					t.Errorf("%s: Open(envelope %s) error = %v; want %v at stage %v", alg, c.name, err, c.kind, c.stage)
				}
			}
		}
	}
	// A huge leeway must not overflow into accepting anything.
	r := must(keyring.Generate(keyring.Default, now))
	m, err := token.New(r, &token.Options{Purpose: "login", Leeway: math.MaxInt64, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	tok := must(m.Mint(sampleSession, time.Hour))
	later, err := token.New(r, &token.Options{Purpose: "login", Leeway: time.Hour, Now: func() time.Time { return now.Add(3 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := later.Unseal(tok); !errors.Is(err, token.ErrExpired) {
		t.Errorf("Unseal 3h later with a 1h leeway: error = %v; want ErrExpired", err)
	}
	if _, _, err := m.Unseal(tok); err != nil {
		t.Errorf("Unseal with the maximum leeway: %v", err)
	}
	// Nor may an expiry centuries ahead wrap below MaxTTL when minting.
	for _, years := range []int{1, 300, 585, 7000} {
		exp := now.AddDate(years, 0, 0)
		if tok, err := m.SealWith([]byte(`{}`), token.Validity{ExpiresAt: exp}); err == nil {
			t.Errorf("SealWith(expiry %v) = %q; want an error (MaxTTL is %v)", exp, tok, token.DefaultMaxTTL)
		}
	}
}
