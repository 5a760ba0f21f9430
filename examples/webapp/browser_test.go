package main

// The browser test sits next to the app, in package main, because it starts
// the app in process through newServer, as `go run ./examples/webapp` does,
// and drives it as a user would: in headless Chromium, with the browser's
// own cookie jar and tabs. It skips, saying why, when Chromium is not
// installed; CI sets SESSTOOL_REQUIRE_BROWSER=1 to make that a failure.

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/sesstool/sesstool/session"
)

// requireBrowserEnv names the variable that turns a missing Chromium from a
// skip into a failure.
const requireBrowserEnv = "SESSTOOL_REQUIRE_BROWSER"

const (
	// testTimeout bounds the whole test, the browser's start included.
	testTimeout = 50 * time.Second
	// stepTimeout bounds each step: a navigation, a click, a query.
	stepTimeout = 10 * time.Second
	// cookieName is the session's cookie: Options.Name with the __Host-
	// prefix.
	cookieName = "__Host-session"
)

// chromium returns the path of the Chromium binary, or skips the test (fails
// it, with SESSTOOL_REQUIRE_BROWSER=1) if there is none.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "chromium not found; install Debian's chromium package"
	if os.Getenv(requireBrowserEnv) == "1" {
		t.Fatalf("%s; %s=1 requires the browser test to run", msg, requireBrowserEnv)
	}
	t.Skipf("%s, or set %s=1 to make this a failure", msg, requireBrowserEnv)
	return ""
}

// TestBrowser drives the app in headless Chromium, in each mode: log-in,
// the cookie's attributes as the browser stored them, a client-side session
// too large for a cookie, and log-out in one tab ending the session in
// another.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	start := time.Now()
	if err := chromedp.Do(browser); err != nil { // starts the browser, bound to ctx
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Logf("chromium started in %v", time.Since(start).Round(time.Millisecond))

	for _, tc := range []struct {
		name string
		cfg  config
	}{
		{"client", config{Mode: "client"}},
		{"server-memory", config{Mode: "server", Store: "memory"}},
		{"server-dir", config{Mode: "server", Store: "dir:" + t.TempDir()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
			testBrowser(t, browser, tc.cfg)
		})
	}
}

