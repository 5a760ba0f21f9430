//go:build race

package keyring_test

// raceEnabled reports whether the race detector is on; it makes every child
// process several times slower to start.
const raceEnabled = true
