package ktor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/transform"
)

// vectorDir holds the known-answer vectors, written by TestGenerateVectors.
const vectorDir = "../testvectors/ktor"

const vectorSchema = "sesstool-ktor-vectors-v1"

// vectorFile is the envelope shared by every vector file.
type vectorFile[T any] struct {
	Schema        string   `json:"schema"`
	Subject       string   `json:"subject"`
	Spec          string   `json:"spec"`
	Generator     string   `json:"generator"`
	Notes         []string `json:"notes"`
	NumberOfTests int      `json:"numberOfTests"`
	Tests         []T      `json:"tests"`
}

// vectorCommon are the fields every test case has.
type vectorCommon struct {
	TcID    int    `json:"tcId"`
	Comment string `json:"comment"`
	// Source is "ktor-test" for values Ktor's own tests expect (docs/ktor-format.md
	// §9, §7.2) and "spec" for values derived from that document.
	Source string `json:"source"`
	// Result is "valid" or "invalid".
	Result string `json:"result"`
}

// encryptVector is a SessionTransportTransformerEncrypt case.
type encryptVector struct {
	vectorCommon
	EncKey  string   `json:"encKey"`
	SignKey string   `json:"signKey"`
	Sign    string   `json:"sign"`
	Write   string   `json:"write"`
	Read    []string `json:"read"`
	IV      string   `json:"iv"`
	// Direction is "both" (Write with IV gives Cookie, and Read(Cookie)
	// gives Plaintext) or "read" (Read only).
	Direction string `json:"direction"`
	Plaintext string `json:"plaintext"`
	Cookie    string `json:"cookie"`
	// Encoded is Cookie in the URI_ENCODING of the Set-Cookie header.
	Encoded string `json:"encoded"`
	// Expect is "success", "malformed" (rejected before the tag is
	// checked) or "auth failure" (wrong tag or wrong padding).
	Expect string `json:"expect"`
}

// macVector is a SessionTransportTransformerMessageAuthentication case.
type macVector struct {
	vectorCommon
	Key       string `json:"key"`
	Hash      string `json:"hash"`
	Direction string `json:"direction"`
	Plaintext string `json:"plaintext"`
	Cookie    string `json:"cookie"`
	Encoded   string `json:"encoded"`
	Expect    string `json:"expect"`
}

// cookieVector is a CookieEncoding case.
type cookieVector struct {
	vectorCommon
	// Encoding is the Go constant name: URIEncoding, URIEncodingLegacy,
	// Base64Encoding, DQuotes or Raw.
	Encoding string `json:"encoding"`
	// Direction is "both" (Encode(Value) = Encoded and Decode(Encoded) =
	// Value), "decode" or "encode" (only that direction is checked; for
	// an invalid case, that direction must fail).
	Direction string `json:"direction"`
	Value     string `json:"value"`
	Encoded   string `json:"encoded"`
}

// reflectionVector is a reflection format case: Text decoded to a
// generic value must marshal (encoding/json) to JSON.
type reflectionVector struct {
	vectorCommon
	Text string `json:"text"`
	JSON string `json:"json"`
}

var cookieEncodings = map[string]CookieEncoding{
	"URIEncoding":       URIEncoding,
	"URIEncodingLegacy": URIEncodingLegacy,
	"Base64Encoding":    Base64Encoding,
	"DQuotes":           DQuotes,
	"Raw":               Raw,
}

var layoutNames = map[string]Layout{"Layout3": Layout3, "Layout2": Layout2}

// loadVectors reads a vector file strictly: unknown fields and a wrong
// count fail the test.
func loadVectors[T any](t *testing.T, name string) vectorFile[T] {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile[T]
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if f.Schema != vectorSchema || f.NumberOfTests != len(f.Tests) || len(f.Tests) == 0 {
		t.Fatalf("%s: schema %q, numberOfTests %d, %d tests", name, f.Schema, f.NumberOfTests, len(f.Tests))
	}
	return f
}