// testBrowser runs the scenario against the app that cfg describes, in a
// fresh browser context (its own cookie jar) of browser.
func testBrowser(t *testing.T, browser context.Context, cfg config) {
	app, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	// Plain HTTP on 127.0.0.1. Chromium treats http://127.0.0.1 (like
	// http://localhost) as a secure context and stores Secure cookies,
	// __Host- ones included, from it: the test checks that it did, so no
	// TLS server is needed.
	srv := httptest.NewServer(app)
	defer srv.Close()
	base := srv.URL
	client := cfg.Mode == "client"

	// Tab A, in a new browser context: cookies of earlier subtests, which
	// served other ports of the same host, are not seen.
	tabA, cancelA := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancelA()
	if err := chromedp.Do(tabA); err != nil { // opens the tab without a step's timeout
		t.Fatal(err)
	}

	// Log in, with "remember me" and a short note.
	open(t, tabA, "open the log-in page", base+"/", "login-page")
	do(t, tabA, "fill in the log-in form",
		chromedp.SendKeys(chromedp.ID("user"), "alice"),
		chromedp.Click(chromedp.ID("remember")),
		chromedp.SetValue(chromedp.ID("note"), "hello"),
	)
	submit(t, tabA, "log in", "login", http.StatusOK, "profile-page")
	if got := value(t, tabA, "read the user", chromedp.Text(chromedp.ID("user"))); got != "alice" {
		t.Errorf("profile shows user %q; want alice", got)
	}
	if got := value(t, tabA, "read the note", chromedp.Text(chromedp.ID("note"))); got != "hello" {
		t.Errorf("profile shows note %q; want hello", got)
	}

	// The cookie, as the browser stored it.
	c := sessionCookie(t, tabA, base)
	if c == nil {
		t.Fatalf("no %s cookie stored after log-in", cookieName)
	}
	if !c.Secure || !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || c.Path != "/" {
		t.Errorf("stored cookie: Secure=%v HttpOnly=%v SameSite=%q Path=%q; want Secure, HttpOnly, SameSite=Lax, Path=/",
			c.Secure, c.HTTPOnly, c.SameSite, c.Path)
	}
	if c.Session || time.Unix(int64(c.Expires), 0).Before(time.Now().Add(time.Minute)) {
		t.Errorf("remember me: cookie Session=%v Expires=%v; want a persistent cookie", c.Session, time.Unix(int64(c.Expires), 0))
	}
	loggedIn := c.Value

	// HttpOnly: the page's script sees its own cookie, not the session's.
	jsCookies := value(t, tabA, "read document.cookie",
		chromedp.Evaluate[string](`document.cookie = "probe=1; Path=/; SameSite=Lax"; document.cookie`))
	if !strings.Contains(jsCookies, "probe=1") || strings.Contains(jsCookies, "session") {
		t.Errorf("document.cookie = %q; want probe=1 and no session cookie", jsCookies)
	}

	// A note of 5000 bytes: too large for a cookie, not for the server.
	big := strings.Repeat("x", 5000)
	do(t, tabA, "write a large note", chromedp.SetValue(chromedp.ID("new-note"), big))
	if client {
		submit(t, tabA, "save the large note", "save-note", http.StatusRequestEntityTooLarge, "error-page")
		msg := value(t, tabA, "read the error", chromedp.Text(chromedp.ID("message")))
		if !strings.Contains(msg, "too large to keep in a cookie") {
			t.Errorf("error page says %q; want it to say the session is too large to keep in a cookie", msg)
		}
		// Nothing was lost: the previous session is still there.
		open(t, tabA, "back to the profile", base+"/profile", "profile-page")
		if got := value(t, tabA, "read the note", chromedp.Text(chromedp.ID("note"))); got != "hello" {
			t.Errorf("after the refused note, profile shows note %q; want hello", got)
		}
	} else {
		submit(t, tabA, "save the large note", "save-note", http.StatusOK, "profile-page")
		if got := value(t, tabA, "read the note", chromedp.Text(chromedp.ID("note"))); got != big {
			t.Errorf("server side, profile shows a note of %d bytes; want %d", len(got), len(big))
		}
	}
	if c := sessionCookie(t, tabA, base); c == nil || c.Value != loggedIn {
		t.Errorf("the session cookie changed when the note was saved; want the log-in's (refused client side, the same ID server side)")
	}

	// Tab B: a second tab of the same browser context shares its cookies.
	tabB, cancelB := chromedp.NewContext(tabA)
	defer cancelB()
	if err := chromedp.Do(tabB); err != nil {
		t.Fatal(err)
	}
	open(t, tabB, "open the profile in tab B", base+"/profile", "profile-page")
	if got := value(t, tabB, "read the user in tab B", chromedp.Text(chromedp.ID("user"))); got != "alice" {
		t.Errorf("tab B shows user %q; want alice", got)
	}

	// Log out in tab A: tab B's reload shows the log-in page. Client side,
	// that is because the browser deleted the cookie that both tabs share;
	// server side, the session is also gone from the store (see below).
	submit(t, tabA, "log out", "logout", http.StatusOK, "login-page")
	if c := sessionCookie(t, tabA, base); c != nil {
		t.Errorf("after log-out the browser still holds %s", cookieName)
	}
	do(t, tabB, "reload tab B", chromedp.Reload())
	onPage(t, tabB, "reload tab B", "login-page")

	// A copy of the cookie kept from before the log-out (a stolen one):
	// server side it names nothing any more; client side it stays valid
	// until it expires, as the package doc says: a limit of that mode.
	status := getProfile(t, base, loggedIn)
	if want := http.StatusSeeOther; !client && status != want {
		t.Errorf("server side, replaying the cookie after log-out: GET /profile = %d; want %d (to the log-in page)", status, want)
	}
	if want := http.StatusOK; client && status != want {
		t.Errorf("client side, replaying the cookie after log-out: GET /profile = %d; want %d (a sealed cookie cannot be revoked)", status, want)
	}

	// A log-in too large for a cookie, without "remember me": refused client
	// side, with no cookie set; a browser-session cookie server side.
	do(t, tabB, "fill in a large log-in",
		chromedp.SendKeys(chromedp.ID("user"), "bob"),
		chromedp.SetValue(chromedp.ID("note"), big),
	)
	if client {
		submit(t, tabB, "log in with a large note", "login", http.StatusRequestEntityTooLarge, "error-page")
		if c := sessionCookie(t, tabB, base); c != nil {
			t.Errorf("a refused log-in left a %s cookie", cookieName)
		}
		// The largest note that the app accepts makes a cookie of about
		// 4096 bytes: the browser must keep it, not drop it silently.
		big = strings.Repeat("y", largestNote(t, app, url.Values{"user": {"bob"}}))
		open(t, tabB, "back to the log-in page", base+"/", "login-page")
		do(t, tabB, "fill in a log-in with the largest note",
			chromedp.SendKeys(chromedp.ID("user"), "bob"),
			chromedp.SetValue(chromedp.ID("note"), big),
		)
	}
	submit(t, tabB, "log in without remember me", "login", http.StatusOK, "profile-page")
	if got := value(t, tabB, "read the user", chromedp.Text(chromedp.ID("user"))); got != "bob" {
		t.Errorf("profile shows user %q; want bob", got)
	}
	if got := value(t, tabB, "read the note", chromedp.Text(chromedp.ID("note"))); got != big {
		t.Errorf("profile shows a note of %d bytes; want %d", len(got), len(big))
	}
	c = sessionCookie(t, tabB, base)
	if c == nil || !c.Session {
		t.Fatalf("without remember me: cookie %+v; want a browser-session cookie", c)
	}
	if client {
		t.Logf("the largest note, %d bytes, makes a cookie of %d bytes (name and value) that Chromium kept", len(big), c.Size)
	}
}

