package utf8

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/internal/testtext"
	"github.com/autobahn-go/autobahn/nvx"
)

var (
	benchKinds = testtext.Kinds
	benchSizes = []int{16, 32, 125, 1 << 10, 16 << 10, 1 << 20}
	sink       bool
)

// benchText returns n bytes of valid text of the given kind, cut at a
// character boundary and padded with ASCII to exactly n bytes.
func benchText(rng *rand.Rand, kind string, n int) []byte {
	p := testtext.About(rng, kind, n)
	for len(p) > n {
		r := reference(p[:n])
		p = p[:r.Offset]
		if r.Kind != Invalid {
			break
		}
		p = p[:r.Offset-1]
		for len(p) > 0 && p[len(p)-1]&0xC0 == 0x80 {
			p = p[:len(p)-1]
		}
		if len(p) > 0 && p[len(p)-1] >= 0xC0 {
			p = p[:len(p)-1]
		}
	}
	for len(p) < n {
		p = append(p, ' ')
	}
	return p
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// forEachBenchImpl runs f once with the automatic choice ("auto") and once
// per implementation selected.
func forEachBenchImpl(b *testing.B, f func(b *testing.B)) {
	b.Run("auto", f)
	defer nvx.Reset("utf8")
	for _, name := range nvx.List("utf8") {
		if err := nvx.Select("utf8", name); err != nil {
			b.Fatal(err)
		}
		b.Run(name, f)
	}
}

// BenchmarkValid measures Valid on each kind of text and size.
func BenchmarkValid(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, kind := range benchKinds {
		for _, n := range benchSizes {
			p := benchText(rng, kind, n)
			b.Run(kind+"/"+sizeName(n), func(b *testing.B) {
				forEachBenchImpl(b, func(b *testing.B) {
					b.SetBytes(int64(n))
					for b.Loop() {
						sink = Valid(p)
					}
				})
			})
		}
	}
}

// BenchmarkRotating validates a different mixed text on each iteration, so
// the branch predictor cannot learn the input.
func BenchmarkRotating(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{16, 32, 125, 1 << 10} {
		texts := make([][]byte, 256)
		for i := range texts {
			texts[i] = benchText(rng, benchKinds[1+i%4], n)
		}
		b.Run("mixed/"+sizeName(n), func(b *testing.B) {
			forEachBenchImpl(b, func(b *testing.B) {
				b.SetBytes(int64(n))
				i := 0
				for b.Loop() {
					sink = Valid(texts[i&255])
					i++
				}
			})
		})
	}
}

// BenchmarkInvalid measures Validate on mixed text whose bad byte is near
// the end; compare with BenchmarkValid/mixed.
func BenchmarkInvalid(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, n := range benchSizes {
		p := benchText(rng, "mixed", n)
		p[n-3] = 0xFF
		b.Run("mixed/"+sizeName(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				sink = Validate(p).Kind == Invalid
			}
		})
	}
}

// BenchmarkValidator streams a 64 KiB message of mixed text in pieces of
// 125 B and 4 KiB.
func BenchmarkValidator(b *testing.B) {
	p := benchText(rand.New(rand.NewPCG(4, 4)), "mixed", 64<<10)
	for _, piece := range []int{125, 4096} {
		b.Run("mixed/"+sizeName(piece), func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			var v Validator
			for b.Loop() {
				v.Reset()
				for i := 0; i < len(p); i += piece {
					v.Write(p[i:min(i+piece, len(p))])
				}
				sink = v.Done()
			}
		})
	}
}

// BenchmarkThreshold compares the implementations on short inputs, where the
// dispatch thresholds lie.
func BenchmarkThreshold(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, kind := range []string{"ascii", "mixed"} {
		for _, n := range []int{4, 8, 12, 16, 24} {
			p := benchText(rng, kind, n)
			b.Run(kind+"/"+sizeName(n), func(b *testing.B) {
				forEachBenchImpl(b, func(b *testing.B) {
					b.SetBytes(int64(n))
					for b.Loop() {
						sink = Valid(p)
					}
				})
			})
		}
	}
}
