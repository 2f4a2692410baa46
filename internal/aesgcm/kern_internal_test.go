//go:build amd64 && !purego

package aesgcm

import "testing"

// BenchmarkKernels times the two kernels alone over 4 KiB: CTR (bound by
// VAES throughput) and GHASH (bound by the latency of one reduction per
// 16 blocks), to say which to work on next.
func BenchmarkKernels(b *testing.B) {
	if !fast {
		b.Skip("no kernels")
	}
	g := newVAES(make([]byte, 16))
	buf := make([]byte, 4096)
	b.Run("ctr", func(b *testing.B) {
		b.SetBytes(4096)
		for b.Loop() {
			var ctr [16]byte
			ctrBlocks(&g.rk[0][0], g.rounds, &ctr, &buf[0], &buf[0], 256)
		}
	})
	b.Run("ghash", func(b *testing.B) {
		b.SetBytes(4096)
		for b.Loop() {
			var y [16]byte
			ghashBlocks(&g.keys, &y, &buf[0], 256)
		}
	})
}
