package keyring_test

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
)

// now is the clock of every test: tests never read time.Now.
var now = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

func generate(t testing.TB, alg keyring.Algorithm) *keyring.Ring {
	t.Helper()
	r, err := keyring.Generate(alg, now)
	if err != nil {
		t.Fatalf("Generate(%q) error: %v", alg, err)
	}
	return r
}

func rotate(t testing.TB, r *keyring.Ring, alg keyring.Algorithm, at time.Time) (*keyring.Ring, keyring.Key) {
	t.Helper()
	r2, k, err := r.Rotate(alg, at)
	if err != nil {
		t.Fatalf("Rotate(%q) error: %v", alg, err)
	}
	return r2, k
}

func add(t testing.TB, r *keyring.Ring, alg keyring.Algorithm, at time.Time) (*keyring.Ring, keyring.Key) {
	t.Helper()
	r2, k, err := r.Add(alg, at)
	if err != nil {
		t.Fatalf("Add(%q) error: %v", alg, err)
	}
	return r2, k
}

func marshal(t testing.TB, r *keyring.Ring) []byte {
	t.Helper()
	b, err := r.Marshal()
	if err != nil {
		t.Fatalf("Marshal() error: %v", err)
	}
	return b
}

// fileJSON mirrors the keyring file format, for tests that read what Marshal
// wrote, such as the raw secrets.
type fileJSON struct {
	Format  string        `json:"format"`
	Version int           `json:"version"`
	Keys    []fileKeyJSON `json:"keys"`
}

type fileKeyJSON struct {
	ID         string     `json:"id"`
	Algorithm  string     `json:"algorithm"`
	State      string     `json:"state"`
	Created    time.Time  `json:"created"`
	Retired    *time.Time `json:"retired,omitempty"`
	Destroyed  *time.Time `json:"destroyed,omitempty"`
	Secret     string     `json:"secret,omitempty"`
	SignSecret string     `json:"signSecret,omitempty"`
	KtorLayout string     `json:"ktorLayout,omitempty"`
}

// decodeFile decodes Marshal output into fileJSON.
func decodeFile(t testing.TB, data []byte) fileJSON {
	t.Helper()
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("json.Unmarshal(Marshal output) error: %v", err)
	}
	return f
}

// secrets returns the raw secret of every key of r that has one, taken from
// the Marshal output: the only way secrets leave the package as bytes.
func secrets(t testing.TB, r *keyring.Ring) map[keyring.ID][]byte {
	t.Helper()
	m := make(map[keyring.ID][]byte)
	for _, fk := range decodeFile(t, marshal(t, r)).Keys {
		id, err := keyring.ParseID(fk.ID)
		if err != nil {
			t.Fatalf("ParseID(%q) from Marshal output: %v", fk.ID, err)
		}
		if fk.Secret == "" {
			continue
		}
		s, err := base64.RawURLEncoding.DecodeString(fk.Secret)
		if err != nil {
			t.Fatalf("secret of key %v in Marshal output is not base64url: %v", id, err)
		}
		m[id] = s
	}
	return m
}

func ids(r *keyring.Ring) []keyring.ID {
	var s []keyring.ID
	for k := range r.Keys() {
		s = append(s, k.ID)
	}
	return s
}

func states(r *keyring.Ring) []keyring.State {
	var s []keyring.State
	for k := range r.Keys() {
		s = append(s, k.State)
	}
	return s
}

// sameKey reports whether a and b have equal exported fields.
func sameKey(a, b keyring.Key) bool {
	return a.ID == b.ID && a.Algorithm == b.Algorithm && a.State == b.State &&
		a.Created.Equal(b.Created) && a.Retired.Equal(b.Retired) &&
		a.Destroyed.Equal(b.Destroyed) && a.KtorLayout == b.KtorLayout
}

// checkSameRing fails t unless a and b hold keys with equal exported
// fields in the same order, the same primary, and marshal to the same
// bytes (which covers the secrets).
func checkSameRing(t testing.TB, a, b *keyring.Ring) {
	t.Helper()
	ka, kb := slices.Collect(a.Keys()), slices.Collect(b.Keys())
	if len(ka) != len(kb) || a.Len() != len(ka) || b.Len() != len(kb) {
		t.Fatalf("rings hold %d and %d keys; want equal rings", len(ka), len(kb))
	}
	for i := range ka {
		if !sameKey(ka[i], kb[i]) {
			t.Errorf("key #%d = %#v; want %#v (created %v/%v, retired %v/%v, destroyed %v/%v)",
				i, kb[i], ka[i], kb[i].Created, ka[i].Created, kb[i].Retired, ka[i].Retired, kb[i].Destroyed, ka[i].Destroyed)
		}
	}
	if !sameKey(a.Primary(), b.Primary()) {
		t.Errorf("Primary() = %v; want %v", b.Primary(), a.Primary())
	}
	if ma, mb := marshal(t, a), marshal(t, b); string(ma) != string(mb) {
		t.Errorf("Marshal() =\n%s\nwant\n%s", mb, ma)
	}
}

// mixedRing returns a ring holding, in order: a key of every generated
// algorithm (the last one primary, the others retired at now), an active
// key, a retired key, a destroyed retired key and a destroyed active key. It
// also returns every secret that any of these keys held, including those
// of the keys it destroyed.
func mixedRing(t testing.TB) (*keyring.Ring, [][]byte) {
	t.Helper()
	algs := keyring.GeneratedAlgorithms()
	r := generate(t, algs[0])
	for _, a := range algs[1:] {
		r, _ = rotate(t, r, a, now)
	}
	r, _ = add(t, r, keyring.Default, now)
	r, ret := add(t, r, keyring.AES256GCM, now)
	var err error
	if r, err = r.Retire(ret.ID, now); err != nil {
		t.Fatalf("Retire error: %v", err)
	}
	r, d1 := add(t, r, keyring.HMACSHA256, now)
	if r, err = r.Retire(d1.ID, now); err != nil {
		t.Fatalf("Retire error: %v", err)
	}
	r, d2 := add(t, r, keyring.ChaCha20Poly1305, now)
	var all [][]byte
	for _, s := range secrets(t, r) {
		all = append(all, s)
	}
	if r, err = r.Destroy(d1.ID, now); err != nil {
		t.Fatalf("Destroy error: %v", err)
	}
	if r, err = r.Destroy(d2.ID, now); err != nil {
		t.Fatalf("Destroy error: %v", err)
	}
	return r, all
}
