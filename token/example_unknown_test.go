package token_test

import (
	"fmt"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// A deploy removes a field from the session type. With IgnoreUnknownFields,
// tokens minted before it still open (after full authentication), so nobody
// is logged out.
func ExampleOptions_ignoreUnknownFields() {
	type before struct {
		User  string `json:"user"`
		Theme string `json:"theme"`
	}
	type after struct {
		User string `json:"user"`
	}
	ring, _ := keyring.Generate(keyring.Default, time.Now())
	old, _ := token.New(ring, &token.Options{Purpose: "LOGIN_SESSION"})
	tok, _ := old.Mint(before{User: "alice", Theme: "dark"}, time.Hour)

	// The new deploy's Minters, without and with the option.
	strict, _ := token.New(ring, &token.Options{Purpose: "LOGIN_SESSION"})
	lenient, _ := token.New(ring, &token.Options{Purpose: "LOGIN_SESSION", IgnoreUnknownFields: true})

	var s after
	_, err := strict.Open(tok, &s)
	fmt.Println(err)
	_, err = lenient.Open(tok, &s)
	fmt.Println(s.User, err)
	// Output:
	// token: invalid token: the payload does not decode with codec json: codec: invalid input: json: unknown field "theme" at offset 16
	// alice <nil>
}
