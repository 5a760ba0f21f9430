package keyring_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/keyring"
)

// secretForms returns the text forms in which secret s could leak: raw,
// hex, every base64 alphabet, and the forms fmt gives a []byte.
func secretForms(s []byte) map[string]string {
	goSyntax := fmt.Sprintf("%#v", s) // []byte{0xc1, 0xcf, ...}
	return map[string]string{
		"raw":              string(s),
		"hex":              hex.EncodeToString(s),
		"HEX":              strings.ToUpper(hex.EncodeToString(s)),
		"base64":           base64.StdEncoding.EncodeToString(s),
		"base64 unpadded":  base64.RawStdEncoding.EncodeToString(s),
		"base64url":        base64.URLEncoding.EncodeToString(s),
		"base64url raw":    base64.RawURLEncoding.EncodeToString(s),
		"fmt %v":           strings.Trim(fmt.Sprint(s), "[]"), // 193 207 ...
		"fmt %#v":          goSyntax[strings.IndexByte(goSyntax, '{')+1:],
		"fmt %q":           strings.Trim(strconv.Quote(string(s)), `"`),
		"fmt %q (escaped)": strings.Trim(strconv.QuoteToASCII(string(s)), `"`),
	}
}

// window is the length of the shortest piece of a secret form that counts
// as a leak: 12 raw bytes, or 16 characters of text. A random secret's
// pieces this long do not appear in honest output by chance.
func window(form string) int {
	if form == "raw" {
		return 12
	}
	return 16
}

// findSecret returns the first piece of a secret, in any form, that out
// contains.
func findSecret(out string, secrets [][]byte) (form, piece string, found bool) {
	for _, s := range secrets {
		for form, text := range secretForms(s) {
			w := min(window(form), len(text))
			for i := 0; i+w <= len(text); i++ {
				if strings.Contains(out, text[i:i+w]) {
					return form, text[i : i+w], true
				}
			}
		}
	}
	return "", "", false
}

// checkNoSecret fails t if out contains a piece of any secret in any form.
func checkNoSecret(t *testing.T, what, out string, secrets [][]byte) {
	t.Helper()
	if form, piece, found := findSecret(out, secrets); found {
		t.Errorf("%s shows a secret (%s form %q):\n%s", what, form, piece, out)
	}
}

// TestFindSecret checks that findSecret finds what it hunts for, and only
// that.
func TestFindSecret(t *testing.T) {
	s := bytes.Repeat([]byte{0xc1, 0x07, 0xfe, 0x42}, 8)
	for form, text := range secretForms(s) {
		out := "prefix " + text[1:len(text)-1] + " suffix" // a partial leak
		if _, _, found := findSecret(out, [][]byte{s}); !found {
			t.Errorf("findSecret(%s form) = false; want true", form)
		}
	}
	other := bytes.Repeat([]byte{0x11, 0x22, 0x33, 0x44}, 8)
	for form, text := range secretForms(other) {
		if f, piece, found := findSecret(text, [][]byte{s}); found {
			t.Errorf("findSecret(%s form of another secret) found %s form %q; want nothing", form, f, piece)
		}
	}
}

// formats are the verbs under which keys and rings must hide their secrets.
var formats = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"}

func TestFormatHidesSecrets(t *testing.T) {
	r, all := mixedRing(t)
	keys := []keyring.Key{}
	for k := range r.Keys() {
		keys = append(keys, k)
	}
	if len(all) < len(keyring.GeneratedAlgorithms())+4 {
		t.Fatalf("mixedRing gave %d secrets; want one per key", len(all))
	}
	args := map[string]any{
		"*Ring":         r,
		"Ring":          *r,
		"[]*Ring":       []*keyring.Ring{r},
		"struct{*Ring}": struct{ R *keyring.Ring }{r},
		"struct{Ring}":  struct{ R keyring.Ring }{*r},
		"[]Key":         keys,
		"struct{[]Key}": struct{ K []keyring.Key }{keys},
		// fmt reaches unexported fields by reflection, without Format.
		"struct{unexported Key}":  struct{ k keyring.Key }{keys[0]},
		"struct{unexported Ring}": struct{ r keyring.Ring }{*r},
		"map[ID]Key":              map[keyring.ID]keyring.Key{keys[0].ID: keys[0]},
		"Ring.String":             r.String(),
		"Ring.GoString":           r.GoString(),
		"Primary":                 r.Primary(),
		"Primary.String":          r.Primary().String(),
	}
	for i, k := range keys {
		args[fmt.Sprintf("Key #%d (%v)", i, k.State)] = k
		args[fmt.Sprintf("*Key #%d", i)] = &keys[i]
		args[fmt.Sprintf("Key #%d GoString", i)] = k.GoString()
		args[fmt.Sprintf("Key #%d Material", i)] = k.Material()
	}
	for name, arg := range args {
		for _, f := range formats {
			checkNoSecret(t, fmt.Sprintf("Sprintf(%q, %s)", f, name), fmt.Sprintf(f, arg), all)
		}
		checkNoSecret(t, fmt.Sprintf("Sprint(%s)", name), fmt.Sprint(arg), all)
		checkNoSecret(t, fmt.Sprintf("Sprintln(%s)", name), fmt.Sprintln(arg), all)
	}
}

