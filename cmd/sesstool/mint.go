package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesstool/sesstool/codec"
	"github.com/sesstool/sesstool/token"
)

// mintFormat is the format mint writes. Another format's opener that also
// implements tokenMinter can take its place behind a --format flag.
var mintFormat tokenFormat = nativeFormat{}

type mintFlags struct {
	purpose   string
	codec     string
	ttl       durationValue
	maxTTL    durationValue
	notBefore timeValue
	json      bool
}

// mintJSON is mint's --json output.
type mintJSON struct {
	Token     string `json:"token"`
	Format    string `json:"format"`
	KeyID     string `json:"keyId"`
	Algorithm string `json:"algorithm"`
	Issued    string `json:"issued"`
	Expires   string `json:"expires"`
	NotBefore string `json:"notBefore,omitempty"`
}

func newMintCmd(a *app) *cobra.Command {
	f := &mintFlags{ttl: durationValue(time.Hour), maxTTL: durationValue(token.DefaultMaxTTL)}
	cmd := &cobra.Command{
		Use:   "mint [PAYLOAD | @FILE | -]",
		Short: "Mint a token holding a JSON payload",
		Long: `Mint seals a JSON payload into a new token under the keyring's primary
key, valid for --ttl, and prints the token.

The payload is, unambiguously:
  PAYLOAD   JSON text given as the argument, e.g. '{"uid":"alice"}'
  @FILE     the contents of FILE ("@-" is stdin)
  - or none stdin
It must be one JSON value of at most 1 MiB, with no duplicate object keys.
With --codec json (the default) it is stored compacted; with --codec cbor
it is converted to CBOR, which makes smaller tokens (integers must fit in 64
bits). Whoever opens the token must use the same --codec and --purpose.

The token is bound to --purpose: it never opens for another purpose.`,
		Example: `  sesstool mint --purpose login --ttl 1h '{"uid":"alice","roles":["admin"]}'
  sesstool mint --purpose login --codec cbor @session.json
  echo '{"uid":"bob"}' | sesstool mint --purpose reset --ttl 15m --json
  sesstool mint --purpose login --not-before +5m '{"uid":"carol"}'`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.mint(cmd, args, f)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.purpose, "purpose", "", "bind the token to `PURPOSE`, e.g. login; it opens for that purpose only")
	fs.Var(&f.ttl, "ttl", "how long the token stays valid, e.g. 15m, 1h, 7d")
	fs.Var(&f.maxTTL, "max-ttl", "the longest --ttl allowed; openers must allow at least the same")
	fs.Var(&f.notBefore, "not-before", "the token opens only from `TIME` on: RFC 3339, Unix seconds, or +duration")
	fs.BoolVar(&f.json, "json", false, "print the token with its key ID and times as one JSON object")
	addCodecFlag(cmd, &f.codec, "encode the payload as json or cbor")
	return cmd
}

func (a *app) mint(cmd *cobra.Command, args []string, f *mintFlags) error {
	// Check the flags before doing any work.
	ttl, maxTTL := time.Duration(f.ttl), time.Duration(f.maxTTL)
	switch {
	case maxTTL < time.Second:
		return usagef(cmd, "--max-ttl must be at least 1s")
	case ttl < time.Second:
		return usagef(cmd, "--ttl must be at least 1s")
	case ttl > maxTTL:
		return &usageError{err: fmt.Errorf("--ttl %v is longer than --max-ttl %v", ttl, maxTTL), cmd: cmd,
			hint: "raise --max-ttl, and open the tokens with the same --max-ttl"}
	}
	t0 := now()
	val := token.Validity{ExpiresAt: t0.Add(ttl), NotBefore: f.notBefore.get(t0)}
	if !val.NotBefore.IsZero() && (val.NotBefore.Before(t0.Truncate(time.Second)) || !val.NotBefore.Before(val.ExpiresAt)) {
		return usagef(cmd, "--not-before %s must lie between now and the expiry (%s)", rfc3339(val.NotBefore), rfc3339(val.ExpiresAt))
	}

	payload, err := a.readPayload(cmd, args)
	if err != nil {
		return err
	}
	ref, err := a.resolveKeyring(a.keyringFlag)
	if err != nil {
		return err
	}
	r, err := a.loadRing(ref)
	if err != nil {
		return err
	}
	op, err := mintFormat.newOpener(r, openOptions{purpose: f.purpose, codec: f.codec, maxTTL: maxTTL, now: func() time.Time { return t0 }})
	if err != nil {
		return err
	}
	m, ok := op.(tokenMinter)
	if !ok {
		return fmt.Errorf("%s tokens cannot be minted by this build", mintFormat.title())
	}
	tok, res, err := m.mint(payload, val)
	if err != nil {
		// The keyring is fine, so what failed is the request: a payload
		// too large for a token, or one that the codec cannot hold.
		return &usageError{err: err}
	}
	if f.json {
		return writeJSON(a.stdout, mintJSON{
			Token: tok, Format: res.format.name(), KeyID: res.key.ID.String(), Algorithm: string(res.key.Algorithm),
			Issued: rfc3339(res.issued), Expires: rfc3339(res.expires), NotBefore: rfc3339(res.notBefore),
		})
	}
	return writeLine(a.stdout, tok)
}

// readPayload reads and validates mint's JSON payload.
func (a *app) readPayload(cmd *cobra.Command, args []string) ([]byte, error) {
	var (
		data []byte
		err  error
		what = "payload"
	)
	switch {
	case len(args) == 0 || args[0] == "-" || args[0] == "@-":
		data, err = a.readStdin(maxPayload, "payload")
	case strings.HasPrefix(args[0], "@"):
		name := args[0][1:]
		what = "payload file " + name
		var fh *os.File
		if fh, err = os.Open(name); err != nil {
			return nil, fmt.Errorf("failed to read the payload: %w", err)
		}
		defer fh.Close()
		data, err = readAll(fh, maxPayload, what)
	default:
		data = []byte(args[0])
		if len(data) > maxPayload {
			err = errTooLarge{what: "the payload argument", limit: maxPayload}
		}
	}
	if _, ok := errors.AsType[errTooLarge](err); ok {
		return nil, &usageError{err: err, cmd: cmd, hint: "a token holds a few kilobytes at most: keep large data on the server"}
	}
	if err != nil {
		return nil, err
	}
	if isBinary(data) {
		return nil, &usageError{err: fmt.Errorf("the %s is binary data, not JSON text", what), cmd: cmd}
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, &usageError{err: fmt.Errorf("the %s is empty", what), cmd: cmd,
			hint: `give a JSON value, e.g. '{"uid":"alice"}' (an empty object is '{}')`}
	}
	var raw json.RawMessage
	if err := codec.JSON.Unmarshal(data, &raw); err != nil {
		ue := &usageError{err: fmt.Errorf("the %s is not valid JSON: %v", what, err), cmd: cmd}
		if len(args) == 1 && !strings.HasPrefix(args[0], "@") && args[0] != "-" {
			ue.hint = "to read the payload from a file, write @FILE"
		}
		return nil, ue
	}
	return raw, nil
}
