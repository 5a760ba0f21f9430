//go:build unix

package main

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sesstool/sesstool/internal/spectest"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// sesstoolBinary returns the path of a sesstool binary in a temporary
// directory. The hardening tests run it as a separate process, so that exit
// codes, stderr and peak memory are those a user sees.
//
// The binary is this test binary, linked under the name "sesstool": run so,
// TestMain hands it to Main through testscript.Main, as main does (the test
// hooks stay off, since runSesstool's environment sets none). That saves a
// go build, which relinks sesstool at every run. Under the race detector
// the test binary would be instrumented, slower and larger than what users
// run, so there the binary is built.
func sesstoolBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sesstool")
	if raceEnabled {
		out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		return bin
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// cliResult is what one run of a command did.
type cliResult struct {
	code   int
	stdout []byte
	stderr string
	rssKiB int64 // peak resident set size; 0 when run in process
}

// launcherEnv turns the test binary into the launcher of runSesstool; see
// TestHardeningLauncher.
const launcherEnv = "SESSTOOL_HARDENING_LAUNCH"

// TestHardeningLauncher is not a test: it is the launcher process of
// runSesstool, selected by launcherEnv. It runs the command given after
// "--" on its command line with its own standard streams, writes the
// child's peak RSS in KiB to file descriptor 3, and exits with the child's
// code.
//
// A launcher is needed because a child's ru_maxrss starts at the high-water
// mark of the process that spawned it (the kernel carries the parent's mm
// peak over exec), and the test process holds tens of megabytes of corpus;
// the launcher is a fresh, small process.
func TestHardeningLauncher(t *testing.T) {
	if os.Getenv(launcherEnv) == "" {
		t.Skip("helper process of runSesstool")
	}
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "launcher: no command")
		os.Exit(99)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, launcherEnv+"=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		fmt.Fprintln(os.Stderr, "launcher:", err)
		os.Exit(99)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = int64(ru.Maxrss)
		if runtime.GOOS == "darwin" {
			rss /= 1024 // bytes there
		}
	}
	fmt.Fprintf(os.NewFile(3, "rss"), "%d %d\n", rss, cmd.ProcessState.ExitCode())
	os.Exit(0)
}

// runSesstool runs bin with args in dir, through the launcher, with stdin
// read from the file stdin ("" for /dev/null) and a clean environment whose
// config directory is in dir. It gives up after a minute.
func runSesstool(bin, dir, stdin string, args ...string) (cliResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=^TestHardeningLauncher$", "--", bin}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "LC_ALL=C",
		"GORACE=atexit_sleep_ms=0", launcherEnv + "=1"}
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			return cliResult{}, err
		}
		defer f.Close()
		cmd.Stdin = f
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return cliResult{}, err
	}
	defer pr.Close()
	cmd.ExtraFiles = []*os.File{pw}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Start()
	pw.Close()
	if err != nil {
		return cliResult{}, err
	}
	report, rerr := io.ReadAll(pr)
	err = cmd.Wait()
	if ctx.Err() != nil {
		return cliResult{}, fmt.Errorf("still running after a minute")
	}
	r := cliResult{stdout: out.Bytes(), stderr: errb.String()}
	if _, serr := fmt.Sscanf(string(report), "%d %d", &r.rssKiB, &r.code); err != nil || rerr != nil || serr != nil {
		return cliResult{}, fmt.Errorf("launcher: %v, %v, %v; stderr %q", err, rerr, serr, errb.String())
	}
	return r, nil
}

// runInProcess runs one command line in this process, like main, with
// stdin from data.
func runInProcess(dir string, stdin []byte, args ...string) cliResult {
	var out, errb bytes.Buffer
	a := &app{
		stdin:     bytes.NewReader(stdin),
		stdout:    &out,
		stderr:    &errb,
		getenv:    func(string) string { return "" },
		configDir: func() (string, error) { return filepath.Join(dir, "config"), nil },
	}
	code := a.run(args)
	return cliResult{code: code, stdout: out.Bytes(), stderr: errb.String()}
}

// maxRSSKiB is the most memory any one command may use, whatever its input.
const maxRSSKiB = 64 << 10

