package ktor

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/transform"
)

func TestInspectEncrypted(t *testing.T) {
	for _, in := range []string{
		ktorCookie3JSON,
		strings.NewReplacer("/", "%2F", ":", "%3A").Replace(ktorCookie3JSON),
		`"` + ktorCookie3JSON + `"`,
		" " + ktorCookie3JSON + "\t",
	} {
		info, err := Inspect(in)
		if err != nil {
			t.Fatalf("Inspect(%q) error = %v", in, err)
		}
		if info.Kind != KindEncrypted || info.IV != "00112233445566778899aabbccddeeff" || info.CiphertextLen != 32 ||
			info.Tag != ktorCookie3JSON[len(ktorCookie3JSON)-64:] || !info.HashKnown || info.Hash != transform.SHA256 ||
			info.Value != ktorCookie3JSON || info.Payload != "" || info.Data != nil {
			t.Errorf("Inspect(%q) = %+v", in, info)
		}
	}
}

func TestInspectSigned(t *testing.T) {
	key := []byte("key")
	sign := func(h transform.Hash, payload string) string {
		tr, err := NewMessageAuthentication(key, h)
		if err != nil {
			t.Fatal(err)
		}
		v, err := EncodeCookieValue(string(tr.Write(nil, []byte(payload))), URIEncoding)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	enc, err := NewEncrypt(ktorEncKey, ktorSignKey, &EncryptOptions{IV: fixedIV(ktorIV)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		h       transform.Hash
		payload string
		format  string
		data    string // JSON of Data
	}{
		{"kotlinx JSON", transform.SHA256, `{"username":"alice","count":2}`, "kotlinx-json", `{"count":2,"username":"alice"}`},
		{"reflection", transform.SHA512, "count=%23i2&username=%23salice", "ktor-reflection", `{"count":2,"username":"alice"}`},
		{"reflection with raw #", transform.SHA384, "count=#i2", "ktor-reflection", `{"count":2}`},
		{"session ID", transform.SHA256, "0123456789abcdef0123456789abcdef", "session-id", `null`},
		{"64-char session ID", transform.SHA256, strings.Repeat("ab", 32), "session-id", `null`},
		{"bad JSON", transform.SHA256, `{"a":`, "", `null`},
		{"bad reflection", transform.SHA256, "a=%23x", "", `null`},
		{"plain text", transform.SHA256, "hello/world", "", `null`},
		{"empty", transform.SHA256, "", "", `null`},
		{"encrypted inside", transform.SHA256, string(enc.Write(nil, []byte("x"))), "encrypted", `null`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Inspect(sign(tc.h, tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			if info.Kind != KindSigned || info.Payload != tc.payload || info.Hash != tc.h || !info.HashKnown ||
				len(info.Tag) != 2*tc.h.Size() || info.Format != tc.format {
				t.Errorf("Inspect = %+v", info)
			}
			if got, _ := json.Marshal(info.Data); string(got) != tc.data {
				t.Errorf("Inspect Data = %s; want %s", got, tc.data)
			}
			if (tc.format == "encrypted") != (info.Inner != nil) {
				t.Errorf("Inspect Inner = %+v", info.Inner)
			}
			if info.Inner != nil && (info.Inner.Kind != KindEncrypted || info.Inner.IV != "00112233445566778899aabbccddeeff") {
				t.Errorf("Inspect Inner = %+v", info.Inner)
			}
		})
	}
}

func TestInspectChain(t *testing.T) {
	enc, err := NewEncrypt(ktorEncKey, ktorSignKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	mac, err := NewMessageAuthentication([]byte("k"), transform.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	info, err := Inspect(string(transform.Chain(enc, mac).Write(nil, []byte(ktorJSONPlaintext))))
	if err != nil || info.Kind != KindSigned || info.Inner == nil || info.Inner.CiphertextLen != 32 {
		t.Errorf("Inspect(chain) = %+v, %v", info, err)
	}
}

func TestInspectErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"", ErrUnrecognized},
		{"INVALID", ErrUnrecognized},
		{"abc/abc:ABC", ErrUnrecognized},
		{"abc/xyz:abc", ErrUnrecognized},
		{"payload/" + strings.Repeat("a", 63), ErrUnrecognized},
		{"payload/" + strings.Repeat("A", 64), ErrUnrecognized},
		{"%2", ErrMalformedCookie},
		{"a%zz", ErrMalformedCookie},
	} {
		info, err := Inspect(tc.in)
		if !errors.Is(err, tc.want) || info.Kind != KindUnknown {
			t.Errorf("Inspect(%q) = %+v, %v; want %v", tc.in, info, err, tc.want)
		}
	}
	// An encrypted value with an unusual tag length is still encrypted.
	info, err := Inspect("abc/abc:abc")
	if err != nil || info.Kind != KindEncrypted || info.HashKnown {
		t.Errorf("Inspect(abc/abc:abc) = %+v, %v", info, err)
	}
	for k, want := range map[Kind]string{KindUnknown: "unknown", KindSigned: "signed", KindEncrypted: "encrypted", Kind(7): "unknown"} {
		if k.String() != want {
			t.Errorf("Kind(%d).String() = %q; want %q", int(k), k.String(), want)
		}
	}
}