// checkCommon validates the fields every case has and returns the subtest
// name.
func checkCommon(t *testing.T, file string, c vectorCommon, seen map[int]bool) string {
	t.Helper()
	if seen[c.TcID] {
		t.Fatalf("%s: duplicate tcId %d", file, c.TcID)
	}
	seen[c.TcID] = true
	if c.Source != "ktor-test" && c.Source != "spec" {
		t.Fatalf("%s #%d: unknown source %q", file, c.TcID, c.Source)
	}
	if c.Result != "valid" && c.Result != "invalid" {
		t.Fatalf("%s #%d: unknown result %q", file, c.TcID, c.Result)
	}
	if c.Comment == "" {
		t.Fatalf("%s #%d: no comment", file, c.TcID)
	}
	return fmt.Sprintf("%s #%d %s", strings.TrimSuffix(file, ".json"), c.TcID, c.Comment)
}

// checkRead checks a transformer's Read against a vector's expectation.
func checkRead(t *testing.T, tr transform.Transformer, result, expect, cookie, plaintext string, authErr error) {
	t.Helper()
	got, err := tr.Read(nil, []byte(cookie))
	switch {
	case result == "valid" && expect == "success":
		if err != nil || string(got) != plaintext {
			t.Errorf("Read = %q, %v; want %q", got, err, plaintext)
		}
	case result == "invalid" && (expect == "malformed" || expect == "auth failure"):
		if !errors.Is(err, transform.ErrInvalid) {
			t.Fatalf("Read = %q, %v; want an error wrapping transform.ErrInvalid", got, err)
		}
		if isAuth := errors.Is(err, authErr); isAuth != (expect == "auth failure") {
			t.Errorf("Read error = %v; want stage %q", err, expect)
		}
	default:
		t.Fatalf("bad result/expect %q/%q", result, expect)
	}
}

func TestVectorsEncrypt(t *testing.T) {
	const file = "encrypt.json"
	f := loadVectors[encryptVector](t, file)
	seen := map[int]bool{}
	for _, v := range f.Tests {
		t.Run(checkCommon(t, file, v.vectorCommon, seen), func(t *testing.T) {
			h, err := parseJCEName(v.Sign)
			if err != nil {
				t.Fatal(err)
			}
			// write is the cookie's layout; the reader writes it too if it
			// accepts it, else (a reader of another version) the first
			// layout it reads.
			opts := &EncryptOptions{Write: layoutNames[v.Write], Sign: h}
			for _, r := range v.Read {
				opts.Read |= layoutNames[r]
			}
			if opts.Write == 0 || opts.Read == 0 {
				t.Fatalf("bad layouts %q %q", v.Write, v.Read)
			}
			if opts.Read&opts.Write == 0 {
				if v.Direction == "both" {
					t.Fatal("direction both with a reader that cannot read the cookie's layout")
				}
				opts.Write = layoutNames[v.Read[0]]
			}
			iv := mustHex(v.IV)
			opts.IV = fixedIV(iv)
			tr, err := NewEncrypt(mustHex(v.EncKey), mustHex(v.SignKey), opts)
			if err != nil {
				t.Fatal(err)
			}
			checkRead(t, tr, v.Result, v.Expect, v.Cookie, v.Plaintext, errAuthFailed)
			checkEncoded(t, v.Cookie, v.Encoded)
			switch v.Direction {
			case "both":
				if v.Result != "valid" {
					t.Fatal("direction both on an invalid case")
				}
				if got := string(tr.Write(nil, []byte(v.Plaintext))); got != v.Cookie {
					t.Errorf("Write(%q) =\n%s\nwant\n%s", v.Plaintext, got, v.Cookie)
				}
			case "read":
			default:
				t.Fatalf("unknown direction %q", v.Direction)
			}
		})
	}
}

