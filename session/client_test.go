package session_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/internal/tamper"
	"github.com/sesstool/sesstool/internal/testclock"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/token"
)

type profile struct {
	User string `json:"user"`
	Note string `json:"note,omitempty"`
}

func newClientSide(t *testing.T, ring *keyring.Ring, clk *testclock.Clock, o *session.Options) *session.Manager[profile] {
	t.Helper()
	var oc session.Options
	if o != nil {
		oc = *o
	}
	if clk != nil {
		oc.Now = clk.Now
	}
	m, err := session.NewClientSide[profile](ring, &oc)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestClientSideLifecycle(t *testing.T) {
	clk := newClock()
	m := newClientSide(t, newRing(t, clk.Now()), clk, nil)
	b := newJar()

	if _, ok, err := load(m, b.request("/")); ok || err != nil {
		t.Fatalf("Load without a cookie = %v, %v", ok, err)
	}
	w, err := renew(m, b.request("/"), profile{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	set := setCookies(w)
	for _, want := range []string{"session=", "Path=/", "Max-Age=1800", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %q", set, want)
		}
	}
	b.keep(w)
	tok := b.get("session").Value
	if _, err := token.Inspect(tok); err != nil {
		t.Fatalf("the cookie is not a sesstool token: %v", err)
	}
	if got, ok, err := load(m, b.request("/")); err != nil || !ok || got.User != "alice" {
		t.Fatalf("Load = %+v, %v, %v", got, ok, err)
	}

	// Every single-character change is refused.
	for i := 0; i < len(tok); i += 7 {
		r := httptest.NewRequest("GET", "/", nil)
		bad := tamper.At(t, tok, i, tamper.Base64URL)
		r.AddCookie(&http.Cookie{Name: "session", Value: bad})
		if _, ok, err := load(m, r); ok || err != nil {
			t.Fatalf("token changed at %d: Load = %v, %v; want no session", i, ok, err)
		}
	}

	// Save keeps the session's start; Clear tells the browser to drop it.
	w, err = save(m, b.request("/"), profile{User: "alice", Note: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	b.keep(w)
	if got, _, _ := load(m, b.request("/")); got.Note != "hi" {
		t.Fatalf("Load after Save = %+v", got)
	}
	saved := b.request("/")
	w, err = clear(m, b.request("/"))
	if err != nil {
		t.Fatal(err)
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 || c[0].Value != "" {
		t.Fatalf("Clear sent %v; want one expired, empty cookie", c)
	}
	b.keep(w)
	if _, ok, _ := load(m, b.request("/")); ok {
		t.Fatal("a session after Clear")
	}
	// What a client-side session cannot do: a copy kept elsewhere still
	// opens until it expires.
	if _, ok, _ := load(m, saved); !ok {
		t.Fatal("a copy of the cleared cookie no longer opens; the test's premise is wrong")
	}
}

func TestClientSideExpiry(t *testing.T) {
	clk := newClock()
	m := newClientSide(t, newRing(t, clk.Now()), clk, &session.Options{IdleTimeout: 10 * time.Minute, Lifetime: time.Hour})
	b := newJar()
	w, err := renew(m, b.request("/"), profile{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b.keep(w)

	// Less than half the idle timeout has passed: no re-issue.
	clk.Advance(5*time.Minute - time.Second)
	w = call(m, b.request("/"), func(_ http.ResponseWriter, r *http.Request) { m.Load(r) })
	if set := setCookies(w); set != "" {
		t.Fatalf("a Load before half the idle timeout re-issued the cookie: %s", set)
	}
	// Half of it: the cookie is re-issued, and pushes the idle end back.
	clk.Advance(time.Second)
	w = call(m, b.request("/"), func(_ http.ResponseWriter, r *http.Request) { m.Load(r) })
	if set := setCookies(w); !strings.Contains(set, "Max-Age=600") {
		t.Fatalf("a Load at half the idle timeout sent %q; want a fresh cookie", set)
	}
	b.keep(w)
	clk.Advance(9 * time.Minute) // past the first token's expiry, within the second's
	if _, ok, _ := load(m, b.request("/")); !ok {
		t.Fatal("the re-issued session expired with the first token")
	}

	// Idle for longer than the timeout: gone.
	stale := b.request("/")
	clk.Advance(10 * time.Minute)
	if _, ok, _ := load(m, stale); ok {
		t.Fatal("a session idle past IdleTimeout opens")
	}
}

func TestClientSideLifetime(t *testing.T) {
	clk := newClock()
	m := newClientSide(t, newRing(t, clk.Now()), clk, &session.Options{IdleTimeout: 10 * time.Minute, Lifetime: 30 * time.Minute})
	b := newJar()
	w, err := renew(m, b.request("/"), profile{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b.keep(w)
	// Active every 5 minutes: the session lives until its Lifetime, and
	// no longer, and is not re-issued on every request near its end.
	reissued := 0
	for step := 1; ; step++ {
		clk.Advance(5 * time.Minute)
		var ok bool
		w := call(m, b.request("/"), func(_ http.ResponseWriter, r *http.Request) { _, ok, _ = m.Load(r) })
		if setCookies(w) != "" {
			reissued++
		}
		b.keep(w)
		if elapsed := time.Duration(step) * 5 * time.Minute; elapsed < 30*time.Minute && !ok {
			t.Fatalf("the session ended after %v, before its Lifetime", elapsed)
		} else if elapsed >= 30*time.Minute {
			if ok {
				t.Fatalf("the session is alive after %v, past its Lifetime", elapsed)
			}
			break
		}
	}
	if reissued > 4 {
		t.Errorf("re-issued %d times in 5 requests; want a re-issue only when it moves the expiry by half the idle timeout", reissued)
	}
	// Save cannot extend it either: Renew (a new log-in) is needed.
	if _, err := save(m, b.request("/"), profile{User: "alice"}); err != nil {
		t.Fatalf("Save with no live session begins one: %v", err)
	}
}

func TestClientSideRotation(t *testing.T) {
	clk := newClock()
	old := newRing(t, clk.Now())
	b := newJar()
	w, err := renew(newClientSide(t, old, clk, nil), b.request("/"), profile{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b.keep(w)
	clk.Advance(time.Minute)
	rotated, fresh, err := old.Rotate(keyring.Default, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := newClientSide(t, rotated, clk, nil)
	var got profile
	var ok bool
	w = call(m, b.request("/"), func(_ http.ResponseWriter, r *http.Request) { got, ok, _ = m.Load(r) })
	if !ok || got.User != "alice" {
		t.Fatalf("a session sealed under the old primary: Load = %+v, %v", got, ok)
	}
	b.keep(w)
	h, err := token.Inspect(b.get("session").Value)
	if err != nil || h.KeyID != fresh.ID {
		t.Fatalf("the re-issued session is sealed under key %v (%v); want the new primary %v", h.KeyID, err, fresh.ID)
	}
}

func TestClientSidePurposeIsTheName(t *testing.T) {
	ring := newRing(t, time.Now())
	a := newClientSide(t, ring, nil, &session.Options{Name: "a"})
	bm := newClientSide(t, ring, nil, &session.Options{Name: "b"})
	w, err := save(a, httptest.NewRequest("GET", "/", nil), profile{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "b", Value: w.Result().Cookies()[0].Value})
	if _, ok, _ := load(bm, r); ok {
		t.Fatal("session a's token opened as session b on the same keyring")
	}
}

func TestClientSideTooLarge(t *testing.T) {
	m := newClientSide(t, newRing(t, time.Now()), nil, nil)
	b := newJar()
	w, err := save(m, b.request("/"), profile{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b.keep(w)
	w, err = save(m, b.request("/"), profile{User: "alice", Note: strings.Repeat("x", 5000)})
	if !errors.Is(err, session.ErrTooLarge) {
		t.Fatalf("Save of a 5000-byte note: %v; want ErrTooLarge", err)
	}
	for _, want := range []string{"4096", "bytes", "Options.Chunks"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error %q does not say %q", err, want)
		}
	}
	if set := setCookies(w); set != "" {
		t.Fatalf("a refused Save sent %q", set)
	}
	if got, ok, _ := load(m, b.request("/")); !ok || got.User != "alice" {
		t.Fatal("the session before the refused Save was lost")
	}
	// Just under the budget fits, and each cookie stays within it.
	for n := 2000; n < 5000; n += 250 {
		w, err := save(m, b.request("/"), profile{User: "alice", Note: strings.Repeat("y", n)})
		if errors.Is(err, session.ErrTooLarge) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if line := w.Header().Get("Set-Cookie"); len(line) > session.MaxCookieSize {
			t.Fatalf("a %d-byte note made a %d-byte cookie", n, len(line))
		}
	}
}

func TestClientSideChunks(t *testing.T) {
	m := newClientSide(t, newRing(t, time.Now()), nil, &session.Options{Chunks: 4})
	b := newJar()
	big := profile{User: "alice", Note: strings.Repeat("z", 6000)}
	w, err := save(m, b.request("/"), big)
	if err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 3 || cookies[0].Name != "session" || cookies[1].Name != "session.1" || cookies[2].Name != "session.2" {
		t.Fatalf("a 6000-byte note: cookies %v; want session, session.1, session.2", names(cookies))
	}
	for _, line := range w.Header().Values("Set-Cookie") {
		if len(line) > session.MaxCookieSize {
			t.Fatalf("a chunk takes %d bytes", len(line))
		}
	}
	b.keep(w)
	if got, ok, _ := load(m, b.request("/")); !ok || got != big {
		t.Fatalf("Load of a chunked session: ok = %v", ok)
	}
	// A missing chunk, or one from another session, opens nothing.
	r := b.request("/")
	r.Header.Set("Cookie", strings.Replace(r.Header.Get("Cookie"), "session.1=", "session.9=", 1))
	if _, ok, _ := load(m, r); ok {
		t.Fatal("a session with a chunk missing opened")
	}
	other := newJar()
	w2, err := save(m, other.request("/"), profile{User: "mallory", Note: strings.Repeat("z", 6000)})
	if err != nil {
		t.Fatal(err)
	}
	other.keep(w2)
	mixed := b.request("/")
	mixed.Header.Del("Cookie")
	for _, name := range []string{"session", "session.1", "session.2"} {
		from := b
		if name == "session.1" {
			from = other
		}
		mixed.AddCookie(&http.Cookie{Name: name, Value: from.get(name).Value})
	}
	if _, ok, _ := load(m, mixed); ok {
		t.Fatal("chunks of two sessions opened as one")
	}
	// A smaller session expires the chunks it no longer uses.
	w, err = save(m, b.request("/"), profile{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b.keep(w)
	if b.get("session.1") != nil || b.get("session.2") != nil {
		t.Fatal("the stale chunks were not expired")
	}
	if got, ok, _ := load(m, b.request("/")); !ok || got.User != "alice" || got.Note != "" {
		t.Fatalf("after the smaller Save: %+v, %v", got, ok)
	}
	// Beyond Chunks cookies: refused.
	if _, err := save(m, b.request("/"), profile{Note: strings.Repeat("z", 20000)}); !errors.Is(err, session.ErrTooLarge) {
		t.Fatalf("a session over four cookies: %v; want ErrTooLarge", err)
	}
}

func names(cs []*http.Cookie) []string {
	var n []string
	for _, c := range cs {
		n = append(n, c.Name)
	}
	return n
}

func TestClientSideHeaderAndRemember(t *testing.T) {
	clk := newClock()
	m := newClientSide(t, newRing(t, clk.Now()), clk, &session.Options{Header: true, Name: "X-Session"})
	b := newJar()
	w, err := save(m, b.request("/"), profile{User: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Result().Cookies()) != 0 || w.Header().Get("X-Session") == "" {
		t.Fatalf("the header transport sent cookies %v and header %q", w.Result().Cookies(), w.Header().Get("X-Session"))
	}
	b.keep(w, "X-Session")
	if got, ok, _ := load(m, b.request("/")); !ok || got.User != "bob" {
		t.Fatalf("Load with the header = %+v, %v", got, ok)
	}

	// Remember-me off: a browser-session cookie, kept so when re-issued.
	c := newClientSide(t, newRing(t, clk.Now()), clk, &session.Options{IdleTimeout: 10 * time.Minute})
	b = newJar()
	w = call(c, b.request("/"), func(w http.ResponseWriter, r *http.Request) {
		if err := c.RenewWith(w, r, profile{User: "carol"}, session.RenewOptions{Remember: false}); err != nil {
			t.Error(err)
		}
	})
	if set := setCookies(w); set == "" || strings.Contains(set, "Max-Age") {
		t.Fatalf("RenewWith(Remember: false) sent %q; want a cookie without Max-Age", set)
	}
	b.keep(w)
	clk.Advance(6 * time.Minute)
	w = call(c, b.request("/"), func(_ http.ResponseWriter, r *http.Request) { c.Load(r) })
	if set := setCookies(w); set == "" || strings.Contains(set, "Max-Age") {
		t.Fatalf("the re-issued session sent %q; want a cookie without Max-Age", set)
	}
}

func TestClientSideTypeChange(t *testing.T) {
	ring := newRing(t, time.Now())
	type v1 struct {
		User  string `json:"user"`
		Admin bool   `json:"admin"`
	}
	old, err := session.NewClientSide[v1](ring, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := save(old, httptest.NewRequest("GET", "/", nil), v1{User: "alice", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(w.Result().Cookies()[0])

	var logged strings.Builder
	m := newClientSide(t, ring, nil, &session.Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if _, ok, err := load(m, r); ok || err != nil {
		t.Fatalf("a session with a field the type lost: Load = %v, %v; want no session, no error", ok, err)
	}
	if !strings.Contains(logged.String(), "no longer decodes") {
		t.Fatalf("nothing was reported: %q", logged.String())
	}
	// With IgnoreUnknownFields, the deploy that removed the field keeps
	// the user logged in.
	lenient := newClientSide(t, ring, nil, &session.Options{IgnoreUnknownFields: true})
	if got, ok, err := load(lenient, r); !ok || err != nil || got.User != "alice" {
		t.Fatalf("IgnoreUnknownFields: Load = %+v, %v, %v; want alice's session", got, ok, err)
	}
}

func TestServerSideTypeChange(t *testing.T) {
	store := session.NewMemoryStore(nil)
	type v1 struct {
		User  string `json:"user"`
		Admin bool   `json:"admin"`
	}
	old, err := session.New[v1](store, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := save(old, httptest.NewRequest("GET", "/", nil), v1{User: "alice", Admin: true})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(w.Result().Cookies()[0])
	var logged strings.Builder
	strict, err := session.New[profile](store, &session.Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := load(strict, r); ok || err != nil || !strings.Contains(logged.String(), "no longer decodes") {
		t.Fatalf("strict: Load = %v, %v, logged %q; want no session, no error, a report", ok, err, logged.String())
	}
	lenient, err := session.New[profile](store, &session.Options{IgnoreUnknownFields: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok, err := load(lenient, r); !ok || err != nil || got.User != "alice" {
		t.Fatalf("IgnoreUnknownFields: Load = %+v, %v, %v", got, ok, err)
	}
	if _, err := session.New[profile](store, &session.Options{IgnoreUnknownFields: true, Codec: ktorCodecForTest{}}); err == nil {
		t.Fatal("IgnoreUnknownFields with a codec it cannot relax: no error")
	}
}

// ktorCodecForTest is a codec that IgnoreUnknownFields does not know.
type ktorCodecForTest struct{ codec.Codec }

func (ktorCodecForTest) Name() string { return "custom" }

func TestMiddlewareRequired(t *testing.T) {
	m := newClientSide(t, newRing(t, time.Now()), nil, nil)
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	if _, _, err := m.Load(r); !errors.Is(err, session.ErrNoMiddleware) {
		t.Errorf("Load without Middleware: %v", err)
	}
	if err := m.Save(w, r, profile{}); !errors.Is(err, session.ErrNoMiddleware) {
		t.Errorf("Save without Middleware: %v", err)
	}
	w = call(m, r, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		if err := m.Save(w, r, profile{User: "late"}); !errors.Is(err, session.ErrResponseStarted) {
			t.Errorf("Save after the response started: %v", err)
		}
	})
	if set := setCookies(w); set != "" {
		t.Errorf("a late Save sent %q", set)
	}
}

// TestTwoSessions runs two Managers, one of each mode, on one handler, as
// Ktor allows several cookie<T> registrations.
func TestTwoSessions(t *testing.T) {
	prefs := newClientSide(t, newRing(t, time.Now()), nil, &session.Options{Name: "prefs"})
	login, _ := newManager(t, &session.Options{Name: "login"})
	h := prefs.Middleware(login.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _, err := prefs.Load(r)
		if err != nil {
			t.Error(err)
		}
		c, _, err := login.Load(r)
		if err != nil {
			t.Error(err)
		}
		p.Note += "+"
		c.Items = append(c.Items, "x")
		if err := prefs.Save(w, r, p); err != nil {
			t.Error(err)
		}
		if err := login.Save(w, r, c); err != nil {
			t.Error(err)
		}
		w.Write([]byte(p.Note + " " + strings.Join(c.Items, ",")))
	})))
	b := newJar()
	var body string
	for range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, b.request("/"))
		b.keep(w)
		body = w.Body.String()
	}
	if body != "+++ x,x,x" {
		t.Fatalf("after three requests: %q; want both sessions updated three times", body)
	}
}

func TestHostPrefix(t *testing.T) {
	m := newClientSide(t, newRing(t, time.Now()), nil, &session.Options{HostPrefix: true})
	b := newJar()
	w, err := save(m, b.request("/"), profile{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	set := setCookies(w)
	if !strings.HasPrefix(set, "__Host-session=") || !strings.Contains(set, "Secure") || !strings.Contains(set, "Path=/") || strings.Contains(set, "Domain") {
		t.Fatalf("Set-Cookie %q; want a __Host- cookie, Secure, Path=/, no Domain", set)
	}
	b.keep(w)
	if _, ok, _ := load(m, b.request("/")); !ok {
		t.Fatal("the __Host- cookie does not load")
	}
}

// TestClientSideHotReload: one Manager on a keyring.Watcher follows a
// rotation of the keyring file without a restart: the session sealed
// under the old primary still loads, and is re-issued under the new one.
func TestClientSideHotReload(t *testing.T) {
	clk := newClock()
	path := filepath.Join(t.TempDir(), "k.json")
	if err := keyring.Create(path, newRing(t, clk.Now())); err != nil {
		t.Fatal(err)
	}
	kw, err := keyring.Watch(t.Context(), path, &keyring.WatchOptions{Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer kw.Close()
	m, err := session.NewClientSide[profile](kw, &session.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	b := newJar()
	w, err := renew(m, b.request("/"), profile{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b.keep(w)
	clk.Advance(time.Minute)
	var fresh keyring.Key
	if _, err := keyring.Update(path, func(r *keyring.Ring) (*keyring.Ring, error) {
		r2, k, err := r.Rotate(keyring.Default, clk.Now())
		fresh = k
		return r2, err
	}); err != nil {
		t.Fatal(err)
	}
	if err := kw.Check(); err != nil {
		t.Fatal(err)
	}
	var got profile
	var ok bool
	w = call(m, b.request("/"), func(_ http.ResponseWriter, r *http.Request) { got, ok, _ = m.Load(r) })
	if !ok || got.User != "alice" {
		t.Fatalf("after the reload: Load = %+v, %v", got, ok)
	}
	b.keep(w)
	h, err := token.Inspect(b.get("session").Value)
	if err != nil || h.KeyID != fresh.ID {
		t.Fatalf("the re-issued session is sealed under key %v (%v); want the new primary %v", h.KeyID, err, fresh.ID)
	}
}
