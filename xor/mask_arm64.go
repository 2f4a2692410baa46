//go:build !purego

package xor

import (
	"github.com/autobahn-go/autobahn/nvx"
	"golang.org/x/sys/cpu"
)

var hasNEON = cpu.ARM64.HasASIMD

func init() {
	nvx.Register(Kernel, "generic", true)
	nvx.Register(Kernel, "neon", hasNEON)
	nvx.SetPlan(Kernel, plan)
}

// plan tells nvx what the automatic dispatch does on this CPU.
func plan() nvx.Plan {
	if autoConfig().neon {
		return nvx.Plan{Large: "neon", Ranges: "generic <8 B, inline words 8-16 B, neon >=17 B"}
	}
	return nvx.Plan{Large: "generic", Ranges: "generic <8 B, inline words 8-16 B, generic >16 B"}
}

// thresholdNEON is the length from which NEON beats the generic kernel.
// It is a guess until measured on real arm64 hardware (qemu timings mean
// nothing); the kernel is correct at every length.
const thresholdNEON = 17

// config is the dispatch decision: whether NEON may run and from which length.
type config struct {
	words, neon bool
	minNEON     int
}

func autoConfig() *config {
	return &config{words: true, neon: hasNEON && nvx.Allowed("neon"), minNEON: thresholdNEON}
}

// forcedConfig runs only the named implementation, at every length.
func forcedConfig(name string) *config { return &config{neon: name == "neon", minNEON: 1} }

// maskNEON masks n >= 1 bytes with 16-byte vectors (mask_arm64.s).
//
//go:noescape
func maskNEON(dst, src *byte, n int, key uint32)

func mask(dst, src []byte, k [4]byte, pos int) {
	key := keyAt(k, pos)
	n := len(src)
	c := cfg()
	switch {
	case c.words && n >= 8 && n <= 16:
		maskWords(dst, src, key)
	case c.neon && n >= c.minNEON:
		maskNEON(&dst[0], &src[0], n, key)
	default:
		maskGeneric(dst, src, key)
	}
}
