package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesstool/sesstool/session"
	"github.com/sesstool/sesstool/session/redisstore"
)

// This example needs a Redis server on localhost:6379, so it is compiled
// but not run.
func Example() {
	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer client.Close()

	store, err := redisstore.New(client, &redisstore.Options{Prefix: "myapp:session:"})
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	id := session.NewID() // goes in the cookie; Redis sees only its SHA-256
	if err := store.Save(ctx, id, []byte(`{"user":"alice"}`), 30*time.Minute); err != nil {
		log.Fatal(err)
	}
	data, err := store.Load(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", data)
}
