package session_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesstool/sesstool/internal/tamper"
	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/transform"
)

type cart struct {
	User  string   `json:"user"`
	Items []string `json:"items"`
}

// countingStore counts the calls that reach the store, and can fail them.
type countingStore struct {
	session.Store
	loads, saves, updates, deletes atomic.Int32
	fail                           error
	failDelete                     error // Delete alone fails with it
}

func (s *countingStore) Load(ctx context.Context, id string) ([]byte, error) {
	s.loads.Add(1)
	if s.fail != nil {
		return nil, s.fail
	}
	return s.Store.Load(ctx, id)
}

func (s *countingStore) Save(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	s.saves.Add(1)
	if s.fail != nil {
		return s.fail
	}
	return s.Store.Save(ctx, id, data, ttl)
}

func (s *countingStore) Delete(ctx context.Context, id string) error {
	s.deletes.Add(1)
	if s.fail != nil {
		return s.fail
	}
	if s.failDelete != nil {
		return s.failDelete
	}
	return s.Store.Delete(ctx, id)
}

func (s *countingStore) Update(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	s.updates.Add(1)
	if s.fail != nil {
		return s.fail
	}
	return s.Store.Update(ctx, id, data, ttl)
}

// call runs f as the handler of request r, through m's Middleware, and
// returns the response.
func call[T any](m *session.Manager[T], r *http.Request, f func(w http.ResponseWriter, r *http.Request)) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(f)).ServeHTTP(w, r)
	return w
}

// load is Load in a request of its own.
func load[T any](m *session.Manager[T], r *http.Request) (v T, ok bool, err error) {
	call(m, r, func(_ http.ResponseWriter, r *http.Request) { v, ok, err = m.Load(r) })
	return v, ok, err
}

// save is Save in a request of its own.
func save[T any](m *session.Manager[T], r *http.Request, v T) (w *httptest.ResponseRecorder, err error) {
	w = call(m, r, func(w http.ResponseWriter, r *http.Request) { err = m.Save(w, r, v) })
	return w, err
}

// renew is Renew in a request of its own.
func renew[T any](m *session.Manager[T], r *http.Request, v T) (w *httptest.ResponseRecorder, err error) {
	w = call(m, r, func(w http.ResponseWriter, r *http.Request) { err = m.Renew(w, r, v) })
	return w, err
}

// clear is Clear in a request of its own.
func clear[T any](m *session.Manager[T], r *http.Request) (w *httptest.ResponseRecorder, err error) {
	w = call(m, r, func(w http.ResponseWriter, r *http.Request) { err = m.Clear(w, r) })
	return w, err
}

// second returns the error of a call that also returns a response.
func second(_ *httptest.ResponseRecorder, err error) error { return err }

func newManager(t *testing.T, o *session.Options) (*session.Manager[cart], *countingStore) {
	t.Helper()
	store := &countingStore{Store: session.NewMemoryStore(nil)}
	m, err := session.New[cart](store, o)
	if err != nil {
		t.Fatal(err)
	}
	return m, store
}

// request returns a request that carries the cookies of an earlier
// response, as a browser would send them back.
func request(from *httptest.ResponseRecorder) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if from != nil {
		for _, c := range from.Result().Cookies() {
			if c.MaxAge >= 0 {
				r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			}
		}
	}
	return r
}

