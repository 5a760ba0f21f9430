package testvectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// keyringNotes explains the flags of keyring_files.json.
var keyringNotes = map[string]Note{
	"Valid":         {"BASIC", "A well-formed keyring file."},
	"Lifecycle":     {"FUNCTIONALITY", "Keys in the retired and destroyed states, with their times."},
	"Whitespace":    {"FUNCTIONALITY", "The same content in another JSON layout; layout is not significant."},
	"KtorKey":       {"FUNCTIONALITY", "The file holds a Ktor key (ktor-hmac-sha256/384/512 or ktor-encrypt). A reader that does not support Ktor keys rejects valid files with Ktor keys, and may skip those tests."},
	"PrimaryCount":  {"BASIC", "Exactly one key must be primary."},
	"UnknownField":  {"MALLEABILITY", "A field the format does not define; unknown fields are errors."},
	"Version":       {"BASIC", "The version must be exactly the number 1."},
	"Format":        {"BASIC", "The format must be exactly \"sesstool-keyring\"."},
	"KeyCount":      {"BASIC", "A keyring holds 1 to 1000 keys."},
	"SecretLength":  {"BASIC", "A native key's secret must be 32 bytes."},
	"SecretBase64":  {"MALLEABILITY", "Secrets are unpadded base64url; other forms are errors."},
	"StateFields":   {"BASIC", "retired, destroyed and secret must be present or absent as the key's state requires."},
	"KeyID":         {"BASIC", "Key IDs are 8 hex digits, not 00000000, unique in the file."},
	"Algorithm":     {"BASIC", "The algorithm must be one of SPEC.md §1.3 or a Ktor algorithm."},
	"State":         {"BASIC", "The state must be primary, active, retired or destroyed."},
	"Created":       {"BASIC", "created is a required RFC 3339 time."},
	"NotOneObject":  {"BASIC", "The file must be exactly one JSON object."},
	"KtorFields":    {"BASIC", "signSecret and ktorLayout belong to ktor-encrypt keys only."},
	"KtorNotNative": {"BASIC", "A Ktor key can never be primary: the primary key must be native."},
}

