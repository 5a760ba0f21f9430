package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesstool/sesstool/ktor"
)

var updateScripts = flag.Bool("update", false, "rewrite the testscript files' golden output")

// testNowEnv sets the clock of sesstool when it runs under testscript, and
// testKtorIVEnv the IV (hex) of the Ktor cookies it encrypts, so that
// scripts reproduce Ktor's known-answer cookies. Only this file reads them.
const (
	testNowEnv    = "SESSTOOL_TEST_NOW"
	testKtorIVEnv = "SESSTOOL_TEST_KTOR_IV"
)

func TestMain(m *testing.M) {
	// The race detector sleeps a second at every exit by default, which
	// would make each exec of a script a second slower.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	testscript.Main(m, map[string]func(){
		"sesstool": func() {
			applyTestHooks()
			os.Exit(Main())
		},
	})
}

// applyTestHooks sets the test-only package variables from the environment
// of a testscript command. Production code never reads these variables.
func applyTestHooks() {
	if s := os.Getenv(testNowEnv); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "test hook: bad %s %q: %v\n", testNowEnv, s, err)
			os.Exit(99)
		}
		testOnlyNow = func() time.Time { return t }
	}
	if s := os.Getenv(testKtorIVEnv); s != "" {
		iv, err := hex.DecodeString(s)
		if err != nil || len(iv) != ktor.IVSize {
			fmt.Fprintf(os.Stderr, "test hook: bad %s %q: want %d bytes of hex\n", testKtorIVEnv, s, ktor.IVSize)
			os.Exit(99)
		}
		testOnlyKtorIV = func(b []byte) { copy(b, iv) }
	}
}

// TestScript runs the scripts in testdata, each in parallel with the
// others and with the other parallel tests.
func TestScript(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *updateScripts,
		Setup: func(env *testscript.Env) error {
			// A fixed clock by default (scripts may change it), and a
			// config directory inside the script's work directory, so
			// that the default keyring never touches the real home.
			env.Setenv(testNowEnv, "2026-01-01T00:00:00Z")
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, "config"))
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			if cond == "redis" {
				return haveRedis(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":        cmdExits,
			"fmode":        cmdFmode,
			"envfile":      cmdEnvfile,
			"dirempty":     cmdDirempty,
			"mkbig":        cmdMkbig,
			"mkjson":       cmdMkjson,
			"mkbinary":     cmdMkbinary,
			"mkrecord":     cmdMkrecord,
			"mtime":        cmdMtime,
			"redis-server": cmdRedisServer,
			"redisset":     cmdRedisSet,
			"rediskeys":    cmdRedisKeys,
		},
	})
}

// cmdExits runs a program and checks its exit code: exits CODE PROG ARGS...
// Its stdout and stderr are kept for the stdout and stderr commands.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		ee, ok := errors.AsType[*exec.ExitError](err)
		if !ok {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// cmdFmode checks a file's permission bits: fmode 0600 FILE.
func cmdFmode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: fmode PERM FILE")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	if err != nil {
		ts.Fatalf("fmode: bad mode %q", args[0])
	}
	fi, err := os.Stat(ts.MkAbs(args[1]))
	ts.Check(err)
	got := fi.Mode().Perm()
	if (got == os.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %04o; want %s%04o", args[1], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdEnvfile sets an environment variable to a file's contents, trimmed:
// envfile NAME FILE. Scripts use it to pass a key ID or a token printed by
// one command as an argument of the next.
func cmdEnvfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile NAME FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// cmdDirempty checks that a directory is empty: dirempty DIR.
func cmdDirempty(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: dirempty DIR")
	}
	es, err := os.ReadDir(ts.MkAbs(args[0]))
	ts.Check(err)
	if (len(es) == 0) == neg {
		ts.Fatalf("%s has %d entries", args[0], len(es))
	}
}

// cmdMkbig writes a file of SIZE "A"s, and a second line if given:
// mkbig FILE SIZE [LINE]. Scripts use it for input past sesstool's limits,
// which a txtar file cannot hold readably.
func cmdMkbig(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: mkbig FILE SIZE [LINE]")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	data := strings.Repeat("A", n)
	if len(args) == 3 {
		data += "\n" + args[2] + "\n"
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(data), 0o644))
}

// cmdMkjson writes a JSON object of SIZE bytes, {"d":"AAA…"}: mkjson FILE
// SIZE. Scripts use it for payloads near the token size limits.
func cmdMkjson(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkjson FILE SIZE")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	const frame = len(`{"d":""}`)
	if n < frame {
		ts.Fatalf("mkjson: SIZE must be at least %d", frame)
	}
	data := `{"d":"` + strings.Repeat("A", n-frame) + `"}`
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(data), 0o644))
}

// cmdMkbinary writes a file holding every byte value: mkbinary FILE.
func cmdMkbinary(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkbinary FILE")
	}
	data := make([]byte, 256)
	for i := range data {
		data[i] = byte(i)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), data, 0o644))
}
