package keyring_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/keyring"
)

// testSecret is the secret of the hand-written keyring files below,
// recognisable in every encoding. Its last two bytes give its base64url form
// a '-' and a '_', so that its standard base64 form differs.
var testSecret = []byte("KEYRING-TEST-SECRET-0123456789\xfb\xff")

var testSecretB64 = base64.RawURLEncoding.EncodeToString(testSecret)

// fileOf returns a keyring file holding keys, a list of JSON objects in
// which SECRET stands for testSecret in base64url.
func fileOf(keys ...string) string {
	return expand(`{"format": "sesstool-keyring", "version": 1, "keys": [` + strings.Join(keys, ", ") + `]}`)
}

func expand(s string) string { return strings.ReplaceAll(s, "SECRET", testSecretB64) }

// Keys for fileOf.
const (
	primaryKey   = `{"id": "0000000a", "algorithm": "xchacha20poly1305", "state": "primary", "created": "2030-01-01T00:00:00Z", "secret": "SECRET"}`
	activeKey    = `{"id": "0000000b", "algorithm": "aes256gcm", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "SECRET"}`
	retiredKey   = `{"id": "0000000c", "algorithm": "hmac-sha256", "state": "retired", "created": "2029-01-01T00:00:00Z", "retired": "2029-06-01T00:00:00Z", "secret": "SECRET"}`
	destroyedKey = `{"id": "0000000d", "algorithm": "aes128gcm", "state": "destroyed", "created": "2029-01-01T00:00:00Z", "retired": "2029-06-01T00:00:00Z", "destroyed": "2029-07-01T00:00:00Z"}`
)

// validFile is a hand-written keyring file with a key in every state.
var validFile = fileOf(primaryKey, activeKey, retiredKey, destroyedKey)

// replaceOnce replaces the one occurrence of old in s, and panics unless
// there is exactly one, so that a fixture never silently stays valid.
func replaceOnce(s, old, new string) string {
	if n := strings.Count(s, old); n != 1 {
		panic(fmt.Sprintf("fixture: %q occurs %d times", old, n))
	}
	return strings.Replace(s, old, new, 1)
}

// manyKeys returns a file of n keys: one primary, the rest active.
func manyKeys(n int) string {
	keys := []string{primaryKey}
	for i := 1; i < n; i++ {
		keys = append(keys, fmt.Sprintf(`{"id": "%08x", "algorithm": "xchacha20poly1305", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "SECRET"}`, 0x100+i))
	}
	return fileOf(keys...)
}

type corruptFile struct {
	name string
	data string
}

