// Package keyring holds the keys that seal and open tokens, with their
// lifecycle: exactly one primary key mints, older keys keep verifying until
// no token sealed under them can still be live, and then they are pruned.
//
// A [Ring] is immutable and safe for concurrent use: every change returns a
// new Ring. [Load], [Create] and [Update] read and write the versioned JSON
// file format specified in SPEC.md, atomically, with mode 0600 and under a
// file lock, so several processes can rotate one keyring file safely.
//
// # Keys in production
//
// A running service follows its keyring file with [Watch]: the [Watcher]
// polls the file (why polling, not inotify, is in its doc), loads each new
// version, and swaps the ring in atomically; a new version that is
// missing, corrupt or open to other users keeps the old ring in use and is
// reported to WatchOptions.OnError. The Watcher is a [Source], as a *Ring
// is, so package token and package session take either and use the
// current ring on every call.
//
// A read-only mount that other users can read, such as a Kubernetes Secret
// volume (NAME -> ..data/NAME, ..data -> ..TIMESTAMP/, mode 0644, or 0440
// owned by root), is read only with LoadOptions.AllowReadable (or
// WatchOptions.AllowReadable); the default refuses it and its error names
// the opt-in. [Update] through a symbolic link writes the file the link
// leads to, under the lock beside that file, and never replaces the link.
//
// # Algorithms
//
// The algorithm belongs to the key and is never read from a token. Native
// keys hold 32 random bytes; package token derives a per-algorithm subkey
// from them with HKDF-SHA256 (SPEC.md §1.3), so one secret can never be used
// by two algorithms. [XChaCha20Poly1305] is the default; see [Algorithm] for
// the others, and [Family] for the formats they serve.
//
// This package implements no protocol: it stores keys and enforces their
// lifecycle. The packages of the formats (token, ktor) build their
// transformers from a key's [Key.Material]; see ARCHITECTURE.md.
//
// # Lifecycle
//
// A key is in one of four states:
//
//   - [Primary]: mints new tokens and verifies. Exactly one key is primary.
//   - [Active]: verifies, and can be promoted. [Ring.Add] creates one, so a
//     new key can reach every server before any server mints with it.
//   - [Retired]: verifies the tokens minted before it was retired; never
//     mints again. [Ring.Rotate] retires the old primary.
//   - [Destroyed]: its secret is erased; tokens sealed under it are rejected.
//
// [Ring.Prune] removes retired keys once no token sealed under them can still
// be live (retired longer ago than the maximum TTL plus leeway), and destroyed
// keys.
//
// # Secrets
//
// Secrets leave this package only through [Key.Material], for the packages
// that implement a format, and in the file encoding ([Ring.Marshal]).
// [Key.String], %v, %+v, %#v and every error message show key IDs, never key
// material. A [Material] prints (under every fmt verb) and marshals to JSON
// without its secrets too.
package keyring

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors. Errors returned by this package wrap at most one of them.
var (
	// ErrNotFound means that no key has the requested ID.
	ErrNotFound = errors.New("keyring: no such key")
	// ErrState means that the requested change is not allowed in the key's
	// current state, such as retiring the primary key.
	ErrState = errors.New("keyring: operation not allowed in the key's state")
	// ErrCorrupt means that a keyring file cannot be parsed or breaks an
	// invariant of the format.
	ErrCorrupt = errors.New("keyring: corrupt keyring file")
	// ErrExists means that Create found a file at the path.
	ErrExists = errors.New("keyring: keyring file already exists")
	// ErrInsecure means that a keyring file's mode lets users other than
	// its owner (its group, or every user) read or change it.
	ErrInsecure = errors.New("keyring: keyring file is open to other users")
	// ErrNotRegular means that the keyring file or its lock file is not a
	// regular file: a directory, a named pipe, a symbolic link (never
	// followed at the lock file's path) or a device.
	ErrNotRegular = errors.New("keyring: not a regular file")
	// ErrOwner means that Update could not give the new keyring file the
	// owner and group of the file it replaces, and left the file alone.
	ErrOwner = errors.New("keyring: cannot keep the keyring file's owner")
	// ErrAlgorithm means that the requested change is not allowed for the
	// key's algorithm, such as promoting a Ktor key, which can never mint
	// sesstool tokens.
	ErrAlgorithm = errors.New("keyring: operation not allowed for the key's algorithm")
	// ErrWeakKey means that Import refused key material too short to resist
	// an offline search; see [Material.AllowShortKey].
	ErrWeakKey = errors.New("keyring: key too short")
	// ErrCorruptExport means that a key export document (Ring.Export,
	// ParseExport) cannot be parsed or breaks an invariant of its format.
	ErrCorruptExport = errors.New("keyring: corrupt key export document")
	// ErrIDTaken means that Ring.ImportKey was given a key whose ID the
	// ring already holds.
	ErrIDTaken = errors.New("keyring: the keyring already has a key with this ID")
)

