//go:build !race

package fuzz

// allocSlack multiplies the allocation bounds of the malformed-input
// tests: the race detector makes sync.Pool drop items at random and
// allocates for its own bookkeeping.
const allocSlack = 1
