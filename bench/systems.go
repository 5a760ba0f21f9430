package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"aidanwoods.dev/go-paseto"
	"github.com/fernet/fernet-go"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/securecookie"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// A System mints and opens session tokens of one format and configuration.
// It is built once, with its keys and codec objects ready, and is then safe
// for concurrent use unless its doc says otherwise (the floors are not).
type System struct {
	// Name is the benchmark's sub-test name: lowercase letters, digits and
	// hyphens only, so that run.sh can anchor it in a -test.bench pattern.
	Name string
	// Kind groups rows in the report: "sesstool", "peer" or "floor".
	Kind string
	// Mint encodes Value into a token valid for TTL from now.
	Mint func() (string, error)
	// Open authenticates tok, checks its expiry if the format has one,
	// and decodes it into dst, which the caller reuses between calls.
	Open func(tok string, dst *Session) error
	// MintExpired, if not nil, returns a token of this system whose
	// expiry has passed, so the tests can check that Open rejects it.
	// It is nil for formats without an expiry (the floors) and for
	// securecookie, whose clock cannot be set from outside its package.
	MintExpired func() (string, error)
}

// Systems returns every system, built afresh: sesstool's rows, the peers,
// then the floors. It panics if one cannot be built, which is a bug here.
func Systems() []System {
	ss := []System{
		sesstool("sesstool-xchacha-cbor", keyring.XChaCha20Poly1305, codec.CBOR()),
		sesstool("sesstool-xchacha-json", keyring.XChaCha20Poly1305, codec.JSON()),
		sesstool("sesstool-aes256gcm-cbor", keyring.AES256GCM, codec.CBOR()),
		sesstool("sesstool-aes256gcm-json", keyring.AES256GCM, codec.JSON()),
		sesstool("sesstool-hmac-json", keyring.HMACSHA256, codec.JSON()),
		sesstoolFixedClock("sesstool-xchacha-cbor-fixedclock", keyring.XChaCha20Poly1305, codec.CBOR()),
		securecookieSystem("securecookie-gob", nil),
		securecookieSystem("securecookie-json", securecookie.JSONEncoder{}),
		jwtSystem(),
		joseSystem(),
		fernetSystem(),
		pasetoSystem(),
	}
	return append(ss, Floors()...)
}

// expClaims is the JSON payload of the formats whose expiry lives in the
// payload (JWE, and JWT through jwt.RegisteredClaims): the session's fields
// with "exp" beside them. Session is a pointer so that Open decodes straight
// into the caller's reused destination.
type expClaims struct {
	*Session
	Exp int64 `json:"exp"`
}

func must[T any](v T, err error) T {
	if err != nil {
		panic("bench: " + err.Error())
	}
	return v
}

// --- sesstool -------------------------------------------------------------

// sesstool mints and opens with a token.Minter over a ring holding one key of
// algorithm alg, built from the fixed Key1, with purpose LOGIN_SESSION.
func sesstool(name string, alg keyring.Algorithm, c codec.Codec) System {
	m := sesstoolMinter(alg, c, nil)
	past := time.Now().Add(-2 * TTL)
	old := sesstoolMinter(alg, c, func() time.Time { return past })
	return System{
		Name: name,
		Kind: "sesstool",
		Mint: func() (string, error) { return m.Mint(&Value, TTL) },
		Open: func(tok string, dst *Session) error {
			_, err := m.Open(tok, dst)
			return err
		},
		MintExpired: func() (string, error) { return old.Mint(&Value, TTL) },
	}
}

// sesstoolFixedClock is sesstool with a clock (Options.Now) that returns
// the time it was built at, and so costs nothing: beside the same system
// with time.Now, it shows what reading the clock costs on this machine.
// The floors read no clock, as their tokens carry no times.
func sesstoolFixedClock(name string, alg keyring.Algorithm, c codec.Codec) System {
	s := sesstool(name, alg, c)
	built := time.Now()
	m := sesstoolMinter(alg, c, func() time.Time { return built })
	s.Mint = func() (string, error) { return m.Mint(&Value, TTL) }
	s.Open = func(tok string, dst *Session) error {
		_, err := m.Open(tok, dst)
		return err
	}
	return s
}

