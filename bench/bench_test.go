package bench

import "testing"

// BenchmarkMint/<system> and BenchmarkOpen/<system> measure every system of
// Systems, and the bare primitives of Primitives (Mint seals, Open opens).
// Each system is built once per benchmark, outside the timed loop; Open reads
// one token minted before the loop into one reused destination. run.sh runs
// them interleaved, one short window per system per round; README.md says
// how to read the results.

func BenchmarkMint(b *testing.B) {
	for _, s := range Systems() {
		b.Run(s.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Mint(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, p := range Primitives() {
		b.Run(p.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Seal()
			}
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
			for b.Loop() {
				if err := s.Open(tok, &dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, p := range Primitives() {
		b.Run(p.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Open(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
