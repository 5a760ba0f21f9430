package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sesstool/sesstool/bench"
)

// httpRefs maps each mode to sesstool's row of that mode, which the other
// rows of the mode are divided by.
var httpRefs = map[string]string{"client": "sesstool-client", "server": "sesstool-server"}

// httpBaseline is the row that touches no session: the harness's own cost.
const httpBaseline = "baseline-no-session"

// An httpTarget is a target of the HTTP sessions issue: peer ÷ sesstool, in
// CPU time per request, at least min (0: reported, no target).
type httpTarget struct {
	what string
	a, b string
	min  float64
}

var httpTargets = []httpTarget{
	{what: "client mode: ≥4× less CPU than gorilla/sessions CookieStore", a: "gorilla-cookie", b: "sesstool-client", min: 4},
	{what: "server mode: ≥3× less CPU than scs/v2 memstore", a: "scs-memstore", b: "sesstool-server", min: 3},
	{what: "server mode: against gorilla/sessions FilesystemStore (no target)", a: "gorilla-filesystem", b: "sesstool-server"},
}

// roundRatios returns a[k]/b[k] for every round both have; with net, the
// baseline's value of the round is first taken off both.
func roundRatios(a, b, base []float64) []float64 {
	var rs []float64
	for k := range min(len(a), len(b)) {
		x, y := a[k], b[k]
		if base != nil {
			if k >= len(base) {
				break
			}
			x, y = x-base[k], y-base[k]
		}
		rs = append(rs, x/y)
	}
	return rs
}