// ID identifies a key. It travels in clear in every token, so that Open
// selects exactly one key without trying others. IDs are random and never
// zero.
type ID uint32

// String returns the ID as 8 lowercase hexadecimal digits, e.g. "9f2c01ab".
func (id ID) String() string { return fmt.Sprintf("%08x", uint32(id)) }

// ParseID parses the 8-hex-digit form of an ID.
func ParseID(s string) (ID, error) {
	switch {
	case len(s) > 8:
		// Do not quote s: it may be any text, even a key typed where an ID
		// was expected, and errors end up in logs and on terminals.
		return 0, fmt.Errorf("keyring: a key ID must be 8 hexadecimal digits, not %d characters (not shown)", utf8.RuneCountInString(s))
	case len(s) < 8:
		return 0, fmt.Errorf("keyring: key ID %q must be 8 hexadecimal digits", s)
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("keyring: key ID %q must be 8 hexadecimal digits, not all zero", s)
	}
	return ID(v), nil
}

// State is the lifecycle state of a key.
type State uint8

// The key states. See the package documentation.
const (
	Primary State = iota + 1
	Active
	Retired
	Destroyed
)

var stateNames = map[State]string{Primary: "primary", Active: "active", Retired: "retired", Destroyed: "destroyed"}

// String returns the state's lowercase name.
func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Verifies reports whether keys in state s open tokens.
func (s State) Verifies() bool { return s == Primary || s == Active || s == Retired }

// Key is one key of a ring. Its secret is unexported and never printed.
type Key struct {
	ID        ID
	Algorithm Algorithm
	State     State
	Created   time.Time
	Retired   time.Time // when it stopped minting; zero unless Retired or Destroyed after retirement
	Destroyed time.Time // when its secret was erased; zero unless Destroyed
	// KtorLayout is the Ktor Encrypt layout policy of a KtorEncrypt key;
	// empty for every other algorithm.
	KtorLayout KtorLayout
	// Options are a foreign key's settings (see Options); empty for native
	// and Ktor keys.
	Options Options

	// The secrets sit two pointers deep. Where fmt reaches a Key through an
	// unexported field, Format cannot run, and fmt prints the first pointer's
	// target (even under a bad verb such as %s) but only the address of the
	// second.
	mat *material
}

// material holds a key's secrets, behind one more pointer; see Key.mat.
type material struct{ b *materialBytes }

type materialBytes struct {
	secret     []byte
	signSecret []byte // KtorEncrypt only
}

func newMaterial(secret, signSecret []byte) *material {
	return &material{&materialBytes{secret: secret, signSecret: signSecret}}
}

func (k Key) secret() []byte {
	if k.mat == nil {
		return nil
	}
	return k.mat.b.secret
}

func (k Key) signSecret() []byte {
	if k.mat == nil {
		return nil
	}
	return k.mat.b.signSecret
}

// String describes the key without its secret, e.g.
// "9f2c01ab xchacha20poly1305 primary".
func (k Key) String() string { return fmt.Sprintf("%v %v %v", k.ID, k.Algorithm, k.State) }

// GoString is like String, so that %#v never prints the secret either.
func (k Key) GoString() string { return "keyring.Key{" + k.String() + "}" }

// Format implements fmt.Formatter so that every verb prints String.
func (k Key) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, k.GoString())
		return
	}
	fmt.Fprint(f, k.String())
}

// Material returns a copy of k's key material: its algorithm, its secrets
// and its Ktor layout. A destroyed key's material has no secrets.
//
// It exists for the packages that implement a format, which build their
// transformers from it: package token derives the cipher keys of native
// keys, package ktor builds Ktor's transformers. Never print, log or store
// the secrets it returns (Material's fmt and JSON forms redact them; the
// byte slices do not): [Ring.Marshal] is the storage format. The copy is
// the caller's, and changing it changes nothing in k.
func (k Key) Material() Material {
	return Material{
		Algorithm:  k.Algorithm,
		Secret:     slices.Clone(k.secret()),
		SignSecret: slices.Clone(k.signSecret()),
		KtorLayout: k.KtorLayout,
		Options:    k.Options,
	}
}

