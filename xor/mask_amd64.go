//go:build !purego

package xor

import (
	"github.com/autobahn-go/autobahn/nvx"
	"golang.org/x/sys/cpu"
)

// Features the kernels need. AVX-512 masks bytes (AVX512BW) and builds the
// masks with BZHI (BMI2).
var (
	hasAVX2   = cpu.X86.HasAVX2
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasBMI2
)

func init() {
	nvx.Register(Kernel, "generic", true)
	nvx.Register(Kernel, "sse2", true) // amd64 baseline
	nvx.Register(Kernel, "avx2", hasAVX2)
	nvx.Register(Kernel, "avx512", hasAVX512)
	nvx.SetPlan(Kernel, plan)
}

// Length thresholds, measured on AMD EPYC Zen 4 (BENCHMARKS.md, "dispatch
// thresholds"). Up to 16 bytes the inlined word code beats any call into
// assembly; from 17 bytes AVX2's two overlapping 16-byte vectors win.
//
// AVX-512 does not beat AVX2 on Zen 4 at any length but exactly 64 bytes:
// the core splits 512-bit operations in two and its byte-masked stores are
// slow. So the automatic dispatch uses AVX-512 only where AVX2 is absent or
// switched off (AUTOBAHN_NVX=noavx2); tests and benchmarks still run it
// through nvx.Select. CPUs with full-width 512-bit units may differ: measure
// before changing this.
const (
	thresholdSSE2   = 17
	thresholdAVX2   = 17
	thresholdAVX512 = 17
)

// config is the dispatch decision: which kernels may run and from which
// length on.
type config struct {
	words, sse2, avx2, avx512   bool
	minSSE2, minAVX2, minAVX512 int
}

func autoConfig() *config {
	avx2 := hasAVX2 && nvx.Allowed("avx2")
	return &config{
		words:     true,
		sse2:      nvx.Allowed("sse2"),
		avx2:      avx2,
		avx512:    hasAVX512 && nvx.Allowed("avx512") && !avx2,
		minSSE2:   thresholdSSE2,
		minAVX2:   thresholdAVX2,
		minAVX512: thresholdAVX512,
	}
}

// plan tells nvx what the automatic dispatch does on this CPU.
func plan() nvx.Plan {
	c := autoConfig()
	switch {
	case c.avx512:
		return nvx.Plan{Large: "avx512", Ranges: "generic <8 B, inline words 8-16 B, avx512 >=17 B"}
	case c.avx2:
		return nvx.Plan{Large: "avx2", Ranges: "generic <8 B, inline words 8-16 B, avx2 >=17 B"}
	case c.sse2:
		return nvx.Plan{Large: "sse2", Ranges: "generic <8 B, inline words 8-16 B, sse2 >=17 B"}
	}
	return nvx.Plan{Large: "generic", Ranges: "generic <8 B, inline words 8-16 B, generic >16 B"}
}

// forcedConfig runs only the named implementation, at every length. nvx has
// checked that it is available.
func forcedConfig(name string) *config {
	return &config{
		sse2: name == "sse2", avx2: name == "avx2", avx512: name == "avx512",
		minSSE2: 1, minAVX2: 1, minAVX512: 1,
	}
}

func mask(dst, src []byte, k [4]byte, pos int) {
	key := keyAt(k, pos)
	n := len(src)
	c := cfg()
	switch {
	case c.words && n >= 8 && n <= 16:
		maskWords(dst, src, key)
	case c.avx512 && n >= c.minAVX512:
		maskAVX512(&dst[0], &src[0], n, key)
	case c.avx2 && n >= c.minAVX2:
		maskAVX2(&dst[0], &src[0], n, key)
	case c.sse2 && n >= c.minSSE2:
		maskSSE2(&dst[0], &src[0], n, key)
	default:
		maskGeneric(dst, src, key)
	}
}
