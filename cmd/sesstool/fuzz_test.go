package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// fuzzSeeds returns the tokens of the testscript scenarios and the cookies
// of the Ktor vector files, raw and URI-encoded, as seeds.
func fuzzSeeds(f *testing.F) []string {
	f.Helper()
	var seeds []string
	scripts, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	if err != nil {
		f.Fatal(err)
	}
	native := regexp.MustCompile(`A[Q-Za-f][A-Za-z0-9_-]{20,}`)
	for _, s := range scripts {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, native.FindAllString(string(data), -1)...)
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(strings.ToLower(line), "cookie:") {
				if i := strings.IndexByte(line, '\''); i >= 0 {
					line = line[i+1:]
				}
				seeds = append(seeds, strings.TrimSuffix(line, "'"))
			}
		}
	}
	for _, name := range []string{"encrypt.json", "message_authentication.json", "cookie_encoding.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testvectors", "ktor", name))
		if err != nil {
			f.Fatal(err)
		}
		var v struct {
			Tests []map[string]any `json:"tests"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			f.Fatal(err)
		}
		for _, tc := range v.Tests {
			for _, field := range []string{"cookie", "encoded", "value"} {
				if s, ok := tc[field].(string); ok && s != "" {
					seeds = append(seeds, s)
				}
			}
		}
	}
	slices.Sort(seeds)
	return slices.Compact(seeds)
}

// fuzzOpenerSet returns an opener set over a ring with a native primary
// key and the Ktor keys of the vector files (MessageAuthentication and
// Encrypt, both layouts), so that the fuzzed inputs reach every opener.
func fuzzOpenerSet(f *testing.F) *openerSet {
	f.Helper()
	r, err := keyring.Generate(keyring.Default, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	for _, m := range []keyring.Material{
		{Algorithm: keyring.KtorHMACSHA256, Secret: unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")},
		{Algorithm: keyring.KtorEncrypt, Secret: unhex("00112233445566778899aabbccddeeff"), SignSecret: unhex("02030405060708090a0b0c"), KtorLayout: keyring.KtorLayoutBoth, AllowShortKey: true}, // Ktor's 11-byte test key
	} {
		if r, _, err = r.Import(m, time.Now()); err != nil {
			f.Fatal(err)
		}
	}
	set, err := newOpenerSet(r, openOptions{codec: "auto", maxTTL: token.DefaultMaxTTL, now: time.Now})
	if err != nil {
		f.Fatal(err)
	}
	return set
}

// isTokenRejectionCLI reports whether err is how the CLI rejects a token:
// an error wrapping one of the token package's sentinels (exit code 1).
func isTokenRejectionCLI(err error) bool {
	return errors.Is(err, token.ErrInvalid) || errors.Is(err, token.ErrExpired) || errors.Is(err, token.ErrNotYetValid)
}

// FuzzDetectFormat runs inspect's format detection and the openers on
// arbitrary input: detection never panics, the formats never both claim an
// input, a native detection only takes base64url text that starts like
// version 1, inspect without a keyring reports every input (unknown,
// malformed or not verified) and rejects only with a token rejection, and
// opening rejects with a token rejection or a usage error, never anything
// else.
func FuzzDetectFormat(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Add("")
	f.Add("A")
	f.Add("%2F%3A")
	f.Add("x/" + strings.Repeat("0", 64))
	set := fuzzOpenerSet(f)
	ref := time.Now()
	f.Fuzz(func(t *testing.T, tok string) {
		native, kt := nativeFmt.Detect(tok), ktorFmt.Detect(tok)
		if native && kt {
			t.Fatalf("both formats detect %q", tok)
		}
		if native && (!format.IsBase64URL(tok) || !strings.HasPrefix(tok, "A")) {
			t.Fatalf("native detection took %q", tok)
		}
		if format.DetectKtorStrong(tok) && !kt {
			t.Fatalf("strong Ktor detection without detection: %q", tok)
		}
		got := formats.Detect(tok)
		switch {
		case native && got != nativeFmt, kt && got != ktorFmt, !native && !kt && got != nil:
			t.Fatalf("formats.Detect(%q) = %v; native %v, ktor %v", tok, got, native, kt)
		}

		rep, err := inspectOne(candidate{Value: tok}, nil, "", "", ref)
		switch {
		case got == nil && (err != nil || rep.Status != "unknown-format"):
			t.Fatalf("inspect of an unknown format: %+v, %v", rep, err)
		case err != nil && (rep.Status != "malformed" || !isTokenRejectionCLI(err)):
			t.Fatalf("inspect(%q) = status %q, error %v; want a malformed report and a token rejection", tok, rep.Status, err)
		case err == nil && got != nil && rep.Status != "not-verified":
			t.Fatalf("inspect(%q) = status %q without a keyring", tok, rep.Status)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\r") {
			t.Fatalf("inspect(%q) error spans lines: %q", tok, err)
		}

		if _, err := set.open(tok); err != nil {
			if _, usage := errors.AsType[*usageError](err); !usage && !isTokenRejectionCLI(err) {
				t.Fatalf("open(%q) error = %v (%T); want a token rejection", tok, err, err)
			}
		}
	})
}

// FuzzSplitCookies runs the cookie header parsing of open, verify, rewrap
// and inspect on arbitrary input and cookie names: no panic; a failure is
// a usage error; --cookie NAME keeps exactly the cookie named NAME; and a
// cookie that net/http calls valid, written into a Cookie header, a
// Set-Cookie header or a bare name=value pair, comes back with its name
// and value.
func FuzzSplitCookies(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, "", "session", s)
		f.Add("Cookie: theme=dark; session="+s, "session", "session", s)
	}
	f.Add("Set-Cookie: a=b; Path=/; HttpOnly", "a", "a", "b")
	f.Add("a=1; b=2", "", "b", "2")
	f.Add(`Cookie: q="quoted"`, "q", "q", "x")
	cmd := newInspectCmd(&app{})
	f.Fuzz(func(t *testing.T, input, name, cname, cvalue string) {
		cs, err := splitCookies(cmd, input, name)
		if err != nil {
			if _, ok := errors.AsType[*usageError](err); !ok {
				t.Fatalf("splitCookies(%q, %q) error = %v (%T); want a usage error", input, name, err, err)
			}
		} else {
			if len(cs) == 0 {
				t.Fatalf("splitCookies(%q) found nothing and no error", input)
			}
			if name != "" && (len(cs) != 1 || cs[0].Name != name) {
				t.Fatalf("splitCookies(%q, --cookie %q) = %+v", input, name, cs)
			}
		}
		if _, err := singleToken(cmd, input, name); err != nil {
			_, usage := errors.AsType[*usageError](err)
			if !usage && !isTokenRejectionCLI(err) {
				t.Fatalf("singleToken(%q) error = %v (%T)", input, err, err)
			}
		}

		// The round trip, for cookies that every header form can carry.
		c := &http.Cookie{Name: cname, Value: cvalue}
		if c.Valid() != nil || cname == "other" || cvalue == "" || strings.TrimSpace(cvalue) != cvalue || strings.ContainsAny(cvalue, `", `) {
			return
		}
		for _, line := range []string{
			"Cookie: other=1; " + cname + "=" + cvalue,
			"cookie:" + cname + "=" + cvalue + ";other=2",
			"Set-Cookie: " + cname + "=" + cvalue + "; Path=/; HttpOnly",
			cname + "=" + cvalue + "; other=3",
		} {
			cs, err := splitCookies(cmd, line, cname)
			if err != nil || len(cs) != 1 || cs[0] != (candidate{Name: cname, Value: cvalue}) {
				t.Fatalf("splitCookies(%q, --cookie %q) = %+v, %v; want the cookie back", line, cname, cs, err)
			}
		}
	})
}