// corruptFiles returns keyring files that Parse must reject with an error
// wrapping ErrCorrupt. Each breaks one rule; most hold testSecret.
func corruptFiles() []corruptFile {
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	withKey := func(old, new string) string { return fileOf(replaceOnce(primaryKey, old, new), activeKey) }
	nested := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	return []corruptFile{
		{"empty", ""},
		{"space", " \n"},
		{"empty object", "{}"},
		{"null", "null"},
		{"JSON array", "[" + validFile + "]"},
		{"empty JSON array", "[]"},
		{"string", `"` + testSecretB64 + `"`},
		{"truncated", validFile[:len(validFile)/2]},
		{"truncated in secret", validFile[:strings.Index(validFile, testSecretB64)+10]},
		{"wrong format name", replaceOnce(validFile, `"sesstool-keyring"`, `"age-keyring"`)},
		{"format name in upper case", replaceOnce(validFile, `"sesstool-keyring"`, `"SESSTOOL-KEYRING"`)},
		{"no format", replaceOnce(validFile, `"format": "sesstool-keyring", `, ``)},
		{"version 2", replaceOnce(validFile, `"version": 1`, `"version": 2`)},
		{"version 0", replaceOnce(validFile, `"version": 1`, `"version": 0`)},
		{"no version", replaceOnce(validFile, `"version": 1, `, ``)},
		{"version as a string", replaceOnce(validFile, `"version": 1`, `"version": "1"`)},
		{"version 1.0", replaceOnce(validFile, `"version": 1`, `"version": 1.0`)},
		{"version 1e999", replaceOnce(validFile, `"version": 1`, `"version": 1e999`)},
		{"unknown field at top", replaceOnce(validFile, `"version": 1`, `"version": 1, "comment": "hi"`)},
		{"unknown field in a key", withKey(`"state"`, `"note": "hi", "state"`)},
		{"no keys", `{"format": "sesstool-keyring", "version": 1}`},
		{"zero keys", fileOf()},
		{"keys null", replaceOnce(fileOf(), `[]`, `null`)},
		{"keys an object", replaceOnce(fileOf(), `[]`, `{}`)},
		{"key a number", fileOf(primaryKey, "1")},
		{"key null", fileOf(primaryKey, "null")},
		{"1001 keys", manyKeys(keyring.MaxKeys + 1)},
		{"two primaries", fileOf(primaryKey, replaceOnce(activeKey, `"active"`, `"primary"`))},
		{"no primary", fileOf(replaceOnce(primaryKey, `"primary"`, `"active"`), activeKey)},
		{"duplicate IDs", fileOf(primaryKey, replaceOnce(activeKey, `"0000000b"`, `"0000000a"`))},
		{"duplicate IDs in other case", fileOf(replaceOnce(primaryKey, `"0000000a"`, `"abcdef01"`), replaceOnce(activeKey, `"0000000b"`, `"ABCDEF01"`))},
		{"ID 00000000", withKey(`"0000000a"`, `"00000000"`)},
		{"ID in upper case", withKey(`"0000000a"`, `"ABCDEF01"`)}, // SPEC.md: 8 lowercase hex digits
		{"ID in mixed case", withKey(`"0000000a"`, `"abcdeF01"`)},
		{"ID with a non-hex digit", withKey(`"0000000a"`, `"0000000g"`)},
		{"ID of 7 digits", withKey(`"0000000a"`, `"000000a"`)},
		{"ID of 9 digits", withKey(`"0000000a"`, `"00000000a"`)},
		{"ID a number", withKey(`"0000000a"`, `10`)},
		{"no ID", withKey(`"id": "0000000a", `, ``)},
		{"secret not base64", withKey(`"secret": "SECRET"`, `"secret": "SECRET!"`)},
		{"secret in padded base64url", withKey(`"secret": "SECRET"`, `"secret": "SECRET="`)},
		{"secret in standard base64", withKey(`"secret": "SECRET"`, `"secret": "`+base64.RawStdEncoding.EncodeToString(testSecret)+`"`)},
		{"secret in padded standard base64", withKey(`"secret": "SECRET"`, `"secret": "`+base64.StdEncoding.EncodeToString(testSecret)+`"`)},
		{"secret in hex", withKey(`"secret": "SECRET"`, fmt.Sprintf(`"secret": "%x"`, testSecret))},
		{"secret with non-zero padding bits", withKey(`"secret": "SECRET"`, `"secret": "`+testSecretB64[:42]+`9"`)},
		{"secret with a line feed", withKey(`"secret": "SECRET"`, `"secret": "`+testSecretB64[:20]+`\n`+testSecretB64[20:]+`"`)},
		{"secret with a carriage return", withKey(`"secret": "SECRET"`, `"secret": "`+testSecretB64[:20]+`\r`+testSecretB64[20:]+`"`)},
		{"secret with a trailing line feed", withKey(`"secret": "SECRET"`, `"secret": "SECRET\n"`)},
		{"secret with a space", withKey(`"secret": "SECRET"`, `"secret": "`+testSecretB64[:20]+` `+testSecretB64[20:]+`"`)},
		{"secret of 31 bytes", withKey(`"secret": "SECRET"`, `"secret": "`+b64(testSecret[:31])+`"`)},
		{"secret of 33 bytes", withKey(`"secret": "SECRET"`, `"secret": "`+b64(append(slices.Clone(testSecret), '!'))+`"`)},
		{"secret of 64 bytes", withKey(`"secret": "SECRET"`, `"secret": "`+b64(append(slices.Clone(testSecret), testSecret...))+`"`)},
		{"secret a number", withKey(`"secret": "SECRET"`, `"secret": 1`)},
		{"no secret", withKey(`, "secret": "SECRET"`, ``)},
		{"empty secret", withKey(`"secret": "SECRET"`, `"secret": ""`)},
		{"null secret", withKey(`"secret": "SECRET"`, `"secret": null`)},
		{"sign secret on a native key", withKey(`"secret": "SECRET"`, `"secret": "SECRET", "signSecret": "SECRET"`)},
		{"Ktor layout on a native key", withKey(`"secret": "SECRET"`, `"secret": "SECRET", "ktorLayout": "3"`)},
		{"destroyed key with a secret", fileOf(primaryKey, replaceOnce(destroyedKey, `}`, `, "secret": "SECRET"}`))},
		{"destroyed key with a sign secret", fileOf(primaryKey, replaceOnce(destroyedKey, `}`, `, "signSecret": "SECRET"}`))},
		{"destroyed without a destruction time", fileOf(primaryKey, replaceOnce(destroyedKey, `, "destroyed": "2029-07-01T00:00:00Z"`, ``))},
		{"retired without a retirement time", fileOf(primaryKey, replaceOnce(retiredKey, `"retired": "2029-06-01T00:00:00Z", `, ``))},
		{"retired with a null retirement time", fileOf(primaryKey, replaceOnce(retiredKey, `"2029-06-01T00:00:00Z"`, `null`))},
		{"retired with a destruction time", fileOf(primaryKey, replaceOnce(retiredKey, `"retired": "2029-06-01T00:00:00Z"`, `"retired": "2029-06-01T00:00:00Z", "destroyed": "2029-07-01T00:00:00Z"`))},
		{"primary with a retirement time", withKey(`"state": "primary"`, `"state": "primary", "retired": "2030-01-01T00:00:00Z"`)},
		{"primary with a destruction time", withKey(`"state": "primary"`, `"state": "primary", "destroyed": "2030-01-01T00:00:00Z"`)},
		{"active with a retirement time", fileOf(primaryKey, replaceOnce(activeKey, `"state": "active"`, `"state": "active", "retired": "2030-01-01T00:00:00Z"`))},
		{"unknown state", withKey(`"primary"`, `"enabled"`)},
		{"state in upper case", withKey(`"primary"`, `"Primary"`)},
		{"state a number", withKey(`"primary"`, `1`)},
		{"no state", withKey(`"state": "primary", `, ``)},
		{"unknown algorithm", withKey(`"xchacha20poly1305"`, `"rot13"`)},
		{"algorithm in upper case", withKey(`"xchacha20poly1305"`, `"XChaCha20Poly1305"`)},
		{"Ktor encrypt key without a sign secret", fileOf(primaryKey, replaceOnce(activeKey, `"aes256gcm"`, `"ktor-encrypt"`))},
		// AES has no 20-byte key: refused on Parse, not only when a Ktor
		// transformer is built from the key.
		{"Ktor encrypt key with a 20-byte AES key", fileOf(primaryKey, `{"id": "0000000e", "algorithm": "ktor-encrypt", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "`+b64(testSecret[:20])+`", "signSecret": "SECRET", "ktorLayout": "3"}`)},
		{"no algorithm", withKey(`"algorithm": "xchacha20poly1305", `, ``)},
		{"no creation time", withKey(`"created": "2030-01-01T00:00:00Z", `, ``)},
		{"zero creation time", withKey(`"2030-01-01T00:00:00Z"`, `"0001-01-01T00:00:00Z"`)},
		{"creation time not RFC 3339", withKey(`"2030-01-01T00:00:00Z"`, `"2030-01-01 00:00:00"`)},
		{"creation time a number", withKey(`"2030-01-01T00:00:00Z"`, `1893456000`)},
		{"creation time with offset +24:00", withKey(`"2030-01-01T00:00:00Z"`, `"2030-01-01T00:00:00+24:00"`)},
		{"retirement time with offset -24:30", fileOf(primaryKey, replaceOnce(retiredKey, `"2029-06-01T00:00:00Z"`, `"2029-06-01T00:00:00-24:30"`))},
		{"trailing data", validFile + "x"},
		{"trailing object", validFile + "{}"},
		{"two keyrings", validFile + validFile},
		{"trailing NUL", validFile + "\x00"},
		{"byte order mark", "\ufeff" + validFile},
		{"over 1 MiB", validFile + strings.Repeat(" ", keyring.MaxFileSize)},
		{"deeply nested JSON", replaceOnce(fileOf(), `[]`, nested)},
		{"deeply nested JSON in a key", withKey(`"secret": "SECRET"`, `"secret": `+nested)},
		{"invalid UTF-8 outside strings", replaceOnce(validFile, `"version": 1`, "\"version\": \xff1")},
		{"invalid UTF-8 in the format name", replaceOnce(validFile, `"sesstool-keyring"`, "\"sesstool-keyring\xff\"")},
		{"invalid UTF-8 in a secret", withKey(`"secret": "SECRET"`, "\"secret\": \"SECRET\xff\"")},
		{"invalid UTF-8 in a state", withKey(`"primary"`, "\"primary\xc0\x80\"")},
		{"field name in upper case at top", replaceOnce(validFile, `"format"`, `"FORMAT"`)},
		{"field name in other case in a key", withKey(`"secret"`, `"Secret"`)},
		{"field name with a Kelvin sign", replaceOnce(validFile, `"keys"`, "\"\u212aeys\"")},
		{"duplicate field at top", replaceOnce(validFile, `"version": 1`, `"version": 2, "version": 1`)},
		{"duplicate field in a key", withKey(`"state": "primary"`, `"state": "retired", "state": "primary"`)},
		{"duplicate secret in a key", withKey(`"secret": "SECRET"`, `"secret": "`+b64(testSecret[:31])+`", "secret": "SECRET"`)},
		// A secret pasted into the wrong place: errors never quote the
		// file's text.
		{"secret as the format name", replaceOnce(validFile, `"sesstool-keyring"`, `"`+testSecretB64+`"`)},
		{"secret as the version", replaceOnce(validFile, `"version": 1`, `"version": "`+testSecretB64+`"`)},
		{"secret as an ID", withKey(`"0000000a"`, `"`+testSecretB64+`"`)},
		{"secret as a state", withKey(`"primary"`, `"`+testSecretB64+`"`)},
		{"secret as an algorithm", withKey(`"xchacha20poly1305"`, `"`+testSecretB64+`"`)},
		{"secret as the creation time", withKey(`"2030-01-01T00:00:00Z"`, `"`+testSecretB64+`"`)},
		{"secret as the retirement time", fileOf(primaryKey, replaceOnce(retiredKey, `"2029-06-01T00:00:00Z"`, `"`+testSecretB64+`"`))},
		{"secret as a Ktor layout", withKey(`"secret": "SECRET"`, `"secret": "SECRET", "ktorLayout": "SECRET"`)},
		{"secret as a field name at top", replaceOnce(validFile, `"version": 1`, `"version": 1, "`+testSecretB64+`": 1`)},
		{"secret as a field name in a key", withKey(`"secret": "SECRET"`, `"SECRET": "SECRET"`)},
		{"secret as a field name, truncated", expand(`{"SECRET"`)},
		// Issue 10 item 4: a field-name check that gave up where "keys"
		// was not an array let encoding/json pick a case-folded or later
		// duplicate, which jq and SPEC.md readers do not.
		{"keys null, then KEYS with SECRET after secret", `{"keys": null, "format": "sesstool-keyring", "version": 1, "KEYS": [` +
			`{"id": "0000000a", "algorithm": "xchacha20poly1305", "state": "primary", "created": "2030-01-01T00:00:00Z", "secret": "` + b64(otherSecret) + `", "SECRET": "` + testSecretB64 + `"}]}`},
		{"keys null, then keys again", replaceOnce(validFile, `"keys": [`, `"keys": null, "keys": [`)},
		{"keys a string, then keys again", replaceOnce(validFile, `"keys": [`, `"keys": "x", "keys": [`)},
		{"keys an object, then Keys", replaceOnce(validFile, `"keys": [`, `"keys": {}, "Keys": [`)},
		{"keys null, then a field in other case at top", replaceOnce(validFile, `"format"`, `"keys": null, "Format": "x", "format"`)},
		{"keys an array of arrays", replaceOnce(validFile, `"keys": [`, `"keys": [[], `)},
		{"duplicate field in an object inside a value", withKey(`"secret": "SECRET"`, `"secret": {"a": 1, "a": 2}`)},
		{"duplicate field with an escaped name", replaceOnce(validFile, `"version": 1`, `"version": 1, "\u0076ersion": 1`)},
		{"keys null, then a secret as a field name in a key", expand(`{"keys": null, "format": "sesstool-keyring", "version": 1, "KEYS": [` +
			`{"id": "0000000a", "algorithm": "xchacha20poly1305", "state": "primary", "created": "2030-01-01T00:00:00Z", "secret": "SECRET", "SECRET": 1}]}`)},
		{"options on a native key", withKey(`"secret": "SECRET"`, `"secret": "SECRET", "options": {"max-age": "60"}`)},
		{"option a fernet key does not have", fileOf(primaryKey, `{"id": "0000000f", "algorithm": "fernet", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "SECRET", "options": {"salt": "x"}}`)},
		{"empty options", fileOf(primaryKey, `{"id": "0000000f", "algorithm": "fernet", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "SECRET", "options": {}}`)},
		{"option value a number", fileOf(primaryKey, `{"id": "0000000f", "algorithm": "fernet", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "SECRET", "options": {"max-age": 60}}`)},
		{"option value with a line feed", fileOf(primaryKey, `{"id": "0000000f", "algorithm": "fernet", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "SECRET", "options": {"max-age": "6\n0"}}`)},
		{"duplicate option", fileOf(primaryKey, `{"id": "0000000f", "algorithm": "fernet", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "SECRET", "options": {"max-age": "1", "max-age": "2"}}`)},
		{"secret as an option name", fileOf(primaryKey, `{"id": "0000000f", "algorithm": "fernet", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "SECRET", "options": {"SECRET": "1"}}`)},
		{"sign secret on a fernet key", fileOf(primaryKey, `{"id": "0000000f", "algorithm": "fernet", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "SECRET", "signSecret": "SECRET"}`)},
		{"secret as a Ktor layout of a Ktor key", fileOf(primaryKey, `{"id": "0000000e", "algorithm": "ktor-encrypt", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "SECRET", "signSecret": "SECRET", "ktorLayout": "SECRET"}`)},
	}
}

