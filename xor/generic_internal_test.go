package xor

import (
	"bytes"
	"testing"
)

// TestGenericTwins checks both pure-Go kernels, the portable one included,
// against the byte-at-a-time definition on every CPU, in place and not.
func TestGenericTwins(t *testing.T) {
	src := make([]byte, 700)
	for i := range src {
		src[i] = byte(i*7 + 3)
	}
	for name, f := range map[string]func(dst, src []byte, key uint32){
		"generic": maskGeneric, "safe": maskGenericSafe,
	} {
		for n := 0; n <= len(src); n++ {
			for pos := range 4 {
				key := keyAt([4]byte{0xa1, 0xb2, 0xc3, 0xd4}, pos)
				want := make([]byte, n)
				for i := range want {
					want[i] = src[i] ^ byte(key>>(8*(i&3)))
				}
				got := make([]byte, n)
				f(got, src[:n], key)
				in := bytes.Clone(src[:n])
				f(in, in, key)
				if !bytes.Equal(got, want) || !bytes.Equal(in, want) {
					t.Fatalf("%s n=%d pos=%d: wrong bytes", name, n, pos)
				}
			}
		}
	}
}
