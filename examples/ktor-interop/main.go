// Command ktor-interop reads and writes the session cookie of the Ktor
// documentation's signed-session example:
//
//	data class LoginSession(val username: String, val count: Int)
//
//	install(Sessions) {
//	    val secretSignKey = hex("000102030405060708090a0b0c0d0e0f")
//	    cookie<LoginSession>("LOGIN_SESSION") {
//	        cookie.path = "/"
//	        transform(SessionTransportTransformerMessageAuthentication(secretSignKey))
//	    }
//	}
//
// It writes the Set-Cookie header a Ktor 3.x server sends (kotlinx JSON
// serializer) and the one a Ktor 1.x/2.x server sends (reflection
// serializer), then reads both back as Ktor would. Given a cookie value
// as its argument, for instance one copied from a browser talking to a
// Ktor server with that configuration, it reads that value instead:
//
//	go run ./examples/ktor-interop
//	go run ./examples/ktor-interop '%7B%22username%22...'
package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/transform"
)

// LoginSession mirrors the Kotlin class. The json tags give the kotlinx
// property names; the reflection serializer derives the same names.
type LoginSession struct {
	Username string `json:"username"`
	Count    int32  `json:"count"` // Kotlin Int
}

const cookieName = "LOGIN_SESSION"

// signKey is the example's key. A real application loads a random key of
// at least 32 bytes from its configuration.
var signKey = []byte{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ktor-interop:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	mac, err := ktor.NewMessageAuthentication(signKey, transform.SHA256)
	if err != nil {
		return err
	}
	serializers := []struct {
		version string
		codec   codec.Codec
	}{
		{"Ktor 3.x (kotlinx JSON)", ktor.KotlinxJSON()},
		{"Ktor 1.x/2.x (reflection)", ktor.Reflection()},
	}

	if len(args) == 1 {
		for _, s := range serializers {
			session, err := readCookie(args[0], mac, s.codec)
			if err == nil {
				fmt.Printf("read as %s: %+v\n", s.version, session)
				return nil
			}
			fmt.Printf("not a %s session: %v\n", s.version, err)
		}
		return errors.New("no session in that cookie")
	}
	if len(args) > 1 {
		return errors.New("usage: ktor-interop [cookie-value]")
	}

	session := LoginSession{Username: "john", Count: 1}
	for _, s := range serializers {
		header, value, err := writeCookie(session, mac, s.codec)
		if err != nil {
			return err
		}
		fmt.Printf("%s writes:\n  Set-Cookie: %s\n", s.version, header)
		back, err := readCookie(value, mac, s.codec)
		if err != nil {
			return fmt.Errorf("failed to read back the %s cookie: %w", s.version, err)
		}
		fmt.Printf("  read back: %+v\n", back)
	}

	// A client that edits its cookie gets no session.
	_, value, err := writeCookie(LoginSession{Username: "john", Count: 1}, mac, ktor.KotlinxJSON())
	if err != nil {
		return err
	}
	forged := value[:len("%7B%22username%22%3A%22")] + "admin" + value[len("%7B%22username%22%3A%22john"):]
	if _, err := readCookie(forged, mac, ktor.KotlinxJSON()); err != nil {
		fmt.Printf("forged cookie rejected: %v\n", err)
	} else {
		return errors.New("the forged cookie was accepted")
	}
	return nil
}

// writeCookie serializes, signs and cookie-encodes session, and renders
// the Set-Cookie header with Ktor's defaults (Max-Age 7 days, Path=/,
// HttpOnly, $x-enc). It returns the header and the cookie value.
func writeCookie(session LoginSession, mac transform.Transformer, c codec.Codec) (header, value string, err error) {
	payload, err := c.Marshal(session)
	if err != nil {
		return "", "", err
	}
	value, err = ktor.EncodeCookieValue(string(mac.Write(nil, payload)), ktor.URIEncoding)
	if err != nil {
		return "", "", err
	}
	const maxAge = 7 * 24 * time.Hour
	expires := time.Now().Add(maxAge).UTC().Format(http.TimeFormat)
	header = fmt.Sprintf("%s=%s; Max-Age=%d; Expires=%s; Path=/; HttpOnly; $x-enc=%s",
		cookieName, value, int(maxAge.Seconds()), expires, ktor.URIEncoding)
	return header, value, nil
}

// readCookie does what Ktor does with the cookie value of a request:
// decode, verify, deserialize. Any error means "no session".
func readCookie(value string, mac transform.Transformer, c codec.Codec) (LoginSession, error) {
	var session LoginSession
	signed, err := ktor.DecodeCookieValue(value, ktor.URIEncoding)
	if err != nil {
		return session, err
	}
	payload, err := mac.Read(nil, []byte(signed))
	if err != nil {
		return session, err
	}
	err = c.Unmarshal(payload, &session)
	return session, err
}
