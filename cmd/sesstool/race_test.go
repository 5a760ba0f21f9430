//go:build race

package main

// raceEnabled reports whether the race detector is on: it is in the test
// binary, which then makes a poor stand-in for the sesstool binary.
const raceEnabled = true
