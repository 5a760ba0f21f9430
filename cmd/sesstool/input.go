package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/token"
)

// Input limits. Nothing sesstool reads is held in memory unbounded.
const (
	// maxPayload is the largest payload mint reads, in bytes: the codecs'
	// own limit (codec.MaxInputSize), far beyond what fits in a token.
	maxPayload = 1 << 20
	// maxTokenInput is the largest token input, in bytes, that the
	// single-token commands read, and the longest line of a batch. Tokens
	// are at most token.DefaultMaxTokenSize characters; the margin leaves
	// room for a pasted cookie header.
	maxTokenInput = 64 << 10
	// maxSecretInput is the largest key material keys import reads.
	maxSecretInput = 64 << 10
	// tokenSizeMin and tokenSizeMax bound --max-token-size: the smallest
	// limit that holds a token (token.Options.MaxTokenSize), and the
	// largest token input sesstool reads at all.
	tokenSizeMin = 64
	tokenSizeMax = maxTokenInput
)

// readAll reads r to its end, refusing more than limit bytes. what names the
// input in errors ("payload", "stdin").
func readAll(r io.Reader, limit int, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", what, err)
	}
	if len(data) > limit {
		return nil, errTooLarge{what: what, limit: limit}
	}
	return data, nil
}

type errTooLarge struct {
	what  string
	limit int
}

func (e errTooLarge) Error() string {
	return fmt.Sprintf("%s is larger than %d bytes", e.what, e.limit)
}

// isBinary reports whether b cannot be text: it holds a NUL byte or is not
// valid UTF-8.
func isBinary(b []byte) bool {
	return bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b)
}

// readStdin reads stdin for cmd, explaining on stderr what it waits for when
// stdin is a terminal, so that a forgotten argument does not look like a hang.
func (a *app) readStdin(limit int, what string) ([]byte, error) {
	if a.stdinTTY {
		fmt.Fprintf(a.stderr, "sesstool: reading the %s from the terminal; end it with Ctrl-D\n", what)
	}
	return readAll(a.stdin, limit, "the "+what+" on stdin")
}

// rejectInfo returns the short reason ("invalid", "expired",
// "not-yet-valid"), the stage and the key ID of a token rejection.
func rejectInfo(err error) (reason, stage string, keyID uint32) {
	switch {
	case errors.Is(err, token.ErrExpired):
		reason = "expired"
	case errors.Is(err, token.ErrNotYetValid):
		reason = "not-yet-valid"
	default:
		reason = "invalid"
	}
	if e, ok := errors.AsType[*format.Error](err); ok {
		return reason, e.Stage.String(), uint32(e.KeyID)
	}
	if te, ok := errors.AsType[*token.Error](err); ok {
		return reason, te.Stage.String(), uint32(te.KeyID)
	}
	return reason, "", 0
}

// readToken returns the single token input of cmd: the argument, or stdin
// when it is "-" or absent. It trims surrounding white space, and accepts
// cookie headers and name=value pairs (see splitCookies). An empty input is
// a usage error; a binary or oversized one is a rejected token.
func (a *app) readTokenInput(cmd *cobra.Command, args []string) (string, error) {
	var raw []byte
	if len(args) == 1 && args[0] != "-" {
		raw = []byte(args[0])
		if len(raw) > maxTokenInput {
			return "", format.Reject(token.ErrInvalid, format.StageSize, "the token argument is longer than %d bytes", maxTokenInput)
		}
	} else {
		var err error
		raw, err = a.readStdin(maxTokenInput, "token")
		if _, ok := errors.AsType[errTooLarge](err); ok {
			return "", format.Reject(token.ErrInvalid, format.StageSize, "the token on stdin is longer than %d bytes", maxTokenInput)
		}
		if err != nil {
			return "", err
		}
	}
	if isBinary(raw) {
		return "", format.Reject(token.ErrInvalid, format.StageEncoding, "the input is binary data, not a token")
	}
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return "", &usageError{err: errors.New("no token: the input is empty"), cmd: cmd,
			hint: "give the token as an argument, or pipe it on stdin"}
	}
	if strings.ContainsAny(s, "\r\n") {
		return "", &usageError{err: errors.New("the input holds more than one line"), cmd: cmd,
			hint: "to check many tokens, one per line, use --batch"}
	}
	return s, nil
}

