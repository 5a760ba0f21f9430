package token_test

import (
	"context"
	"log"
	"log/slog"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// Example_hotReload follows a keyring file while the service runs: every
// Mint and Open uses the ring the Watcher loaded last. (Not run: it needs
// the keyring file.)
func Example_hotReload() {
	ctx := context.Background()
	keys, err := keyring.Watch(ctx, "/etc/myapp/sessions.json", &keyring.WatchOptions{
		Interval: time.Second, // the default
		OnError:  func(err error) { slog.Error("session keys not reloaded", "err", err) },
	})
	if err != nil {
		log.Fatal(err) // the first load must succeed
	}
	defer keys.Close()
	m, err := token.New(keys, &token.Options{Purpose: "LOGIN_SESSION", Leeway: 30 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	_ = m
}
