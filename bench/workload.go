// Package bench compares sesstool with peer token libraries, and with floors
// built from the same parts, on the one workload of
// WORKLOAD.md.
//
// It is a separate module so that the peers never enter the dependencies of
// the main module. Every system is a [System]: built once, with its keys and
// codec objects set up outside the timed loop, then measured by Mint and Open
// in bench_test.go. systems_test.go proves that each one round-trips the
// workload value and rejects a tampered token, so that none is measured
// doing less than it claims. README.md says how to run it and what each row
// is.
package bench

import "time"

// Session is the workload's session value, exactly as in WORKLOAD.md.
type Session struct {
	UserID  string   `json:"uid"     cbor:"1,keyasint"`
	Name    string   `json:"name"    cbor:"2,keyasint"`
	Roles   []string `json:"roles"   cbor:"3,keyasint"`
	CSRF    string   `json:"csrf"    cbor:"4,keyasint"`
	Created int64    `json:"created" cbor:"5,keyasint"`
}

// Value is the workload's session value. Its JSON encoding (encoding/json)
// is 142 bytes and its CBOR encoding 90, as WORKLOAD.md states (TestWorkload
// pins them).
var Value = Session{
	UserID:  "u_8f14e45fceea167a",
	Name:    "Alice Example",
	Roles:   []string{"admin", "billing", "support"},
	CSRF:    "3q2-7wAAAAAAAAAAAAAAAA",
	Created: 1764115200,
}

// The workload's parameters.
const (
	// Purpose is bound by every format that binds a context string:
	// sesstool's Purpose, securecookie's cookie name, PASETO's implicit
	// assertion.
	Purpose = "LOGIN_SESSION"
	// TTL is the lifetime of every token, checked on every Open wherever
	// the format has an expiry.
	TTL = time.Hour
)

// Key1 and Key2 are the fixed 32-byte keys. Formats with one key use Key1;
// formats with two use Key1 to authenticate and Key2 to encrypt; AES-128
// formats use the first 16 bytes. They are fixed so that runs are
// repeatable; they are not secret.
var Key1, Key2 = fixedKey(0x00), fixedKey(0x80)

func fixedKey(first byte) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = first + byte(i)
	}
	return k
}