func TestCookieLifecycle(t *testing.T) {
	m, store := newManager(t, nil)

	// No cookie: no session, and the store is not asked.
	if _, ok, err := load(m, request(nil)); ok || err != nil {
		t.Fatalf("Load without a cookie = %v, %v", ok, err)
	}
	if n := store.loads.Load(); n != 0 {
		t.Fatalf("the store was asked %d times for a request without an ID", n)
	}

	// Save issues an ID in a cookie with safe attributes.
	w, err := save(m, request(nil), cart{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	set := w.Header().Get("Set-Cookie")
	for _, want := range []string{"session=", "Path=/", "Max-Age=86400", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %q", set, want)
		}
	}
	id := w.Result().Cookies()[0].Value
	if !session.ValidID(id) || len(id) != 64 {
		t.Fatalf("the cookie carries %q, not a 64-character ID", id)
	}

	// The next request loads it, and saving again keeps the ID.
	got, ok, err := load(m, request(w))
	if err != nil || !ok || got.User != "alice" {
		t.Fatalf("Load = %+v, %v, %v", got, ok, err)
	}
	w2, err := save(m, request(w), cart{User: "alice", Items: []string{"book"}})
	if err != nil {
		t.Fatal(err)
	}
	// The ID stays, and so does the cookie, whose Max-Age runs to the
	// session's absolute end: nothing to send again.
	if cs := w2.Result().Cookies(); len(cs) != 0 {
		t.Fatalf("Save of a live session sent a cookie again: %v", cs)
	}
	if got, _, _ := load(m, request(w)); len(got.Items) != 1 {
		t.Fatalf("Load after the second Save = %+v", got)
	}
	if n := store.saves.Load(); n != 1 {
		t.Fatalf("the store saw %d Saves; want 1 (the second Save of a live session is an Update)", n)
	}

	// Renew moves the session to a new ID and deletes the old one.
	w3, err := renew(m, request(w), cart{User: "alice", Items: []string{"book"}})
	if err != nil {
		t.Fatal(err)
	}
	newID := w3.Result().Cookies()[0].Value
	if newID == id || !session.ValidID(newID) {
		t.Fatalf("Renew kept the ID or sent an invalid one: %q", newID)
	}
	if _, ok, _ := load(m, request(w)); ok {
		t.Fatal("the old ID still opens a session after Renew")
	}
	if got, ok, _ := load(m, request(w3)); !ok || got.User != "alice" {
		t.Fatalf("the new ID: %+v, %v", got, ok)
	}

	// Clear deletes it and expires the cookie.
	w4, err := clear(m, request(w3))
	if err != nil {
		t.Fatal(err)
	}
	if c := w4.Result().Cookies()[0]; c.MaxAge >= 0 || c.Value != "" {
		t.Fatalf("Clear sent %+v; want an expired, empty cookie", c)
	}
	if _, ok, _ := load(m, request(w3)); ok {
		t.Fatal("the session still opens after Clear")
	}
}

func TestSaveNeverAdoptsAnUnknownID(t *testing.T) {
	// Session fixation: an attacker sets the victim's cookie to an ID of
	// their choosing, then waits for the victim to log in.
	m, _ := newManager(t, nil)
	planted := session.NewID()
	r := request(nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: planted})
	w, err := save(m, r, cart{User: "victim"})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Result().Cookies()[0].Value; got == planted {
		t.Fatal("Save adopted an ID the store did not know")
	}
}

func TestMalformedIDsNeverReachTheStore(t *testing.T) {
	m, store := newManager(t, nil)
	for _, v := range []string{
		"x",
		strings.ToUpper(session.NewID()),
		session.NewID() + "0", // 65 characters: valid length, but never issued, so it goes to the store
		"../../etc/passwd",
		strings.Repeat("a", 5000),
		session.NewID()[:31],
	} {
		before := store.loads.Load()
		r := request(nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: v})
		if _, ok, err := load(m, r); ok || err != nil {
			t.Errorf("Load with cookie %.20q… = %v, %v; want no session, no error", v, ok, err)
		}
		asked := store.loads.Load() > before
		if wantAsk := session.ValidID(v); asked != wantAsk {
			t.Errorf("cookie %.20q…: store asked = %v, want %v", v, asked, wantAsk)
		}
	}
}

