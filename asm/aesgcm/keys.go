package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The key schedule (FIPS 197, 5.2) with AESKEYGENASSIST, whose S-box is in
// the hardware: no memory address depends on the key, as it would with an
// S-box table in Go. The round constants are immediates, so the rounds are
// unrolled.

// expandKey128 writes the 11 round keys of AES-128.
func expandKey128() {
	TEXT("expandKey128", NOSPLIT, "func(key *[16]byte, rk *[15][16]byte)")
	Doc("expandKey128 writes the 11 encryption round keys of the AES-128 key into rk,",
		"in the byte order AESENC takes them.")
	Pragma("noescape")
	key, rk := Load(Param("key"), GP64()), Load(Param("rk"), GP64())
	VMOVDQU(Mem{Base: key}, X0)
	VMOVDQU(X0, Mem{Base: rk})
	for i, rcon := range []uint8{0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36} {
		// X1's top dword: RotWord(SubWord(w[4i+3])) ^ Rcon.
		VAESKEYGENASSIST(U8(rcon), X0, X1)
		nextWords(X0, X1, 0xff)
		VMOVDQU(X0, Mem{Base: rk, Disp: 16 * (i + 1)})
	}
	VZEROUPPER()
	RET()
}

// expandKey256 writes the 15 round keys of AES-256.
func expandKey256() {
	TEXT("expandKey256", NOSPLIT, "func(key *[32]byte, rk *[15][16]byte)")
	Doc("expandKey256 writes the 15 encryption round keys of the AES-256 key into rk,",
		"in the byte order AESENC takes them.")
	Pragma("noescape")
	key, rk := Load(Param("key"), GP64()), Load(Param("rk"), GP64())
	// X0 holds the even round keys, X2 the odd ones.
	VMOVDQU(Mem{Base: key}, X0)
	VMOVDQU(Mem{Base: key, Disp: 16}, X2)
	VMOVDQU(X0, Mem{Base: rk})
	VMOVDQU(X2, Mem{Base: rk, Disp: 16})
	for i, rcon := range []uint8{0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40} {
		// X1's top dword: RotWord(SubWord(w[8i+7])) ^ Rcon.
		VAESKEYGENASSIST(U8(rcon), X2, X1)
		nextWords(X0, X1, 0xff)
		VMOVDQU(X0, Mem{Base: rk, Disp: 32 * (i + 1)})
		if i == 6 {
			break
		}
		// X1's dword 2: SubWord(w[8i+11]), without rotation or Rcon.
		VAESKEYGENASSIST(U8(0), X0, X1)
		nextWords(X2, X1, 0xaa)
		VMOVDQU(X2, Mem{Base: rk, Disp: 32*(i+1) + 16})
	}
	VZEROUPPER()
	RET()
}

// nextWords replaces the four words w[j..j+3] in x with the next four:
// w[j+4] = w[j] ^ t, w[j+5] = w[j+1] ^ w[j+4], and so on, where t is the
// dword of assist that sel (a VPSHUFD immediate) broadcasts. The prefix
// XOR of x's dwords takes three shifts by one dword. X3 is scratch.
func nextWords(x, assist VecPhysical, sel uint8) {
	VPSHUFD(U8(sel), assist, assist)
	for range 3 {
		VPSLLDQ(U8(4), x, X3)
		VPXOR(X3, x, x)
	}
	VPXOR(assist, x, x)
}