// Ring is an immutable set of keys with exactly one primary key.
type Ring struct {
	keys    []Key // in creation order
	primary int   // index into keys
}

// Generate returns a ring holding one fresh primary key of algorithm alg,
// created at now.
func Generate(alg Algorithm, now time.Time) (*Ring, error) {
	k, err := newKey(nil, alg, Primary, now)
	if err != nil {
		return nil, err
	}
	return &Ring{keys: []Key{k}}, nil
}

// newKey returns a fresh native key whose ID differs from every key of r.
func newKey(r *Ring, alg Algorithm, s State, now time.Time) (Key, error) {
	spec, ok := algorithms[alg]
	if !ok || spec.secretSize == 0 {
		return Key{}, fmt.Errorf("keyring: cannot generate a key for algorithm %q (generated keys: %v)", alg, GeneratedAlgorithms())
	}
	k := Key{Algorithm: alg, State: s, Created: now.UTC().Truncate(time.Second)}
	k.ID = r.freshID()
	secret := make([]byte, spec.secretSize)
	rand.Read(secret)
	k.mat = newMaterial(secret, nil)
	return k, nil
}

func (r *Ring) freshID() ID {
	var b [4]byte
	for {
		rand.Read(b[:])
		id := ID(binary.BigEndian.Uint32(b[:]))
		if _, taken := r.Lookup(id); id != 0 && !taken {
			return id
		}
	}
}

// Primary returns the key that mints new tokens.
func (r *Ring) Primary() Key { return r.keys[r.primary] }

// Lookup returns the key with the given ID, in any state.
func (r *Ring) Lookup(id ID) (Key, bool) {
	if r == nil {
		return Key{}, false
	}
	for _, k := range r.keys {
		if k.ID == id {
			return k, true
		}
	}
	return Key{}, false
}

// Keys returns the keys in creation order, oldest first.
func (r *Ring) Keys() iter.Seq[Key] { return slices.Values(r.keys) }

// Len returns the number of keys, in every state.
func (r *Ring) Len() int { return len(r.keys) }

// String describes the ring without secrets.
func (r *Ring) String() string {
	if len(r.keys) == 0 {
		return "keyring(empty)" // the zero Ring, which no function returns
	}
	return fmt.Sprintf("keyring(%d keys, primary %v)", len(r.keys), r.Primary().ID)
}

// GoString is like String.
func (r *Ring) GoString() string { return r.String() }

// Format implements fmt.Formatter so that every verb prints String, for a
// Ring value as for a *Ring. Without it fmt prints a Ring value (and a *Ring
// under verbs such as %d) field by field, and fmt cannot call Key.Format on
// the unexported keys field, so the secrets would be printed.
func (r Ring) Format(f fmt.State, verb rune) { fmt.Fprint(f, r.String()) }

// clone returns a copy of r whose key slice can be changed.
func (r *Ring) clone() *Ring {
	return &Ring{keys: slices.Clone(r.keys), primary: r.primary}
}

