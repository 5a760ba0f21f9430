package ktor

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/transform"
)

// TestErrorFields pins the typed errors that callers read instead of the
// message: each rejection is a *Error whose Malformed and Reason say what
// the message says, and which wraps its sentinel.
func TestErrorFields(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	mac, err := NewMessageAuthentication(key, transform.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := NewEncrypt(bytes.Repeat([]byte{1}, 16), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	goodTag := strings.Repeat("0", 64)
	tests := []struct {
		name      string
		err       func() error
		sentinel  error
		malformed bool
		reason    string
	}{
		{"mac no separator", func() error { _, err := mac.Read(nil, []byte("abc")); return err }, transform.ErrInvalid, true, "malformed signed value: no '/' before the tag"},
		{"mac mismatch", func() error { _, err := mac.Read(nil, []byte("abc/"+goodTag)); return err }, transform.ErrInvalid, false, "signed value failed authentication"},
		{"encrypt no slash", func() error { _, err := enc.Read(nil, []byte("00")); return err }, transform.ErrInvalid, true, "malformed encrypted value: no '/' after the IV"},
		{"encrypt bad hex", func() error {
			_, err := enc.Read(nil, []byte(strings.Repeat("zz", 16)+"/"+strings.Repeat("00", 16)+":"+goodTag))
			return err
		}, transform.ErrInvalid, true, "malformed encrypted value: invalid hex in IV: encoding/hex: invalid byte: U+007A 'z'"},
		{"inspect", func() error { _, err := Inspect("plain"); return err }, ErrUnrecognized, false, "not a signed or encrypted session value: expected hex/hex:hex or payload/hex tag"},
		{"cookie", func() error { _, err := DecodeCookieValue("%zz", URIEncoding); return err }, ErrMalformedCookie, true, ""},
		{"reflection", func() error { var v any; return Reflection().Unmarshal([]byte("a=#zz"), &v) }, codec.ErrInvalid, false, ""},
		{"from JSON", func() error { _, err := SessionFromJSON(KotlinxJSON(), []byte("{")); return err }, nil, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			e, ok := errors.AsType[*Error](err)
			if !ok {
				t.Fatalf("error %v (%T) is not a *ktor.Error", err, err)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v does not wrap %v", err, tt.sentinel)
			}
			if e.Malformed != tt.malformed {
				t.Errorf("Malformed = %v, want %v", e.Malformed, tt.malformed)
			}
			if tt.reason != "" && e.Reason != tt.reason {
				t.Errorf("Reason = %q, want %q", e.Reason, tt.reason)
			}
			if e.Detail != "" && !strings.HasSuffix(e.Reason, ": "+e.Detail) {
				t.Errorf("Reason %q does not end with the Detail %q", e.Reason, e.Detail)
			}
			if !strings.HasPrefix(err.Error(), "ktor: "+e.Reason) {
				t.Errorf("message %q does not start with ktor: and the reason %q", err.Error(), e.Reason)
			}
		})
	}
}
