//go:build amd64 && !purego

package aesgcm

import "testing"

// BenchmarkKernels times the two kernels alone over 4 KiB, for each width
// the CPU has: CTR (bound by VAES throughput) and GHASH (bound by the
// latency of one reduction per 16 blocks), to say which to work on next.
func BenchmarkKernels(b *testing.B) {
	for _, w := range []struct {
		name string
		ok   bool
		ymm  bool
	}{{"avx512", fast, false}, {"avx2", fast256, true}} {
		b.Run(w.name, func(b *testing.B) {
			if !w.ok {
				b.Skip("not on this CPU")
			}
			g := newVAES(make([]byte, 16), w.ymm)
			buf := make([]byte, 4096)
			b.Run("ctr", func(b *testing.B) {
				b.SetBytes(4096)
				for b.Loop() {
					var ctr [16]byte
					g.ctrKernel(&ctr, &buf[0], &buf[0], 256)
				}
			})
			b.Run("ghash", func(b *testing.B) {
				b.SetBytes(4096)
				for b.Loop() {
					var y [16]byte
					g.ghashKernel(&y, &buf[0], 256)
				}
			})
		})
	}
}