func generateKeyringFiles() *KeyringFiles {
	f := &KeyringFiles{Schema: KeyringSchema, Notes: map[string]Note{}}
	add := func(text, comment, result string, keys []fileKey, flags ...string) {
		t := KeyringTest{TcID: len(f.Tests) + 1, Comment: comment, Flags: append([]string{}, flags...), File: text, Result: result}
		if result == Valid {
			t.Keys = []KeyringKey{}
			for _, k := range keys {
				t.Keys = append(t.Keys, KeyringKey{ID: k.ID, Algorithm: k.Algorithm, State: k.State})
			}
		}
		for _, fl := range flags {
			n, ok := keyringNotes[fl]
			if !ok {
				panic("flag " + fl + " has no note")
			}
			f.Notes[fl] = n
		}
		f.Tests = append(f.Tests, t)
	}
	// file marshals keys as Marshal would, indented.
	file := func(keys ...fileKey) string {
		out, err := json.MarshalIndent(keyringFile{Format: "sesstool-keyring", Version: 1, Keys: keys}, "", "  ")
		if err != nil {
			panic(err)
		}
		return string(out) + "\n"
	}
	valid := func(comment string, keys []fileKey, flags ...string) {
		add(file(keys...), comment, Valid, keys, flags...)
	}
	invalid := func(comment, text string, flags ...string) { add(text, comment, Invalid, nil, flags...) }
	// edit returns a key changed by fn.
	edit := func(k fileKey, fn func(*fileKey)) fileKey { fn(&k); return k }
	secret := func(label string, n int) string { return b64.EncodeToString(fixedBytes("keyring file "+label, n)) }

	primary := fileKey{ID: "9f2c01ab", Algorithm: "xchacha20poly1305", State: "primary", Created: date("2029-12-01T00:00:00Z"), Secret: secret("primary", 32)}
	retiredAt, destroyedAt := date("2030-01-01T06:00:00Z"), date("2029-12-01T00:00:00Z")
	retired := fileKey{ID: "2d5b0e93", Algorithm: "aes256gcm", State: "retired", Created: date("2029-10-01T00:00:00Z"), Retired: &retiredAt, Secret: secret("retired", 32)}
	destroyed := fileKey{ID: "7c18f3a0", Algorithm: "hmac-sha256", State: "destroyed", Created: date("2029-09-01T00:00:00Z"), Retired: &destroyedAt, Destroyed: &destroyedAt}
	active := fileKey{ID: "4e7a11c5", Algorithm: "chacha20poly1305", State: "active", Created: date("2029-12-15T00:00:00Z"), Secret: secret("active", 32)}

	// Valid files.
	valid("one primary xchacha20poly1305 key", []fileKey{primary}, "Valid")
	var every []fileKey
	for i, alg := range algorithms {
		k := fileKey{ID: fmt.Sprintf("%08x", 0x10000001+i), Algorithm: alg, State: "active", Created: date("2029-12-01T00:00:00Z"), Secret: secret(alg, 32)}
		if alg == "hmac-sha512" {
			k.State = "primary"
		}
		every = append(every, k)
	}
	valid("one key of every native algorithm; the hmac-sha512 key is primary", every, "Valid")
	valid("destroyed, retired, primary and active keys", []fileKey{destroyed, retired, primary, active}, "Valid", "Lifecycle")
	valid("a destroyed key that was never retired: destroyed time only", []fileKey{edit(destroyed, func(k *fileKey) { k.Retired = nil }), primary}, "Lifecycle")
	compact, err := json.Marshal(keyringFile{Format: "sesstool-keyring", Version: 1, Keys: []fileKey{primary, active}})
	if err != nil {
		panic(err)
	}
	add(string(compact), "compact JSON on one line, no final newline", Valid, []fileKey{primary, active}, "Whitespace")
	ktorKeys := []fileKey{
		primary,
		{ID: "6b746f01", Algorithm: "ktor-hmac-sha256", State: "active", Created: date("2029-12-20T00:00:00Z"), Secret: secret("ktor-hmac-sha256", 32)},
		{ID: "6b746f02", Algorithm: "ktor-hmac-sha384", State: "active", Created: date("2029-12-20T00:00:00Z"), Secret: secret("ktor-hmac-sha384", 48)},
		{ID: "6b746f03", Algorithm: "ktor-hmac-sha512", State: "retired", Created: date("2029-12-20T00:00:00Z"), Retired: &retiredAt, Secret: secret("ktor-hmac-sha512", 64)},
		{ID: "6b746f04", Algorithm: "ktor-encrypt", State: "active", Created: date("2029-12-20T00:00:00Z"), Secret: secret("ktor-encrypt aes", 16), SignSecret: secret("ktor-encrypt sign", 32), KtorLayout: "both"},
	}
	valid("a native primary key and a key of every Ktor algorithm", ktorKeys, "KtorKey")

	// Invalid files: one broken rule each.
	invalid("two primary keys", file(primary, edit(active, func(k *fileKey) { k.State = "primary" })), "PrimaryCount")
	invalid("no primary key", file(active, retired), "PrimaryCount")
	invalid("unknown top-level field \"comment\"", strings.Replace(file(primary), `"format"`, `"comment": "hello",`+"\n  "+`"format"`, 1), "UnknownField")
	invalid("unknown key field \"note\"", strings.Replace(file(primary), `"id"`, `"note": "hello",`+"\n      "+`"id"`, 1), "UnknownField")
	invalid("top-level field name in another case: \"Version\"", strings.Replace(file(primary), `"version"`, `"Version"`, 1), "UnknownField")
	invalid("key field name in another case: \"Secret\"", strings.Replace(file(primary), `"secret"`, `"Secret"`, 1), "UnknownField")
	invalid("version 2", strings.Replace(file(primary), `"version": 1`, `"version": 2`, 1), "Version")
	invalid("version 0", strings.Replace(file(primary), `"version": 1`, `"version": 0`, 1), "Version")
	invalid("version missing", strings.Replace(file(primary), `"version": 1,`, ``, 1), "Version")
	invalid("version is the string \"1\"", strings.Replace(file(primary), `"version": 1`, `"version": "1"`, 1), "Version")
	invalid("format \"sesstool\"", strings.Replace(file(primary), `"sesstool-keyring"`, `"sesstool"`, 1), "Format")
	invalid("format missing", strings.Replace(file(primary), `"format": "sesstool-keyring",`, ``, 1), "Format")
	invalid("empty key list", file(), "KeyCount")
	invalid("keys field missing", `{"format": "sesstool-keyring", "version": 1}`+"\n", "KeyCount")
	invalid("secret of 31 bytes", file(edit(primary, func(k *fileKey) { k.Secret = secret("short", 31) })), "SecretLength")
	invalid("secret of 33 bytes", file(edit(primary, func(k *fileKey) { k.Secret = secret("long", 33) })), "SecretLength")
	invalid("primary key without a secret", file(edit(primary, func(k *fileKey) { k.Secret = "" })), "SecretLength", "StateFields")
	invalid("secret with '=' padding", file(edit(primary, func(k *fileKey) { k.Secret += "=" })), "SecretBase64")
	invalid("secret with a line break (JSON \\n) after 20 characters", strings.Replace(file(primary), primary.Secret, primary.Secret[:20]+`\n`+primary.Secret[20:], 1), "SecretBase64")
	ff := b64.EncodeToString(bytes.Repeat([]byte{0xff}, 32)) // "___…8"
	invalid("secret in the standard base64 alphabet ('/' for '_')", file(edit(primary, func(k *fileKey) { k.Secret = strings.ReplaceAll(ff, "_", "/") })), "SecretBase64")
	invalid("destroyed key that still holds a secret", file(edit(destroyed, func(k *fileKey) { k.Secret = secret("destroyed", 32) }), primary), "StateFields")
	invalid("destroyed key without a destroyed time", file(edit(destroyed, func(k *fileKey) { k.Destroyed = nil }), primary), "StateFields")
	invalid("retired key without a retired time", file(edit(retired, func(k *fileKey) { k.Retired = nil }), primary), "StateFields")
	invalid("primary key with a retired time", file(edit(primary, func(k *fileKey) { k.Retired = &retiredAt })), "StateFields")
	invalid("active key with a destroyed time", file(primary, edit(active, func(k *fileKey) { k.Destroyed = &destroyedAt })), "StateFields")
	invalid("key ID 00000000", file(edit(primary, func(k *fileKey) { k.ID = "00000000" })), "KeyID")
	invalid("key ID of 7 hex digits", file(edit(primary, func(k *fileKey) { k.ID = "9f2c01a" })), "KeyID")
	invalid("key ID with a non-hex digit", file(edit(primary, func(k *fileKey) { k.ID = "9f2c01ag" })), "KeyID")
	invalid("two keys with the same ID", file(primary, edit(active, func(k *fileKey) { k.ID = primary.ID })), "KeyID")
	invalid("unknown algorithm aes192gcm", file(edit(primary, func(k *fileKey) { k.Algorithm = "aes192gcm" })), "Algorithm")
	invalid("algorithm name in upper case", file(edit(primary, func(k *fileKey) { k.Algorithm = "XCHACHA20POLY1305" })), "Algorithm")
	invalid("unknown state revoked", file(primary, edit(active, func(k *fileKey) { k.State = "revoked" })), "State")
	invalid("created missing", strings.Replace(file(primary), `"created": "2029-12-01T00:00:00Z",`, ``, 1), "Created")
	invalid("created is a date, not an RFC 3339 time", strings.Replace(file(primary), `"2029-12-01T00:00:00Z"`, `"2029-12-01"`, 1), "Created")
	invalid("a second object after the keyring", file(primary)+"{}\n", "NotOneObject")
	invalid("the keyring object inside an array", "["+file(primary)+"]\n", "NotOneObject")
	invalid("empty file", "", "NotOneObject")
	invalid("signSecret on a native key", file(edit(primary, func(k *fileKey) { k.SignSecret = secret("sign", 32) })), "KtorFields")
	invalid("ktorLayout on a native key", file(edit(primary, func(k *fileKey) { k.KtorLayout = "3" })), "KtorFields")
	invalid("a Ktor key as the only, primary key", file(edit(ktorKeys[1], func(k *fileKey) { k.State = "primary" })), "KtorKey", "KtorNotNative")
	invalid("ktor-encrypt key without a signSecret", file(primary, edit(ktorKeys[4], func(k *fileKey) { k.SignSecret = "" })), "KtorKey", "KtorFields")
	invalid("ktor-encrypt key with ktorLayout \"4\"", file(primary, edit(ktorKeys[4], func(k *fileKey) { k.KtorLayout = "4" })), "KtorKey", "KtorFields")
	f.NumberOfTests = len(f.Tests)
	return f
}
