// Package utf8 compares the UTF-8 validators of Autobahn|Go with the
// standard library and github.com/segmentio/asm/utf8 (AVX2), on the inputs
// of the kernel's own benchmarks.
package utf8

import (
	"fmt"
	"math/rand/v2"
	"testing"
	stdutf8 "unicode/utf8"

	abutf8 "github.com/autobahn-go/autobahn/utf8"
	segutf8 "github.com/segmentio/asm/utf8"
)

var (
	kinds = []string{"ascii", "latin", "cjk", "emoji", "mixed"}
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

var (
	latin = []rune("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ.,;'-éèêàâçôûüöäßÉÀœ")
	cjk   = []rune("日本語の文章は漢字と仮名で書かれる中文字符验证한국어")
)

// text returns exactly n bytes of valid text of the given kind, padded with
// spaces after the last whole character.
func text(rng *rand.Rand, kind string, n int) []byte {
	out := make([]byte, 0, n+4)
	for {
		var r rune
		switch kind {
		case "ascii":
			r = rune(0x20 + rng.IntN(0x5F))
		case "latin":
			if rng.IntN(8) == 0 {
				r = latin[52+rng.IntN(len(latin)-52)]
			} else {
				r = latin[rng.IntN(52)]
			}
		case "cjk":
			r = cjk[rng.IntN(len(cjk))]
			if rng.IntN(10) == 0 {
				r = ' '
			}
		case "emoji":
			r = rune(0x1F300 + rng.IntN(0x300))
		default:
			switch rng.IntN(4) {
			case 0:
				r = rune(rng.IntN(0x80))
			case 1:
				r = rune(0x80 + rng.IntN(0x800-0x80))
			case 2:
				r = rune(0x800 + rng.IntN(0x10000-0x800))
				if r >= 0xD800 && r <= 0xDFFF {
					r -= 0x800
				}
			default:
				r = rune(0x10000 + rng.IntN(0x110000-0x10000))
			}
		}
		if len(out)+stdutf8.RuneLen(r) > n {
			break
		}
		out = stdutf8.AppendRune(out, r)
	}
	for len(out) < n {
		out = append(out, ' ')
	}
	return out
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
			p := text(rng, kind, n)
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
			texts[i] = text(rng, kinds[1+i%4], n)
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
		p := text(rng, "mixed", n)
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