var batchSummary = regexp.MustCompile(`^sesstool: \d+ valid, \d+ rejected( \([a-z0-9 ,]+\))? in \d+\.\d\ds$`)

// checkResult fails t unless r exited with want and reported it as the
// command-line rules say; see resultProblems.
func checkResult(t *testing.T, desc string, r cliResult, want int, batch bool) {
	t.Helper()
	if problems := resultProblems(r, want, batch); len(problems) > 0 {
		t.Errorf("%s:\n  %s\n  stderr: %.600q", desc, strings.Join(problems, "\n  "), r.stderr)
	}
}

// maxErrorLine is the longest error line that is still a clear message.
const maxErrorLine = 1024

// resultProblems lists how r breaks the command-line rules for an exit
// code of want: nothing on stderr on success; otherwise exactly one
// "sesstool: error: " line, short and printable, then only hint lines
// (batch mode instead prints one summary line for rejected tokens); never
// a panic or a stack trace; peak RSS under maxRSSKiB.
func resultProblems(r cliResult, want int, batch bool) []string {
	var problems []string
	if r.code != want {
		problems = append(problems, fmt.Sprintf("exit code %d, want %d", r.code, want))
	}
	if r.rssKiB > maxRSSKiB {
		problems = append(problems, fmt.Sprintf("peak RSS %d KiB, more than %d KiB", r.rssKiB, maxRSSKiB))
	}
	for _, bad := range []string{"panic", "goroutine ", "internal error", "runtime error", ".go:"} {
		if strings.Contains(r.stderr, bad) {
			problems = append(problems, fmt.Sprintf("stderr contains %q", bad))
		}
	}
	if !utf8.ValidString(r.stderr) || strings.ContainsFunc(r.stderr, func(c rune) bool { return c < ' ' && c != '\n' || c == 0x7f }) {
		problems = append(problems, "stderr holds control characters or invalid UTF-8 (quoted from the input?)")
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if r.stderr == "" {
		lines = nil
	}
	switch {
	case batch && (r.code == exitOK || r.code == exitRejected):
		if len(lines) != 1 || !batchSummary.MatchString(lines[0]) {
			problems = append(problems, "batch stderr is not one summary line")
		}
	case r.code == exitOK:
		if len(lines) != 0 {
			problems = append(problems, "stderr is not empty on success")
		}
	default:
		if len(lines) == 0 || !strings.HasPrefix(lines[0], "sesstool: error: ") {
			problems = append(problems, "stderr does not start with one 'sesstool: error: ' line")
		} else if len(lines[0]) > maxErrorLine {
			problems = append(problems, fmt.Sprintf("the error line is %d bytes long", len(lines[0])))
		}
		for _, l := range lines[min(1, len(lines)):] {
			if !strings.HasPrefix(l, "sesstool: hint: ") {
				problems = append(problems, fmt.Sprintf("stderr line %.80q is neither the error nor a hint", l))
			}
		}
	}
	return problems
}

// cliItem is one malformed input, with the exit codes the documentation
// gives for it: single for a token read by open, verify, rewrap and
// inspect --keyring ("an empty input is a usage error (2); binary or
// oversized input is a rejected token (1)"; more than one line is a usage
// error); inspect for inspect without a keyring, which verifies nothing;
// batch for --batch (0 when no line holds a token, else 1).
type cliItem struct {
	name                   string
	data                   []byte
	single, inspect, batch int
}

func cliRejected(name string, data []byte) cliItem {
	return cliItem{name: name, data: data, single: exitRejected, inspect: exitRejected, batch: exitRejected}
}

func cliBlank(name string, data []byte) cliItem {
	return cliItem{name: name, data: data, single: exitUsage, inspect: exitUsage, batch: exitOK}
}

// cliCorpus returns the malformed inputs for the CLI. tok is an authentic
// token of the keyring key (an HMAC key), used to seal envelopes with
// absurd times that pass authentication.
func cliCorpus(t *testing.T, key keyring.Key, tok string) []cliItem {
	t.Helper()
	rng := rand.New(rand.NewChaCha8([32]byte{'c', 'l', 'i'}))
	random := make([]byte, 10<<20)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	var bomb bytes.Buffer
	w, err := flate.NewWriter(&bomb, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, 32<<20))
	w.Close()
	cborLen := binary.BigEndian.AppendUint64([]byte{0x5b}, 1<<62)

	items := []cliItem{
		cliBlank("empty", nil),
		cliBlank("space", []byte(" ")),
		cliBlank("ascii-white-space", []byte(" \t \r\n \n")),
		cliBlank("crlf-only", []byte("\r\n")),
		// Batch mode trims only ASCII white space, so there this is a
		// line that holds no token.
		{name: "unicode-white-space", data: []byte("\v\f\u00a0\u2028"), single: exitUsage, inspect: exitUsage, batch: exitRejected},
		{name: "crlf-inside", data: []byte(tok[:20] + "\r\n" + tok[20:]), single: exitUsage, inspect: exitUsage, batch: exitRejected},
		{name: "lf-inside", data: []byte(tok[:20] + "\n" + tok[20:]), single: exitUsage, inspect: exitUsage, batch: exitRejected},
		cliRejected("10MB-A", bytes.Repeat([]byte("A"), 10<<20)),
		cliRejected("10MB-random", random),
		cliRejected("10MB-json", append(append([]byte("["), bytes.Repeat([]byte("1,"), 5<<20)...), '1', ']')),
		cliRejected("100KiB-token-prefix", append([]byte(tok), bytes.Repeat([]byte("A"), 100<<10)...)),
		cliRejected("64KiB-A", bytes.Repeat([]byte("A"), maxTokenInput)),
		cliRejected("invalid-utf8", []byte("\xff\xfe\xfd")),
		cliRejected("invalid-utf8-in-token", []byte(tok[:8]+"\xc0\xaf"+tok[8:])),
		cliRejected("nul", []byte("\x00\x00")),
		cliRejected("nul-in-token", []byte(tok[:8]+"\x00"+tok[8:])),
		cliRejected("std-alphabet-plus", []byte(tok[:10]+"+"+tok[11:])),
		cliRejected("std-alphabet-slash", []byte(tok[:10]+"/"+tok[11:])),
		// Base64url text that does not decode: a length of 1 mod 4, and
		// non-zero trailing bits ('B' is 000001 in the last 2-bit group).
		cliRejected("base64-length-1-mod-4", []byte(tok[:len(tok)-(len(tok)-1)%4])),
		cliRejected("base64-trailing-bits", []byte(tok[:len(tok)-(len(tok)-1)%4]+"B")),
		cliRejected("padding-1", []byte(tok+"=")),
		cliRejected("padding-2", []byte(tok+"==")),
		cliRejected("cbor-nested", append(bytes.Repeat([]byte{0x81}, 10000), 0)),
		cliRejected("cbor-2^62-bytes", append(cborLen, 'x')),
		cliRejected("deflate-bomb", bomb.Bytes()),
		cliRejected("terminal-escapes", []byte("\x1b[31mAQ\x1b]0;pwned\x07\x1b[2J")),
		cliRejected("1000-cookies", []byte("Cookie: "+strings.Repeat("a=b; ", 999)+"a=b")),
		// net/http refuses a Cookie header of more than 3000 cookies:
		// the input cannot be read, a usage error like any bad header.
		{name: "10000-cookies", data: []byte("Cookie: " + strings.Repeat("a=b; ", 9999) + "a=b"), single: exitUsage, inspect: exitUsage, batch: exitRejected},
		{name: "bad-set-cookie", data: []byte("Set-Cookie: ="), single: exitUsage, inspect: exitUsage, batch: exitRejected},
	}

	// Authentic envelopes with absurd times: rejected by every command
	// that verifies; inspect without a keyring only reads them.
	header := binary.BigEndian.AppendUint32([]byte{token.Version1}, uint32(key.ID))
	tr := spectest.Transformer(t, key, header) // purpose ""
	env := func(flags byte, times ...uint64) []byte {
		b := []byte{flags}
		for _, v := range times {
			b = binary.BigEndian.AppendUint64(b, v)
		}
		return append(b, `{"uid":"mallory"}`...)
	}
	const maxUnix = 253402300799
	t0 := uint64(time.Now().Unix())
	for name, e := range map[string][]byte{
		"lifetime-9999-years": env(0, 0, maxUnix),
		"lifetime-584-years":  env(0, t0-3600, t0-3600+18446744074),
		"expiry-2^63":         env(0, t0, 1<<63),
		"issued-2^64-1":       env(0, math.MaxUint64, t0+60),
		"unknown-flags":       env(0xfe, t0, t0+60),
		"not-before-2^64-1":   env(1, t0, t0+60, math.MaxUint64),
		"short-envelope":      env(0, t0),
	} {
		sealed := base64.RawURLEncoding.EncodeToString(tr.Write(bytes.Clone(header), e))
		items = append(items, cliItem{name: "absurd-" + name, data: []byte(sealed), single: exitRejected, inspect: exitOK, batch: exitRejected})
	}
	return items
}

