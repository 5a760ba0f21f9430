//go:build !(linux && amd64)

package token

import "time"

// systemClock is the clock of a Minter whose Options.Now is nil: the wall
// clock. A token holds whole seconds of wall time and its checks compare
// nothing else, so the monotonic reading that time.Now adds is thrown
// away; linux/amd64 has a cheaper read of the wall clock alone (see
// clock_linux_amd64.go), and other platforms use time.Now.
func systemClock() time.Time { return time.Now() }