// otherSecret is a valid 32-byte secret other than testSecret.
var otherSecret = []byte("ANOTHER-KEYRING-SECRET-012345678")

func TestParseRejects(t *testing.T) {
	if _, err := keyring.Parse([]byte(validFile)); err != nil {
		t.Fatalf("Parse(validFile) error: %v; the fixtures below must each break one rule of a valid file", err)
	}
	hunted := [][]byte{testSecret, testSecret[:31]}
	for _, tc := range corruptFiles() {
		t.Run(tc.name, func(t *testing.T) {
			r, err := keyring.Parse([]byte(tc.data))
			if !errors.Is(err, keyring.ErrCorrupt) {
				t.Fatalf("Parse(%s) = %v, %v; want an error wrapping ErrCorrupt", tc.name, r, err)
			}
			if r != nil {
				t.Errorf("Parse(%s) returned ring %v with its error", tc.name, r)
			}
			msg := err.Error()
			checkNoSecret(t, fmt.Sprintf("Parse(%s) error", tc.name), msg, hunted)
			if strings.Contains(msg, testSecretB64[:16]) || strings.Contains(msg, "KEYRING-TEST") {
				t.Errorf("Parse(%s) error %q shows the secret", tc.name, msg)
			}
			if len(msg) > 500 {
				t.Errorf("Parse(%s) error is %d bytes long; want a short message", tc.name, len(msg))
			}
		})
	}
}