// knownCLIBug names the bug of the command-line code that c runs into, or
// returns "". The hardening tests found these bugs in cmd/sesstool, which
// they do not fix; the cases expect them until they are fixed, and then
// fail so that this list shrinks.
func knownCLIBug(c cliCase) string {
	// None known. Fixed: cobra's "unknown command %q" quoting a whole huge
	// argument (diagnostics are now cut at maxMessage), the list of every
	// cookie name in singleToken's error (now the first five), and duration
	// and Unix-time overflow in parseDuration and parseTime (now refused).
	_ = c
	return ""
}

// absurdFlags are flag values at and past the limits of durations and
// times, each with the command line that takes it; a value sesstool cannot
// represent must be a usage error, never a silently different duration.
var absurdFlags = []struct {
	args []string
	want int
}{
	{[]string{"mint", "--ttl", "213504d", "{}"}, exitUsage}, // 213504 days × 24h wraps to 25m26s
	{[]string{"mint", "--ttl", "106752d", "{}"}, exitUsage}, // wraps negative
	{[]string{"mint", "--ttl", "1d2562047h", "{}"}, exitUsage},
	{[]string{"mint", "--ttl", "2562048h", "{}"}, exitUsage}, // time.ParseDuration refuses it
	{[]string{"mint", "--ttl", "9223372036854775807ns", "{}"}, exitUsage},
	{[]string{"mint", "--max-ttl", "213504d", "--ttl", "1h", "{}"}, exitUsage},
	{[]string{"mint", "--not-before", "+213504d", "{}"}, exitUsage},
	{[]string{"open", "--at", "+213504d", "TOKEN"}, exitUsage},
	{[]string{"open", "--at", "+106752d", "TOKEN"}, exitUsage},
	{[]string{"open", "--at", "9223372036854775807", "TOKEN"}, exitUsage}, // time.Unix wraps past year 292277026596
	{[]string{"open", "--at", "99999999999999999999", "TOKEN"}, exitUsage},
	{[]string{"open", "--at", "-9223372036854775808", "TOKEN"}, exitUsage},
	{[]string{"open", "--at", "10000-01-01T00:00:00Z", "TOKEN"}, exitUsage},
	{[]string{"open", "--at", "253402300799", "TOKEN"}, exitRejected}, // 9999-12-31: expired
	{[]string{"open", "--leeway", "213504d", "--at", "+2h", "TOKEN"}, exitUsage},
	{[]string{"open", "--max-ttl", "213504d", "TOKEN"}, exitUsage},
	{[]string{"keys", "prune", "--dry-run", "--max-age", "213504d"}, exitUsage}, // would prune with a 25-minute max age
	{[]string{"keys", "prune", "--dry-run", "--max-ttl", "213504d", "--leeway", "1m"}, exitUsage},
}

