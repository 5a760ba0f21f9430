package format_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// expressSign signs value as cookie-signature does.
func expressSign(secret, value string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(value))
	return "s:" + value + "." + base64.RawStdEncoding.EncodeToString(h.Sum(nil))
}

// TestExpressOpen opens each kind of value, and checks the stage and kind
// of each rejection.
func TestExpressOpen(t *testing.T) {
	im := format.Express().(format.Importer)
	r := foreignRing(t, im, [3]string{"express", "old", ""}, [3]string{"express", "new", ""})
	op, err := format.Express().NewOpener(r, format.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sid := "Xk2mB9q_Tz7wLr4vN8pQy3sD6fGh1jKa"
	good := expressSign("new", "ada")
	for _, tc := range []struct {
		name, tok, json, codec string
		stage                  format.Stage
	}{
		{"string", good, `"ada"`, "cookie-signature", 0},
		{"URL-encoded once", url.QueryEscape(good), `"ada"`, "cookie-signature", 0},
		{"old secret", expressSign("old", "ada"), `"ada"`, "cookie-signature", 0},
		{"JSON", expressSign("new", `j:{"a": [1, 2.5]}`), `{"a":[1,2.5]}`, "cookie-parser-json", 0},
		{"session ID", expressSign("new", sid), `{"sessionId":"` + sid + `"}`, "express-session-id", 0},
		{"HTML characters kept", expressSign("new", "<a&b>"), `"<a&b>"`, "cookie-signature", 0},
		{"empty value", expressSign("new", ""), `""`, "cookie-signature", 0},
		{"wrong key", expressSign("other", "ada"), "", "", format.StageAuthentication},
		{"tampered value", strings.Replace(good, "ada", "adb", 1), "", "", format.StageAuthentication},
		{"padded signature", good + "=", "", "", format.StageEncoding},
		{"URL-encoded twice", url.QueryEscape(url.QueryEscape(good)), "", "", format.StageEncoding},
		{"unsigned JSON", `j:{"a":1}`, "", "", format.StageAuthentication},
		{"signed bad JSON", expressSign("new", `j:{"a":`), "", "", format.StagePayload},
		{"no prefix", "ada.tnlZrMNLsU3/PLtR3lOiAXuAztDl5GJDba0ZzzzDGlQ", "", "", format.StageEncoding},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := op.Open(tc.tok)
			if tc.stage != 0 {
				if !errors.Is(err, token.ErrInvalid) || stageOf(err) != tc.stage {
					t.Fatalf("%v (stage %v); want a rejection at %v", err, stageOf(err), tc.stage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(res.JSON) != tc.json || res.Codec != tc.codec {
				t.Errorf("%s (%s), want %s (%s)", res.JSON, res.Codec, tc.json, tc.codec)
			}
			if got := format.Default().Detect(tc.tok); got == nil || got.Name() != "express" {
				t.Errorf("detected as %v", got)
			}
		})
	}
}

// TestExpressKeys: an express key has no options, the key that verified
// is the one reported, and a trial is bounded.
func TestExpressKeys(t *testing.T) {
	im := format.Express().(format.Importer)
	opts, _ := keyring.NewOptions(map[string]string{"max-age": "1"})
	if _, err := im.ParseKey(keyring.Express, []byte("s"), opts); !errors.Is(err, keyring.ErrOption) {
		t.Errorf("options: %v", err)
	}
	if _, err := im.ParseKey(keyring.Express, []byte("\n"), keyring.Options{}); !errors.Is(err, format.ErrKeyInput) {
		t.Errorf("empty: %v", err)
	}
	var many [][3]string
	for range format.MaxKeyTrial + 1 {
		many = append(many, [3]string{"express", "k", ""})
	}
	op, err := format.Express().NewOpener(foreignRing(t, im, many...), format.Options{})
	if err != nil {
		t.Fatalf("%d keys: NewOpener: %v; want the bound reported by Open", len(many), err)
	}
	if _, err := op.Open("s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI"); !errors.Is(err, format.ErrTooManyKeys) {
		t.Errorf("%d keys: %v", len(many), err)
	}
	if _, err := format.Express().NewOpener(foreignRing(t, im), format.Options{}); !errors.Is(err, format.ErrNoKeys) {
		t.Errorf("no keys: %v", err)
	}
}

// TestExpressPeek shows an unsigned JSON cookie's JSON, unverified.
func TestExpressPeek(t *testing.T) {
	p, ok := format.Default().Peek(`j%3A%7B%22a%22%3A1%7D`)
	if !ok || p.Err != nil || p.Format.Name() != "express" || string(p.Payload) != `{"a":1}` {
		t.Fatalf("%+v", p)
	}
}
