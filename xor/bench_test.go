package xor_test

import (
	"bytes"
	"fmt"
	"testing"
	"unsafe"

	"github.com/autobahn-go/autobahn/internal/nvxtest"
	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/xor"
)

// The sizes of the issue: a tiny frame, the largest control frame payload, a
// typical message, an L1/L2-sized one, an L2/L3-sized one and one far beyond L3.
var benchSizes = []int{16, 125, 1 << 10, 16 << 10, 1 << 20, 64 << 20}

// alignedBuf returns n bytes whose address modulo 64 is misalign.
func alignedBuf(n, misalign int) []byte {
	b := make([]byte, n+128)
	off := (64 - int(uintptr(unsafe.Pointer(&b[0]))&63)) & 63
	return b[off+misalign : off+misalign+n]
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

var alignments = []struct {
	name string
	off  int
}{{"aligned", 0}, {"misaligned", 3}}

// BenchmarkMask is the automatic dispatch, as users call it, beside the
// physical limits for the same buffer, in the same run and interleaved
// (op=mask, op=copy, op=read per size): copy() of the same size and a
// read-only pass (bytes.IndexByte of an absent byte, a SIMD scan). Compare
// with: benchstat -col /op -row /size,/align -filter .unit:cpu-MB/s.
func BenchmarkMask(b *testing.B) {
	key := [4]byte{1, 2, 3, 4}
	for _, n := range benchSizes {
		for _, a := range alignments {
			buf, dst := alignedBuf(n, a.off), alignedBuf(n, a.off)
			name := "size=" + sizeName(n) + "/align=" + a.name + "/op="
			// Direct calls, no closures: at 16 bytes an indirect call is
			// a third of the time.
			b.Run(name+"mask", func(b *testing.B) {
				b.SetBytes(int64(n))
				defer nvxtest.CPUTime(b, n)()
				for b.Loop() {
					xor.Mask(buf, key, 0)
				}
			})
			b.Run(name+"copy", func(b *testing.B) {
				b.SetBytes(int64(n))
				defer nvxtest.CPUTime(b, n)()
				for b.Loop() {
					copy(dst, buf)
				}
			})
			b.Run(name+"read", func(b *testing.B) {
				b.SetBytes(int64(n))
				defer nvxtest.CPUTime(b, n)()
				for b.Loop() {
					sink += bytes.IndexByte(buf, 0xff)
				}
			})
		}
	}
}

var sink int

// BenchmarkImpl runs every implementation at the sizes around the dispatch
// thresholds, aligned, to measure where each one starts to win.
func BenchmarkImpl(b *testing.B) {
	sizes := []int{4, 8, 12, 16, 24, 32, 48, 64, 96, 125, 256, 1 << 10, 16 << 10}
	defer nvx.Reset(xor.Kernel)
	for _, name := range nvx.List(xor.Kernel) {
		for _, n := range sizes {
			b.Run("impl="+name+"/size="+sizeName(n), func(b *testing.B) {
				if err := nvx.Select(xor.Kernel, name); err != nil {
					b.Fatal(err)
				}
				defer nvx.Reset(xor.Kernel)
				buf := alignedBuf(n, 0)
				key := [4]byte{1, 2, 3, 4}
				b.SetBytes(int64(n))
				defer nvxtest.CPUTime(b, n)()
				for b.Loop() {
					xor.Mask(buf, key, 0)
				}
			})
		}
	}
}
