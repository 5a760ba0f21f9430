package format_test

import (
	"errors"
	"testing"

	"github.com/sesstool/sesstool/format"
)

// FuzzDetectPeek feeds arbitrary input to detection and Peek: they never
// panic, at most one format claims an input, and a malformed input is
// reported as an *Error of the format that claimed it.
func FuzzDetectPeek(f *testing.F) {
	for _, s := range []string{"", "A", "AQ", "AQAAAAE", "x/" + string(make([]byte, 64)), "%2F%3A", "00/00:00", "a=%23s/0"} {
		f.Add(s)
	}
	for _, dir := range []string{"fernet", "branca"} {
		for _, s := range vectorTokens(f, dir) {
			f.Add(s)
		}
	}
	reg := format.Default()
	fs := reg.Formats()
	f.Fuzz(func(t *testing.T, tok string) {
		claimed := 0
		for _, fm := range fs {
			if fm.Detect(tok) {
				claimed++
			}
		}
		if claimed > 1 {
			t.Fatalf("%d formats detect %q", claimed, tok)
		}
		p, ok := reg.Peek(tok)
		if ok != (claimed == 1) {
			t.Fatalf("Peek ok = %v, but %d formats detect %q", ok, claimed, tok)
		}
		if p.Length != len(tok) {
			t.Fatalf("Peek.Length = %d, want %d", p.Length, len(tok))
		}
		if p.Err != nil {
			var e *format.Error
			if !errors.As(error(p.Err), &e) || e.Format != p.Format || e.Reason == "" {
				t.Fatalf("Peek.Err = %#v", p.Err)
			}
		}
	})
}