// sesstoolMinter returns a Minter whose ring holds one primary key with the
// fixed secret Key1: Generate makes a random primary, which is replaced by
// the imported fixed key, then destroyed and pruned. The key ID is still
// random; it does not change the work done.
func sesstoolMinter(alg keyring.Algorithm, c codec.Codec, now func() time.Time) *token.Minter {
	t := time.Now()
	r := must(keyring.Generate(alg, t))
	generated := r.Primary().ID
	r, k, err := r.Import(keyring.Material{Algorithm: alg, Secret: Key1}, t)
	if err != nil {
		panic("bench: " + err.Error())
	}
	r = must(r.Promote(k.ID, t))
	r = must(r.Destroy(generated, t))
	r, _ = r.Prune(t, 0)
	if r.Len() != 1 {
		panic("bench: the sesstool ring should hold exactly the fixed key")
	}
	return must(token.New(r, &token.Options{Purpose: Purpose, Codec: c, Now: now}))
}

// --- gorilla/securecookie ---------------------------------------------------

// securecookieSystem uses one securecookie.SecureCookie, as its docs
// recommend (create it once, it is safe for concurrent use): HMAC-SHA256
// under Key1 and AES-256-CTR under Key2, MaxAge 3600 (checked by Decode),
// the cookie name LOGIN_SESSION bound by the MAC. ser nil keeps its default
// gob encoder.
func securecookieSystem(name string, ser securecookie.Serializer) System {
	s := securecookie.New(Key1, Key2).MaxAge(int(TTL / time.Second))
	if ser != nil {
		s.SetSerializer(ser)
	}
	return System{
		Name: name,
		Kind: "peer",
		Mint: func() (string, error) { return s.Encode(Purpose, &Value) },
		Open: func(tok string, dst *Session) error { return s.Decode(Purpose, tok, dst) },
	}
}

// --- golang-jwt/jwt/v5 ------------------------------------------------------

// jwtClaims is the workload value as JWT claims, plus the registered claims
// (only exp is set). Session is a pointer so that Open decodes into the
// reused destination.
type jwtClaims struct {
	*Session
	jwt.RegisteredClaims
}

// jwtSystem signs HS256 JWTs under Key1 with an exp claim. Open uses one
// Parser built once, restricted to HS256 (WithValidMethods, as the jwt docs
// urge) and requiring exp (WithExpirationRequired); the parser validates exp.
func jwtSystem() System {
	p := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired())
	keyFunc := func(*jwt.Token) (any, error) { return Key1, nil }
	mint := func(now time.Time) (string, error) {
		c := jwtClaims{Session: &Value, RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(now.Add(TTL))}}
		return jwt.NewWithClaims(jwt.SigningMethodHS256, &c).SignedString(Key1)
	}
	return System{
		Name: "jwt-hs256",
		Kind: "peer",
		Mint: func() (string, error) { return mint(time.Now()) },
		Open: func(tok string, dst *Session) error {
			c := jwtClaims{Session: dst}
			_, err := p.ParseWithClaims(tok, &c, keyFunc)
			return err
		},
		MintExpired: func() (string, error) { return mint(time.Now().Add(-2 * TTL)) },
	}
}

// --- go-jose/go-jose/v4 -----------------------------------------------------

var (
	joseKeyAlgs = []jose.KeyAlgorithm{jose.DIRECT}
	joseEncs    = []jose.ContentEncryption{jose.A256GCM}
)

