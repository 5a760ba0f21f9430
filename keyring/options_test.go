package keyring_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/keyring"
)

func TestNewOptions(t *testing.T) {
	o, err := keyring.NewOptions(map[string]string{"salt": "cookie-session", "max-age": "3600"})
	if err != nil {
		t.Fatal(err)
	}
	if got := o.String(); got != "max-age=3600 salt=cookie-session" {
		t.Errorf("String = %q", got)
	}
	if v, ok := o.Get("salt"); !ok || v != "cookie-session" {
		t.Errorf("Get(salt) = %q, %v", v, ok)
	}
	if _, ok := o.Get("iss"); ok {
		t.Error("Get(iss) found an option")
	}
	if o.Len() != 2 || (keyring.Options{}).Len() != 0 {
		t.Errorf("Len = %d", o.Len())
	}
	o2, _ := keyring.NewOptions(map[string]string{"max-age": "3600", "salt": "cookie-session"})
	if o != o2 {
		t.Error("equal options do not compare equal")
	}
	bad := map[string]map[string]string{
		"empty name":      {"": "x"},
		"upper case name": {"Salt": "x"},
		"name with space": {"max age": "x"},
		"name from digit": {"1x": "x"},
		"long name":       {strings.Repeat("a", keyring.MaxOptionNameLength+1): "x"},
		"control char":    {"salt": "a\x00b"},
		"line feed":       {"salt": "a\nb"},
		"C1 control":      {"salt": "a\u0085b"},
		"invalid UTF-8":   {"salt": "a\xffb"},
		"long value":      {"salt": strings.Repeat("v", keyring.MaxOptionValueLength+1)},
	}
	many := map[string]string{}
	for i := range keyring.MaxOptions + 1 {
		many["o"+strings.Repeat("x", i)] = "v"
	}
	bad["too many"] = many
	for name, m := range bad {
		if _, err := keyring.NewOptions(m); !errors.Is(err, keyring.ErrOption) {
			t.Errorf("%s: err = %v; want ErrOption", name, err)
		}
	}
}

// TestOptionsRoundTrip: a foreign key's options survive the keyring file
// and the key export document; an option its algorithm does not have is
// refused on import.
func TestOptionsRoundTrip(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := keyring.NewOptions(map[string]string{"salt": "auth", "max-age": "60"})
	secret := []byte("a text secret of any length")
	r, k, err := r.Import(keyring.Material{Algorithm: keyring.ItsDangerous, Secret: secret, Options: o}, t0)
	if err != nil {
		t.Fatal(err)
	}
	data, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"options": {`) {
		t.Errorf("the file has no options:\n%s", data)
	}
	r2, err := keyring.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := r2.Lookup(k.ID)
	if k2.Options != o || string(k2.Material().Secret) != string(secret) {
		t.Errorf("after Parse: options %v", k2.Options)
	}
	doc, err := r.Export(k.ID)
	if err != nil {
		t.Fatal(err)
	}
	k3, err := keyring.ParseExport(doc)
	if err != nil {
		t.Fatal(err)
	}
	if k3.Options != o {
		t.Errorf("after export: options %v", k3.Options)
	}
	wrong, _ := keyring.NewOptions(map[string]string{"iss": "x"})
	if _, _, err := r.Import(keyring.Material{Algorithm: keyring.ItsDangerous, Secret: secret, Options: wrong}, t0); !errors.Is(err, keyring.ErrOption) {
		t.Errorf("Import with an option itsdangerous keys do not have: %v", err)
	}
	if _, _, err := r.Import(keyring.Material{Algorithm: keyring.XChaCha20Poly1305, Secret: make([]byte, 32), Options: o}, t0); !errors.Is(err, keyring.ErrOption) {
		t.Errorf("Import of a native key with options: %v", err)
	}
	if _, _, err := r.Rotate(keyring.Fernet, t0); err == nil {
		t.Error("Rotate to a fernet key: no error; foreign keys are never primary")
	}
}
