//go:build !race

package fuzz

// raceEnabled reports whether the race detector is on. The malformed-input
// tests then skip their allocation bounds: the race detector makes
// sync.Pool drop items at random, allocates for its own bookkeeping, and
// makes every pass over a 10 MB input many times slower.
const raceEnabled = false
