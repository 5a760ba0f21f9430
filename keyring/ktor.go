package keyring

import (
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/transform"
)

// Ktor keys are imported from a Ktor service's configuration, never
// generated, and used as they are: Ktor's transformers take the raw JCE key
// bytes. Ktor binds no associated data, so their Transformer ignores ad.
func init() {
	for alg, h := range map[Algorithm]ktor.Hash{
		KtorHMACSHA256: ktor.HmacSHA256,
		KtorHMACSHA384: ktor.HmacSHA384,
		KtorHMACSHA512: ktor.HmacSHA512,
	} {
		algorithms[alg] = algorithmSpec{
			minSecret: 1, maxSecret: maxImportedSecret,
			transformer: func(k Key, _ []byte) (transform.Transformer, error) {
				return ktor.NewMessageAuthentication(k.secret(), h)
			},
		}
	}
	algorithms[KtorEncrypt] = algorithmSpec{
		minSecret: 16, maxSecret: 32, signSecret: true,
		transformer: func(k Key, _ []byte) (transform.Transformer, error) {
			return ktor.NewEncrypt(k.secret(), k.signSecret(), KtorEncryptOptions(k.KtorLayout))
		},
	}
}

// maxImportedSecret bounds imported HMAC keys: JCE accepts any length, but
// nothing sensible is longer than a hash block.
const maxImportedSecret = 1024

// KtorEncryptOptions returns the ktor.EncryptOptions of a KtorEncrypt key
// with layout policy l: what it writes and what it accepts.
func KtorEncryptOptions(l KtorLayout) *ktor.EncryptOptions {
	switch l {
	case KtorLayout2:
		return &ktor.EncryptOptions{Write: ktor.Layout2, Read: ktor.Layout2}
	case KtorLayoutBoth:
		return &ktor.EncryptOptions{Write: ktor.Layout3, Read: ktor.Layout3 | ktor.Layout2}
	default:
		return &ktor.EncryptOptions{Write: ktor.Layout3, Read: ktor.Layout3}
	}
}
