package keyring

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Options are the settings a foreign key is stored with, as the other
// framework's configuration names them: NAME=VALUE pairs such as
// "max-age=3600" or "salt=cookie-session" (see the --opt flag of
// "sesstool keys import"). Which names a key may have depends on its
// algorithm ([Algorithm.OptionNames]); what a value means is up to the
// package of the key's format, which checks it.
//
// An Options value is immutable and comparable. The zero value holds no
// option.
type Options struct {
	// s is the canonical form: "name=value" pairs sorted by name, joined
	// by "\n" (values hold no control character).
	s string
}

// Limits on options, so that a keyring file stays small and readable.
const (
	MaxOptions           = 16   // options per key
	MaxOptionNameLength  = 32   // bytes
	MaxOptionValueLength = 1024 // bytes
)

// ErrOption is wrapped by the errors of NewOptions and of a key whose
// options its algorithm does not have.
var ErrOption = errors.New("invalid key option")

// NewOptions returns the options of m. A name is 1 to MaxOptionNameLength
// lowercase letters, digits and '-', starting with a letter; a value is
// valid UTF-8 of at most MaxOptionValueLength bytes without control
// characters. Errors wrap ErrOption and quote no value.
func NewOptions(m map[string]string) (Options, error) {
	if len(m) > MaxOptions {
		return Options{}, fmt.Errorf("%w: %d options; a key has at most %d", ErrOption, len(m), MaxOptions)
	}
	var b strings.Builder
	for i, name := range slices.Sorted(maps.Keys(m)) {
		if err := checkOption(name, m[name]); err != nil {
			return Options{}, err
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(m[name])
	}
	return Options{s: b.String()}, nil
}

// checkOption checks the syntax of one option.
func checkOption(name, value string) error {
	if !validOptionName(name) {
		return fmt.Errorf("%w: an option name is 1 to %d lowercase letters, digits and '-', starting with a letter", ErrOption, MaxOptionNameLength)
	}
	switch {
	case len(value) > MaxOptionValueLength:
		return fmt.Errorf("%w: option %s: the value has %d bytes; the limit is %d", ErrOption, name, len(value), MaxOptionValueLength)
	case !utf8.ValidString(value):
		return fmt.Errorf("%w: option %s: the value is not valid UTF-8", ErrOption, name)
	case strings.ContainsFunc(value, func(r rune) bool { return r < 0x20 || r == 0x7f || 0x80 <= r && r < 0xa0 }):
		return fmt.Errorf("%w: option %s: the value holds a control character", ErrOption, name)
	}
	return nil
}

func validOptionName(name string) bool {
	if name == "" || len(name) > MaxOptionNameLength || !('a' <= name[0] && name[0] <= 'z') {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Get returns the value of option name, and whether the key has it.
func (o Options) Get(name string) (string, bool) {
	for n, v := range o.All() {
		if n == name {
			return v, true
		}
	}
	return "", false
}

// All yields the options sorted by name.
func (o Options) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		if o.s == "" {
			return
		}
		for pair := range strings.SplitSeq(o.s, "\n") {
			n, v, _ := strings.Cut(pair, "=")
			if !yield(n, v) {
				return
			}
		}
	}
}

// Map returns the options as a new map.
func (o Options) Map() map[string]string {
	m := map[string]string{}
	for n, v := range o.All() {
		m[n] = v
	}
	return m
}

// Len returns the number of options.
func (o Options) Len() int {
	if o.s == "" {
		return 0
	}
	return strings.Count(o.s, "\n") + 1
}

// String returns the options as "name=value" pairs separated by spaces,
// sorted by name: "max-age=3600 salt=cookie-session". Options hold no
// secret.
func (o Options) String() string { return strings.ReplaceAll(o.s, "\n", " ") }

// check returns an error unless every option is one the algorithm's keys
// have. It quotes no name, which may come from a keyring file.
func (o Options) check(who string, a Algorithm) error {
	allowed := algorithms[a].options
	for n := range o.All() {
		if !slices.Contains(allowed, n) {
			if len(allowed) == 0 {
				return fmt.Errorf("keyring: %s: %w: a %v key has no options", who, ErrOption, a)
			}
			return fmt.Errorf("keyring: %s: %w: a %v key has only the options %s", who, ErrOption, a, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// OptionNames returns the names of the options a's keys may have, sorted.
func (a Algorithm) OptionNames() []string { return slices.Sorted(slices.Values(algorithms[a].options)) }