func TestErrorsHideSecrets(t *testing.T) {
	r, all := mixedRing(t)
	material := bytes.Repeat([]byte("import-me!"), 7) // 70 bytes, cut to size below
	all = append(all, material[:31], material[:32], material[:33], material[:64])

	var errs []error
	collect := func(_ any, err error) {
		if err == nil {
			t.Fatalf("operation #%d succeeded; this test wants only failing ones", len(errs))
		}
		errs = append(errs, err)
	}
	collect3 := func(_, _ any, err error) { collect(nil, err) }
	missing := unusedID(r)
	for k := range r.Keys() {
		for _, id := range []keyring.ID{k.ID, missing} {
			if k.State != keyring.Active {
				collect(r.Promote(id, now))
			}
			if k.State != keyring.Active {
				collect(r.Retire(id, now))
			}
			if k.State == keyring.Primary || k.State == keyring.Destroyed {
				collect(r.Destroy(id, now))
			}
		}
	}
	for _, a := range []keyring.Algorithm{"", "rot13", keyring.KtorEncrypt} {
		collect(keyring.Generate(a, now))
		collect3(r.Rotate(a, now))
		collect3(r.Add(a, now))
		if a != keyring.KtorEncrypt { // a known algorithm, which keys can only be imported for
			collect(keyring.ParseAlgorithm(string(a)))
		}
	}
	for _, m := range []keyring.Material{
		{Algorithm: keyring.Default, Secret: material[:31]},
		{Algorithm: keyring.Default, Secret: material[:33]},
		{Algorithm: keyring.AES128GCM, Secret: material[:32], SignSecret: material[:32]},
		{Algorithm: keyring.HMACSHA512, Secret: material[:64]},
		{Algorithm: keyring.HMACSHA512, Secret: material[:32], KtorLayout: keyring.KtorLayoutBoth},
		{Algorithm: keyring.KtorHMACSHA256, Secret: material[:32], SignSecret: material[:32]},
		{Algorithm: keyring.KtorEncrypt, Secret: material[:32]},
		{Algorithm: "rot13", Secret: material[:32]},
	} {
		collect3(r.Import(m, now))
	}
	for _, err := range errs {
		checkNoSecret(t, fmt.Sprintf("error %q", err), err.Error(), all)
		checkNoSecret(t, "error %+v", fmt.Sprintf("%+v", err), all)
	}
}

// TestMaterialHidesSecrets pins issue 10 item 5: Material holds secrets in
// exported fields, and fmt (under every verb) and encoding/json must show
// neither of them, in any form.
func TestMaterialHidesSecrets(t *testing.T) {
	secret := bytes.Repeat([]byte{0xc1, 0x07, 0xfe, 0x42, 0x9d, 0x31, 0x6a, 0xe5}, 4)
	sign := bytes.Repeat([]byte{0x5b, 0x88, 0x13, 0xd7, 0x20, 0xaf, 0x64, 0x3e}, 3)
	all := [][]byte{secret, sign}
	materials := map[string]keyring.Material{
		"native":       {Algorithm: keyring.Default, Secret: secret},
		"ktor-hmac":    {Algorithm: keyring.KtorHMACSHA256, Secret: secret},
		"ktor-encrypt": {Algorithm: keyring.KtorEncrypt, Secret: secret[:16], SignSecret: sign, KtorLayout: keyring.KtorLayoutBoth},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%o", "%T %v"}
	for name, m := range materials {
		args := map[string]any{
			"Material":            m,
			"*Material":           &m,
			"[]Material":          []keyring.Material{m},
			"struct{Material}":    struct{ M keyring.Material }{m},
			"struct{*Material}":   struct{ M *keyring.Material }{&m},
			"map[string]Material": map[string]keyring.Material{"m": m},
		}
		for argName, arg := range args {
			for _, v := range verbs {
				checkNoSecret(t, fmt.Sprintf("%s: Sprintf(%q, %s)", name, v, argName), fmt.Sprintf(v, arg), all)
			}
			checkNoSecret(t, fmt.Sprintf("%s: Sprint(%s)", name, argName), fmt.Sprint(arg), all)
			out, err := json.Marshal(arg)
			if err != nil {
				t.Fatalf("%s: json.Marshal(%s) error: %v", name, argName, err)
			}
			checkNoSecret(t, fmt.Sprintf("%s: json.Marshal(%s)", name, argName), string(out), all)
		}
		if got := fmt.Sprint(m); !strings.Contains(got, string(m.Algorithm)) || !strings.Contains(got, "redacted") {
			t.Errorf("%s: String() = %q; want the algorithm and the word redacted", name, got)
		}
	}
}