func TestHeaderTransport(t *testing.T) {
	m, _ := newManager(t, &session.Options{Header: true, Name: "X-Session"})
	w, err := save(m, request(nil), cart{User: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Result().Cookies()) != 0 {
		t.Fatal("the header transport set a cookie")
	}
	id := w.Header().Get("X-Session")
	r := request(nil)
	r.Header.Set("X-Session", id)
	if got, ok, err := load(m, r); err != nil || !ok || got.User != "bob" {
		t.Fatalf("Load with the header = %+v, %v, %v", got, ok, err)
	}
	if err := second(clear(m, r)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := load(m, r); ok {
		t.Fatal("the session opens after Clear")
	}
}

func TestSignedIDsAsKtorSendsThem(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	mac, err := ktor.NewMessageAuthentication(key, transform.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	m, store := newManager(t, &session.Options{Transformer: mac})
	w, err := save(m, request(nil), cart{User: "carol"})
	if err != nil {
		t.Fatal(err)
	}
	value := w.Result().Cookies()[0].Value
	// Ktor's cookie: <id>/<hex hmac>, URI-encoded ("/" as %2F).
	id, tag, ok := strings.Cut(value, "%2F")
	if !ok || !session.ValidID(id) || len(tag) != 64 {
		t.Fatalf("cookie %q is not <id>%%2F<64 hex>", value)
	}
	want := string(mac.Write(nil, []byte(id)))
	if got, _ := ktor.DecodeCookieValue(value, ktor.URIEncoding); got != want {
		t.Fatalf("cookie decodes to %q; Ktor's transformer writes %q", got, want)
	}
	if got, ok, err := load(m, request(w)); err != nil || !ok || got.User != "carol" {
		t.Fatalf("Load = %+v, %v, %v", got, ok, err)
	}
	// A forged or altered tag is rejected before the store is asked.
	before := store.loads.Load()
	for _, v := range []string{id, id + "%2F" + strings.Repeat("0", 64), tamper.Last(t, value, tamper.Hex), strings.Replace(value, "%2F", "/", 1) + "x"} {
		r := request(nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: v})
		if _, ok, _ := load(m, r); ok {
			t.Errorf("cookie %q opened a session", v)
		}
	}
	if store.loads.Load() != before {
		t.Error("a cookie with a bad tag reached the store")
	}
	// A raw "/" (a cookie sent back without URI encoding) is accepted, as in Ktor.
	r := request(nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: want})
	if _, ok, _ := load(m, r); !ok {
		t.Error("the unencoded cookie did not open the session")
	}
}

func TestMiddlewareKeepsTheIssuedID(t *testing.T) {
	m, _ := newManager(t, nil)
	var loaded cart
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := m.Save(w, r, cart{User: "dave"}); err != nil {
			t.Error(err)
		}
		if err := m.Save(w, r, cart{User: "dave", Items: []string{"pen"}}); err != nil {
			t.Error(err)
		}
		var ok bool
		var err error
		if loaded, ok, err = m.Load(r); !ok || err != nil {
			t.Errorf("Load in the same request = %v, %v", ok, err)
		}
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, request(nil))
	ids := map[string]bool{}
	for _, c := range w.Result().Cookies() {
		ids[c.Value] = true
	}
	if len(ids) != 1 {
		t.Fatalf("two Saves in one request sent %d different IDs", len(ids))
	}
	if len(loaded.Items) != 1 {
		t.Fatalf("Load in the same request = %+v", loaded)
	}
}

func TestStoreFailures(t *testing.T) {
	m, store := newManager(t, nil)
	w, err := save(m, request(nil), cart{User: "erin"})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("connection refused")
	store.fail = boom
	if _, ok, err := load(m, request(w)); ok || !errors.Is(err, boom) {
		t.Errorf("Load with a failing store = %v, %v; want the store's error", ok, err)
	}
	if err := second(save(m, request(w), cart{})); !errors.Is(err, boom) {
		t.Errorf("Save with a failing store = %v", err)
	}
	if err := second(clear(m, request(w))); !errors.Is(err, boom) {
		t.Errorf("Clear with a failing store = %v", err)
	}
}

