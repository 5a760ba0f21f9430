// Command quickstart mints a session token and opens it again. README.md
// quotes this file verbatim as the library quick start.
package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// LoginSession is what a login token carries.
type LoginSession struct {
	User string `json:"user"`
}

func main() {
	// keyring.json is made by `sesstool keys init`.
	if err := run("keyring.json", os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(keyringPath string, w io.Writer) error {
	ring, err := keyring.Load(keyringPath)
	if err != nil {
		return err
	}
	m, err := token.New(ring, &token.Options{Purpose: "LOGIN_SESSION"})
	if err != nil {
		return err
	}

	tok, err := m.Mint(LoginSession{User: "alice"}, time.Hour)
	if err != nil {
		return err
	}

	var s LoginSession
	claims, err := m.Open(tok, &s)
	if err != nil {
		// No session. errors.Is(err, token.ErrExpired) / token.ErrInvalid
		// for logs and metrics; answer 401 either way.
		return err
	}
	if claims.Rewrap {
		// Sealed under an older key: re-issue it, so that the old key
		// can be retired.
		fresh, _, err := m.Rewrap(tok)
		if err != nil {
			return err
		}
		_ = fresh // send as the new cookie
	}
	_, err = fmt.Fprintln(w, "hello,", s.User)
	return err
}
