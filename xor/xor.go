package xor

import (
	"encoding/binary"
	"errors"
	"math/bits"
)

// Kernel is the name under which the implementations are registered in nvx.
const Kernel = "xor"

// Mask XORs b in place with the 4-byte masking key, starting at key position
// pos (only pos%4 matters), and returns the key position after the last byte:
// (pos+len(b)) % 4. Pass it as pos to mask the next piece of the same payload.
func Mask(b []byte, key [4]byte, pos int) int {
	mask(b, b, key, pos)
	return (pos + len(b)) & 3
}

// MaskCopy writes src XOR the masking key into dst, starting at key position
// pos, and returns the key position after the last byte. dst must be at least
// as long as src, and either the very same memory as src or not overlap it at
// all. It panics if dst is shorter than src.
func MaskCopy(dst, src []byte, key [4]byte, pos int) int {
	if len(dst) < len(src) {
		panic(errShortDst)
	}
	mask(dst[:len(src)], src, key, pos)
	return (pos + len(src)) & 3
}

var errShortDst = errors.New("xor: MaskCopy: dst shorter than src")

// keyAt returns the key as a little-endian word whose low byte masks the byte
// at key position pos.
func keyAt(key [4]byte, pos int) uint32 {
	return bits.RotateLeft32(binary.LittleEndian.Uint32(key[:]), -8*(pos&3))
}

// maskGeneric is the pure-Go kernel. From 8 bytes on: the last word is
// loaded and masked first, then whole words, four at a time, then one at a
// time, and the last word is stored at the end over the overlap (the same
// bytes, computed from the original input, so in-place masking is exact).
// Below 8 bytes: two overlapping 4-byte words, or one to three bytes.
func maskGeneric(dst, src []byte, key uint32) {
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
