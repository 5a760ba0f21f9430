package storeurl_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/session/storeurl"
)

func TestWhereMatch(t *testing.T) {
	tests := []struct {
		where string
		data  string
		want  bool
	}{
		{"uid=alice", `{"uid":"alice"}`, true},
		{"uid=alice", `{"uid":"alicia"}`, false},
		{"uid=alice", `{"user":{"uid":"alice"}}`, false}, // top level only
		{"uid=alice", `{"UID":"alice"}`, false},
		{"n=3", `{"n":3}`, true},
		{"n=3", `{"n":"3"}`, true},
		{"admin=true", `{"admin":true}`, true},
		{"admin=true", `{"admin":false}`, false},
		{"x=", `{"x":""}`, true},
		{"x=null", `{"x":null}`, true},
		{"tags=[1,2]", `{"tags":[1, 2]}`, true},
		{"uid=alice", `not json`, false},
		{"uid=alice", `["uid","alice"]`, false},
		{"a=b=c", `{"a":"b=c"}`, true},
	}
	for _, tt := range tests {
		w, err := storeurl.ParseWhere(tt.where)
		if err != nil {
			t.Fatalf("ParseWhere(%q): %v", tt.where, err)
		}
		if got := w.Match([]byte(tt.data)); got != tt.want {
			t.Errorf("%q matches %s = %v; want %v", tt.where, tt.data, got, tt.want)
		}
	}
}

func TestParseWhereErrors(t *testing.T) {
	for _, s := range []string{"", "uid", "=alice"} {
		if _, err := storeurl.ParseWhere(s); !errors.Is(err, storeurl.ErrBadSpec) {
			t.Errorf("ParseWhere(%q) = %v; want ErrBadSpec", s, err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		spec, prefix string
		bad          bool // ErrBadSpec, else another error
	}{
		{"", "", true},
		{"dir:", "", true},
		{"ftp://host", "", true},
		{"dir:" + dir, "p:", true},
		{"redis://user:secret@h:port/0", "", true},
		{"dir:" + dir + "/missing", "", false},
		{"redis+unix://" + dir + "/none.sock", "", false},
	}
	for _, tt := range tests {
		_, err := storeurl.Open(context.Background(), tt.spec, storeurl.Options{Prefix: tt.prefix})
		if err == nil || errors.Is(err, storeurl.ErrBadSpec) != tt.bad {
			t.Errorf("Open(%q, prefix %q) = %v; want ErrBadSpec: %v", tt.spec, tt.prefix, err, tt.bad)
		}
		if err != nil && containsSecret(err.Error()) {
			t.Errorf("Open(%q): the error quotes the password: %v", tt.spec, err)
		}
	}
}

func containsSecret(s string) bool { return strings.Contains(s, "secret") }

func TestFindAndRevoke(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := storeurl.Open(ctx, "dir:"+dir, storeurl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Find(ctx, "0"); !errors.Is(err, storeurl.ErrNoMatch) {
		t.Fatalf("Find in an empty store: %v; want ErrNoMatch", err)
	}
	if _, err := s.Find(ctx, "zz"); !errors.Is(err, storeurl.ErrBadSpec) {
		t.Fatalf("Find(zz): %v; want ErrBadSpec", err)
	}
	if _, err := s.Prune(ctx); err != nil {
		t.Fatalf("Prune: %v", err)
	}
}
