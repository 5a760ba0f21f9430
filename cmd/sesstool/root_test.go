package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{token.ErrExpired, exitRejected},
		{fmt.Errorf("wrapped: %w", token.ErrNotYetValid), exitRejected},
		{format.Reject(token.ErrInvalid, format.StageSize, "too long"), exitRejected},
		{withHint(format.Reject(token.ErrInvalid, format.StageSize, "x"), "h"), exitRejected},
		{usagef(nil, "bad flag"), exitUsage},
		{keyring.ErrNotFound, exitUsage},
		{keyring.ErrState, exitUsage},
		{keyring.ErrCorrupt, exitEnv},
		{keyring.ErrInsecure, exitEnv},
		{keyring.ErrExists, exitEnv},
		{errors.New("disk on fire"), exitEnv},
		{&silentError{code: exitRejected}, exitRejected},
	} {
		if got := exitCode(tt.err); got != tt.want && tt.err != nil {
			t.Errorf("exitCode(%v) = %d; want %d", tt.err, got, tt.want)
		}
	}
}

// TestReportPanic checks that a panic is reported as one error line, not a
// stack trace.
func TestReportPanic(t *testing.T) {
	var errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &errb}
	// A nil getenv panics as soon as a command resolves the keyring.
	code := a.run([]string{"keys", "list"})
	if code != exitEnv {
		t.Errorf("exit code %d; want %d", code, exitEnv)
	}
	want := "sesstool: error: internal error: runtime error: invalid memory address or nil pointer dereference\n" +
		"sesstool: hint: this is a bug in sesstool: please report it with the command that caused it\n"
	if errb.String() != want {
		t.Errorf("stderr = %q; want %q", errb.String(), want)
	}
}