// TestRenewDeletesTheOldSessionFirst: when the old session cannot be
// deleted, Renew begins no new one and sends nothing, so a planted ID never
// ends up beside a fresh log-in.
func TestRenewDeletesTheOldSessionFirst(t *testing.T) {
	m, store := newManager(t, nil)
	b := newJar()
	w, err := renew(m, b.request("/"), cart{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b.keep(w)
	store.failDelete = errors.New("connection reset")
	saves := store.saves.Load()
	w, err = renew(m, b.request("/"), cart{User: "alice", Items: []string{"admin"}})
	if !errors.Is(err, store.failDelete) {
		t.Fatalf("Renew with a failing Delete: %v", err)
	}
	if set := setCookies(w); set != "" {
		t.Fatalf("the failed Renew sent %q", set)
	}
	if store.saves.Load() != saves {
		t.Fatal("the failed Renew stored a new session")
	}
}

func TestDataLimits(t *testing.T) {
	m, _ := newManager(t, &session.Options{MaxDataSize: 100})
	err := second(save(m, request(nil), cart{User: strings.Repeat("x", 200)}))
	if !errors.Is(err, session.ErrTooLarge) {
		t.Fatalf("Save of 200 bytes with MaxDataSize 100: %v; want ErrTooLarge", err)
	}
	// Data in the store that is too large is an error; data that no longer
	// decodes (a field the type lost, or garbage) is no session, reported
	// to the Logger.
	var logged strings.Builder
	logger := slog.New(slog.NewTextHandler(&logged, nil))
	m, store := newManager(t, &session.Options{MaxDataSize: 100, RawStore: true, Logger: logger})
	ctx := context.Background()
	for _, tc := range []struct {
		data    string
		wantErr error
		wantLog bool
	}{
		{strings.Repeat(" ", 101), session.ErrTooLarge, false},
		{`{"user":"x","admin":true}`, nil, true}, // a field that cart does not have
		{`not json`, nil, true},
	} {
		logged.Reset()
		id := session.NewID()
		if err := store.Store.Save(ctx, id, []byte(tc.data), time.Hour); err != nil {
			t.Fatal(err)
		}
		r := request(nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: id})
		_, ok, err := load(m, r)
		if ok || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("stored %.20q: Load = %v, %v; want no session and error %v", tc.data, ok, err, tc.wantErr)
		}
		if got := strings.Contains(logged.String(), "no longer decodes"); got != tc.wantLog {
			t.Errorf("stored %.20q: logged %q; want a report: %v", tc.data, logged.String(), tc.wantLog)
		}
		if strings.Contains(logged.String(), id) {
			t.Errorf("the report names the session ID: %q", logged.String())
		}
	}
}

func TestNewRejects(t *testing.T) {
	store := session.NewMemoryStore(nil)
	for name, o := range map[string]*session.Options{
		"short idle":            {IdleTimeout: 500 * time.Millisecond},
		"lifetime < idle":       {IdleTimeout: time.Hour, Lifetime: time.Minute},
		"touch > idle":          {IdleTimeout: time.Minute, TouchInterval: time.Hour},
		"host prefix, path":     {HostPrefix: true, Path: "/app"},
		"host prefix, insecure": {HostPrefix: true, Insecure: true},
		"host prefix, domain":   {HostPrefix: true, Domain: "example.com"},
		"host prefix, header":   {HostPrefix: true, Header: true},
		"chunks":                {Chunks: 2},
		"purpose":               {Purpose: "x"},
		"name with space":       {Name: "my session"},
		"name with ;":           {Name: "a;b"},
		"negative maxdata":      {MaxDataSize: -1},
	} {
		if _, err := session.New[cart](store, o); err == nil {
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
	if _, err := session.New[cart](nil, nil); err == nil {
		t.Error("New accepted a nil store")
	}
}