// TestParseErrorsQuoteNothing checks that Parse's errors quote no text of
// the file, not even one character or a number: a secret pasted into the
// wrong place must never reach a terminal or a log. Each file holds the
// marker where Parse fails.
func TestParseErrorsQuoteNothing(t *testing.T) {
	const marker, digits = "QZXW", "98765432109876543210"
	withKey := func(old, new string) string { return fileOf(replaceOnce(primaryKey, old, new), activeKey) }
	tests := []struct{ name, data string }{
		{"syntax error at the marker", replaceOnce(validFile, `"version": 1`, `"version": `+marker)},
		{"bad escape", replaceOnce(validFile, `"sesstool-keyring"`, `"\`+marker+`"`)},
		{"trailing data", validFile + marker},
		{"unknown field at top", replaceOnce(validFile, `"version": 1`, `"version": 1, "`+marker+`": 1`)},
		{"unknown field in a key", withKey(`"state"`, `"`+marker+`": 1, "state"`)},
		{"unknown field after keys null", replaceOnce(validFile, `"keys": [`, `"keys": null, "`+marker+`": [`)},
		{"huge version", replaceOnce(validFile, `"version": 1`, `"version": `+digits)},
		{"version a fraction", replaceOnce(validFile, `"version": 1`, `"version": `+digits+`.5`)},
		{"format a number", replaceOnce(validFile, `"sesstool-keyring"`, digits)},
		{"ID a number", withKey(`"0000000a"`, digits)},
		{"state", withKey(`"primary"`, `"`+marker+`"`)},
		{"algorithm", withKey(`"xchacha20poly1305"`, `"`+marker+`"`)},
		{"creation time", withKey(`"2030-01-01T00:00:00Z"`, `"`+marker+`"`)},
		{"creation time a number", withKey(`"2030-01-01T00:00:00Z"`, digits)},
		{"Ktor layout", fileOf(primaryKey, `{"id": "0000000e", "algorithm": "ktor-encrypt", "state": "active", "created": "2030-01-01T00:00:00Z", "secret": "SECRET", "signSecret": "SECRET", "ktorLayout": "`+marker+`"}`)},
	}
	for _, tc := range tests {
		_, err := keyring.Parse([]byte(tc.data))
		if !errors.Is(err, keyring.ErrCorrupt) {
			t.Errorf("Parse(%s) error %v; want one wrapping ErrCorrupt", tc.name, err)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, marker) || strings.Contains(msg, digits[:8]) || strings.Contains(msg, "'"+marker[:1]+"'") {
			t.Errorf("Parse(%s) error %q quotes the file", tc.name, msg)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"every state", validFile},
		{"one key", fileOf(primaryKey)},
		{"compact", strings.NewReplacer(" ", "", "\n", "").Replace(validFile)},
		{"trailing space", validFile + " \n\t\r\n"},
		{"leading space", "\n\t " + validFile},
		{"1000 keys", manyKeys(keyring.MaxKeys)},
		{"exactly 1 MiB", validFile + strings.Repeat(" ", keyring.MaxFileSize-len(validFile))},
		{"key fields in another order", fileOf(`{"secret": "SECRET", "created": "2030-01-01T00:00:00Z", "state": "primary", "algorithm": "xchacha20poly1305", "id": "0000000a"}`)},
		{"escaped field name", replaceOnce(validFile, `"format"`, `"\u0066ormat"`)},
		{"time with an offset", fileOf(replaceOnce(primaryKey, `"2030-01-01T00:00:00Z"`, `"2030-01-01T01:00:00+01:00"`))},
		{"time with offset +23:59", fileOf(replaceOnce(primaryKey, `"2030-01-01T00:00:00Z"`, `"2030-01-01T00:00:00+23:59"`))},
		{"time in year 0 with an offset", fileOf(replaceOnce(primaryKey, `"2030-01-01T00:00:00Z"`, `"0000-01-01T00:00:00+01:00"`))},
		{"time in year 9999 with an offset", fileOf(replaceOnce(primaryKey, `"2030-01-01T00:00:00Z"`, `"9999-12-31T23:59:59-23:59"`))},
		{"time with nanoseconds", fileOf(replaceOnce(primaryKey, `"2030-01-01T00:00:00Z"`, `"2030-01-01T00:00:00.123456789Z"`))},
		{"destroyed without ever being retired", fileOf(primaryKey, replaceOnce(destroyedKey, `"retired": "2029-06-01T00:00:00Z", `, ``))},
	}
	for _, tc := range tests {
		r, err := keyring.Parse([]byte(tc.data))
		if err != nil {
			t.Errorf("Parse(%s) error: %v", tc.name, err)
			continue
		}
		// What Parse accepts, Marshal writes in one canonical form.
		r2, err := keyring.Parse(marshal(t, r))
		if err != nil {
			t.Errorf("Parse(Marshal(Parse(%s))) error: %v", tc.name, err)
			continue
		}
		checkSameRing(t, r, r2)
	}
}

func TestParseFields(t *testing.T) {
	r, err := keyring.Parse([]byte(validFile))
	if err != nil {
		t.Fatal(err)
	}
	date := func(y, m, d int) string { return fmt.Sprintf("%04d-%02d-%02dT00:00:00Z", y, m, d) }
	want := []string{
		"0000000a xchacha20poly1305 primary created " + date(2030, 1, 1) + " retired - destroyed -",
		"0000000b aes256gcm active created " + date(2030, 1, 1) + " retired - destroyed -",
		"0000000c hmac-sha256 retired created " + date(2029, 1, 1) + " retired " + date(2029, 6, 1) + " destroyed -",
		"0000000d aes128gcm destroyed created " + date(2029, 1, 1) + " retired " + date(2029, 6, 1) + " destroyed " + date(2029, 7, 1),
	}
	stamp := func(tm interface{ IsZero() bool }, s string) string {
		if tm.IsZero() {
			return "-"
		}
		return s
	}
	var got []string
	for k := range r.Keys() {
		got = append(got, fmt.Sprintf("%v created %s retired %s destroyed %s", k,
			k.Created.Format("2006-01-02T15:04:05Z07:00"),
			stamp(k.Retired, k.Retired.Format("2006-01-02T15:04:05Z07:00")),
			stamp(k.Destroyed, k.Destroyed.Format("2006-01-02T15:04:05Z07:00"))))
	}
	if !slices.Equal(got, want) {
		t.Errorf("Parse(validFile) keys =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.Primary().ID != 0xa {
		t.Errorf("Parse(validFile).Primary() = %v; want 0000000a", r.Primary())
	}
	s := secrets(t, r)
	for _, id := range []keyring.ID{0xa, 0xb, 0xc} {
		if !bytes.Equal(s[id], testSecret) {
			t.Errorf("key %v secret = %q; want %q", id, s[id], testSecret)
		}
	}
	if _, ok := s[0xd]; ok {
		t.Errorf("destroyed key 0000000d has a secret after Parse")
	}
}

func TestMarshalParseRoundTrip(t *testing.T) {
	mixed, _ := mixedRing(t)
	rotated := generate(t, keyring.Default)
	for range 20 {
		rotated, _ = rotate(t, rotated, keyring.Default, now)
	}
	pruned, _ := mixed.Prune(now, 0)
	for name, r := range map[string]*keyring.Ring{
		"generated": generate(t, keyring.HMACSHA512),
		"mixed":     mixed,
		"rotated":   rotated,
		"pruned":    pruned,
	} {
		t.Run(name, func(t *testing.T) {
			data := marshal(t, r)
			if again := marshal(t, r); !bytes.Equal(again, data) {
				t.Errorf("Marshal is not deterministic:\n%s\nthen\n%s", data, again)
			}
			r2, err := keyring.Parse(data)
			if err != nil {
				t.Fatalf("Parse(Marshal()) error: %v\n%s", err, data)
			}
			checkSameRing(t, r, r2)
			f := decodeFile(t, data)
			if f.Format != "sesstool-keyring" || f.Version != keyring.FormatVersion || len(f.Keys) != r.Len() {
				t.Errorf("Marshal() wrote format %q version %d with %d keys; want %q version %d with %d keys",
					f.Format, f.Version, len(f.Keys), "sesstool-keyring", keyring.FormatVersion, r.Len())
			}
			if !bytes.HasSuffix(data, []byte("}\n")) {
				t.Errorf("Marshal() does not end with a newline")
			}
		})
	}
}

// dirNames returns the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// writeFile writes data to a new file in a fresh directory with mode perm,
// whatever the umask, and returns its path.
func writeFile(t *testing.T, data []byte, perm fs.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ring.json")
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func perm(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestLoad(t *testing.T) {
	r, _ := mixedRing(t)
	for _, mode := range []fs.FileMode{0o600, 0o400, 0o700} {
		path := writeFile(t, marshal(t, r), mode)
		got, err := keyring.Load(path)
		if err != nil {
			t.Errorf("Load(file of mode %04o) error: %v", mode, err)
			continue
		}
		checkSameRing(t, r, got)
	}
}

func TestLoadRejects(t *testing.T) {
	good := marshal(t, generate(t, keyring.Default))
	dir := t.TempDir()
	tests := []struct {
		name    string
		path    string
		wantErr error
		wantMsg string
	}{
		{"missing", filepath.Join(dir, "missing.json"), fs.ErrNotExist, "missing.json"},
		{"missing directory", filepath.Join(dir, "no", "ring.json"), fs.ErrNotExist, ""},
		{"directory", dir, keyring.ErrNotRegular, "is a directory"},
		{"empty", writeFile(t, nil, 0o600), keyring.ErrCorrupt, ""},
		{"corrupt", writeFile(t, []byte(fileOf(primaryKey, primaryKey)), 0o600), keyring.ErrCorrupt, "ring.json"},
		{"over 1 MiB", writeFile(t, append(good, bytes.Repeat([]byte(" "), keyring.MaxFileSize)...), 0o600), keyring.ErrCorrupt, "limit"},
	}
	// The message says who besides the owner the mode lets in: a file
	// only its group can read is not "readable by other users".
	for _, m := range []struct {
		mode fs.FileMode
		who  string
	}{
		{0o644, "every user can read it"},
		{0o640, "its group can read it"},
		{0o604, "every user can read it"},
		{0o660, "its group can read it"},
		{0o606, "every user can read it"},
		{0o620, "its group can change it"},
		{0o602, "every user can change it"},
		{0o610, "its group has access to it"},
		{0o601, "every user has access to it"},
		{0o666, "every user can read it"},
		{0o777, "every user can read it"},
	} {
		tests = append(tests, struct {
			name    string
			path    string
			wantErr error
			wantMsg string
		}{fmt.Sprintf("mode %04o", m.mode), writeFile(t, good, m.mode), keyring.ErrInsecure, fmt.Sprintf("has mode %04o, so %s; run chmod 600", m.mode, m.who)})
	}
	for _, tc := range tests {
		r, err := keyring.Load(tc.path)
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("Load(%s) = %v, %v; want an error wrapping %v", tc.name, r, err, tc.wantErr)
			continue
		}
		if !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("Load(%s) error %q; want it to contain %q", tc.name, err, tc.wantMsg)
		}
		if tc.wantErr == keyring.ErrInsecure && !strings.Contains(err.Error(), tc.path) {
			t.Errorf("Load(%s) error %q does not name the file", tc.name, err)
		}
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ring.json")
	r, _ := mixedRing(t)
	if err := keyring.Create(path, r); err != nil {
		t.Fatalf("Create error: %v", err)
	}
	if got := perm(t, path); got != 0o600 {
		t.Errorf("Create made a file of mode %04o; want 0600", got)
	}
	if got := readFile(t, path); !bytes.Equal(got, marshal(t, r)) {
		t.Errorf("Create wrote\n%s\nwant Marshal output\n%s", got, marshal(t, r))
	}
	got, err := keyring.Load(path)
	if err != nil {
		t.Fatalf("Load after Create error: %v", err)
	}
	checkSameRing(t, r, got)
	// Only the keyring and its lock file, which stays by design (removing
	// a flock file while others may wait on it is racy), are left.
	if names, want := dirNames(t, dir), []string{"ring.json", "ring.json.lock"}; !slices.Equal(names, want) {
		t.Errorf("after Create, directory holds %q; want %q", names, want)
	}
	if got := perm(t, path+".lock"); got != 0o600 {
		t.Errorf("lock file has mode %04o; want 0600", got)
	}
}

func TestCreateExisting(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"keyring", marshal(t, generate(t, keyring.Default))},
		{"other file", []byte("not a keyring\n")},
		{"empty file", nil},
	}
	for _, tc := range tests {
		path := writeFile(t, tc.data, 0o644)
		err := keyring.Create(path, generate(t, keyring.Default))
		if !errors.Is(err, keyring.ErrExists) {
			t.Errorf("Create(existing %s) error %v; want one wrapping ErrExists", tc.name, err)
		}
		if got := readFile(t, path); !bytes.Equal(got, tc.data) {
			t.Errorf("Create(existing %s) changed the file to\n%s", tc.name, got)
		}
		if got := perm(t, path); got != 0o644 {
			t.Errorf("Create(existing %s) changed its mode to %04o", tc.name, got)
		}
		if names, want := dirNames(t, filepath.Dir(path)), []string{"ring.json", "ring.json.lock"}; !slices.Equal(names, want) {
			t.Errorf("after a failed Create, directory holds %q; want %q", names, want)
		}
	}
	// A directory at the path is not replaced either.
	dir := t.TempDir()
	path := filepath.Join(dir, "ring.json")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := keyring.Create(path, generate(t, keyring.Default)); !errors.Is(err, keyring.ErrExists) {
		t.Errorf("Create(existing directory) error %v; want one wrapping ErrExists", err)
	}
	if names, want := dirNames(t, dir), []string{"ring.json", "ring.json.lock"}; !slices.Equal(names, want) {
		t.Errorf("after a failed Create, directory holds %q; want %q", names, want)
	}
}

func TestCreateMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "no", "ring.json")
	if err := keyring.Create(path, generate(t, keyring.Default)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Create in a missing directory: error %v; want one wrapping fs.ErrNotExist", err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("after a failed Create, directory holds %q; want nothing", names)
	}
}

