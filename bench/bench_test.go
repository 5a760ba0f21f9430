package bench

import "testing"

// BenchmarkMint/<system> and BenchmarkOpen/<system> measure every system of
// Systems, and the bare primitives of Primitives (Mint seals, Open opens).
// Each system is built once per benchmark, outside the timed loop; Open reads
// one token minted before the loop into one reused destination. Besides
// ns/op (wall clock) each reports cpu-ns/op, the process's CPU time per op
// (getrusage: every goroutine, the garbage collector's included), which
// waiting for a core on a loaded machine does not inflate. run.sh runs them
// interleaved, one short window per system per round; README.md says how
// to read the results.

func BenchmarkMint(b *testing.B) {
	for _, s := range Systems() {
		b.Run(s.Name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := s.Mint(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
	for _, p := range Primitives() {
		b.Run(p.Name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				p.Seal()
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, s := range Systems() {
		b.Run(s.Name, func(b *testing.B) {
			tok, err := s.Mint()
			if err != nil {
				b.Fatal(err)
			}
			var dst Session
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if err := s.Open(tok, &dst); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
	for _, p := range Primitives() {
		b.Run(p.Name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if err := p.Open(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
