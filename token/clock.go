package token

// systemClock is the clock of a Minter whose Options.Now is nil: the wall
// clock. A token holds whole seconds of wall time and its checks compare
// nothing else, so the monotonic reading that time.Now adds (a second clock
// read, half its cost) would be thrown away; where the platform has a
// cheaper read of the wall clock alone, systemClock uses it (see
// clock_linux_amd64.go), and time.Now elsewhere.
