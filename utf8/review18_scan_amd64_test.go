//go:build !purego

package utf8

import (
	"bytes"
	"testing"
)

// TestReview18KernelStart checks where the dispatch starts the AVX2 kernel
// on inputs of 33..maxASCIIScan bytes that are not a multiple of 32 long
// with one byte that is not ASCII at every position: after the ASCII
// 32-byte blocks counted from the end, so that the kernel sees whole blocks,
// when the first len(p)%32 bytes are ASCII, and at 0 otherwise.
func TestReview18KernelStart(t *testing.T) {
	for n := smallASCII + 1; n <= maxASCIIScan; n++ {
		if n%32 == 0 {
			continue
		}
		p := bytes.Repeat([]byte{'a'}, n)
		if got := kernelStart(p); got != n {
			t.Fatalf("kernelStart(%d ASCII bytes) = %d", n, got)
		}
		r := n % 32
		for i := 0; i < n; i++ {
			p[i] = 0x80
			j := kernelStart(p)
			p[i] = 'a'
			want := 0
			if i >= r {
				want = i - (i-r)%32
			}
			if j != want {
				t.Fatalf("n=%d, first non-ASCII at %d: kernel starts at %d, want %d", n, i, j, want)
			}
		}
	}
}
