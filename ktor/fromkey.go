package ktor

import (
	"fmt"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/transform"
)

// NewFromKey returns the transformer of k, a keyring key of the Ktor family
// ([keyring.FamilyKtor]): [NewMessageAuthentication] with the key's hash for
// a ktor-hmac-* key, [NewEncryptFromKey] for a ktor-encrypt key. Ktor binds
// no associated data, so there is none to give. It returns an error for a
// destroyed key and for a key of another family.
func NewFromKey(k keyring.Key) (transform.Transformer, error) {
	if k.Algorithm == keyring.KtorEncrypt {
		return NewEncryptFromKey(k, nil)
	}
	h, ok := KeyHash(k.Algorithm)
	if !ok {
		return nil, notKtor(k)
	}
	if !k.State.Verifies() {
		return nil, fmt.Errorf("ktor: key %v is %v", k.ID, k.State)
	}
	m := k.Material()
	defer clear(m.Secret)
	return NewMessageAuthentication(m.Secret, h)
}

// NewEncryptFromKey returns the Encrypt transformer of k, a ktor-encrypt
// keyring key, with the layout policy the key stores (k.KtorLayout):
//
//	keyring.KtorLayout3     writes and reads Layout3 (Ktor ≥ 3.0.0)
//	keyring.KtorLayout2     writes and reads Layout2 (Ktor < 3.0.0)
//	keyring.KtorLayoutBoth  writes Layout3, reads Layout3|Layout2
//	                        (Ktor 3.x with backwardCompatibleRead)
//
// and HmacSHA256, the only sign algorithm that keyring stores. opts may be
// nil; since the key fixes the layouts and the hash, only opts.IV may be
// set (to reproduce known-answer vectors: see [EncryptOptions.IV]). It
// returns an error for a destroyed key and for a key of another algorithm.
func NewEncryptFromKey(k keyring.Key, opts *EncryptOptions) (*Encrypt, error) {
	if k.Algorithm != keyring.KtorEncrypt {
		return nil, notKtor(k)
	}
	if !k.State.Verifies() {
		return nil, fmt.Errorf("ktor: key %v is %v", k.ID, k.State)
	}
	var o EncryptOptions
	if opts != nil {
		if opts.Write != 0 || opts.Read != 0 || orDefault(opts.Sign) != transform.SHA256 {
			return nil, fmt.Errorf("ktor: NewEncryptFromKey: the key %v sets the layouts and the hash; set only EncryptOptions.IV", k.ID)
		}
		o.IV = opts.IV
	}
	switch k.KtorLayout {
	case keyring.KtorLayout3:
		o.Write, o.Read = Layout3, Layout3
	case keyring.KtorLayout2:
		o.Write, o.Read = Layout2, Layout2
	case keyring.KtorLayoutBoth:
		o.Write, o.Read = Layout3, Layout3|Layout2
	default:
		return nil, fmt.Errorf("ktor: key %v has no Ktor layout (want 2, 3 or both)", k.ID)
	}
	m := k.Material()
	defer clear(m.Secret)
	defer clear(m.SignSecret)
	return NewEncrypt(m.Secret, m.SignSecret, &o)
}

// KeyHash returns the HMAC hash of a ktor-hmac-* algorithm, and false for
// any other algorithm.
func KeyHash(a keyring.Algorithm) (transform.Hash, bool) {
	switch a {
	case keyring.KtorHMACSHA256:
		return transform.SHA256, true
	case keyring.KtorHMACSHA384:
		return transform.SHA384, true
	case keyring.KtorHMACSHA512:
		return transform.SHA512, true
	}
	return 0, false
}

func notKtor(k keyring.Key) error {
	return fmt.Errorf("ktor: key %v is a %v key, not a Ktor key (want one of %v, %v, %v, %v)", k.ID, k.Algorithm,
		keyring.KtorHMACSHA256, keyring.KtorHMACSHA384, keyring.KtorHMACSHA512, keyring.KtorEncrypt)
}