// durationValue is a flag holding a duration: Go's syntax ("90m", "1h30m")
// plus whole days ("7d", "1d12h").
type durationValue time.Duration

func (d *durationValue) String() string { return time.Duration(*d).String() }
func (d *durationValue) Type() string   { return "duration" }
func (d *durationValue) Set(s string) error {
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = durationValue(v)
	return nil
}

// parseDuration parses Go durations with an optional leading count of
// days: "7d", "1d12h", "90m", "-30s".
func parseDuration(s string) (time.Duration, error) {
	rest, neg := s, false
	if strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
		neg, rest = rest[0] == '-', rest[1:]
	}
	var days int64
	if i := strings.IndexByte(rest, 'd'); i > 0 {
		n, err := strconv.ParseInt(rest[:i], 10, 32)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q (use e.g. 90s, 15m, 1h30m, 7d)", s)
		}
		days, rest = n, rest[i+1:]
	}
	var d time.Duration
	if rest != "" || days == 0 {
		var err error
		if d, err = time.ParseDuration(rest); err != nil || d < 0 {
			return 0, fmt.Errorf("invalid duration %q (use e.g. 90s, 15m, 1h30m, 7d)", s)
		}
	}
	if days > int64((math.MaxInt64-d)/(24*time.Hour)) {
		return 0, fmt.Errorf("duration %q is too long: the longest is about 106751 days (292 years)", s)
	}
	d += time.Duration(days) * 24 * time.Hour
	if neg {
		d = -d
	}
	return d, nil
}

// maxUnixTime is the last second of year 9999, the latest time a token can
// hold.
const maxUnixTime = 253402300799

// parseTime parses a point in time given on the command line: RFC 3339
// ("2026-03-01T12:00:00Z"), Unix seconds ("1772366400"), "now", or a
// duration from now ("+2h", "-30m", "+7d").
func parseTime(s string, base time.Time) (time.Time, error) {
	switch {
	case s == "now":
		return base, nil
	case strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-"):
		d, err := parseDuration(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("invalid time %q: %v", s, err)
		}
		return base.Add(d), nil
	case s != "" && strings.Trim(s, "0123456789") == "":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > maxUnixTime {
			return time.Time{}, fmt.Errorf("invalid Unix time %q: it must be at most %d (the end of year 9999)", truncate(s, 40), maxUnixTime)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid time %q (use RFC 3339 like 2026-03-01T12:00:00Z, Unix seconds, now, or +2h / -30m)", s)
	}
	return t, nil
}

// timeValue is a flag holding a time, parsed by parseTime relative to the
// clock when the command runs.
type timeValue struct {
	raw string
}

func (t *timeValue) String() string { return t.raw }
func (t *timeValue) Type() string   { return "time" }
func (t *timeValue) Set(s string) error {
	if _, err := parseTime(s, time.Now()); err != nil {
		return err
	}
	t.raw = s
	return nil
}

// get returns the time, or zero when the flag was not given.
func (t *timeValue) get(base time.Time) time.Time {
	if t.raw == "" {
		return time.Time{}
	}
	v, _ := parseTime(t.raw, base)
	return v
}

// rfc3339 formats t for output, in UTC; the zero time is "".
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// writeJSON writes v as one line of compact JSON, without HTML escaping.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("failed to write output: %w", err)
	}
	return nil
}

// writeLine writes s and a newline to w.
func writeLine(w io.Writer, s string) error {
	if _, err := io.WriteString(w, s+"\n"); err != nil {
		return fmt.Errorf("failed to write output: %w", err)
	}
	return nil
}

// relative describes t relative to ref for people: "in 59m0s", "3h0m0s ago".
func relative(t, ref time.Time) string {
	d := t.Sub(ref).Round(time.Second)
	switch {
	case d > 0:
		return "in " + d.String()
	case d < 0:
		return (-d).String() + " ago"
	}
	return "now"
}