// create writes r to a new keyring file in a fresh directory and returns
// its path.
func create(t testing.TB, r *keyring.Ring) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ring.json")
	if err := keyring.Create(path, r); err != nil {
		t.Fatalf("Create error: %v", err)
	}
	return path
}

func TestUpdate(t *testing.T) {
	r := generate(t, keyring.Default)
	path := create(t, r)
	var added keyring.Key
	got, err := keyring.Update(path, func(r *keyring.Ring) (*keyring.Ring, error) {
		r2, k, err := r.Rotate(keyring.AES256GCM, now)
		added = k
		return r2, err
	})
	if err != nil {
		t.Fatalf("Update error: %v", err)
	}
	if got.Len() != 2 || got.Primary().ID != added.ID {
		t.Errorf("Update returned %v; want 2 keys with primary %v", got, added.ID)
	}
	loaded, err := keyring.Load(path)
	if err != nil {
		t.Fatalf("Load after Update error: %v", err)
	}
	checkSameRing(t, got, loaded)
	if p := perm(t, path); p != 0o600 {
		t.Errorf("after Update, mode is %04o; want 0600", p)
	}
	if names, want := dirNames(t, filepath.Dir(path)), []string{"ring.json", "ring.json.lock"}; !slices.Equal(names, want) {
		t.Errorf("after Update, directory holds %q; want %q", names, want)
	}
}

