package format_test

import "encoding/hex"

// mustHex decodes a hex constant of a test.
func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
