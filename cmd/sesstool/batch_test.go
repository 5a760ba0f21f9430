package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/cryptotest"
	"testing/iotest"
	"time"

	"github.com/sesstool/sesstool/internal/tamper"
	"github.com/sesstool/sesstool/keyring"
	"github.com/sesstool/sesstool/token"
)

// benchPayload is the session value of the project's benchmark workload
// (bench/WORKLOAD.md), as JSON.
const benchPayload = `{"uid":"u_8f14e45fceea167a","name":"Alice Example","roles":["admin","billing","support"],"csrf":"3q2-7wAAAAAAAAAAAAAAAA","created":1764115200}`

func testSet(t testing.TB) (*keyring.Ring, *openerSet) {
	t.Helper()
	r, err := keyring.Generate(keyring.Default, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	set, err := newOpenerSet(r, openOptions{purpose: "bench", codec: "json", maxTTL: token.DefaultMaxTTL, now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	return r, set
}

func mintTokens(t testing.TB, r *keyring.Ring, n int, w io.Writer) {
	t.Helper()
	mintTokensAt(t, r, n, w, nil)
}

// mintTokensAt is mintTokens with the clock now (nil: the system's).
func mintTokensAt(t testing.TB, r *keyring.Ring, n int, w io.Writer, now func() time.Time) {
	t.Helper()
	m, err := token.New(r, &token.Options{Purpose: "bench", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(w)
	for range n {
		tok, err := m.Seal([]byte(benchPayload), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		bw.WriteString(tok)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
}

// verifySet is testSet's ring with verify's opener set: payloads are
// checked, not rendered.
func verifySet(t testing.TB, r *keyring.Ring) *openerSet {
	t.Helper()
	set, err := newOpenerSet(r, openOptions{purpose: "bench", codec: "json", validateOnly: true, maxTTL: token.DefaultMaxTTL, now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestBatchOrder feeds a long mixed input through the pipeline of open
// --batch and of verify --batch with several worker counts and checks that
// the output is the same, line for line, as rendering each line in turn.
func TestBatchOrder(t *testing.T) {
	t.Parallel()
	r, set := testSet(t)
	var toks bytes.Buffer
	mintTokens(t, r, 50, &toks)
	valid := strings.Fields(toks.String())
	// Payloads that open renders compacted, and one that is not JSON.
	m, err := token.New(r, &token.Options{Purpose: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		" {\"a\" : [1, 2 ,\t3],\n \"b\": \"x y \\\" z\\\\\" } ",
		`"caf\u00e9 \u2028"`,
		`{"a":1,"a":2}`, // a duplicate key: rejected at the payload stage
	} {
		tok, err := m.Seal([]byte(p), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		valid = append(valid, tok)
	}

	var in strings.Builder
	const lines = 6000
	for i := range lines {
		tok := valid[i%len(valid)]
		switch i % 11 {
		case 1:
			tok = tamper.Middle(t, tok, tamper.Base64URL)
		case 2:
			tok = ""
		case 3:
			tok = "  " + tok + "\t\r"
		case 4:
			tok = "not a token"
		}
		switch i {
		case 777, 4321:
			tok = strings.Repeat("A", maxTokenInput+5)
		case 1500:
			tok = strings.Repeat("A", maxTokenInput) // the longest line read
		case 1501:
			tok = strings.Repeat("A", maxTokenInput+1) // too long by a byte
		case 1502:
			tok = strings.Repeat(" ", maxTokenInput+1) // too long, though blank
		}
		in.WriteString(tok)
		if i < lines-1 {
			in.WriteByte('\n') // the last line has no newline
		}
	}

	for _, input := range []string{in.String(), in.String() + "\n" + strings.Repeat("B", maxTokenInput+1)} {
		testBatchOrder(t, set, input, true)
		testBatchOrder(t, verifySet(t, r), input, false)
	}
}

// testBatchOrder checks that runBatch renders input as a sequential loop
// over its lines would, with payloads (open) or without (verify).
func testBatchOrder(t *testing.T, set *openerSet, input string, withPayload bool) {
	t.Helper()
	want, wantStats := renderSequentially(set, input, withPayload)
	if wantStats.valid == 0 || wantStats.invalid == 0 {
		t.Fatalf("bad test input: %+v", wantStats)
	}
	if withPayload && !bytes.Contains(want, []byte(`,"payload":{"a":[1,2,3],"b":"x y \" z\\"}}`)) {
		t.Fatalf("bad test input: no compacted payload in the output")
	}

	// The reader cuts lines out of whatever blocks the input gives it:
	// whole, one byte at a time, halves, and the last data with io.EOF.
	readers := []struct {
		name string
		r    func() io.Reader
	}{
		{"whole", func() io.Reader { return strings.NewReader(input) }},
		{"bytes", func() io.Reader { return iotest.OneByteReader(strings.NewReader(input)) }},
		{"halves", func() io.Reader { return iotest.HalfReader(strings.NewReader(input)) }},
		{"data with EOF", func() io.Reader { return iotest.DataErrReader(strings.NewReader(input)) }},
	}
	for _, rd := range readers {
		for _, workers := range []int{1, 2, 3, 8} {
			var out bytes.Buffer
			stats, err := runBatch(rd.r(), &out, set, withPayload, workers, nil)
			if err != nil {
				t.Fatalf("%s, payload %t, workers %d: %v", rd.name, withPayload, workers, err)
			}
			if stats != wantStats {
				t.Errorf("%s, payload %t, workers %d: stats %+v; want %+v", rd.name, withPayload, workers, stats, wantStats)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%s, payload %t, workers %d: output differs from the sequential rendering", rd.name, withPayload, workers)
			}
		}
	}
	// Every output line is one JSON object, and line numbers increase.
	prev := 0
	for _, l := range bytes.Split(bytes.TrimSuffix(want, []byte("\n")), []byte("\n")) {
		var v struct {
			Line int  `json:"line"`
			OK   bool `json:"ok"`
		}
		if err := json.Unmarshal(l, &v); err != nil {
			t.Fatalf("bad JSON line %q: %v", l, err)
		}
		if v.Line <= prev {
			t.Fatalf("line %d after line %d", v.Line, prev)
		}
		prev = v.Line
	}
}

// renderSequentially is the reference for runBatch: each line of input
// rendered in turn.
func renderSequentially(set *openerSet, input string, withPayload bool) ([]byte, batchStats) {
	var out []byte
	var stats batchStats
	for i, line := range strings.Split(input, "\n") {
		l := lineRef{no: i + 1}
		if len(line) > maxTokenInput {
			l.tooLong = true
		} else if i, j := trimSpan([]byte(line)); i == j {
			continue
		} else {
			line = line[i:j]
			l.end = len(line)
		}
		out = renderLine(out, &stats, set, []byte(line), l, withPayload)
	}
	return out, stats
}

// TestBatchAllocs pins the allocations per valid token of the batch
// pipeline's worker, with the options the command line gives: none for
// verify, and for open the payload that token.Minter.Unseal returns, which
// the rendering shares when the payload is compact JSON. open --batch took 10 allocations per token and verify 3,
// and the collector's work with them made open scale worse than verify on
// two cores (BENCHMARKS.md, batch).
func TestBatchAllocs(t *testing.T) {
	if raceEnabled {
		// sync.Pool drops pooled items at random under the race
		// detector, so the allocation count is not the program's.
		t.Skip("allocation counts are not meaningful under the race detector (sync.Pool drops items at random)")
	}
	r, _ := testSet(t)
	var toks bytes.Buffer
	mintTokens(t, r, 1, &toks)
	tok := bytes.TrimSpace(toks.Bytes())
	l := lineRef{no: 1, end: len(tok)}
	// The options of 'open --batch --purpose bench' (demands: the purpose
	// was given, which each token's format must be able to prove).
	cliSet := func(validateOnly bool) *openerSet {
		set, err := newOpenerSet(r, openOptions{purpose: "bench", codec: "json", validateOnly: validateOnly, maxTTL: token.DefaultMaxTTL,
			now: time.Now, demands: demands{purpose: true, purposeVal: "bench"}})
		if err != nil {
			t.Fatal(err)
		}
		return set
	}
	for _, c := range []struct {
		name        string
		set         *openerSet
		withPayload bool
		max         float64
	}{
		{"verify", cliSet(true), false, 0},
		{"open", cliSet(false), true, 1},
	} {
		out := make([]byte, 0, 4096)
		var st batchStats
		got := testing.AllocsPerRun(1000, func() {
			out = renderLine(out[:0], &st, c.set, tok, l, c.withPayload)
		})
		if st.valid == 0 || st.rejected() != 0 {
			t.Fatalf("%s: %+v; want valid tokens: %s", c.name, st, out)
		}
		if got > c.max {
			t.Errorf("%s --batch: %v allocations per token; want at most %v", c.name, got, c.max)
		}
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

type failReader struct {
	r io.Reader
	n int
}

func (r *failReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset")
	}
	p = p[:min(len(p), r.n)]
	n, err := r.r.Read(p)
	r.n -= n
	return n, err
}

// TestBatchIOErrors checks that read and write errors end the run with an
// error, without hanging.
func TestBatchIOErrors(t *testing.T) {
	r, set := testSet(t)
	var toks bytes.Buffer
	mintTokens(t, r, 5000, &toks)

	done := make(chan error, 2)
	go func() {
		_, err := runBatch(bytes.NewReader(toks.Bytes()), &failWriter{n: 100 << 10}, set, false, 2, nil)
		done <- err
	}()
	go func() {
		_, err := runBatch(&failReader{r: bytes.NewReader(toks.Bytes()), n: 300 << 10}, io.Discard, set, false, 2, nil)
		done <- err
	}()
	for range 2 {
		select {
		case err := <-done:
			if err == nil || !(strings.Contains(err.Error(), "disk full") || strings.Contains(err.Error(), "connection reset")) {
				t.Errorf("err = %v; want the I/O error", err)
			}
			if exitCode(err) != exitEnv {
				t.Errorf("exit code %d for %v; want %d", exitCode(err), err, exitEnv)
			}
		case <-time.After(time.Minute):
			t.Fatal("runBatch hangs after an I/O error")
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{
		"", "plain", `quote " backslash \ slash /`, "\n\r\t\b\f\x00\x1f\x7f",
		"<html> & more", "caf\u00e9 \u2028 \u2029 \U0001F600", "bad \xff\xfe utf-8 \xc3",
	} {
		out := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Errorf("appendJSONString(%q) = %s: not JSON: %v", s, out, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if s == "bad \xff\xfe utf-8 \xc3" {
			want = "bad \ufffd\ufffd utf-8 \ufffd" // one U+FFFD per bad byte, as encoding/json
		}
		if got != want {
			t.Errorf("appendJSONString(%q) decodes to %q; want %q", s, got, want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	p := &progress{total: 1000}
	p.read.Store(500)
	p.lines.Store(10)
	if got, want := p.line(2*time.Second), "sesstool: [###############...............]  50% 10 tokens, 5/s"; got != want {
		t.Errorf("line = %q; want %q", got, want)
	}
	p = &progress{}
	p.lines.Store(300)
	if got, want := p.line(time.Second), "sesstool: 300 tokens, 300/s"; got != want {
		t.Errorf("line = %q; want %q", got, want)
	}
}

// TestBatchProgressOnTerminal runs batch mode as if stderr were a terminal:
// the progress line is drawn and then erased, before the summary.
func TestBatchProgressOnTerminal(t *testing.T) {
	dir := t.TempDir()
	kr := filepath.Join(dir, "k.json")
	r, err := keyring.Generate(keyring.Default, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := keyring.Create(kr, r); err != nil {
		t.Fatal(err)
	}
	var toks bytes.Buffer
	mintTokens(t, r, 3, &toks)
	var out, errb bytes.Buffer
	a := &app{stdin: &toks, stdout: &out, stderr: &errb, stderrTTY: true,
		getenv: func(string) string { return "" }, configDir: func() (string, error) { return dir, nil }}
	if code := a.run([]string{"verify", "--batch", "--purpose", "bench", "--keyring", kr}); code != 0 {
		t.Fatalf("exit code %d: %s", code, errb.String())
	}
	e := errb.String()
	erase, summary := strings.LastIndex(e, "\r\x1b[K"), strings.Index(e, "sesstool: 3 valid, 0 rejected in ")
	if erase < 0 || summary < erase {
		t.Errorf("stderr %q: want the progress line erased, then the summary", e)
	}
}

// cycleReader yields lines of toks, one after another, n lines in all,
// without holding them all in memory.
type cycleReader struct {
	toks []string
	n, i int
	buf  []byte
}

func (r *cycleReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && r.i < r.n {
		r.buf = append(r.buf, r.toks[r.i%len(r.toks)]...)
		r.i++
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[:copy(r.buf, r.buf[n:])]
	return n, nil
}

// BenchmarkBatchVerify measures verify --batch's pipeline (read, open,
// render, write) on tokens of the benchmark workload, per token. Compare
// cores with -cpu 1,2.
func BenchmarkBatchVerify(b *testing.B) { benchmarkBatch(b, false) }

// BenchmarkBatchOpen measures open --batch's pipeline, which also renders
// each payload, as BenchmarkBatchVerify does verify's.
func BenchmarkBatchOpen(b *testing.B) { benchmarkBatch(b, true) }

func benchmarkBatch(b *testing.B, withPayload bool) {
	r, _ := testSet(b)
	set, err := newOpenerSet(r, openOptions{purpose: "bench", codec: "json", validateOnly: !withPayload, maxTTL: token.DefaultMaxTTL, now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	var toks bytes.Buffer
	mintTokens(b, r, 1000, &toks)
	lines := strings.SplitAfter(toks.String(), "\n")
	lines = lines[:len(lines)-1]
	b.SetBytes(int64(len(lines[0])))
	b.ResetTimer()
	stats, err := runBatch(&cycleReader{toks: lines, n: b.N}, io.Discard, set, withPayload, runtime.GOMAXPROCS(0), nil)
	if err != nil || stats.valid != b.N {
		b.Fatalf("stats %+v, err %v", stats, err)
	}
}

var (
	genTokens = flag.Int("gen-tokens", 0, "TestGenTokens: write this many tokens to -gen-dir")
	genDir    = flag.String("gen-dir", "", "TestGenTokens: directory for keyring.json and tokens.txt")
	genSeed   = flag.Uint64("gen-seed", 0, "TestGenTokens: when not 0, seed crypto/rand and mint at genEpoch, so that the same seed writes the same files")
)

// genEpoch is the clock of TestGenTokens with -gen-seed: the key's
// creation time and every token's issue time. Its tokens are valid for an
// hour from it, so they are opened with --at genAt.
var genEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// genAt is the --at that the tokens of TestGenTokens with -gen-seed are
// valid at.
const genAt = "2026-01-01T00:30:00Z"

// TestGenTokens writes a keyring and N tokens of the benchmark workload
// (purpose "bench", valid 1 hour), for measuring the sesstool binary:
//
//	go test ./cmd/sesstool -run TestGenTokens -gen-tokens 1000000 -gen-dir /tmp/bench
//	go build -o /tmp/bench/sesstool ./cmd/sesstool
//	GOMAXPROCS=2 /usr/bin/time -v /tmp/bench/sesstool verify --batch \
//	    --keyring /tmp/bench/keyring.json --purpose bench < /tmp/bench/tokens.txt > /dev/null
//
// With -gen-seed S, crypto/rand is seeded with S (testing/cryptotest) and
// the clock is genEpoch: the keyring and the tokens are the same on every
// run with the same S and Go version, and are opened with --at genAt
// (bench/run.sh batch does this). The key is then known to anyone who
// runs this: such a keyring is for benchmarks only.
func TestGenTokens(t *testing.T) {
	if *genTokens == 0 {
		t.Skip("set -gen-tokens N and -gen-dir DIR to write benchmark input")
	}
	if *genDir == "" {
		t.Fatal("-gen-dir is required")
	}
	if err := os.MkdirAll(*genDir, 0o700); err != nil {
		t.Fatal(err)
	}
	created := time.Now()
	var now func() time.Time
	if *genSeed != 0 {
		cryptotest.SetGlobalRandom(t, *genSeed)
		created = genEpoch
		now = func() time.Time { return genEpoch }
	}
	r, err := keyring.Generate(keyring.Default, created)
	if err != nil {
		t.Fatal(err)
	}
	kr := filepath.Join(*genDir, "keyring.json")
	os.Remove(kr)
	if err := keyring.Create(kr, r); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(*genDir, "tokens.txt"))
	if err != nil {
		t.Fatal(err)
	}
	mintTokensAt(t, r, *genTokens, f, now)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("wrote %d tokens to %s\n", *genTokens, f.Name())
	if *genSeed != 0 {
		fmt.Printf("they are valid at --at %s\n", genAt)
	}
}
