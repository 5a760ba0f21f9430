package session

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequestCookie holds requestCookie to net/http's Request.Cookie: the
// same value, or the same absence, for any Cookie header lines and name.
func FuzzRequestCookie(f *testing.F) {
	for _, seed := range [][3]string{
		{"session=abc", "", "session"},
		{" session = \"abc\" ; other=1", "", "session"},
		{"a=1; session=\"x;y\"; session=ok", "", "session"},
		{"bad name=1; session=\\", "session=second", "session"},
		{"session.1=a;session=b", "", "session.1"},
		{"__Host-s=v", "", "__Host-s"},
		{";;; ; =x; session=", "", "session"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	// net/http's bound on the number of cookies, on either side of it.
	f.Add(strings.Repeat(";", 2998)+"session=a", "", "session")
	f.Add(strings.Repeat(";", 2999)+"session=a", "", "session")
	f.Add(strings.Repeat(";", 1500)+"session=a", strings.Repeat(";", 1500), "session")
	f.Fuzz(func(t *testing.T, line1, line2, name string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Cookie"] = []string{line1, line2}
		got, ok := requestCookie(r, name)
		c, err := r.Cookie(name)
		switch {
		case (err == nil) != ok:
			t.Fatalf("%q %q, name %q: requestCookie ok = %v; r.Cookie err = %v", line1, line2, name, ok, err)
		case ok && got != c.Value:
			t.Fatalf("%q %q, name %q: requestCookie = %q; r.Cookie = %q", line1, line2, name, got, c.Value)
		}
	})
}
