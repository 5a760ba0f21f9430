package format

// Test hooks for PASETO: the raw v4 operations, so that tests can make
// tokens whose claims Mint refuses to write (duplicate keys, no object).
var (
	PasetoEncrypt = pasetoEncrypt
	PasetoSign    = pasetoSign
	PasetoPAE     = pae
)
