package token_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

type LoginSession struct {
	User string `json:"user"`
}

func ExampleMinter_Mint() {
	ring, err := keyring.Generate(keyring.Default, time.Now()) // in production: keyring.Load
	if err != nil {
		panic(err)
	}
	m, err := token.New(ring, &token.Options{Purpose: "LOGIN_SESSION"})
	if err != nil {
		panic(err)
	}
	tok, err := m.Mint(LoginSession{User: "alice"}, time.Hour)
	if err != nil {
		panic(err)
	}
	h, _ := token.Inspect(tok) // unverified: for display only
	fmt.Println(len(tok) < 200, h.KeyID == ring.Primary().ID)
	// Output: true true
}

func ExampleMinter_Open() {
	ring, _ := keyring.Generate(keyring.Default, time.Now())
	m, _ := token.New(ring, &token.Options{Purpose: "LOGIN_SESSION"})
	tok, _ := m.Mint(LoginSession{User: "alice"}, time.Hour)

	var s LoginSession
	claims, err := m.Open(tok, &s)
	if err != nil {
		fmt.Println("no session:", err) // log err; answer 401
		return
	}
	fmt.Println(s.User, claims.ExpiresAt.Sub(claims.IssuedAt))

	// A token minted for another purpose does not open.
	reset, _ := token.New(ring, &token.Options{Purpose: "PASSWORD_RESET"})
	_, err = reset.Open(tok, &s)
	fmt.Println(errors.Is(err, token.ErrInvalid))
	// Output:
	// alice 1h0m0s
	// true
}

func ExampleMinter_Open_expired() {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ring, _ := keyring.Generate(keyring.Default, now)
	m, _ := token.New(ring, &token.Options{Now: clock})
	tok, _ := m.Mint(LoginSession{User: "alice"}, time.Minute)

	now = now.Add(2 * time.Minute)
	_, err := m.Open(tok, &LoginSession{})
	fmt.Println(errors.Is(err, token.ErrExpired))
	fmt.Println(err)
	// Output:
	// true
	// token: token expired: expired at 2030-01-01T00:01:00Z
}

// Rotation: old tokens keep opening, and Claims.Rewrap says when to re-mint.
func ExampleMinter_Rewrap() {
	ring, _ := keyring.Generate(keyring.Default, time.Now())
	m, _ := token.New(ring, nil)
	old, _ := m.Mint(LoginSession{User: "alice"}, time.Hour)

	// The old key is retired now: it keeps opening the tokens minted
	// before, and rejects any minted later.
	ring, _, _ = ring.Rotate(keyring.Default, time.Now()) // normally keyring.Update(path, ...)
	m, _ = token.New(ring, nil)                           // swap in the new Minter

	var s LoginSession
	claims, _ := m.Open(old, &s)
	fmt.Println(s.User, claims.Rewrap)
	if claims.Rewrap {
		fresh, _, _ := m.Rewrap(old) // send fresh as the new cookie
		claims, _ = m.Open(fresh, &s)
		fmt.Println(s.User, claims.Rewrap)
	}
	// Output:
	// alice true
	// alice false
}

func ExampleOpenAs() {
	ring, _ := keyring.Generate(keyring.Default, time.Now())
	m, _ := token.New(ring, nil)
	tok, _ := m.Mint(LoginSession{User: "bob"}, time.Hour)
	s, _, err := token.OpenAs[LoginSession](m, tok)
	fmt.Println(s.User, err)
	// Output: bob <nil>
}