// cliCase is one command line to run.
type cliCase struct {
	desc  string
	args  []string
	stdin string // a file that holds in, or ""
	in    []byte
	want  int
	batch bool
	// exec: run the binary too (in a separate process, measuring its
	// memory), not only in process. An argument of 128 KiB or more cannot
	// be passed to a process (MAX_ARG_STRLEN).
	exec bool
}

// execRuns says which runs of an item also run the binary, by the way the
// item reaches the command: "arg", "stdin", "file" (@FILE, --from) or
// "keyring" (the keyring file's contents). Each command reads each kind
// of the large inputs in a separate process, so that its peak memory is
// measured; a few small items check the real exit codes. The machine is
// shared, so the other runs stay in process.
var execRuns = map[string][]string{
	"10MB-random":                {"stdin", "file", "keyring"},
	"10MB-A":                     {"batch"},
	"10MB-json":                  {"keyring"},
	"100KiB-token-prefix":        {"arg"},
	"empty":                      {"arg", "stdin"},
	"absurd-lifetime-9999-years": {"arg"},
}

// TestHardening makes the sesstool binary once and runs the hardening
// tests against it: malformed input through every command (CLI), SIGKILL
// during keys rotate (KillRotate, in hardening_crash_test.go), and
// concurrent rotations (ConcurrentRotate). It runs in parallel with the
// other parallel tests (TestScript), and its subtests in parallel with
// each other: the rotations mostly wait for processes and fsync, while the
// rest mostly computes.
func TestHardening(t *testing.T) {
	t.Parallel()
	bin := sesstoolBinary(t)
	t.Run("CLI", func(t *testing.T) {
		t.Parallel()
		testHardeningCLI(t, bin)
	})
	t.Run("KillRotate", func(t *testing.T) {
		t.Parallel()
		testKillRotate(t, bin)
	})
	t.Run("ConcurrentRotate", func(t *testing.T) {
		t.Parallel()
		testConcurrentRotate(t, bin)
	})
}

