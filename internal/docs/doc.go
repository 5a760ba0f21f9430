// Package docs holds no code: its tests keep the documents at the
// repository root true. Every Go snippet of README.md must be quoted
// verbatim from a compiled, tested example, and SECURITY.md's per-suite
// nonce figures must match their computation.
package docs
