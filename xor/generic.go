package xor

import (
	"encoding/binary"
	"math/bits"
)

// maskGenericSafe is the portable pure-Go kernel, built on encoding/binary
// (no unsafe, no alignment assumptions). From 8 bytes on: the last word is
// loaded and masked first, then whole words, four at a time, then one at a
// time, and the last word is stored at the end over the overlap (the same
// bytes, computed from the original input, so in-place masking is exact).
// Below 8 bytes: two overlapping 4-byte words, or one to three bytes.
func maskGenericSafe(dst, src []byte, key uint32) {
	n := len(src)
	dst = dst[:n]
	if n < 8 {
		maskShort(dst, src, key)
		return
	}
	k := uint64(key) | uint64(key)<<32
	last := binary.LittleEndian.Uint64(src[n-8:]) ^ bits.RotateLeft64(k, -8*(n&3))
	i := 0
	for ; i+32 <= n; i += 32 {
		s, d := src[i:i+32], dst[i:i+32]
		binary.LittleEndian.PutUint64(d[0:], binary.LittleEndian.Uint64(s[0:])^k)
		binary.LittleEndian.PutUint64(d[8:], binary.LittleEndian.Uint64(s[8:])^k)
		binary.LittleEndian.PutUint64(d[16:], binary.LittleEndian.Uint64(s[16:])^k)
		binary.LittleEndian.PutUint64(d[24:], binary.LittleEndian.Uint64(s[24:])^k)
	}
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], binary.LittleEndian.Uint64(src[i:])^k)
	}
	binary.LittleEndian.PutUint64(dst[n-8:], last)
}

// maskShort masks 0 to 7 bytes.
func maskShort(dst, src []byte, key uint32) {
	n := len(src)
	if n >= 4 {
		a := binary.LittleEndian.Uint32(src) ^ key
		b := binary.LittleEndian.Uint32(src[n-4:]) ^ bits.RotateLeft32(key, -8*(n&3))
		binary.LittleEndian.PutUint32(dst, a)
		binary.LittleEndian.PutUint32(dst[n-4:], b)
		return
	}
	for i := range src {
		dst[i] = src[i] ^ byte(key>>(8*i))
	}
}

// maskWords masks 8 to 16 bytes with two overlapping 64-bit words. It is
// small enough to inline into the dispatch, which saves the call that
// dominates at these lengths.
func maskWords(dst, src []byte, key uint32) {
	n := len(src)
	k := uint64(key) | uint64(key)<<32
	a := binary.LittleEndian.Uint64(src) ^ k
	b := binary.LittleEndian.Uint64(src[n-8:]) ^ bits.RotateLeft64(k, -8*(n&3))
	binary.LittleEndian.PutUint64(dst, a)
	binary.LittleEndian.PutUint64(dst[n-8:n], b)
}
