package format_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// A program that accepts tokens of every known format detects each one,
// refuses formats that cannot prove the purpose it needs, and opens the
// rest under its keyring, reading rejections by stage.
func Example() {
	ring, _ := keyring.Generate(keyring.Default, time.Now())
	reg := format.Default()
	opts := format.Options{Purpose: "login"}
	m, _ := format.Native().NewOpener(ring, opts)
	tok, _, _ := m.(format.Minter).Mint([]byte(`{"user":"ada"}`), token.Validity{ExpiresAt: time.Now().Add(time.Hour)})

	for _, in := range []string{tok, "a/" + "00000000000000000000000000000000000000000000000000000000000000ff", "?"} {
		f := reg.Detect(in)
		if f == nil {
			fmt.Println("not a token of a known format:", reg.Titles())
			continue
		}
		if err := (format.Demands{Purpose: `purpose "login"`}).Unprovable(f); err != nil {
			e, _ := errors.AsType[*format.Error](err)
			fmt.Println("rejected at stage", e.Stage, "-", f.Title(), "binds no purpose")
			continue
		}
		op, _ := f.NewOpener(ring, opts)
		res, err := op.Open(in)
		fmt.Println(f.Name(), string(res.JSON), err)
	}
	// Output:
	// sesstool-v1 {"user":"ada"} <nil>
	// rejected at stage format - Ktor session cookie binds no purpose
	// not a token of a known format: sesstool v1, Ktor session cookie, Fernet token, Branca token
}
