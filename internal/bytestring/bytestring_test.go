package bytestring

import (
	"testing"
	"unsafe"
)

func TestBorrow(t *testing.T) {
	for _, in := range []string{"", "a", "token-line"} {
		b := []byte(in)
		s := Borrow(b)
		if s != in {
			t.Errorf("Borrow(%q) = %q", in, s)
		}
		if len(b) > 0 && unsafe.StringData(s) != &b[0] {
			t.Errorf("Borrow(%q) copied the bytes; it must share them", in)
		}
	}
	if s := Borrow(nil); s != "" {
		t.Errorf("Borrow(nil) = %q", s)
	}
}
