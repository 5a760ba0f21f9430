// Command benchtable turns the raw output of bench/run.sh into markdown
// tables of medians and ratios. It is run by run.sh; see bench/README.md.
//
// Usage:
//
//	benchtable names                 print every benchmark sub-name, one a line
//	benchtable wall FILE             table from interleaved `go test -bench` output
//	benchtable callgrind DIR         table from callgrind runs at two iteration counts
//	benchtable httpnames             print every HTTP row's name, one a line
//	benchtable http FILE             table from interleaved BenchmarkHTTP output
//	benchtable http-callgrind DIR LO HI  the same from callgrind runs of BenchmarkHTTP
//
// In wall mode, FILE holds R rounds, each running every benchmark once; the
// k-th result of a benchmark belongs to round k. A median is the median over
// rounds; a ratio is the median over rounds of the ratio measured within
// the round, so that slow drift of the machine cancels.
//
// In http mode, FILE holds R rounds of BenchmarkHTTP, one result per row per
// round, as in wall mode; the tables use cpu-ns/op (the process's CPU time
// per request) as well as ns/op, and judge the HTTP targets on CPU time.
//
// In callgrind mode, DIR holds, for each benchmark, the callgrind output of
// a run at -test.benchtime=<hi>x and one at <lo>x (files <Mint|Open>.<name>.
// <n>x.cg) and the test binary's stdout of the high run (…<hi>x.txt, for
// allocs/op). Instructions per op = (Ir(hi) − Ir(lo)) / (hi − lo): the setup,
// which both runs share, cancels.
package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sesstool/sesstool/bench"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "names":
		for _, n := range names() {
			fmt.Println(n)
		}
	case "wall":
		if len(os.Args) != 3 {
			usage()
		}
		err = wall(os.Args[2])
	case "httpnames":
		for _, s := range bench.HTTPSystems() {
			fmt.Println(s.Name)
			if s.Close != nil {
				s.Close()
			}
		}
	case "http-callgrind":
		if len(os.Args) != 5 {
			usage()
		}
		lo, err1 := strconv.Atoi(os.Args[3])
		hi, err2 := strconv.Atoi(os.Args[4])
		if err1 != nil || err2 != nil || lo >= hi {
			usage()
		}
		err = httpCallgrind(os.Args[2], lo, hi)
	case "http":
		if len(os.Args) != 3 {
			usage()
		}
		err = httpTable(os.Args[2])
	case "callgrind":
		if len(os.Args) != 5 {
			usage()
		}
		lo, err1 := strconv.Atoi(os.Args[3])
		hi, err2 := strconv.Atoi(os.Args[4])
		if err1 != nil || err2 != nil || lo >= hi {
			usage()
		}
		err = callgrind(os.Args[2], lo, hi)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchtable names | wall FILE | callgrind DIR LO HI | httpnames | http FILE | http-callgrind DIR LO HI")
	os.Exit(2)
}

// names lists the systems then the primitives, in report order.
func names() []string {
	var ns []string
	for _, s := range bench.Systems() {
		ns = append(ns, s.Name)
	}
	for _, p := range bench.Primitives() {
		ns = append(ns, p.Name)
	}
	return ns
}

func kinds() map[string]string {
	k := map[string]string{}
	for _, s := range bench.Systems() {
		k[s.Name] = s.Kind
	}
	for _, p := range bench.Primitives() {
		k[p.Name] = "primitive"
	}
	return k
}

// The reference rows. defaultJSON is what token.New gives with Options left
// at their zero value (XChaCha20-Poly1305, JSON); defaultCBOR is the same
// suite with CBOR.
const (
	defaultCBOR = "sesstool-xchacha-cbor"
	defaultJSON = "sesstool-xchacha-json"
)

// floorOf maps a row to the floor built from the same codec and primitive.
var floorOf = map[string]string{
	"sesstool-xchacha-cbor":          "floor-cbor-xchacha",
	"sesstool-aes256gcm-json":        "floor-json-aes256gcm",
	"sesstool-hmac-json":             "floor-json-hmac",
	"floor-cbor-xchacha-sesscodec":   "floor-cbor-xchacha",
	"floor-json-aes256gcm-sesscodec": "floor-json-aes256gcm",
}