func TestUpdateFailureLeavesFile(t *testing.T) {
	errFn := errors.New("fn failed")
	tooMany := func(r *keyring.Ring) (*keyring.Ring, error) {
		for r.Len() <= keyring.MaxKeys {
			var err error
			if r, _, err = r.Add(keyring.Default, now); err != nil {
				return nil, err
			}
		}
		return r, nil
	}
	tests := []struct {
		name    string
		fn      func(*keyring.Ring) (*keyring.Ring, error)
		wantErr error // nil: any error
	}{
		{"fn error", func(*keyring.Ring) (*keyring.Ring, error) { return nil, errFn }, errFn},
		{"fn error after a change", func(r *keyring.Ring) (*keyring.Ring, error) {
			r2, _, _ := r.Rotate(keyring.Default, now)
			return r2, errFn
		}, errFn},
		{"fn state error", func(r *keyring.Ring) (*keyring.Ring, error) { return r.Retire(r.Primary().ID, now) }, keyring.ErrState},
		{"ring too big to write", tooMany, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := create(t, generate(t, keyring.Default))
			before := readFile(t, path)
			r, err := keyring.Update(path, tc.fn)
			if err == nil || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Fatalf("Update(%s) = %v, %v; want error %v", tc.name, r, err, tc.wantErr)
			}
			if r != nil {
				t.Errorf("Update(%s) returned ring %v with its error", tc.name, r)
			}
			if after := readFile(t, path); !bytes.Equal(after, before) {
				t.Errorf("Update(%s) changed the file", tc.name)
			}
			if p := perm(t, path); p != 0o600 {
				t.Errorf("after Update(%s), mode is %04o; want 0600", tc.name, p)
			}
			if names, want := dirNames(t, filepath.Dir(path)), []string{"ring.json", "ring.json.lock"}; !slices.Equal(names, want) {
				t.Errorf("after Update(%s), directory holds %q; want %q", tc.name, names, want)
			}
		})
	}
}

