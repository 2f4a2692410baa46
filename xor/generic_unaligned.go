//go:build amd64 || arm64 || 386 || ppc64le || loong64

package xor

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// maskGeneric is the pure-Go kernel for little-endian CPUs with cheap
// unaligned loads: the same shape as maskGenericSafe, with native 64-bit
// loads and stores through unsafe pointers, sixteen words per round. It runs
// about twice as fast as the encoding/binary loop, whose bounds checks and
// reslicing cost more than the XOR.
func maskGeneric(dst, src []byte, key uint32) {
	n := len(src)
	if n < 8 {
		maskShort(dst, src, key)
		return
	}
	dst = dst[:n]
	k := uint64(key) | uint64(key)<<32
	last := binary.LittleEndian.Uint64(src[n-8:]) ^ bits.RotateLeft64(k, -8*(n&3))
	s := unsafe.Pointer(unsafe.SliceData(src))
	d := unsafe.Pointer(unsafe.SliceData(dst))
	i := 0
	for ; i+128 <= n; i += 128 {
		*(*uint64)(unsafe.Add(d, i)) = *(*uint64)(unsafe.Add(s, i)) ^ k
		*(*uint64)(unsafe.Add(d, i+8)) = *(*uint64)(unsafe.Add(s, i+8)) ^ k
		*(*uint64)(unsafe.Add(d, i+16)) = *(*uint64)(unsafe.Add(s, i+16)) ^ k
		*(*uint64)(unsafe.Add(d, i+24)) = *(*uint64)(unsafe.Add(s, i+24)) ^ k
		*(*uint64)(unsafe.Add(d, i+32)) = *(*uint64)(unsafe.Add(s, i+32)) ^ k
		*(*uint64)(unsafe.Add(d, i+40)) = *(*uint64)(unsafe.Add(s, i+40)) ^ k
		*(*uint64)(unsafe.Add(d, i+48)) = *(*uint64)(unsafe.Add(s, i+48)) ^ k
		*(*uint64)(unsafe.Add(d, i+56)) = *(*uint64)(unsafe.Add(s, i+56)) ^ k
		*(*uint64)(unsafe.Add(d, i+64)) = *(*uint64)(unsafe.Add(s, i+64)) ^ k
		*(*uint64)(unsafe.Add(d, i+72)) = *(*uint64)(unsafe.Add(s, i+72)) ^ k
		*(*uint64)(unsafe.Add(d, i+80)) = *(*uint64)(unsafe.Add(s, i+80)) ^ k
		*(*uint64)(unsafe.Add(d, i+88)) = *(*uint64)(unsafe.Add(s, i+88)) ^ k
		*(*uint64)(unsafe.Add(d, i+96)) = *(*uint64)(unsafe.Add(s, i+96)) ^ k
		*(*uint64)(unsafe.Add(d, i+104)) = *(*uint64)(unsafe.Add(s, i+104)) ^ k
		*(*uint64)(unsafe.Add(d, i+112)) = *(*uint64)(unsafe.Add(s, i+112)) ^ k
		*(*uint64)(unsafe.Add(d, i+120)) = *(*uint64)(unsafe.Add(s, i+120)) ^ k
	}
	for ; i+8 <= n; i += 8 {
		*(*uint64)(unsafe.Add(d, i)) = *(*uint64)(unsafe.Add(s, i)) ^ k
	}
	binary.LittleEndian.PutUint64(dst[n-8:], last)
}