func (r *Ring) index(id ID) (int, error) {
	for i, k := range r.keys {
		if k.ID == id {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%w: %v (keys in this ring: %v)", ErrNotFound, id, r.ids())
}

func (r *Ring) ids() string {
	s := ""
	for i, k := range r.keys {
		if i > 0 {
			s += ", "
		}
		s += k.ID.String()
	}
	return s
}

// Rotate returns a ring in which a fresh key of algorithm alg is primary and
// the old primary is retired at now: it mints no more, but keeps verifying
// the tokens it sealed. It also returns the new key.
//
// When several servers share a keyring, prefer [Ring.Add] then, once every
// server has the new key, [Ring.Promote].
func (r *Ring) Rotate(alg Algorithm, now time.Time) (*Ring, Key, error) {
	r2, k, err := r.Add(alg, now)
	if err != nil {
		return nil, Key{}, err
	}
	r3, err := r2.Promote(k.ID, now)
	if err != nil {
		return nil, Key{}, err
	}
	k, _ = r3.Lookup(k.ID)
	return r3, k, nil
}

// Add returns a ring with a fresh active key of algorithm alg, which
// verifies but does not mint until promoted, and the new key.
func (r *Ring) Add(alg Algorithm, now time.Time) (*Ring, Key, error) {
	k, err := newKey(r, alg, Active, now)
	if err != nil {
		return nil, Key{}, err
	}
	r2 := r.clone()
	r2.keys = append(r2.keys, k)
	return r2, k, nil
}

// Promote returns a ring in which the active key id is primary and the old
// primary is retired at now.
func (r *Ring) Promote(id ID, now time.Time) (*Ring, error) {
	i, err := r.index(id)
	if err != nil {
		return nil, err
	}
	// The algorithm first: a Ktor key can never be primary, whatever its
	// state, and blaming the state would suggest that a change of state helps.
	if a := r.keys[i].Algorithm; a.Family() != FamilyNative {
		return nil, fmt.Errorf("%w: key %v is a %v key, which opens and mints only Ktor cookies; only keys of sesstool's own format can be primary", ErrAlgorithm, id, a)
	}
	if s := r.keys[i].State; s != Active {
		return nil, fmt.Errorf("%w: key %v is %v; only an active key can become primary", ErrState, id, s)
	}
	r2 := r.clone()
	old := &r2.keys[r2.primary]
	old.State, old.Retired = Retired, now.UTC().Truncate(time.Second)
	r2.keys[i].State = Primary
	r2.primary = i
	return r2, nil
}

// Retire returns a ring in which the active key id is retired at now. The
// primary key cannot be retired: rotate first.
func (r *Ring) Retire(id ID, now time.Time) (*Ring, error) {
	i, err := r.index(id)
	if err != nil {
		return nil, err
	}
	switch s := r.keys[i].State; s {
	case Primary:
		return nil, fmt.Errorf("%w: key %v is the primary key; rotate to a new primary first", ErrState, id)
	case Active:
	default:
		return nil, fmt.Errorf("%w: key %v is already %v", ErrState, id, s)
	}
	r2 := r.clone()
	r2.keys[i].State, r2.keys[i].Retired = Retired, now.UTC().Truncate(time.Second)
	return r2, nil
}

// Destroy returns a ring in which key id's secret is erased, so that every
// token sealed under it is rejected from then on. The ID stays in the ring,
// so errors can say the key was destroyed, until [Ring.Prune] removes it.
// The primary key cannot be destroyed: rotate first.
func (r *Ring) Destroy(id ID, now time.Time) (*Ring, error) {
	i, err := r.index(id)
	if err != nil {
		return nil, err
	}
	switch s := r.keys[i].State; s {
	case Primary:
		return nil, fmt.Errorf("%w: key %v is the primary key; rotate to a new primary first", ErrState, id)
	case Destroyed:
		return nil, fmt.Errorf("%w: key %v is already destroyed", ErrState, id)
	}
	r2 := r.clone()
	k := &r2.keys[i]
	k.State, k.Destroyed = Destroyed, now.UTC().Truncate(time.Second)
	k.mat = nil
	return r2, nil
}

// Prune returns a ring without the keys that can no longer verify a live
// token at now, and the IDs it removed: destroyed keys, and keys retired at
// or before now − maxAge. maxAge must be the longest TTL any minter uses plus
// its leeway (token.Options.MaxTTL + Leeway); a key retired more recently may
// still have live tokens and is kept. Primary and active keys are never
// pruned.
func (r *Ring) Prune(now time.Time, maxAge time.Duration) (*Ring, []ID) {
	r2 := &Ring{}
	var removed []ID
	for _, k := range r.keys {
		if k.State == Destroyed || (k.State == Retired && !k.Retired.Add(maxAge).After(now)) {
			removed = append(removed, k.ID)
			continue
		}
		if k.State == Primary {
			r2.primary = len(r2.keys)
		}
		r2.keys = append(r2.keys, k)
	}
	return r2, removed
}

// PruneDeadline returns when k becomes prunable under maxAge, and false for
// keys that Prune never removes (primary and active).
func PruneDeadline(k Key, maxAge time.Duration) (time.Time, bool) {
	switch k.State {
	case Retired:
		return k.Retired.Add(maxAge), true
	case Destroyed:
		return k.Destroyed, true
	}
	return time.Time{}, false
}

// Material is a key's material: foreign material to import (such as a Ktor
// service's keys) with [Ring.Import], or a key's own, from [Key.Material].
type Material struct {
	Algorithm Algorithm
	// Secret is the key: for Ktor algorithms the raw JCE key bytes, for
	// KtorEncrypt the AES key (16, 24 or 32 bytes); for native algorithms
	// 32 bytes.
	Secret []byte
	// SignSecret is KtorEncrypt's HMAC key; empty for every other algorithm.
	SignSecret []byte
	// KtorLayout is KtorEncrypt's layout policy; empty means KtorLayout3.
	KtorLayout KtorLayout
	// Options are a foreign key's settings; the algorithm says which names
	// it may have (Algorithm.OptionNames).
	Options Options
	// AllowShortKey makes Import accept an HMAC key shorter than
	// MinHMACKeySize(Algorithm) bytes: a Ktor HMAC key (the Secret of a
	// ktor-hmac-* key, the SignSecret of a KtorEncrypt key) shorter than
	// MinKtorHMACKeySize, or a JWT secret (jwt-hs*) shorter than its hash's
	// output. Such a key can be recovered offline from a single observed
	// cookie or token (a 1-byte key in 256 tries, a guessable text secret in
	// a dictionary), and then any session can be forged: set it only for
	// test keys (Ktor's own tests use an 11-byte key) or while replacing the
	// key in the other service.
	AllowShortKey bool
}

// MinKtorHMACKeySize is the shortest Ktor HMAC key, in bytes, that Import
// accepts without [Material.AllowShortKey]: 128 bits, beyond an offline
// search. Ktor (like JCE) accepts keys of any length.
const MinKtorHMACKeySize = 16

// MinHMACKeySize returns the shortest HMAC key, in bytes, that Import
// accepts for algorithm a without [Material.AllowShortKey], or 0 when a has
// no such rule: [MinKtorHMACKeySize] for the Ktor HMAC keys (the sign key of
// KtorEncrypt), and the hash's output for JWTHS256, JWTHS384 and JWTHS512
// (32, 48 and 64 bytes), as RFC 7518 §3.2 requires of an HS256, HS384 or
// HS512 key.
func MinHMACKeySize(a Algorithm) int {
	switch a {
	case KtorHMACSHA256, KtorHMACSHA384, KtorHMACSHA512, KtorEncrypt:
		return MinKtorHMACKeySize
	case JWTHS256:
		return 32
	case JWTHS384:
		return 48
	case JWTHS512:
		return 64
	}
	return 0
}

// String describes the material without its secrets, e.g.
// "keyring.Material{ktor-hmac-sha256, secrets redacted}".
func (m Material) String() string {
	s := "keyring.Material{" + string(m.Algorithm)
	if m.KtorLayout != "" {
		s += ", layout " + string(m.KtorLayout)
	}
	if m.Options.Len() > 0 {
		s += ", options " + m.Options.String()
	}
	return s + ", secrets redacted}"
}

// GoString is like String, so that %#v never prints the secrets either.
func (m Material) GoString() string { return m.String() }

// Format implements fmt.Formatter so that every verb (%v, %+v, %s, %x, %d,
// …) prints String, for a Material value as for a *Material.
func (m Material) Format(f fmt.State, verb rune) { fmt.Fprint(f, m.String()) }

// MarshalJSON encodes the algorithm and the layout, never the secrets:
// Material is not a storage format (see [Ring.Marshal] for that).
func (m Material) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Algorithm  Algorithm         `json:"algorithm"`
		KtorLayout KtorLayout        `json:"ktorLayout,omitempty"`
		Options    map[string]string `json:"options,omitempty"`
		Secrets    string            `json:"secrets"`
	}{m.Algorithm, m.KtorLayout, m.Options.Map(), "redacted"})
}

