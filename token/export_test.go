package token

// SystemClockForTest exposes the default clock to the external tests.
var SystemClockForTest = systemClock
