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
}

// Length thresholds, measured on AMD EPYC Zen 4 (BENCHMARKS.md): below them
// the next kernel down is as fast or faster.
const (
	thresholdSSE2   = 16
	thresholdAVX2   = 32
	thresholdAVX512 = 64
)

// config is the dispatch decision: which kernels may run and from which
// length on.
type config struct {
	sse2, avx2, avx512          bool
	minSSE2, minAVX2, minAVX512 int
}

func autoConfig() *config {
	return &config{
		sse2:      nvx.Allowed("sse2"),
		avx2:      hasAVX2 && nvx.Allowed("avx2"),
		avx512:    hasAVX512 && nvx.Allowed("avx512"),
		minSSE2:   thresholdSSE2,
		minAVX2:   thresholdAVX2,
		minAVX512: thresholdAVX512,
	}
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
