// Package utf8 compares the UTF-8 validators of Autobahn|Go with the
// standard library and github.com/segmentio/asm/utf8 (AVX2), on the inputs
// of the kernel's own benchmarks.
package utf8

import (
	"fmt"
	"math/rand/v2"
	"testing"
	stdutf8 "unicode/utf8"

	"github.com/autobahn-go/autobahn/internal/testtext"
	abutf8 "github.com/autobahn-go/autobahn/utf8"
	segutf8 "github.com/segmentio/asm/utf8"
)

var (
	kinds = testtext.Kinds
	sizes = []int{16, 32, 125, 1 << 10, 16 << 10, 1 << 20}
	sink  bool
)

var validators = []struct {
	name string
	f    func([]byte) bool
}{
	{"autobahn", abutf8.Valid},
	{"stdlib", stdutf8.Valid},
	{"segmentio", segutf8.Valid},
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

func BenchmarkValid(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, kind := range kinds {
		for _, n := range sizes {
			p := testtext.Exactly(rng, kind, n)
			for _, v := range validators {
				if !v.f(p) {
					b.Fatalf("%s rejects the %s input", v.name, kind)
				}
				b.Run(kind+"/"+sizeName(n)+"/"+v.name, func(b *testing.B) {
					b.SetBytes(int64(n))
					for b.Loop() {
						sink = v.f(p)
					}
				})
			}
		}
	}
}

// BenchmarkRotating validates a different text each iteration, so that the
// branch predictor cannot learn a small input.
func BenchmarkRotating(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{16, 32, 125, 1 << 10} {
		texts := make([][]byte, 256)
		for i := range texts {
			texts[i] = testtext.Exactly(rng, kinds[1+i%4], n)
		}
		for _, v := range validators {
			b.Run("mixed/"+sizeName(n)+"/"+v.name, func(b *testing.B) {
				b.SetBytes(int64(n))
				i := 0
				for b.Loop() {
					sink = v.f(texts[i&255])
					i++
				}
			})
		}
	}
}

// BenchmarkInvalid: mixed text with a bad byte 3 bytes before the end.
func BenchmarkInvalid(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, n := range sizes {
		p := testtext.Exactly(rng, "mixed", n)
		p[n-3] = 0xFF
		for _, v := range validators {
			b.Run("mixed/"+sizeName(n)+"/"+v.name, func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					sink = v.f(p)
				}
			})
		}
	}
}
