package session_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesstool/sesstool/session"
)

// TestLogOutHoldsOverHTTP is the review's scenario, over real HTTP: an
// attacker replays a stolen session cookie from 4 concurrent clients
// against an ordinary load-then-save endpoint while the victim logs out
// (or logs in again, which renews the ID). Before Store.Update, the
// requests that had loaded the session before the log-out saved it back,
// and it survived in 20 of 20 trials. Now no request may find the session
// once the log-out has returned.
func TestLogOutHoldsOverHTTP(t *testing.T) {
	for _, end := range []string{"logout", "login"} {
		t.Run(end, func(t *testing.T) {
			store := session.NewMemoryStore(nil)
			m, err := session.New[cart](store, nil)
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
				if err := m.Renew(w, r, cart{User: "victim"}); err != nil {
					http.Error(w, err.Error(), 500)
				}
			})
			mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
				if err := m.Clear(w, r); err != nil {
					http.Error(w, err.Error(), 500)
				}
			})
			mux.HandleFunc("GET /poll", func(w http.ResponseWriter, r *http.Request) {
				c, ok, err := m.Load(r)
				if err != nil || !ok {
					http.Error(w, "no session", http.StatusUnauthorized)
					return
				}
				time.Sleep(time.Millisecond) // the handler's work: the window the race needs
				c.Items = append(c.Items[:min(len(c.Items), 8)], "poll")
				if err := m.Save(w, r, c); err != nil {
					http.Error(w, "session ended", http.StatusUnauthorized)
					return
				}
				io.WriteString(w, "ok")
			})
			srv := httptest.NewServer(m.Middleware(mux))
			defer srv.Close()
			client := srv.Client()
			post := func(path, cookie string) *http.Response {
				req, _ := http.NewRequest("POST", srv.URL+path, nil)
				if cookie != "" {
					req.Header.Set("Cookie", cookie)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp
			}

			const trials, attackers = 20, 4
			resurrected := 0
			for trial := range trials {
				login := post("/login", "")
				cookies := login.Cookies()
				if login.StatusCode != 200 || len(cookies) != 1 {
					t.Fatalf("log-in: %d, %v", login.StatusCode, cookies)
				}
				stolen := "session=" + cookies[0].Value

				var ended atomic.Bool  // set once the log-out has returned
				var alive atomic.Int32 // requests begun after that which still found the session
				var started sync.WaitGroup
				var wg sync.WaitGroup
				started.Add(attackers)
				for range attackers {
					wg.Go(func() {
						first := true
						for i := 0; i < 200; i++ {
							after := ended.Load()
							req, _ := http.NewRequest("GET", srv.URL+"/poll", nil)
							req.Header.Set("Cookie", stolen)
							resp, err := client.Do(req)
							if err != nil {
								t.Error(err)
								return
							}
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if first {
								first = false
								started.Done()
							}
							if after {
								if resp.StatusCode == 200 {
									alive.Add(1)
								}
								if i%10 == 9 {
									return // enough requests after the log-out
								}
							}
						}
					})
				}
				started.Wait() // every attacker is polling
				if end == "logout" {
					post("/logout", stolen)
				} else {
					post("/login", stolen)
				}
				ended.Store(true)
				wg.Wait()
				// And, once every attacker has stopped, the stolen ID is gone
				// for good.
				req, _ := http.NewRequest("GET", srv.URL+"/poll", nil)
				req.Header.Set("Cookie", stolen)
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if n := alive.Load(); n > 0 || resp.StatusCode != http.StatusUnauthorized {
					resurrected++
					t.Logf("trial %d: %d requests begun after the %s found the session; afterwards: %s", trial, n, end, resp.Status)
				}
			}
			if resurrected > 0 {
				t.Errorf("the session survived the %s in %d of %d trials", end, resurrected, trials)
			}
		})
	}
}