// Import returns a ring with m added as an active key created at now, and
// the new key. The secrets are copied. Imported keys verify; a native one can
// later be promoted to primary. An HMAC key shorter than
// [MinHMACKeySize] bytes (a Ktor HMAC key, a JWT secret) is refused with an
// error wrapping [ErrWeakKey] unless m.AllowShortKey is set. Errors never name the new key's ID, which
// exists only once Import succeeds.
func (r *Ring) Import(m Material, now time.Time) (*Ring, Key, error) {
	k := Key{
		ID:         r.freshID(),
		Algorithm:  m.Algorithm,
		State:      Active,
		Created:    now.UTC().Truncate(time.Second),
		KtorLayout: m.KtorLayout,
		Options:    m.Options,
		mat:        newMaterial(slices.Clone(m.Secret), slices.Clone(m.SignSecret)),
	}
	if k.Algorithm == KtorEncrypt && k.KtorLayout == "" {
		k.KtorLayout = KtorLayout3
	}
	if err := k.check("the imported key"); err != nil {
		return nil, Key{}, err
	}
	if err := m.checkKtorHMACKey(); err != nil {
		return nil, Key{}, err
	}
	r2 := r.clone()
	r2.keys = append(r2.keys, k)
	return r2, k, nil
}

// checkKtorHMACKey refuses an HMAC key shorter than MinHMACKeySize,
// unless m.AllowShortKey.
func (m Material) checkKtorHMACKey() error {
	key, what := m.Secret, "key"
	if m.Algorithm == KtorEncrypt {
		key, what = m.SignSecret, "sign key"
	}
	min := MinHMACKeySize(m.Algorithm)
	if len(key) >= min || m.AllowShortKey {
		return nil
	}
	if m.Algorithm.Family() == FamilyForeign {
		return fmt.Errorf("%w: the %v secret has %d bytes, fewer than %d: RFC 7518 §3.2 requires a key at least as long as the hash's output, and a short or guessable secret can be found offline from a single token, and then any token forged; use a random secret of %d bytes or more, or allow a short key explicitly (for test keys only)",
			ErrWeakKey, m.Algorithm, len(key), min, min)
	}
	return fmt.Errorf("%w: the %v %s has %d bytes, fewer than %d: one observed cookie is enough to recover it offline and forge any session; use a random key of 32 bytes or more, or allow a short key explicitly (for test keys only)",
		ErrWeakKey, m.Algorithm, what, len(key), MinKtorHMACKeySize)
}

