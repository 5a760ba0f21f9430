package keyring_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/sesstool/sesstool/keyring"
)

// printKeys prints each key's algorithm, state and times; IDs are random,
// so the examples leave them out.
func printKeys(r *keyring.Ring) {
	for k := range r.Keys() {
		fmt.Printf("  %-17s %-9v created %s", k.Algorithm, k.State, k.Created.Format(time.DateOnly))
		if !k.Retired.IsZero() {
			fmt.Printf(", retired %s", k.Retired.Format(time.DateOnly))
		}
		fmt.Println()
	}
}

func ExampleRing_Rotate() {
	day := func(d int) time.Time { return time.Date(2030, 1, d, 12, 0, 0, 0, time.UTC) }

	r, err := keyring.Generate(keyring.Default, day(1))
	if err != nil {
		log.Fatal(err)
	}
	r, _, err = r.Rotate(keyring.Default, day(8))
	if err != nil {
		log.Fatal(err)
	}
	// The new primary may use another algorithm.
	r, k, err := r.Rotate(keyring.AES256GCM, day(15))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("primary is the new key:", r.Primary().ID == k.ID)
	printKeys(r)
	// Output:
	// primary is the new key: true
	//   xchacha20poly1305 retired   created 2030-01-01, retired 2030-01-08
	//   xchacha20poly1305 retired   created 2030-01-08, retired 2030-01-15
	//   aes256gcm         primary   created 2030-01-15
}

// Two-phase rotation, for keyrings shared by several servers: add the new
// key, let every server load it, and only then promote it.
func ExampleRing_Promote() {
	day := func(d int) time.Time { return time.Date(2030, 1, d, 12, 0, 0, 0, time.UTC) }

	r, err := keyring.Generate(keyring.Default, day(1))
	if err != nil {
		log.Fatal(err)
	}
	r, k, err := r.Add(keyring.Default, day(7))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("after Add:")
	printKeys(r)
	r, err = r.Promote(k.ID, day(8))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("after Promote:")
	printKeys(r)
	// Output:
	// after Add:
	//   xchacha20poly1305 primary   created 2030-01-01
	//   xchacha20poly1305 active    created 2030-01-07
	// after Promote:
	//   xchacha20poly1305 retired   created 2030-01-01, retired 2030-01-08
	//   xchacha20poly1305 primary   created 2030-01-07
}

func ExampleRing_Prune() {
	day := func(d int) time.Time { return time.Date(2030, 1, d, 12, 0, 0, 0, time.UTC) }

	// A key a week: retired on the 8th, the 15th and the 22nd.
	r, err := keyring.Generate(keyring.Default, day(1))
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range []int{8, 15, 22} {
		if r, _, err = r.Rotate(keyring.Default, day(d)); err != nil {
			log.Fatal(err)
		}
	}
	// Tokens live at most 7 days (MaxTTL plus leeway). On the 22nd, a key
	// retired on the 15th or earlier can no longer have live tokens.
	const maxAge = 7 * 24 * time.Hour
	for k := range r.Keys() {
		if at, ok := keyring.PruneDeadline(k, maxAge); ok {
			fmt.Printf("key retired %s is prunable from %s\n", k.Retired.Format(time.DateOnly), at.Format(time.DateOnly))
		}
	}
	r, removed := r.Prune(day(22), maxAge)
	fmt.Println("removed", len(removed), "keys; kept:")
	printKeys(r)
	// Output:
	// key retired 2030-01-08 is prunable from 2030-01-15
	// key retired 2030-01-15 is prunable from 2030-01-22
	// key retired 2030-01-22 is prunable from 2030-01-29
	// removed 2 keys; kept:
	//   xchacha20poly1305 retired   created 2030-01-15, retired 2030-01-22
	//   xchacha20poly1305 primary   created 2030-01-22
}

// Create writes a new keyring file, Load reads it, and Update changes it
// under a lock, so that several processes can rotate one file.
func ExampleUpdate() {
	dir, err := os.MkdirTemp("", "keyring-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "keyring.json")
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

	r, err := keyring.Generate(keyring.Default, t0)
	if err != nil {
		log.Fatal(err)
	}
	if err := keyring.Create(path, r); err != nil {
		log.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("created with mode %04o\n", fi.Mode().Perm())

	// Create never replaces a keyring.
	err = keyring.Create(path, r)
	fmt.Println("second Create refused:", errors.Is(err, keyring.ErrExists))

	r, err = keyring.Update(path, func(r *keyring.Ring) (*keyring.Ring, error) {
		r2, _, err := r.Rotate(keyring.Default, t0.Add(7*24*time.Hour))
		return r2, err
	})
	if err != nil {
		log.Fatal(err)
	}
	loaded, err := keyring.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("loaded", loaded.Len(), "keys; same primary as Update returned:", loaded.Primary().ID == r.Primary().ID)
	printKeys(loaded)
	// Output:
	// created with mode 0600
	// second Create refused: true
	// loaded 2 keys; same primary as Update returned: true
	//   xchacha20poly1305 retired   created 2030-01-01, retired 2030-01-08
	//   xchacha20poly1305 primary   created 2030-01-08
}
