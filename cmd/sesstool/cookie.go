package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/format"
	"github.com/sesstool/sesstool/token"
)

type candidate = format.Candidate

// splitCookies finds the tokens in a pasted input (see format.Registry.Split).
// With name set, only the cookie of that name is kept.
func splitCookies(cmd *cobra.Command, input, name string) ([]candidate, error) {
	header, cs, err := formats.Split(input)
	if err != nil {
		return nil, &usageError{err: fmt.Errorf("cannot read the input as a %s header: %v", header, err), cmd: cmd,
			hint: "paste a token, a name=value pair, or a whole 'Cookie:' or 'Set-Cookie:' line"}
	}
	if name == "" {
		return cs, nil
	}
	var names []string
	for _, c := range cs {
		if c.Name == name {
			return []candidate{c}, nil
		}
		names = append(names, c.Name)
	}
	if len(names) == 0 || (len(names) == 1 && names[0] == "") {
		return nil, &usageError{err: fmt.Errorf("--cookie %s: the input is a bare token, not a cookie", name), cmd: cmd}
	}
	return nil, &usageError{err: fmt.Errorf("no cookie named %q in the input (it has %s)", name, strings.Join(names, ", ")), cmd: cmd}
}

// singleToken returns the one token of a single-token command's input:
// the bare token, or the one cookie that holds a token of a known format.
func singleToken(cmd *cobra.Command, input, name string) (candidate, error) {
	cs, err := splitCookies(cmd, input, name)
	if err != nil {
		return candidate{}, err
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	var known []candidate
	for _, c := range cs {
		if formats.Detect(c.Value) != nil {
			known = append(known, c)
		}
	}
	if len(known) == 1 {
		return known[0], nil
	}
	if len(known) == 0 {
		return candidate{}, format.Reject(token.ErrInvalid, format.StageEncoding,
			"none of the input's cookies (%s) holds a token of a known format", cookieNames(cs))
	}
	return candidate{}, &usageError{err: fmt.Errorf("the input holds several cookies with tokens (%s)", cookieNames(known)), cmd: cmd,
		hint: "choose one with --cookie NAME, or look at them all with 'sesstool inspect'"}
}

// cookieNames lists the names of cs for a message: the first few, then how
// many more, so that a header of a thousand cookies gives a short line.
func cookieNames(cs []candidate) string {
	const most = 5
	var names []string
	for i, c := range cs {
		if i == most {
			names = append(names, fmt.Sprintf("and %d more", len(cs)-most))
			break
		}
		names = append(names, truncate(c.Name, 40))
	}
	return strings.Join(names, ", ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