// validate checks the key's fields against its algorithm.
func (k Key) validate() error { return k.check("key " + k.ID.String()) }

// check is validate, naming the key as who in its errors.
func (k Key) check(who string) error {
	spec, ok := algorithms[k.Algorithm]
	if !ok {
		return fmt.Errorf("keyring: %s: unknown algorithm %q (known: %s)", who, k.Algorithm, strings.Join(names(Algorithms()), ", "))
	}
	if k.ID == 0 {
		return fmt.Errorf("keyring: key ID 00000000 is reserved")
	}
	if _, ok := stateNames[k.State]; !ok {
		return fmt.Errorf("keyring: %s: unknown state", who)
	}
	if k.State == Destroyed {
		if len(k.secret()) != 0 || len(k.signSecret()) != 0 {
			return fmt.Errorf("keyring: %s is destroyed but still holds a secret", who)
		}
		return nil
	}
	if n := len(k.secret()); n < spec.minSecret || n > spec.maxSecret || spec.sizes != nil && !slices.Contains(spec.sizes, n) {
		return fmt.Errorf("keyring: %s: a %v secret must be %s bytes, not %d", who, k.Algorithm, spec.sizeText(), n)
	}
	if n := len(k.signSecret()); n > maxImportedSecret {
		return fmt.Errorf("keyring: %s: a %v sign secret must be at most %d bytes, not %d", who, k.Algorithm, maxImportedSecret, n)
	}
	if spec.signSecret != (len(k.signSecret()) > 0) && !spec.signOptional {
		if spec.signSecret {
			return fmt.Errorf("keyring: %s: a %v key needs a sign secret", who, k.Algorithm)
		}
		return fmt.Errorf("keyring: %s: a %v key has no sign secret", who, k.Algorithm)
	}
	if err := k.Options.check(who, k.Algorithm); err != nil {
		return err
	}
	switch {
	case k.Algorithm == KtorEncrypt && k.KtorLayout != KtorLayout2 && k.KtorLayout != KtorLayout3 && k.KtorLayout != KtorLayoutBoth:
		// The value is not quoted: it may come from a keyring file.
		return fmt.Errorf("keyring: %s: the Ktor layout must be 2, 3 or both", who)
	case k.Algorithm != KtorEncrypt && k.KtorLayout != "":
		return fmt.Errorf("keyring: %s: only ktor-encrypt keys have a Ktor layout", who)
	case k.State == Primary && k.Algorithm.Family() != FamilyNative:
		return fmt.Errorf("keyring: %s: a %v key cannot be primary", who, k.Algorithm)
	}
	return nil
}

// sizeText says which secret sizes the spec allows, e.g. "32", "1 to 1024"
// or "16, 24 or 32".
func (spec algorithmSpec) sizeText() string {
	switch {
	case spec.sizes != nil:
		s := make([]string, len(spec.sizes))
		for i, n := range spec.sizes {
			s[i] = strconv.Itoa(n)
		}
		return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
	case spec.minSecret == spec.maxSecret:
		return strconv.Itoa(spec.minSecret)
	}
	return fmt.Sprintf("%d to %d", spec.minSecret, spec.maxSecret)
}
