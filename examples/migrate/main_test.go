package main

import (
	"strings"
	"testing"
	"time"
)

// TestRun runs the migration: the gorilla/sessions cookie opens, is
// re-issued as a sesstool session with the old cookie expired, and the
// new cookie alone keeps the user logged in.
func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"request 1 carries: session=<gorilla/sessions CookieStore value>\n  response: hello, alice (user 42)\n",
		"  Set-Cookie: session expired (the gorilla cookie is dropped)\n",
		"request 2 carries: sid=<sesstool token>\n  response: hello, alice (user 42)\n",
		"the new cookie is a sesstool v1 token",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRunExpiredGorillaCookie: past gorilla's MaxAge (30 days) the old
// cookie is no session, so nothing is re-issued and the user logs in again.
func TestRunExpiredGorillaCookie(t *testing.T) {
	defer func(old func() time.Time) { now = old }(now)
	now = func() time.Time { return time.Date(2027, 4, 1, 11, 0, 0, 0, time.UTC) }
	var out strings.Builder
	err := run(&out)
	if err == nil || !strings.Contains(out.String(), "please log in") {
		t.Errorf("run with an expired gorilla cookie = %v\n%s", err, out.String())
	}
}
