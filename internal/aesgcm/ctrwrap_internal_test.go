//go:build amd64 && !purego

package aesgcm

import (
	"bytes"
	"crypto/aes"
	"encoding/binary"
	"testing"
)

// TestReviewCounterWrap runs the CTR kernels of each width the CPU has
// across the 32-bit counter's wrap (GCM's inc32 leaves the first 12 bytes
// alone) and compares with AES on each counter block.
func TestReviewCounterWrap(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, w := range []struct {
		name    string
		ok, ymm bool
	}{{"avx512", fast, false}, {"avx2", fast256, true}} {
		t.Run(w.name, func(t *testing.T) {
			if !w.ok {
				t.Skip("not on this CPU")
			}
			for _, kl := range []int{16, 32} {
				g := newVAES(key[:kl], w.ymm)
				b, _ := aes.NewCipher(key[:kl])
				for _, start := range []uint32{0xffffffff, 0xfffffff0, 0xffffffe3, 0xfffffff9} {
					for _, nb := range []int{1, 2, 3, 4, 5, 8, 15, 16, 17, 31, 32, 33, 40} {
						var ctr [16]byte
						copy(ctr[:], "nonce-nonce!")
						binary.BigEndian.PutUint32(ctr[12:], start)
						want := make([]byte, 16*nb)
						c := ctr
						for i := 0; i < nb; i++ {
							b.Encrypt(want[16*i:], c[:])
							binary.BigEndian.PutUint32(c[12:], binary.BigEndian.Uint32(c[12:])+1)
						}
						got := make([]byte, 16*nb)
						g.ctrKernel(&ctr, &got[0], &got[0], nb)
						if !bytes.Equal(got, want) {
							t.Fatalf("key %d start %#x nb %d: key stream differs", kl, start, nb)
						}
						if ctr != c {
							t.Fatalf("key %d start %#x nb %d: next counter %x, want %x", kl, start, nb, ctr, c)
						}
					}
				}
			}
		})
	}
}
