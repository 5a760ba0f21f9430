package token_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// A session type before and after a deploy that removes its Theme field.
type (
	sessionBefore struct {
		UserID string `json:"uid"   cbor:"1,keyasint"`
		Theme  string `json:"theme" cbor:"2,keyasint"`
	}
	sessionAfter struct {
		UserID string `json:"uid" cbor:"1,keyasint"`
	}
)

// customCodec is a codec that codec.IgnoreUnknownFields does not know.
type customCodec struct{ codec.Codec }

func (customCodec) Name() string { return "custom" }

func TestIgnoreUnknownFields(t *testing.T) {
	for _, c := range []codec.Codec{codec.JSON(), codec.CBOR()} {
		t.Run(c.Name(), func(t *testing.T) {
			clk := &clock{t0}
			r := newRing(t, keyring.Default)
			o := token.Options{Purpose: "LOGIN_SESSION", Codec: c, Now: clk.Now}
			strict := newMinter(t, r, o)
			o.IgnoreUnknownFields = true
			lenient := newMinter(t, r, o)

			tok, err := strict.Mint(sessionBefore{UserID: "u_1", Theme: "dark"}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}

			// Without the option, the removed field rejects the token.
			_, err = strict.Open(tok, &sessionAfter{})
			if te, ok := errors.AsType[*token.Error](err); !ok || !errors.Is(err, token.ErrInvalid) || te.Stage != token.StagePayload {
				t.Errorf("strict Open = %v; want an ErrInvalid at the payload stage", err)
			}

			// With it, the token opens with its claims.
			var got sessionAfter
			claims, err := lenient.Open(tok, &got)
			if err != nil || got.UserID != "u_1" || claims.ExpiresAt != t0.Add(time.Hour) {
				t.Errorf("lenient Open = %+v, %+v, %v; want user u_1, expiring at %v", got, claims, err, t0.Add(time.Hour))
			}
			if s, _, err := token.OpenAs[sessionAfter](lenient, tok); err != nil || s.UserID != "u_1" {
				t.Errorf("lenient OpenAs = %+v, %v", s, err)
			}

			// The token is still authenticated: a changed character, or
			// another purpose, is rejected before the payload is read.
			i := len(tok) / 2
			alt := byte('A')
			if tok[i] == alt {
				alt = 'B'
			}
			tampered := tok[:i] + string(alt) + tok[i+1:]
			if tampered == tok {
				t.Fatal("the tampered token equals the original")
			}
			other := newMinter(t, r, token.Options{Purpose: "PASSWORD_RESET", Codec: c, Now: clk.Now, IgnoreUnknownFields: true})
			for name, open := range map[string]func() error{
				"tampered":      func() error { _, err := lenient.Open(tampered, &sessionAfter{}); return err },
				"other purpose": func() error { _, err := other.Open(tok, &sessionAfter{}); return err },
			} {
				err := open()
				if te, ok := errors.AsType[*token.Error](err); !ok || !errors.Is(err, token.ErrInvalid) || te.Stage != token.StageAuthentication {
					t.Errorf("%s: lenient Open = %v; want an ErrInvalid at the authentication stage", name, err)
				}
			}

			// And expiry still holds.
			clk.t = t0.Add(2 * time.Hour)
			if _, err := lenient.Open(tok, &sessionAfter{}); !errors.Is(err, token.ErrExpired) {
				t.Errorf("lenient Open after expiry = %v; want ErrExpired", err)
			}
		})
	}
}

// TestIgnoreUnknownFieldsKeepsCodecRules: only unknown fields are
// ignored; an authentic payload that breaks another rule of the codec is
// still rejected at the payload stage.
func TestIgnoreUnknownFieldsKeepsCodecRules(t *testing.T) {
	for _, tt := range []struct {
		name    string
		c       codec.Codec
		payload []byte
	}{
		{"json duplicate unknown key", codec.JSON(), []byte(`{"uid":"u_1","theme":"a","theme":"b"}`)},
		{"json trailing data", codec.JSON(), []byte(`{"uid":"u_1","theme":"a"} {}`)},
		{"cbor duplicate unknown key", codec.CBOR(), []byte{0xa3, 0x01, 0x61, 'u', 0x02, 0x61, 'a', 0x02, 0x61, 'b'}},
		{"cbor tag in an unknown value", codec.CBOR(), []byte{0xa2, 0x01, 0x61, 'u', 0x02, 0xc1, 0x00}},
	} {
		m := newMinter(t, newRing(t, keyring.Default), token.Options{Codec: tt.c, Now: (&clock{t0}).Now, IgnoreUnknownFields: true})
		tok, err := m.Seal(tt.payload, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Open(tok, &sessionAfter{})
		if te, ok := errors.AsType[*token.Error](err); !ok || !errors.Is(err, token.ErrInvalid) || te.Stage != token.StagePayload {
			t.Errorf("%s: Open = %v; want an ErrInvalid at the payload stage", tt.name, err)
		}
	}
}

func TestIgnoreUnknownFieldsNeedsAKnownCodec(t *testing.T) {
	r := newRing(t, keyring.Default)
	_, err := token.New(r, &token.Options{Codec: customCodec{codec.JSON()}, IgnoreUnknownFields: true})
	if !errors.Is(err, codec.ErrUnknownCodec) || !strings.HasPrefix(err.Error(), `token: IgnoreUnknownFields: codec: unknown codec "custom"`) {
		t.Errorf("New = %v; want an error wrapping codec.ErrUnknownCodec that names the codec", err)
	}
	// Without the option, the custom codec is fine.
	if _, err := token.New(r, &token.Options{Codec: customCodec{codec.JSON()}}); err != nil {
		t.Errorf("New with a custom codec: %v", err)
	}
}
