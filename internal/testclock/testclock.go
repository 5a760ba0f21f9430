// Package testclock provides a settable clock for tests of code whose clock
// can be injected, such as session stores.
package testclock

import (
	"sync"
	"time"
)

// Clock is a settable clock, safe for concurrent use: pass Now where the
// code under test reads the time, and call Advance to move it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a Clock that reads t until advanced.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
