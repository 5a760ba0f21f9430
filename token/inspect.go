package token

import (
	"encoding/binary"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/transform"
)

// Header is the clear-text part of a token, as Inspect reads it.
type Header struct {
	Version uint8
	KeyID   keyring.ID
	// Size is the token's length in bytes after base64url decoding.
	Size int
}

// Inspect decodes the header of tok WITHOUT verifying anything: anyone can
// forge a header. Use it to show a token to a person or to pick a keyring,
// never to decide access; use Minter.Open for that. Its errors wrap
// ErrInvalid, at StageSize, StageEncoding or StageHeader.
func Inspect(tok string) (Header, error) {
	if len(tok) == 0 || len(tok) > 1<<16 {
		return Header{}, reject(ErrInvalid, StageSize, 0, "token is %d characters; expected 1 to %d", len(tok), 1<<16)
	}
	raw, err := transform.Base64URL().Read(nil, []byte(tok))
	if err != nil {
		return Header{}, reject(ErrInvalid, StageEncoding, 0, "not a sesstool token: %v", err)
	}
	if len(raw) < HeaderSize {
		return Header{}, reject(ErrInvalid, StageHeader, 0, "token is %d bytes after decoding; a header alone is %d", len(raw), HeaderSize)
	}
	if raw[0] != Version1 {
		return Header{}, reject(ErrInvalid, StageHeader, 0, "unknown format version %d (this build reads version %d)", raw[0], Version1)
	}
	return Header{Version: raw[0], KeyID: keyring.ID(binary.BigEndian.Uint32(raw[1:])), Size: len(raw)}, nil
}