// do runs steps in tab, within stepTimeout.
func do(t *testing.T, tab context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// value runs a in tab, within stepTimeout, and returns its value.
func value[T any](t *testing.T, tab context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// submit clicks the button with the given id, waits until the page that
// follows (after redirects) has loaded, and checks its status and which page
// it is.
func submit(t *testing.T, tab context.Context, what, button string, status int, page string) {
	t.Helper()
	checkResponse(t, tab, what, status, page, func(ctx context.Context) (*network.Response, error) {
		return chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID(button)))
	})
}

// open navigates tab to url, waits until the page (after redirects) has
// loaded, and checks that it is page, with status 200.
func open(t *testing.T, tab context.Context, what, url, page string) {
	t.Helper()
	checkResponse(t, tab, what, http.StatusOK, page, func(ctx context.Context) (*network.Response, error) {
		return chromedp.Run(ctx, chromedp.NavigateResponse(url))
	})
}

// checkResponse runs load, which loads a page in tab and returns its
// response, and checks the status and which page it is.
func checkResponse(t *testing.T, tab context.Context, what string, status int, page string, load func(context.Context) (*network.Response, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	resp, err := load(ctx)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != int64(status) {
		t.Errorf("%s: %s answered %d; want %d", what, resp.URL, resp.Status, status)
	}
	onPage(t, tab, what, page)
}

// onPage checks that the page loaded in tab is page: the body's id, which
// page.html sets to the view's name + "-page".
func onPage(t *testing.T, tab context.Context, what, page string) {
	t.Helper()
	got := value(t, tab, what, chromedp.Evaluate[string](`document.body.id + ": " + document.body.innerText.slice(0, 300)`))
	if id, _, _ := strings.Cut(got, ": "); id != page {
		t.Fatalf("%s: the browser shows #%s; want #%s", what, got, page)
	}
}

// sessionCookie returns the session cookie that the browser holds for url,
// or nil.
func sessionCookie(t *testing.T, tab context.Context, url string) *network.Cookie {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		t.Fatalf("reading the cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

// largestNote returns the size of the largest note that a log-in with form
// may carry without a 413 from app, in process: a client-side session whose
// cookie is just under session.MaxCookieSize.
func largestNote(t *testing.T, app http.Handler, form url.Values) int {
	t.Helper()
	fits := func(n int) bool {
		form.Set("note", strings.Repeat("y", n))
		r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusSeeOther:
			return true
		case http.StatusRequestEntityTooLarge:
			return false
		}
		t.Fatalf("log-in with a note of %d bytes: status %d", n, w.Code)
		return false
	}
	lo, hi := 0, session.MaxCookieSize // fits(lo), !fits(hi)
	if !fits(lo) || fits(hi) {
		t.Fatalf("log-in with an empty note fits: %v; with a note of %d bytes: %v; want true, false", fits(lo), hi, fits(hi))
	}
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// getProfile requests base/profile with the session cookie value, from
// outside the browser, and returns the status.
func getProfile(t *testing.T, base, value string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), stepTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/profile", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: cookieName, Value: value})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
