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