// FuzzReadTokenInput feeds arbitrary stdin to the token input reader of
// the single-token commands: an empty or multi-line input is a usage
// error, a binary one a token rejection, and what it accepts is trimmed,
// non-empty, one line of valid UTF-8 without NUL bytes.
func FuzzReadTokenInput(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add([]byte(s))
		f.Add([]byte(" " + s + "\r\n"))
	}
	f.Add([]byte{})
	f.Add([]byte("\x00"))
	f.Add([]byte("a\nb"))
	cmd := newOpenCmd(&app{})
	f.Fuzz(func(t *testing.T, in []byte) {
		a := &app{stdin: bytes.NewReader(in), stderr: &bytes.Buffer{}}
		s, err := a.readTokenInput(cmd, nil)
		if err != nil {
			_, usage := errors.AsType[*usageError](err)
			if !usage && !isTokenRejectionCLI(err) {
				t.Fatalf("readTokenInput(%q) error = %v (%T)", in, err, err)
			}
			return
		}
		if s == "" || s != strings.TrimSpace(s) || strings.ContainsAny(s, "\r\n\x00") || !utf8.ValidString(s) || len(s) > maxTokenInput {
			t.Fatalf("readTokenInput(%q) = %q", in, s)
		}
	})
}

// FuzzBatch checks that batch mode renders any input, read in blocks of any
// size, exactly as a loop over its lines would: line numbers, blank and
// CRLF lines, lines cut across reads.
func FuzzBatch(f *testing.F) {
	// A few tokens of each kind are enough: long inputs slow every
	// execution, and the fuzzer minimizes each one it finds interesting.
	seeds := fuzzSeeds(f)
	seeds = seeds[:min(len(seeds), 6)]
	f.Add(strings.Join(seeds, "\n"), uint8(0), uint8(2))
	f.Add(strings.Join(seeds, "\r\n")+"\n\n  \n", uint8(1), uint8(1))
	f.Add("\n\n"+strings.Join(seeds, "\n \t"), uint8(2), uint8(3))
	f.Add("", uint8(0), uint8(1))
	f.Add("x", uint8(1), uint8(4))
	f.Add(strings.Join(seeds, "\n"), uint8(1), uint8(5))
	set := fuzzOpenerSet(f)
	f.Fuzz(func(t *testing.T, input string, readMode, workers uint8) {
		withPayload := workers&4 != 0 // open --batch, else verify's rendering
		want, wantStats := renderSequentially(set, input, withPayload)
		var r io.Reader = strings.NewReader(input)
		switch readMode % 3 {
		case 1:
			r = iotest.OneByteReader(r)
		case 2:
			r = iotest.HalfReader(r)
		}
		var out bytes.Buffer
		stats, err := runBatch(r, &out, set, withPayload, 1+int(workers%4), nil)
		if err != nil {
			t.Fatal(err)
		}
		if stats != wantStats || !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("runBatch(%q): stats %+v, output\n%s\nwant stats %+v, output\n%s", input, stats, out.Bytes(), wantStats, want)
		}
	})
}