// testHardeningCLI runs every command with every malformed input: as its
// argument, on stdin, and as the contents of the keyring file. Every run
// happens in process, where it is fast; the runs that execRuns lists also
// run the built binary, which shows the real exit code and the peak
// memory. checkResult checks each.
func testHardeningCLI(t *testing.T, bin string) {
	dir := t.TempDir()
	kr := filepath.Join(dir, "k.json")
	run := func(stdin string, args ...string) cliResult {
		t.Helper()
		r, err := runSesstool(bin, dir, stdin, args...)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := run("", "keys", "init", "--keyring", kr, "--alg", "hmac-sha256"); r.code != 0 {
		t.Fatalf("keys init: %d %s", r.code, r.stderr)
	}
	r := run("", "mint", "--keyring", kr, "--ttl", "1h", `{"uid":"alice"}`)
	if r.code != 0 {
		t.Fatalf("mint: %d %s", r.code, r.stderr)
	}
	tok := strings.TrimSpace(string(r.stdout))
	ring, err := keyring.Load(kr)
	if err != nil {
		t.Fatal(err)
	}
	tokFile := filepath.Join(dir, "tok")
	material := strings.Repeat("ab", 32)
	materialFile := filepath.Join(dir, "material")
	for name, data := range map[string]string{tokFile: tok, materialFile: material} {
		if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The harness is sound: the authentic token passes every check.
	checkResult(t, "open the authentic token", run("", "open", "--keyring", kr, tok), exitOK, false)
	checkResult(t, "open the authentic token in process", runInProcess(dir, nil, "open", "--keyring", kr, tok), exitOK, false)

	corpus := cliCorpus(t, ring.Primary(), tok)
	var cases []cliCase
	k := "--keyring=" + kr
	single := [][]string{
		{"open", k}, {"open", k, "--json"}, {"verify", k}, {"verify", k, "--json"}, {"rewrap", k}, {"inspect", k}, {"inspect"},
	}
	for _, it := range corpus {
		file := filepath.Join(dir, "in-"+it.name)
		if err := os.WriteFile(file, it.data, 0o600); err != nil {
			t.Fatal(err)
		}
		ex := func(kind string) bool { return slices.Contains(execRuns[it.name], kind) }
		// An argument of 128 KiB or more cannot be passed to a process
		// (MAX_ARG_STRLEN), so no run gets one.
		asArg := len(it.data) < 128<<10
		arg := string(it.data)
		add := func(c cliCase) {
			if c.stdin != "" {
				c.in = it.data
			}
			if len(c.args) > 0 && c.args[len(c.args)-1] == arg && !asArg {
				return
			}
			cases = append(cases, c)
		}
		// Nor can it hold a NUL byte.
		if bytes.IndexByte(it.data, 0) >= 0 {
			asArg = false
		}
		// Token commands: the token as the argument (after "--", as a
		// script should pass untrusted text) and on stdin.
		for _, cmd := range single {
			want := it.single
			if len(cmd) == 1 {
				want = it.inspect
			}
			add(cliCase{desc: fmt.Sprintf("%s -- <%s>", cmd[0], it.name), args: append(cmd, "--", arg), want: want, exec: ex("arg")})
			add(cliCase{desc: fmt.Sprintf("%s < %s", cmd[0], it.name), args: cmd, stdin: file, want: want, exec: ex("stdin")})
		}
		for _, cmd := range [][]string{{"verify", k, "--batch"}, {"open", k, "--batch"}} {
			add(cliCase{desc: fmt.Sprintf("%s --batch < %s", cmd[0], it.name), args: cmd, stdin: file, want: it.batch, batch: true, exec: ex("stdin") || ex("batch")})
		}
		// Payloads, key material and key IDs: never valid here.
		add(cliCase{desc: "mint -- <" + it.name + ">", args: []string{"mint", k, "--", arg}, want: exitUsage, exec: ex("arg")})
		add(cliCase{desc: "mint < " + it.name, args: []string{"mint", k}, stdin: file, want: exitUsage, exec: ex("stdin")})
		add(cliCase{desc: "mint @" + it.name, args: []string{"mint", k, "@" + file}, want: exitUsage, exec: ex("file")})
		add(cliCase{desc: "keys import < " + it.name, args: []string{"keys", "import", k}, stdin: file, want: exitUsage, exec: ex("stdin")})
		add(cliCase{desc: "keys import --from " + it.name, args: []string{"keys", "import", k, "--from", file}, want: exitUsage, exec: ex("file")})
		for _, cmd := range [][]string{{"keys", "promote"}, {"keys", "retire"}, {"keys", "destroy", "--yes"}} {
			add(cliCase{desc: fmt.Sprintf("%v -- <%s>", cmd, it.name), args: append(cmd, k, "--", arg), want: exitUsage, exec: ex("arg")})
		}
		// Commands that take no argument.
		for _, cmd := range [][]string{{"keys", "init"}, {"keys", "rotate"}, {"keys", "add"}, {"keys", "list"}, {"keys", "prune"}, {"version"}} {
			add(cliCase{desc: fmt.Sprintf("%v -- <%s>", cmd, it.name), args: append(cmd, k, "--", arg), want: exitUsage, exec: ex("arg") && cmd[0] == "version"})
		}

		// The input as the keyring file: every command that reads the
		// keyring reports it corrupt (keys init: that it exists).
		bad := filepath.Join(dir, "kr-"+it.name)
		if err := os.WriteFile(bad, it.data, 0o600); err != nil {
			t.Fatal(err)
		}
		kb := "--keyring=" + bad
		for _, c := range []struct {
			args  []string
			stdin string
			in    string
			batch bool
		}{
			{args: []string{"keys", "init", kb}},
			{args: []string{"keys", "rotate", kb}},
			{args: []string{"keys", "add", kb}},
			{args: []string{"keys", "promote", kb, "11111111"}},
			{args: []string{"keys", "retire", kb, "11111111"}},
			{args: []string{"keys", "destroy", kb, "--yes", "11111111"}},
			{args: []string{"keys", "list", kb}},
			{args: []string{"keys", "list", kb, "--json"}},
			{args: []string{"keys", "prune", kb}},
			{args: []string{"keys", "import", kb}, stdin: materialFile, in: material},
			{args: []string{"mint", kb, "{}"}},
			{args: []string{"open", kb, tok}},
			{args: []string{"verify", kb, tok}},
			{args: []string{"verify", kb, "--batch"}, stdin: tokFile, in: tok, batch: true},
			{args: []string{"open", kb, "--batch"}, stdin: tokFile, in: tok, batch: true},
			{args: []string{"inspect", kb, tok}},
			{args: []string{"rewrap", kb, tok}},
		} {
			cases = append(cases, cliCase{desc: fmt.Sprintf("%s with keyring file <%s>", strings.Join(c.args[:2], " "), it.name),
				args: c.args, stdin: c.stdin, in: []byte(c.in), want: exitEnv, batch: c.batch, exec: ex("keyring")})
		}
	}
	for _, f := range absurdFlags {
		args := slices.Clone(f.args)
		for i, a := range args {
			if a == "TOKEN" {
				args[i] = tok
			}
		}
		at := 1
		if args[0] == "keys" {
			at = 2
		}
		args = slices.Insert(args, at, k)
		cases = append(cases, cliCase{desc: "flag " + strings.Join(f.args, " "), args: args, want: f.want, exec: f.args[1] == "--ttl"})
	}
	// A keyring file far larger than any keyring: read only up to
	// keyring.MaxFileSize, whatever its size.
	huge := filepath.Join(dir, "kr-48MiB")
	if err := os.WriteFile(huge, append(append([]byte("["), bytes.Repeat([]byte("1,"), 24<<20)...), '1', ']'), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"keys", "list"}, {"keys", "rotate"}, {"open", tok}} {
		cases = append(cases, cliCase{desc: strings.Join(args[:1], " ") + " with a 48 MiB keyring file", args: append(args, "--keyring="+huge), want: exitEnv, exec: true})
	}
	// Stdin that commands without input must not read.
	big := filepath.Join(dir, "in-10MB-random")
	cases = append(cases,
		cliCase{desc: "keys list < 10MB", args: []string{"keys", "list", k}, stdin: big, want: exitOK, exec: true},
		cliCase{desc: "version < 10MB", args: []string{"version"}, stdin: big, want: exitOK, exec: true})

	// check checks one result; for a known bug, it expects the bug.
	var knownSeen sync.Map
	check := func(c cliCase, desc string, r cliResult) {
		t.Helper()
		problems := resultProblems(r, c.want, c.batch)
		bug := knownCLIBug(c)
		switch {
		case bug == "":
			if len(problems) > 0 {
				t.Errorf("%s:\n  %s\n  stderr: %.600q", desc, strings.Join(problems, "\n  "), r.stderr)
			}
		case len(problems) == 0:
			t.Errorf("%s: the known bug %q no longer shows: remove it from knownCLIBug", desc, bug)
		default:
			if _, seen := knownSeen.LoadOrStore(bug, true); !seen {
				t.Logf("known bug, reported: %s (first seen in %s: %s)", bug, desc, strings.Join(problems, "; "))
			}
		}
	}

	start := time.Now()
	for _, c := range cases {
		check(c, c.desc+" (in process)", runInProcess(dir, c.in, c.args...))
	}
	inProcess := time.Since(start)

	start = time.Now()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		runs    int
		peakRSS int64
		peakOf  string
	)
	next := make(chan cliCase)
	for range 2 {
		wg.Go(func() {
			for c := range next {
				r, err := runSesstool(bin, dir, c.stdin, c.args...)
				if err != nil {
					t.Errorf("%s: %v", c.desc, err)
					continue
				}
				check(c, c.desc, r)
				mu.Lock()
				runs++
				if r.rssKiB > peakRSS {
					peakRSS, peakOf = r.rssKiB, c.desc
				}
				mu.Unlock()
			}
		})
	}
	for _, c := range cases {
		if c.exec && (!testing.Short() || c.desc == "version < 10MB" || strings.Contains(c.desc, "10MB-random")) {
			next <- c
		}
	}
	close(next)
	wg.Wait()
	t.Logf("%d runs in process in %v; %d runs of the binary in %v, peak RSS %d KiB (%s)",
		len(cases), inProcess.Round(time.Millisecond), runs, time.Since(start).Round(time.Millisecond), peakRSS, peakOf)

	// The keyring is as it was: no malformed input changed it.
	after, err := keyring.Load(kr)
	if err != nil {
		t.Fatal(err)
	}
	if after.Len() != ring.Len() || after.Primary().ID != ring.Primary().ID {
		t.Errorf("the keyring changed: %v, was %v", after, ring)
	}
}