func TestVectorsMessageAuthentication(t *testing.T) {
	const file = "message_authentication.json"
	f := loadVectors[macVector](t, file)
	seen := map[int]bool{}
	for _, v := range f.Tests {
		t.Run(checkCommon(t, file, v.vectorCommon, seen), func(t *testing.T) {
			h, err := parseJCEName(v.Hash)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := NewMessageAuthentication(mustHex(v.Key), h)
			if err != nil {
				t.Fatal(err)
			}
			checkRead(t, tr, v.Result, v.Expect, v.Cookie, v.Plaintext, errSignatureMismatch)
			checkEncoded(t, v.Cookie, v.Encoded)
			switch v.Direction {
			case "both":
				if v.Result != "valid" {
					t.Fatal("direction both on an invalid case")
				}
				if got := string(tr.Write(nil, []byte(v.Plaintext))); got != v.Cookie {
					t.Errorf("Write(%q) =\n%s\nwant\n%s", v.Plaintext, got, v.Cookie)
				}
			case "read":
			default:
				t.Fatalf("unknown direction %q", v.Direction)
			}
		})
	}
}

// checkEncoded checks that encoded is cookie in URI_ENCODING, in both
// directions.
func checkEncoded(t *testing.T, cookie, encoded string) {
	t.Helper()
	if got, err := EncodeCookieValue(cookie, URIEncoding); err != nil || got != encoded {
		t.Errorf("EncodeCookieValue(cookie) = %q, %v; want %q", got, err, encoded)
	}
	if got, err := DecodeCookieValue(encoded, URIEncoding); err != nil || got != cookie {
		t.Errorf("DecodeCookieValue(encoded) = %q, %v; want the cookie", got, err)
	}
}

func TestVectorsCookieEncoding(t *testing.T) {
	const file = "cookie_encoding.json"
	f := loadVectors[cookieVector](t, file)
	seen := map[int]bool{}
	for _, v := range f.Tests {
		t.Run(checkCommon(t, file, v.vectorCommon, seen), func(t *testing.T) {
			e, ok := cookieEncodings[v.Encoding]
			if !ok {
				t.Fatalf("unknown encoding %q", v.Encoding)
			}
			valid := v.Result == "valid"
			if v.Direction == "both" || v.Direction == "encode" {
				got, err := EncodeCookieValue(v.Value, e)
				if valid && (err != nil || got != v.Encoded) {
					t.Errorf("EncodeCookieValue(%q) = %q, %v; want %q", v.Value, got, err, v.Encoded)
				}
				if !valid && !errors.Is(err, ErrMalformedCookie) {
					t.Errorf("EncodeCookieValue(%q) = %q, %v; want ErrMalformedCookie", v.Value, got, err)
				}
			}
			if v.Direction == "both" || v.Direction == "decode" {
				got, err := DecodeCookieValue(v.Encoded, e)
				if valid && (err != nil || got != v.Value) {
					t.Errorf("DecodeCookieValue(%q) = %q, %v; want %q", v.Encoded, got, err, v.Value)
				}
				if !valid && !errors.Is(err, ErrMalformedCookie) {
					t.Errorf("DecodeCookieValue(%q) = %q, %v; want ErrMalformedCookie", v.Encoded, got, err)
				}
			}
			if v.Direction != "both" && v.Direction != "decode" && v.Direction != "encode" {
				t.Fatalf("unknown direction %q", v.Direction)
			}
			if v.Direction == "both" && !valid {
				t.Fatal("direction both on an invalid case")
			}
		})
	}
}

func TestVectorsReflection(t *testing.T) {
	const file = "reflection.json"
	f := loadVectors[reflectionVector](t, file)
	seen := map[int]bool{}
	for _, v := range f.Tests {
		t.Run(checkCommon(t, file, v.vectorCommon, seen), func(t *testing.T) {
			var got any
			err := Reflection().Unmarshal([]byte(v.Text), &got)
			if v.Result == "invalid" {
				if !errors.Is(err, codec.ErrInvalid) {
					t.Errorf("Unmarshal(%q) = %v, %v; want codec.ErrInvalid", v.Text, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unmarshal(%q) error = %v", v.Text, err)
			}
			js, err := json.Marshal(got)
			if err != nil || string(js) != v.JSON {
				t.Errorf("Unmarshal(%q) as JSON = %s, %v; want %s", v.Text, js, err, v.JSON)
			}
		})
	}
}