// joseSystem makes compact JWEs, dir + A256GCM under Key1, whose payload is
// the workload value as JSON plus exp. One Encrypter is built once. Open
// parses (accepting only dir and A256GCM), decrypts, decodes, then checks exp
// itself, since a bare JWE has no claims validation.
func joseSystem() System {
	enc := must(jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: Key1}, nil))
	mint := func(now time.Time) (string, error) {
		pt, err := json.Marshal(expClaims{Session: &Value, Exp: now.Add(TTL).Unix()})
		if err != nil {
			return "", err
		}
		obj, err := enc.Encrypt(pt)
		if err != nil {
			return "", err
		}
		return obj.CompactSerialize()
	}
	return System{
		Name: "jose-dir-a256gcm",
		Kind: "peer",
		Mint: func() (string, error) { return mint(time.Now()) },
		Open: func(tok string, dst *Session) error {
			obj, err := jose.ParseEncryptedCompact(tok, joseKeyAlgs, joseEncs)
			if err != nil {
				return err
			}
			pt, err := obj.Decrypt(Key1)
			if err != nil {
				return err
			}
			c := expClaims{Session: dst}
			if err := json.Unmarshal(pt, &c); err != nil {
				return err
			}
			if c.Exp == 0 || time.Now().Unix() >= c.Exp {
				return errExpired
			}
			return nil
		},
		MintExpired: func() (string, error) { return mint(time.Now().Add(-2 * TTL)) },
	}
}

var errExpired = errors.New("bench: token expired")

// --- fernet/fernet-go -------------------------------------------------------

// fernetSystem makes Fernet tokens (AES-128-CBC + HMAC-SHA256) whose message
// is the workload value as JSON. The Fernet key is Key1[:16] (signing) ||
// Key2[:16] (encryption), decoded once. Open verifies with a 1 h TTL against
// the token's timestamp; fernet-go reports every failure as a nil message.
func fernetSystem() System {
	var k fernet.Key
	copy(k[:16], Key1)
	copy(k[16:], Key2)
	keys := []*fernet.Key{&k}
	mint := func(now time.Time) (string, error) {
		msg, err := json.Marshal(&Value)
		if err != nil {
			return "", err
		}
		tok, err := fernet.EncryptAndSignAtTime(msg, &k, now)
		return string(tok), err
	}
	return System{
		Name: "fernet",
		Kind: "peer",
		Mint: func() (string, error) { return mint(time.Now()) },
		Open: func(tok string, dst *Session) error {
			msg := fernet.VerifyAndDecrypt([]byte(tok), TTL, keys)
			if msg == nil {
				return errors.New("bench: fernet: invalid or expired token")
			}
			return json.Unmarshal(msg, dst)
		},
		MintExpired: func() (string, error) { return mint(time.Now().Add(-2 * TTL)) },
	}
}

// --- aidanwoods.dev/go-paseto -----------------------------------------------

// pasetoSystem makes v4.local PASETOs under Key1, with the purpose as the
// implicit assertion. Mint sets each field of the value as a claim with the
// library's setters, plus exp; Open parses with NewParser (its NotExpired
// rule preloaded, built once) and reads the claims back with Get, the
// library's documented accessors. (Going through ClaimsJSON and one
// json.Unmarshal instead costs more: about 101k against 72k instructions
// per Mint, 132k against 106k per Open, under callgrind.)
func pasetoSystem() System {
	key := must(paseto.V4SymmetricKeyFromBytes(Key1))
	implicit := []byte(Purpose)
	p := paseto.NewParser()
	mint := func(now time.Time) (string, error) {
		t := paseto.NewToken()
		t.SetExpiration(now.Add(TTL))
		t.SetString("uid", Value.UserID)
		t.SetString("name", Value.Name)
		if err := t.Set("roles", Value.Roles); err != nil {
			return "", err
		}
		t.SetString("csrf", Value.CSRF)
		if err := t.Set("created", Value.Created); err != nil {
			return "", err
		}
		return t.V4Encrypt(key, implicit), nil
	}
	return System{
		Name: "paseto-v4-local",
		Kind: "peer",
		Mint: func() (string, error) { return mint(time.Now()) },
		Open: func(tok string, dst *Session) error {
			t, err := p.ParseV4Local(key, tok, implicit)
			if err != nil {
				return err
			}
			for _, f := range []struct {
				claim string
				v     any
			}{{"uid", &dst.UserID}, {"name", &dst.Name}, {"roles", &dst.Roles}, {"csrf", &dst.CSRF}, {"created", &dst.Created}} {
				if err := t.Get(f.claim, f.v); err != nil {
					return fmt.Errorf("bench: paseto: claim %s: %w", f.claim, err)
				}
			}
			return nil
		},
		MintExpired: func() (string, error) { return mint(time.Now().Add(-2 * TTL)) },
	}
}
