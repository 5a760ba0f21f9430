package ktor

import (
	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/transform"
)

// Error is the error type of a value or session text that this package
// rejects: a transformer's Read, [Inspect], [DecodeCookieValue], the
// serializers' decoding and [SessionFromJSON]. Its message is "ktor: ",
// Reason and, where the sentinel comes last, the sentinel's message.
// errors.Is matches the sentinel it wraps ([transform.ErrInvalid] for a
// transformer, [codec.ErrInvalid] for a serializer, [ErrUnrecognized],
// [ErrMalformedCookie]); errors.AsType[*Error] gives the fields, so that
// callers never read them out of the message.
type Error struct {
	// Malformed reports that a transformer rejected the value for its
	// layout (a missing separator, bad hex, a wrong length) before any key
	// was used. It is false when the value failed authentication.
	Malformed bool
	// Reason says what failed, without the "ktor: " prefix and without
	// the sentinel's message where it comes last.
	Reason string
	// Detail is, for ErrUnrecognized and ErrMalformedCookie, the part of
	// Reason that follows the sentinel's words ("line break in Base64").
	Detail string
	err    error // the sentinel
	suffix bool  // the message ends with the sentinel's
}

// Error returns "ktor: " followed by Reason and, for the sentinels that
// come last, ": " and the sentinel's message.
func (e *Error) Error() string {
	if e.suffix {
		return "ktor: " + e.Reason + ": " + e.err.Error()
	}
	return "ktor: " + e.Reason
}

// Unwrap returns the sentinel the error wraps.
func (e *Error) Unwrap() error { return e.err }

// readError returns a transformer's rejection of a value: malformed when
// the value breaks the layout, else a failed authentication.
func readError(malformed bool, reason string) *Error {
	return &Error{Malformed: malformed, Reason: reason, err: transform.ErrInvalid, suffix: true}
}

// invalid returns a serializer's rejection, wrapping codec.ErrInvalid.
func invalid(reason string) *Error {
	return &Error{Reason: reason, err: codec.ErrInvalid, suffix: true}
}

// unrecognized returns Inspect's error for a value of neither layout.
func unrecognized(detail string) *Error {
	return &Error{Reason: "not a signed or encrypted session value: " + detail, Detail: detail, err: ErrUnrecognized}
}

// malformedCookie returns a cookie codec's error, wrapping
// ErrMalformedCookie.
func malformedCookie(detail string) *Error {
	return &Error{Malformed: true, Reason: "malformed cookie value: " + detail, Detail: detail, err: ErrMalformedCookie}
}