// A metric is one benchmark's measurements: values[k] is round k's (wall)
// or the single value (callgrind).
type metric struct {
	perOp  []float64 // ns/op or instructions/op
	cpu    []float64 // cpu-ns/op (BenchmarkHTTP)
	allocs []float64
	bytes  []float64
}

// table holds metrics by op ("Mint", "Open") and system name.
type table map[string]map[string]*metric

func (t table) get(op, name string) *metric {
	if t[op] == nil {
		t[op] = map[string]*metric{}
	}
	m := t[op][name]
	if m == nil {
		m = &metric{}
		t[op][name] = m
	}
	return m
}

func (t table) lookup(op, name string) *metric {
	if m := t[op][name]; m != nil && len(m.perOp) > 0 {
		return m
	}
	return nil
}

// resultRE matches a benchmark result line; the -N GOMAXPROCS suffix is
// dropped from the name.
var resultRE = regexp.MustCompile(`^Benchmark(Mint|Open|HTTP)/([a-z0-9-]+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parseResults adds every result line of text to t.
func parseResults(t table, text string) {
	for line := range strings.Lines(text) {
		m := resultRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		met := t.get(m[1], m[2])
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				met.perOp = append(met.perOp, v)
			case "cpu-ns/op":
				met.cpu = append(met.cpu, v)
			case "allocs/op":
				met.allocs = append(met.allocs, v)
			case "B/op":
				met.bytes = append(met.bytes, v)
			}
		}
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// ratio is the median over rounds of a[k]/b[k], over the rounds both have.
func ratio(a, b *metric) float64 {
	if a == nil || b == nil {
		return math.NaN()
	}
	n := min(len(a.perOp), len(b.perOp))
	var rs []float64
	for k := range n {
		rs = append(rs, a.perOp[k]/b.perOp[k])
	}
	return median(rs)
}

// spread is the smallest and largest per-round ratio, to show how far the
// rounds disagree.
func spread(a, b *metric) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	if a == nil || b == nil {
		return math.NaN(), math.NaN()
	}
	for k := range min(len(a.perOp), len(b.perOp)) {
		r := a.perOp[k] / b.perOp[k]
		lo, hi = min(lo, r), max(hi, r)
	}
	return lo, hi
}

func fmtNum(v float64, unit string) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case unit == "Ir":
		return fmt.Sprintf("%.0f", v)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

func fmtRatio(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.2f×", v)
}

func fmtAllocs(m *metric) string {
	if m == nil || len(m.allocs) == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", median(m.allocs))
}

// printTable prints the main table: medians, allocations, and ratios to the
// floor and to the two sesstool reference rows.
func printTable(t table, unit string) {
	kind := kinds()
	fmt.Printf("| system | kind | Mint %s | Open %s | Mint allocs | Open allocs | Mint ×floor | Open ×floor | Mint ×%s | Open ×%s | Mint ×%s | Open ×%s |\n",
		unit, unit, defaultCBOR, defaultCBOR, defaultJSON, defaultJSON)
	fmt.Println("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, n := range names() {
		mint, open := t.lookup("Mint", n), t.lookup("Open", n)
		if mint == nil && open == nil {
			continue
		}
		med := func(m *metric) float64 {
			if m == nil {
				return math.NaN()
			}
			return median(m.perOp)
		}
		fl := floorOf[n]
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			n, kind[n], fmtNum(med(mint), unit), fmtNum(med(open), unit), fmtAllocs(mint), fmtAllocs(open),
			fmtRatio(ratio(mint, t.lookup("Mint", fl))), fmtRatio(ratio(open, t.lookup("Open", fl))),
			fmtRatio(ratio(mint, t.lookup("Mint", defaultCBOR))), fmtRatio(ratio(open, t.lookup("Open", defaultCBOR))),
			fmtRatio(ratio(mint, t.lookup("Mint", defaultJSON))), fmtRatio(ratio(open, t.lookup("Open", defaultJSON))))
	}
	fmt.Println()
	fmt.Println("×floor: this row ÷ the floor of the same codec and primitive (sesstool rows, and the -sesscodec floors ÷ their bare floor).")
	fmt.Printf("×%s, ×%s: this row ÷ that sesstool row; above 1 means slower than sesstool.\n", defaultCBOR, defaultJSON)
}

// A target is one requirement of the performance issue: a ratio a/b must be
// at most max (sesstool within a factor of a floor) or at least min (a peer
// slower than sesstool by a factor).
type target struct {
	what     string
	op       string
	a, b     string
	max, min float64
	allocs   bool // compare allocs/op medians instead of the time ratio
}

func targets() []target {
	var ts []target
	for _, op := range []string{"Mint", "Open"} {
		ts = append(ts,
			target{what: "default suite + CBOR within 1.15× of its floor", op: op, a: defaultCBOR, b: "floor-cbor-xchacha", max: 1.15},
			target{what: "aes256gcm + JSON within 1.25× of its floor", op: op, a: "sesstool-aes256gcm-json", b: "floor-json-aes256gcm", max: 1.25},
		)
	}
	for _, ref := range []string{defaultCBOR, defaultJSON} {
		for _, op := range []string{"Mint", "Open"} {
			ts = append(ts,
				target{what: "≥3× faster than securecookie JSON", op: op, a: "securecookie-json", b: ref, min: 3},
				target{what: "≥5× faster than securecookie gob", op: op, a: "securecookie-gob", b: ref, min: 5},
				target{what: "≥4× faster than golang-jwt HS256", op: op, a: "jwt-hs256", b: ref, min: 4},
			)
		}
	}
	ts = append(ts,
		target{what: "allocs per Open ≤ the floor's", op: "Open", a: defaultCBOR, b: "floor-cbor-xchacha", allocs: true},
		target{what: "allocs per Open ≤ the floor's", op: "Open", a: "sesstool-aes256gcm-json", b: "floor-json-aes256gcm", allocs: true},
		target{what: "allocs per Open ≤ the floor's", op: "Open", a: "sesstool-aes256gcm-json", b: "floor-json-aes256gcm-sesscodec", allocs: true},
	)
	return ts
}

func printTargets(t table, withSpread bool) {
	fmt.Println()
	fmt.Println("Targets of the performance issue:")
	fmt.Println()
	if withSpread {
		fmt.Println("| target | op | ratio | per-round range | ratio of minima | needed | met |")
		fmt.Println("|---|---|--:|--:|--:|--:|---|")
	} else {
		fmt.Println("| target | op | ratio | needed | met |")
		fmt.Println("|---|---|--:|--:|---|")
	}
	for _, tg := range targets() {
		a, b := t.lookup(tg.op, tg.a), t.lookup(tg.op, tg.b)
		if a == nil || b == nil {
			continue
		}
		if tg.allocs {
			x, y := median(a.allocs), median(b.allocs)
			met := yesNo(x <= y)
			if withSpread {
				fmt.Printf("| %s (%s: %.0f, %s: %.0f) | %s | | | | ≤ | %s |\n", tg.what, tg.a, x, tg.b, y, tg.op, met)
			} else {
				fmt.Printf("| %s (%s: %.0f, %s: %.0f) | %s | | ≤ | %s |\n", tg.what, tg.a, x, tg.b, y, tg.op, met)
			}
			continue
		}
		r := ratio(a, b)
		var need, met string
		if tg.max > 0 {
			need, met = fmt.Sprintf("≤ %.2f", tg.max), yesNo(r <= tg.max)
		} else {
			need, met = fmt.Sprintf("≥ %.2f", tg.min), yesNo(r >= tg.min)
		}
		what := fmt.Sprintf("%s: %s ÷ %s", tg.what, tg.a, tg.b)
		if withSpread {
			lo, hi := spread(a, b)
			fmt.Printf("| %s | %s | %.2f | %.2f–%.2f | %.2f | %s | %s |\n", what, tg.op, r, lo, hi, slices.Min(a.perOp)/slices.Min(b.perOp), need, met)
		} else {
			fmt.Printf("| %s | %s | %.3f | %s | %s |\n", what, tg.op, r, need, met)
		}
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

func wall(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	t := table{}
	parseResults(t, string(data))
	if len(t) == 0 {
		return fmt.Errorf("no benchmark results in %s", file)
	}
	rounds := 0
	for _, ms := range t {
		for _, m := range ms {
			rounds = max(rounds, len(m.perOp))
		}
	}
	// CPU time, where the results have it (cpu-ns/op: results written
	// before it was added have only wall clock).
	cpu := table{}
	for op, ms := range t {
		for n, m := range ms {
			if len(m.cpu) > 0 {
				c := cpu.get(op, n)
				c.perOp, c.allocs, c.bytes = m.cpu, m.allocs, m.bytes
			}
		}
	}
	if len(cpu) > 0 {
		fmt.Printf("CPU time: median cpu-ns/op (the process's CPU time per op: getrusage, user + system, every goroutine, GC included)\n")
		fmt.Printf("over %d interleaved rounds; ratios are medians of per-round ratios. Waiting for a core does not count,\n", rounds)
		fmt.Println("so CPU time is the steadier measure on a shared machine; the targets are judged on it here.")
		fmt.Println()
		printTable(cpu, "cpu-ns/op")
		printTargets(cpu, true)
		fmt.Println()
	}
	fmt.Printf("Wall clock: median ns/op over %d interleaved rounds; ratios are medians of per-round ratios.\n\n", rounds)
	printTable(t, "ns/op")
	printTargets(t, true)
	fmt.Println()
	fmt.Println("\"met\" judges the median per-round ratio. The ratio of minima (best round ÷ best round) is")
	fmt.Println("less sensitive to other load on the machine, which only ever adds time.")
	return nil
}

// totalsRE matches the instruction total of a callgrind output file.
var totalsRE = regexp.MustCompile(`(?m)^(?:totals|summary):\s+(\d+)`)

func callgrindIr(path string) (float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	m := totalsRE.FindSubmatch(data)
	if m == nil {
		return 0, fmt.Errorf("%s: no totals line", path)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func callgrind(dir string, lo, hi int) error {
	t := table{}
	var missing []string
	for _, n := range names() {
		for _, op := range []string{"Mint", "Open"} {
			base := filepath.Join(dir, op+"."+n+".")
			irLo, err1 := callgrindIr(base + strconv.Itoa(lo) + "x.cg")
			irHi, err2 := callgrindIr(base + strconv.Itoa(hi) + "x.cg")
			if err1 != nil || err2 != nil {
				// Not run at all (run.sh's ONLY filter) is not a failure.
				if ran, _ := filepath.Glob(base + "*x.err"); len(ran) > 0 {
					missing = append(missing, op+"/"+n)
				}
				continue
			}
			m := t.get(op, n)
			m.perOp = []float64{(irHi - irLo) / float64(hi-lo)}
			if out, err := os.ReadFile(base + strconv.Itoa(hi) + "x.txt"); err == nil {
				tmp := table{}
				parseResults(tmp, string(out))
				if r := tmp.lookup(op, n); r != nil {
					m.allocs, m.bytes = r.allocs, r.bytes
				}
			}
		}
	}
	if len(t) == 0 {
		return fmt.Errorf("no callgrind results in %s", dir)
	}
	fmt.Printf("Callgrind: instructions per op = (Ir(%dx) − Ir(%dx)) / %d, GOMAXPROCS=1.\n\n", hi, lo, hi-lo)
	printTable(t, "Ir")
	printTargets(t, false)
	if len(missing) > 0 {
		fmt.Printf("\nMissing (the run failed; see the .err files): %s\n", strings.Join(missing, ", "))
	}
	return nil
}
