// Package layers holds the test that enforces the import rules of
// ARCHITECTURE.md, as Go's src/go/build/deps_test.go does for the standard
// library. It has no code: see layers_test.go.
package layers
