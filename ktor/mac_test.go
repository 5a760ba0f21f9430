package ktor

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/sesstool/sesstool/internal/transformtest"
	"github.com/sesstool/sesstool/transform"
)

func TestMessageAuthentication(t *testing.T) {
	for _, h := range []transform.Hash{transform.SHA256, transform.SHA384, transform.SHA512} {
		t.Run(h.String(), func(t *testing.T) {
			newMAC := func(key string, h transform.Hash) transform.Transformer {
				tr, err := NewMessageAuthentication([]byte(key), h)
				if err != nil {
					t.Fatal(err)
				}
				return tr
			}
			transformtest.Run(t, transformtest.Config{
				New: func() transform.Transformer { return newMAC("key", h) },
				Others: func() []transform.Transformer {
					return []transform.Transformer{newMAC("kez", h), newMAC("key", (h+1)%3)}
				},
				Authenticated: true,
				Deterministic: true,
			})
			tr := newMAC("key", h)
			out := tr.Write(nil, []byte("a/b"))
			tag := out[len("a/b/"):]
			if len(tag) != 2*h.Size() || strings.ToLower(string(tag)) != string(tag) {
				t.Errorf("Write tag = %q; want %d lowercase hex chars", tag, 2*h.Size())
			}
			flipEveryBit(t, tr, out, 0, 0)
		})
	}
}

func TestMessageAuthenticationRejects(t *testing.T) {
	tr, err := NewMessageAuthentication([]byte("key"), transform.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	good := string(tr.Write(nil, []byte("user=%23sjo")))
	tag := good[strings.LastIndexByte(good, '/')+1:]
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"no slash", "INVALID"},
		{"tag only", "/" + tag},
		{"uppercase tag", "user=%23sjo/" + strings.ToUpper(tag)},
		{"last hex digit flipped", good[:len(good)-1] + string(good[len(good)-1]^1)},
		{"last char replaced by x", good[:len(good)-1] + "x"},
		{"truncated tag", good[:len(good)-2]},
		{"extra char", good + "0"},
		{"other payload", "user=%23sjoe/" + tag},
		{"tag before payload", tag + "/user=%23sjo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := tr.Read(nil, []byte(tc.in)); !errors.Is(err, transform.ErrInvalid) {
				t.Errorf("Read(%q) = %q, %v; want transform.ErrInvalid", tc.in, got, err)
			}
		})
	}
}

func TestMessageAuthenticationSlashInValue(t *testing.T) {
	tr, err := NewMessageAuthentication([]byte("key"), transform.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"/", "a/b/c", "//", "iv/ct:tag"} {
		got, err := tr.Read(nil, tr.Write(nil, []byte(v)))
		if err != nil || string(got) != v {
			t.Errorf("Read(Write(%q)) = %q, %v; want %q, nil", v, got, err, v)
		}
	}
}

func TestNewMessageAuthenticationErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  []byte
		h    transform.Hash
	}{
		{"nil key", nil, transform.SHA256},
		{"empty key", []byte{}, transform.SHA512},
		{"unknown hash", []byte("k"), transform.Hash(4)},
		{"largest hash", []byte("k"), transform.Hash(255)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tr, err := NewMessageAuthentication(tc.key, tc.h); err == nil || tr != nil {
				t.Errorf("NewMessageAuthentication(%x, %v) = %v, %v; want nil, error", tc.key, tc.h, tr, err)
			}
		})
	}
}

// TestMessageAuthenticationKeyCopied checks that the transformer does not
// keep a reference to the caller's key slice: HMAC states are created
// lazily, after the caller may have reused it.
func TestMessageAuthenticationKeyCopied(t *testing.T) {
	ref, err := NewMessageAuthentication([]byte("secret"), transform.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("secret")
	tr, err := NewMessageAuthentication(key, transform.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	copy(key, "XXXXXX")
	if got, want := tr.Write(nil, []byte("v")), ref.Write(nil, []byte("v")); !bytes.Equal(got, want) {
		t.Errorf("Write after the caller changed its key = %q; want %q", got, want)
	}
}

// TestMessageAuthenticationConcurrent is meant for -race.
func TestMessageAuthenticationConcurrent(t *testing.T) {
	tr, err := NewMessageAuthentication([]byte("secret"), transform.SHA384)
	if err != nil {
		t.Fatal(err)
	}
	want := tr.Write(nil, []byte("value"))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if got := tr.Write(nil, []byte("value")); !bytes.Equal(got, want) {
					t.Errorf("concurrent Write = %q; want %q", got, want)
					return
				}
				if _, err := tr.Read(nil, want); err != nil {
					t.Errorf("concurrent Read error = %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestJCENames pins the JCE names that Ktor is configured with and that
// the CLI shows, including the zero Hash's (Ktor's default, SHA-256).
func TestJCENames(t *testing.T) {
	for _, tc := range []struct {
		h    transform.Hash
		want string
		size int
	}{
		{0, "HmacSHA256", 32},
		{transform.SHA256, "HmacSHA256", 32},
		{transform.SHA384, "HmacSHA384", 48},
		{transform.SHA512, "HmacSHA512", 64},
	} {
		if got := JCEName(tc.h); got != tc.want {
			t.Errorf("JCEName(%v) = %q; want %q", tc.h, got, tc.want)
		}
		if back, err := parseJCEName(tc.want); err != nil || back != orDefault(tc.h) || back.Size() != tc.size {
			t.Errorf("parseJCEName(%q) = %v (size %d), %v; want %v (size %d)", tc.want, back, back.Size(), err, orDefault(tc.h), tc.size)
		}
	}
	if s := JCEName(9); s != "Hash(9)" {
		t.Errorf("JCEName(9) = %q; want Hash(9)", s)
	}
}