func minMax(xs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

func httpTable(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	t := table{}
	parseResults(t, string(data))
	rows := t["HTTP"]
	if len(rows) == 0 {
		return fmt.Errorf("no BenchmarkHTTP results in %s", file)
	}
	rounds := 0
	for _, m := range rows {
		rounds = max(rounds, len(m.perOp))
	}
	systems := bench.HTTPSystems()
	for _, s := range systems {
		if s.Close != nil {
			defer s.Close()
		}
	}
	fmt.Printf("HTTP requests: medians over %d interleaved rounds; ratios are medians of per-round ratios.\n", rounds)
	fmt.Println("cpu-ns/op is the process's CPU time per request (getrusage: user + system, all goroutines, GC included);")
	fmt.Println("ns/op is wall clock, which on a loaded machine also counts waiting for a core.")
	fmt.Println()
	fmt.Println("| system | kind | mode | CPU ns/req | wall ns/req | allocs | B | CPU × sesstool | wall × sesstool |")
	fmt.Println("|---|---|---|--:|--:|--:|--:|--:|--:|")
	for _, s := range systems {
		m := rows[s.Name]
		if m == nil {
			continue
		}
		cpuR, wallR := "—", "—"
		if ref := rows[httpRefs[s.Mode]]; ref != nil {
			cpuR = fmtRatio(median(roundRatios(m.cpu, ref.cpu, nil)))
			wallR = fmtRatio(median(roundRatios(m.perOp, ref.perOp, nil)))
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s.Name, s.Kind, s.Mode,
			fmtNum(median(m.cpu), ""), fmtNum(median(m.perOp), ""), fmtAllocs(m), fmtNum(median(m.bytes), ""), cpuR, wallR)
	}
	fmt.Println()
	fmt.Println("× sesstool: this row ÷ sesstool's row of the same mode; above 1 means more than sesstool.")
	fmt.Println()
	fmt.Println("Targets (judged on CPU time per request):")
	fmt.Println()
	fmt.Println("| target | CPU ratio | per-round range | CPU ratio, baseline taken off | wall ratio | needed | met |")
	fmt.Println("|---|--:|--:|--:|--:|--:|---|")
	base := rows[httpBaseline]
	for _, tg := range httpTargets {
		a, b := rows[tg.a], rows[tg.b]
		if a == nil || b == nil {
			continue
		}
		rs := roundRatios(a.cpu, b.cpu, nil)
		lo, hi := minMax(rs)
		net := "—"
		if base != nil {
			net = fmtRatio(median(roundRatios(a.cpu, b.cpu, base.cpu)))
		}
		need, met := "—", "—"
		if tg.min > 0 {
			need, met = fmt.Sprintf("≥ %.2f", tg.min), yesNo(median(rs) >= tg.min)
		}
		fmt.Printf("| %s: %s ÷ %s | %s | %.2f–%.2f | %s | %s | %s | %s |\n", tg.what, tg.a, tg.b,
			fmtRatio(median(rs)), lo, hi, net, fmtRatio(median(roundRatios(a.perOp, b.perOp, nil))), need, met)
	}
	return nil
}

// httpCallgrind prints instructions per request of the HTTP rows, from
// callgrind runs at lo and hi iterations (files HTTP.<name>.<n>x.cg), with
// the same ratios as httpTable.
func httpCallgrind(dir string, lo, hi int) error {
	systems := bench.HTTPSystems()
	for _, s := range systems {
		if s.Close != nil {
			defer s.Close()
		}
	}
	ir := map[string]float64{}
	allocs := map[string]*metric{}
	for _, s := range systems {
		base := filepath.Join(dir, "HTTP."+s.Name+".")
		irLo, err1 := callgrindIr(base + strconv.Itoa(lo) + "x.cg")
		irHi, err2 := callgrindIr(base + strconv.Itoa(hi) + "x.cg")
		if err1 != nil || err2 != nil {
			continue
		}
		ir[s.Name] = (irHi - irLo) / float64(hi-lo)
		if out, err := os.ReadFile(base + strconv.Itoa(hi) + "x.txt"); err == nil {
			tmp := table{}
			parseResults(tmp, string(out))
			allocs[s.Name] = tmp.lookup("HTTP", s.Name)
		}
	}
	if len(ir) == 0 {
		return fmt.Errorf("no callgrind results in %s", dir)
	}
	fmt.Printf("Callgrind: instructions per request = (Ir(%dx) − Ir(%dx)) / %d, GOMAXPROCS=1; user space only\n", hi, lo, hi-lo)
	fmt.Println("(the kernel's work in system calls, such as gorilla FilesystemStore's file writes, is not counted).")
	fmt.Println()
	fmt.Println("| system | kind | mode | Ir/req | allocs | × sesstool | net of baseline × sesstool |")
	fmt.Println("|---|---|---|--:|--:|--:|--:|")
	ratio := func(a, b string, net bool) float64 {
		x, okA := ir[a]
		y, okB := ir[b]
		if !okA || !okB {
			return math.NaN()
		}
		if net {
			base, ok := ir[httpBaseline]
			if !ok {
				return math.NaN()
			}
			x, y = x-base, y-base
		}
		return x / y
	}
	for _, s := range systems {
		v, ok := ir[s.Name]
		if !ok {
			continue
		}
		fmt.Printf("| %s | %s | %s | %.0f | %s | %s | %s |\n", s.Name, s.Kind, s.Mode, v, fmtAllocs(allocs[s.Name]),
			fmtRatio(ratio(s.Name, httpRefs[s.Mode], false)), fmtRatio(ratio(s.Name, httpRefs[s.Mode], true)))
	}
	fmt.Println()
	fmt.Println("| target | Ir ratio | net of baseline | needed | met |")
	fmt.Println("|---|--:|--:|--:|---|")
	for _, tg := range httpTargets {
		r := ratio(tg.a, tg.b, false)
		if math.IsNaN(r) {
			continue
		}
		need, met := "—", "—"
		if tg.min > 0 {
			need, met = fmt.Sprintf("≥ %.2f", tg.min), yesNo(r >= tg.min)
		}
		fmt.Printf("| %s: %s ÷ %s | %s | %s | %s | %s |\n", tg.what, tg.a, tg.b, fmtRatio(r), fmtRatio(ratio(tg.a, tg.b, true)), need, met)
	}
	return nil
}
