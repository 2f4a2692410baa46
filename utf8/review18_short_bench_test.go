package utf8

import (
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/internal/nvxtest"
)

// shortBenchSizes are the lengths around the dispatch's thresholds for short
// and medium inputs, and two long ones to show they did not slow down.
var shortBenchSizes = []int{8, 16, 32, 33, 50, 64, 100, 128, 129, 192, 193, 256, 4096}

// BenchmarkShort measures Valid, as the automatic dispatch answers it, on
// short and medium inputs: all ASCII, mixed text, and ASCII that ends in one
// two-byte character ("late": the worst case for an ASCII scan before a
// kernel). It reports the thread's CPU time per call beside ns/op, which a
// loaded machine inflates less.
func BenchmarkShort(b *testing.B) {
	rng := rand.New(rand.NewPCG(18, 18))
	for _, kind := range []string{"ascii", "mixed", "late"} {
		for _, n := range shortBenchSizes {
			var p []byte
			if kind == "late" {
				p = benchText(rng, "ascii", n)
				p[n-2], p[n-1] = 0xC3, 0xA9
			} else {
				p = benchText(rng, kind, n)
			}
			b.Run(kind+"/"+sizeName(n), func(b *testing.B) {
				b.SetBytes(int64(n))
				defer nvxtest.CPUTime(b, n)()
				for b.Loop() {
					sink = Valid(p)
				}
			})
		}
	}
}
