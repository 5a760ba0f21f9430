package session_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sesstool/sesstool/ktor"
	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/transform"
)

// recordingStore remembers the IDs that reach it.
type recordingStore struct {
	session.Store
	ids []string
}

func (s *recordingStore) Load(ctx context.Context, id string) ([]byte, error) {
	s.ids = append(s.ids, id)
	return s.Store.Load(ctx, id)
}

// FuzzRequestID feeds any cookie and header value to Load, plain and with
// a MessageAuthentication transformer: it must not panic, and only valid
// IDs (and, when signed, only correctly signed ones) may reach the store.
func FuzzRequestID(f *testing.F) {
	mac, err := ktor.NewMessageAuthentication([]byte("fuzz key"), transform.SHA256)
	if err != nil {
		f.Fatal(err)
	}
	// Fixed, not NewID: the fuzzer runs this set-up in each of its
	// processes, and the seeds must name the same ID in all of them.
	const id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	signed := string(mac.Write(nil, []byte(id)))
	for _, s := range []string{"", id, signed, "%2F", "a%2", id + "%2F" + id, "\x00", "%zz/", signed + "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		// A new store each time: Save below adds a session per call, and
		// a shared store would fill up.
		store := session.NewMemoryStore(nil)
		if err := store.Save(context.Background(), id, []byte(`{"user":"x"}`), time.Hour); err != nil {
			t.Fatal(err)
		}
		for _, o := range []session.Options{{}, {Transformer: mac}, {Header: true}, {Header: true, Transformer: mac}} {
			o.RawStore = true // the session above is a bare value
			rec := &recordingStore{Store: store}
			m, err := session.New[cart](rec, &o)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			if o.Header {
				r.Header.Set(session.DefaultName, value)
			} else {
				r.Header.Set("Cookie", session.DefaultName+"="+value)
			}
			_, _, _ = load(m, r)
			for _, got := range rec.ids {
				if !session.ValidID(got) {
					t.Fatalf("options %+v: the invalid ID %q reached the store", o, got)
				}
				if o.Transformer != nil && got != id {
					t.Fatalf("options %+v: %q reached the store without a valid signature", o, got)
				}
			}
			if _, err := save(m, r, cart{User: "y"}); err != nil {
				t.Fatalf("options %+v: Save: %v", o, err)
			}
		}
	})
}
