package token

import (
	"errors"
	"fmt"

	"github.com/sesstool/sesstool/keyring"
)

// Sentinel errors. Every error that Open returns for a token wraps exactly
// one of them; a server must treat all three as "no session" (the same 401),
// and log the detail only.
var (
	// ErrInvalid means the token is malformed, was not sealed by a key of
	// this ring for this purpose, or does not hold a valid envelope or
	// payload.
	ErrInvalid = errors.New("token: invalid token")
	// ErrExpired means an authentic token's expiry has passed. Open never
	// returns it for bytes it has not authenticated.
	ErrExpired = errors.New("token: token expired")
	// ErrNotYetValid means an authentic token's not-before time (or its
	// issue time) lies in the future, beyond the leeway.
	ErrNotYetValid = errors.New("token: token not yet valid")
)

// Usage errors: bugs in the calling program, not bad tokens. They never
// wrap ErrInvalid, ErrExpired or ErrNotYetValid.
var (
	// ErrNoKeyring is returned by New for a nil keyring or the zero
	// keyring.Ring, which holds no keys.
	ErrNoKeyring = errors.New("token: New needs a keyring with a primary key: load one with keyring.Load, or make one with keyring.Generate")
	// ErrBadDestination is returned by Open when v is not a non-nil
	// pointer, before the token is read.
	ErrBadDestination = errors.New("token: Open needs a non-nil pointer to decode the payload into")
)

// Stage names the step of Open at which a token was rejected. The steps run
// in this order, and each runs only if the previous ones passed.
type Stage uint8

// The stages of Open.
const (
	StageSize           Stage = iota + 1 // longer than Options.MaxTokenSize, or empty
	StageEncoding                        // not strict unpadded base64url
	StageHeader                          // too short, or an unknown version
	StageKey                             // key ID not in the ring, or not usable
	StageAuthentication                  // the AEAD or HMAC check failed: wrong key, purpose or bytes
	StageEnvelope                        // authentic, but the envelope breaks the format
	StageValidity                        // authentic, but expired, not yet valid, or issued after its key's retirement
	StagePayload                         // authentic and valid, but the payload does not decode
)

var stageNames = [...]string{
	StageSize:           "size",
	StageEncoding:       "encoding",
	StageHeader:         "header",
	StageKey:            "key",
	StageAuthentication: "authentication",
	StageEnvelope:       "envelope",
	StageValidity:       "validity",
	StagePayload:        "payload",
}

// String returns the stage's name, as used in test vectors.
func (s Stage) String() string {
	if int(s) < len(stageNames) && stageNames[s] != "" {
		return stageNames[s]
	}
	return fmt.Sprintf("Stage(%d)", uint8(s))
}

// Error is the error type of Open. Use errors.Is with the sentinels to
// decide, and errors.AsType[*Error] to log the stage and key.
type Error struct {
	Stage  Stage
	KeyID  keyring.ID // the key ID from the header, once it has been read; else 0
	Reason string     // what failed and what to do, for logs and operators
	kind   error      // ErrInvalid, ErrExpired or ErrNotYetValid
}

// Error returns the sentinel's message followed by the reason.
func (e *Error) Error() string { return e.kind.Error() + ": " + e.Reason }

// Unwrap returns the sentinel the error wraps.
func (e *Error) Unwrap() error { return e.kind }

func reject(kind error, stage Stage, keyID keyring.ID, format string, args ...any) *Error {
	return &Error{Stage: stage, KeyID: keyID, Reason: fmt.Sprintf(format, args...), kind: kind}
}
