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
	for _, h := range []Hash{HmacSHA256, HmacSHA384, HmacSHA512} {
		t.Run(h.String(), func(t *testing.T) {
			newMAC := func(key string, h Hash) transform.Transformer {
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
	tr, err := NewMessageAuthentication([]byte("key"), HmacSHA256)
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
	tr, err := NewMessageAuthentication([]byte("key"), HmacSHA256)
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
		h    Hash
	}{
		{"nil key", nil, HmacSHA256},
		{"empty key", []byte{}, HmacSHA512},
		{"unknown hash", []byte("k"), Hash(3)},
		{"negative hash", []byte("k"), Hash(-1)},
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
	ref, err := NewMessageAuthentication([]byte("secret"), HmacSHA256)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("secret")
	tr, err := NewMessageAuthentication(key, HmacSHA256)
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
	tr, err := NewMessageAuthentication([]byte("secret"), HmacSHA384)
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

func TestHashNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Hash
		size int
	}{
		{"HmacSHA256", HmacSHA256, 32},
		{"hmacsha384", HmacSHA384, 48},
		{"HMACSHA512", HmacSHA512, 64},
	} {
		h, err := ParseHash(tc.name)
		if err != nil || h != tc.want {
			t.Errorf("ParseHash(%q) = %v, %v; want %v", tc.name, h, err, tc.want)
		}
		if h.Size() != tc.size {
			t.Errorf("%v.Size() = %d; want %d", h, h.Size(), tc.size)
		}
		if back, _ := ParseHash(h.String()); back != h {
			t.Errorf("ParseHash(%v.String()) = %v", h, back)
		}
	}
	for _, bad := range []string{"", "SHA256", "HmacMD5", "HmacSHA1"} {
		if _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) error = nil; want error", bad)
		}
	}
	if s := Hash(9).String(); s != "Hash(9)" {
		t.Errorf("Hash(9).String() = %q", s)
	}
}