func TestUpdateRejects(t *testing.T) {
	called := false
	fn := func(r *keyring.Ring) (*keyring.Ring, error) {
		called = true
		return r, nil
	}
	good := marshal(t, generate(t, keyring.Default))
	tests := []struct {
		name    string
		path    string
		wantErr error
	}{
		{"missing file", filepath.Join(t.TempDir(), "ring.json"), fs.ErrNotExist},
		{"insecure file", writeFile(t, good, 0o644), keyring.ErrInsecure},
		{"corrupt file", writeFile(t, []byte("{}"), 0o600), keyring.ErrCorrupt},
	}
	for _, tc := range tests {
		called = false
		var before []byte
		if _, err := os.Stat(tc.path); err == nil {
			before = readFile(t, tc.path)
		}
		r, err := keyring.Update(tc.path, fn)
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("Update(%s) = %v, %v; want an error wrapping %v", tc.name, r, err, tc.wantErr)
		}
		if called {
			t.Errorf("Update(%s) called fn", tc.name)
		}
		if before != nil && !bytes.Equal(readFile(t, tc.path), before) {
			t.Errorf("Update(%s) changed the file", tc.name)
		}
		if _, err := os.Stat(tc.path); before == nil && err == nil {
			t.Errorf("Update(%s) created the file", tc.name)
		}
	}
}
