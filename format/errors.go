package format

import (
	"errors"
	"fmt"
	"time"

	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// Stage names the step at which a token was rejected. The stages of the
// token package keep their values and names; StageFormat is the
// registry's own.
type Stage uint8

// The stages. A format reports those its steps have.
const (
	StageSize           = Stage(token.StageSize)
	StageEncoding       = Stage(token.StageEncoding)
	StageHeader         = Stage(token.StageHeader)
	StageKey            = Stage(token.StageKey)
	StageAuthentication = Stage(token.StageAuthentication)
	StageEnvelope       = Stage(token.StageEnvelope)
	StageValidity       = Stage(token.StageValidity)
	StagePayload        = Stage(token.StagePayload)
	// StageFormat: the token was not opened, because its format cannot
	// make a check asked for (see Demands).
	StageFormat Stage = 100
)

// String returns the stage's name: "size", …, "payload", "format".
func (s Stage) String() string {
	if s == StageFormat {
		return "format"
	}
	return token.Stage(s).String()
}

// Error is a token rejected by a format. Kind is token.ErrInvalid,
// token.ErrExpired or token.ErrNotYetValid, and errors.Is matches it;
// errors.As also finds the format's own error, if any (a *token.Error, a
// *ktor.Error), through Err.
type Error struct {
	// Format is the format that rejected the token, or nil when it was
	// not recognised.
	Format Format
	Stage  Stage
	// KeyID is the key named by the token, or the one key that rejected
	// it; 0 when there is none.
	KeyID  keyring.ID
	Reason string // what failed, for logs and operators
	Kind   error
	// Err is the underlying error, or nil.
	Err error
	// Algorithm is set at StageKey: the algorithm of key the token needs
	// when the ring holds none, or that of the one key chosen
	// (Options.KeyID) when it cannot open the token.
	Algorithm keyring.Algorithm
	// Subject says what the input is, in words ("an encrypted cookie with
	// a 64-character tag"), when Reason starts with it.
	Subject string
	// Lifetime and MaxTTL are set, at StageEnvelope, when an authentic
	// token lives longer than Options.MaxTTL allows.
	Lifetime, MaxTTL time.Duration
}

// Error returns Kind's message, ": " and the reason: the form of
// token.Error.
func (e *Error) Error() string { return e.Kind.Error() + ": " + e.Reason }

// Unwrap returns Kind and Err.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Reject returns a rejection of kind (token.ErrInvalid, token.ErrExpired
// or token.ErrNotYetValid) at stage, for callers that reject input
// before a format sees it (too long, binary, of no known format).
func Reject(kind error, stage Stage, format string, args ...any) *Error {
	return reject(nil, kind, stage, 0, format, args...)
}

func reject(f Format, kind error, stage Stage, id keyring.ID, format string, args ...any) *Error {
	return &Error{Format: f, Kind: kind, Stage: stage, KeyID: id, Reason: fmt.Sprintf(format, args...)}
}

// fromToken turns a *token.Error into an *Error of format f; other errors
// are returned as they are.
func fromToken(f Format, err error) error {
	te, ok := errors.AsType[*token.Error](err)
	if !ok {
		return err
	}
	kind := token.ErrInvalid
	for _, k := range []error{token.ErrExpired, token.ErrNotYetValid} {
		if errors.Is(err, k) {
			kind = k
		}
	}
	return &Error{Format: f, Stage: Stage(te.Stage), KeyID: te.KeyID, Reason: te.Reason, Kind: kind, Err: te}
}

// KeyTrialError is returned when opening a token would try more keys of
// one algorithm than a format allows (see MaxKtorTrial). It wraps
// ErrTooManyKeys.
type KeyTrialError struct {
	Algorithm keyring.Algorithm
	Keys      int // how many keys of Algorithm the ring holds
	Max       int // the most that are tried
}

func (e *KeyTrialError) Error() string {
	return fmt.Sprintf("the keyring holds %d %s keys, and a token that names no key is tried under at most %d", e.Keys, e.Algorithm, e.Max)
}

// Unwrap returns ErrTooManyKeys.
func (e *KeyTrialError) Unwrap() error { return ErrTooManyKeys }
