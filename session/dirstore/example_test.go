package dirstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/dirstore"
)

func Example() {
	dir, err := os.MkdirTemp("", "sessions")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := dirstore.New(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	id := session.NewID()
	if err := s.Save(ctx, id, []byte(`{"user":"alice"}`), time.Hour); err != nil {
		log.Fatal(err)
	}
	data, err := s.Load(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(data))
	// Output: {"user":"alice"}
}

func ExampleStore_Prune() {
	dir, err := os.MkdirTemp("", "sessions")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	now := time.Now()
	s, err := dirstore.New(dir, &dirstore.Options{Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Save(ctx, session.NewID(), []byte("short"), time.Minute); err != nil {
		log.Fatal(err)
	}
	if err := s.Save(ctx, session.NewID(), []byte("long"), time.Hour); err != nil {
		log.Fatal(err)
	}

	now = now.Add(2 * time.Minute) // in a service, Prune runs from a time.Ticker
	removed, err := s.Prune(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("removed", removed)
	// Output: removed 1
}
