package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestServer checks the app's answers without a browser (TestBrowser drives
// it in one): over TLS, so that Go's cookie jar sends the Secure cookie.
func TestServer(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  config
		// bigNote is the status of a log-in with a 5000-byte note:
		// too large for a cookie, not for the server.
		bigNote int
	}{
		{"client", config{Mode: "client"}, http.StatusRequestEntityTooLarge},
		{"server-memory", config{Mode: "server", Store: "memory"}, http.StatusOK},
		{"server-dir", config{Mode: "server", Store: "dir:" + t.TempDir()}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
			app, err := newServer(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer app.Close()
			srv := httptest.NewTLSServer(app)
			defer srv.Close()
			jar, err := cookiejar.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			c := srv.Client()
			c.Jar = jar
			c.Timeout = 10 * time.Second

			for _, step := range []struct {
				what, method, path string
				form               url.Values
				header             http.Header
				status             int    // after redirects
				body               string // in the final page
			}{
				{"anonymous profile", "GET", "/profile", nil, nil, 200, `id="login-page"`},
				{"empty user", "POST", "/login", url.Values{"user": {"  "}}, nil, 400, "Enter a user name"},
				{"long user", "POST", "/login", url.Values{"user": {strings.Repeat("u", maxUser+1)}}, nil, 400, "Enter a user name"},
				{"cross-site log-in", "POST", "/login", url.Values{"user": {"mallory"}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403, ""},
				{"log-in", "POST", "/login", url.Values{"user": {"alice"}, "note": {"<b>hi</b>"}}, nil, 200, `<pre id="note">&lt;b&gt;hi&lt;/b&gt;</pre>`},
				{"home when logged in", "GET", "/", nil, nil, 200, `<dd id="user">alice</dd>`},
				{"form too large", "POST", "/note", url.Values{"note": {strings.Repeat("n", maxForm)}}, nil, 413, "The form is larger than"},
				{"cross-site log-out", "POST", "/logout", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403, ""},
				{"log-out by GET", "GET", "/logout", nil, nil, 405, ""},
				{"still logged in", "GET", "/profile", nil, nil, 200, `<dd id="user">alice</dd>`},
				{"large note", "POST", "/note", url.Values{"note": {strings.Repeat("x", 5000)}}, nil, tc.bigNote, ""},
				{"log-out", "POST", "/logout", nil, nil, 200, `id="login-page"`},
				{"logged out", "GET", "/profile", nil, nil, 200, `id="login-page"`},
				{"note when logged out", "POST", "/note", url.Values{"note": {"zombie"}}, nil, 200, `id="login-page"`},
			} {
				var body io.Reader
				if step.form != nil {
					body = strings.NewReader(step.form.Encode())
				}
				req, err := http.NewRequestWithContext(t.Context(), step.method, srv.URL+step.path, body)
				if err != nil {
					t.Fatal(err)
				}
				if step.form != nil {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				for k, v := range step.header {
					req.Header[k] = v
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", step.what, err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != step.status || !strings.Contains(string(b), step.body) {
					t.Errorf("%s: %s %s = %d with a page containing %q: %.300s; want %d, containing %q",
						step.what, step.method, step.path, resp.StatusCode, step.body, b, step.status, step.body)
				}
			}
		})
	}
}

// TestNewServerErrors checks that bad flags are usage errors.
func TestNewServerErrors(t *testing.T) {
	for _, cfg := range []config{
		{Mode: ""},
		{Mode: "cookie"},
		{Mode: "client", Store: "redis:127.0.0.1:1"},
		{Mode: "server", Store: ""},
		{Mode: "server", Store: "dir:"},
		{Mode: "server", Store: "redis:"},
		{Mode: "server", Store: "postgres:x"},
	} {
		if _, err := newServer(cfg); !errors.Is(err, errUsage) {
			t.Errorf("newServer(%+v) error = %v; want a usage error", cfg, err)
		}
	}
}

// TestRun checks the flags and the graceful shutdown.
func TestRun(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	for _, args := range [][]string{{"-bogus"}, {"extra"}, {"-mode", "nope"}} {
		if err := run(t.Context(), args, logger, io.Discard); !errors.Is(err, errUsage) {
			t.Errorf("run(%q) = %v; want a usage error", args, err)
		}
	}
	if err := run(t.Context(), []string{"-help"}, logger, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("run(-help) = %v; want flag.ErrHelp", err)
	}
	// Serves until the context ends (as at SIGINT), then shuts down.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if err := run(ctx, []string{"-addr", "127.0.0.1:0", "-mode", "server"}, logger, io.Discard); err != nil {
		t.Errorf("run until shutdown = %v; want nil", err)
	}
}
