// Command aesgcm generates the amd64 AES-GCM kernels of package
// github.com/autobahn-go/autobahn/internal/aesgcm: AES-CTR with VAES on
// 512-bit vectors (16 blocks per iteration) and GHASH with VPCLMULQDQ on
// 512-bit vectors (16 blocks per reduction); and the same on 256-bit
// vectors for CPUs without AVX-512 (gen256.go); and the AES-128 and
// AES-256 key schedules with AESKEYGENASSIST (keys.go).
//
// Representation. A GHASH block is loaded byte-reversed, so that the
// 128-bit integer's bit 127 holds the coefficient of x^0 ("reflected").
// The carry-less product of two reflected values is the reflected product
// shifted right by one bit; the hash keys therefore hold H^k·x^-1 (the
// reflected H^k shifted left by one bit, reduced), which the Go side
// computes, and the product needs no shift. The 256-bit product is reduced
// by folding its low 64 bits twice with x^63+x^62+x^57 (0xc2 << 56): the
// high-degree terms sit in the low bits.
//
// Counter blocks are kept byte-reversed too: GCM's 32-bit big-endian
// counter is then each lane's low dword, which VPADDD increments modulo
// 2^32 as inc32 requires.
package main

//go:generate go run . -out ../../internal/aesgcm/gcm_amd64.s -stubs ../../internal/aesgcm/gcm_amd64_stubs.go -pkg aesgcm

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("amd64,!purego")
	consts()
	encBlock()
	expandKey128()
	expandKey256()
	ctrBlocks()
	ghashBlocks()
	consts256()
	cpuid7()
	ctrBlocksAVX2()
	ghashBlocksAVX2()
	Generate()
}

var bswap, laneOff, inc4, gfpoly Mem

func consts() {
	bswap = GLOBL("bswapMask", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(i, U8(15-i))
	}
	laneOff = GLOBL("laneOffsets", RODATA|NOPTR)
	for l := 0; l < 4; l++ {
		DATA(16*l, U32(l))
		DATA(16*l+4, U32(0))
		DATA(16*l+8, U64(0))
	}
	inc4 = GLOBL("inc4", RODATA|NOPTR)
	for l := 0; l < 4; l++ {
		DATA(16*l, U32(4))
		DATA(16*l+4, U32(0))
		DATA(16*l+8, U64(0))
	}
	gfpoly = GLOBL("gfpoly", RODATA|NOPTR)
	DATA(0, U64(1))
	DATA(8, U64(0xc200000000000000))
}

// encBlock encrypts one block: round keys rk (rounds+1 of them).
func encBlock() {
	TEXT("encBlock", NOSPLIT, "func(rk *byte, rounds int, dst, src *byte)")
	Doc("encBlock encrypts the block at src into dst with the expanded key rk (rounds 10 or 14).")
	Pragma("noescape")
	rk, rounds, dst, src := Load(Param("rk"), GP64()), Load(Param("rounds"), GP64()), Load(Param("dst"), GP64()), Load(Param("src"), GP64())
	VMOVDQU(Mem{Base: src}, X0)
	VPXOR(Mem{Base: rk}, X0, X0)
	ADDQ(U8(16), rk)
	DECQ(rounds)
	Label("enc_loop")
	VAESENC(Mem{Base: rk}, X0, X0)
	ADDQ(U8(16), rk)
	DECQ(rounds)
	JNZ(LabelRef("enc_loop"))
	VAESENCLAST(Mem{Base: rk}, X0, X0)
	VMOVDQU(X0, Mem{Base: dst})
	VZEROUPPER()
	RET()
}

// Z16..Z30 hold the round keys, each broadcast to the four lanes.
func roundKey(i int) VecPhysical { return zmm(16 + i) }

func zmm(i int) VecPhysical {
	return []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}[i]
}

func xmm(i int) VecPhysical {
	return []VecPhysical{X0, X1, X2, X3, X4, X5, X6, X7, X8, X9, X10, X11, X12, X13, X14, X15,
		X16, X17, X18, X19, X20, X21, X22, X23, X24, X25, X26, X27, X28, X29, X30, X31}[i]
}

// ctrBlocks: CTR mode over whole blocks, for AES-128 (10 rounds) and
// AES-256 (14) in two copies of the code.
func ctrBlocks() {
	TEXT("ctrBlocks", NOSPLIT, "func(rk *byte, rounds int, ctr *[16]byte, dst, src *byte, nblocks int)")
	Doc("ctrBlocks XORs nblocks >= 1 whole blocks of src with the key stream of",
		"the counter block *ctr (GCM's inc32) into dst, which is src or does not",
		"overlap it, and leaves the next counter block in *ctr.")
	Pragma("noescape")
	rk, rounds, ctr := Load(Param("rk"), GP64()), Load(Param("rounds"), GP64()), Load(Param("ctr"), GP64())
	dst, src, n := Load(Param("dst"), GP64()), Load(Param("src"), GP64()), Load(Param("nblocks"), GP64())
	VBROADCASTI32X4(bswap, Z31)
	VMOVDQU64(inc4, Z15)
	VBROADCASTI32X4(Mem{Base: ctr}, Z0)
	VPSHUFB(Z31, Z0, Z0)
	VPADDD(laneOff, Z0, Z0)
	CMPQ(rounds, U8(10))
	JNE(LabelRef("ctr_aes256"))
	ctrBody("ctr128", 10, rk, ctr, dst, src, n)
	Label("ctr_aes256")
	ctrBody("ctr256", 14, rk, ctr, dst, src, n)
}

func ctrBody(p string, rounds int, rk, ctr, dst, src, n Register) {
	for i := 0; i <= rounds; i++ {
		VBROADCASTI32X4(Mem{Base: rk, Disp: 16 * i}, roundKey(i))
	}
	enc := func(regs []VecPhysical) {
		for _, r := range regs {
			VPXORD(roundKey(0), r, r)
		}
		for i := 1; i < rounds; i++ {
			for _, r := range regs {
				VAESENC(roundKey(i), r, r)
			}
		}
		for _, r := range regs {
			VAESENCLAST(roundKey(rounds), r, r)
		}
	}
	// 16 blocks: counters Z0 (and Z1..Z3 from it), key stream Z4..Z7.
	Label(p + "_loop16")
	CMPQ(n, U8(16))
	JB(LabelRef(p + "_loop4"))
	VPADDD(Z15, Z0, Z1)
	VPADDD(Z15, Z1, Z2)
	VPADDD(Z15, Z2, Z3)
	for i := 0; i < 4; i++ {
		VPSHUFB(Z31, zmm(i), zmm(4+i))
	}
	VPADDD(Z15, Z3, Z0)
	enc([]VecPhysical{Z4, Z5, Z6, Z7})
	for i := 0; i < 4; i++ {
		VPXORD(Mem{Base: src, Disp: 64 * i}, zmm(4+i), zmm(4+i))
		VMOVDQU64(zmm(4+i), Mem{Base: dst, Disp: 64 * i})
	}
	ADDQ(U32(256), src)
	ADDQ(U32(256), dst)
	SUBQ(U8(16), n)
	JMP(LabelRef(p + "_loop16"))
	// 4 blocks.
	Label(p + "_loop4")
	CMPQ(n, U8(4))
	JB(LabelRef(p + "_loop1"))
	VPSHUFB(Z31, Z0, Z4)
	VPADDD(Z15, Z0, Z0)
	enc([]VecPhysical{Z4})
	VPXORD(Mem{Base: src}, Z4, Z4)
	VMOVDQU64(Z4, Mem{Base: dst})
	ADDQ(U8(64), src)
	ADDQ(U8(64), dst)
	SUBQ(U8(4), n)
	JMP(LabelRef(p + "_loop4"))
	// 1 to 3 blocks: one vector under a mask (masked loads and stores
	// touch no byte outside the blocks, nor fault on what is masked off).
	Label(p + "_loop1")
	TESTQ(n, n)
	JZ(LabelRef(p + "_done"))
	qwordMask(n, K1)
	VPSHUFB(Z31, Z0, Z4)
	enc([]VecPhysical{Z4})
	VMOVDQU64_Z(Mem{Base: src}, K1, Z8)
	VPXORD(Z8, Z4, Z4)
	VMOVDQU64(Z4, K1, Mem{Base: dst})
	VMOVQ(n, X13)
	VPADDD(X13, X0, X0) // lane 0: the next counter
	Label(p + "_done")
	VPSHUFB(X31, X0, X0)
	VMOVDQU64(X0, Mem{Base: ctr})
	VZEROUPPER()
	RET()
}

// ghashBlocks: GHASH over whole blocks.
func ghashBlocks() {
	TEXT("ghashBlocks", NOSPLIT, "func(keys *[16][16]byte, y *[16]byte, data *byte, nblocks int)")
	Doc("ghashBlocks folds nblocks >= 1 whole blocks of data into the GHASH state",
		"*y (reflected, low qword first). keys holds H^16·x^-1 ... H^1·x^-1, reflected.")
	Pragma("noescape")
	keys, y := Load(Param("keys"), GP64()), Load(Param("y"), GP64())
	data, n := Load(Param("data"), GP64()), Load(Param("nblocks"), GP64())
	VBROADCASTI32X4(bswap, Z31)
	VMOVDQU64(gfpoly, X30)
	VMOVDQU64(Mem{Base: y}, X0) // the lanes above are zero
	CMPQ(n, U8(16))
	JB(LabelRef("gh_loop1"))
	// Only 16 blocks or more need all the keys (cold in cache, each line
	// counts for short records).
	for i := 0; i < 4; i++ {
		VMOVDQU64(Mem{Base: keys, Disp: 64 * i}, zmm(16+i))
	}
	Label("gh_loop16")
	CMPQ(n, U8(16))
	JB(LabelRef("gh_loop1"))
	for i := 0; i < 4; i++ {
		VMOVDQU64(Mem{Base: data, Disp: 64 * i}, zmm(1+i))
		VPSHUFB(Z31, zmm(1+i), zmm(1+i))
	}
	VPXORD(Z0, Z1, Z1)
	zeroProduct()
	for i := 0; i < 4; i++ {
		mulAcc(zmm(16+i), zmm(1+i))
	}
	foldLanes()
	reduce()
	ADDQ(U32(256), data)
	SUBQ(U8(16), n)
	JMP(LabelRef("gh_loop16"))
	// 1 to 15 blocks: block i of r times H^(r-i), the last r keys, in up
	// to four vectors loaded under masks; one reduction.
	Label("gh_loop1")
	TESTQ(n, n)
	JZ(LabelRef("gh_done"))
	kp := GP64()
	MOVQ(n, kp)
	SHLQ(U8(4), kp)
	NEGQ(kp)
	LEAQ(Mem{Base: keys, Index: kp, Scale: 1, Disp: 256}, kp)
	zeroProduct()
	for j := 0; j < 4; j++ {
		if j > 0 {
			CMPQ(n, U8(4*j))
			JBE(LabelRef("gh_fold"))
		}
		t := GP64()
		MOVQ(n, t)
		SUBQ(U8(4*j), t)
		qwordMask(t, K1)
		VMOVDQU64_Z(Mem{Base: data, Disp: 64 * j}, K1, Z1)
		VMOVDQU64_Z(Mem{Base: kp, Disp: 64 * j}, K1, Z2)
		VPSHUFB(Z31, Z1, Z1)
		if j == 0 {
			VPXORD(Z0, Z1, Z1)
		}
		mulAcc(Z2, Z1)
	}
	Label("gh_fold")
	foldLanes()
	reduce()
	Label("gh_done")
	VMOVDQU64(X0, Mem{Base: y})
	VZEROUPPER()
	RET()
}

// zeroProduct clears the 256-bit product accumulators LO Z5, MI Z6, HI Z8.
func zeroProduct() {
	for _, r := range []VecPhysical{Z5, Z6, Z8} {
		VPXORD(r, r, r)
	}
}

// mulAcc adds the four lanes' products of k and d (unreduced) into LO Z5,
// MI Z6 and HI Z8; Z9..Z12 are scratch.
func mulAcc(k, d VecPhysical) {
	VPCLMULQDQ(U8(0x00), k, d, Z9)
	VPCLMULQDQ(U8(0x01), k, d, Z10)
	VPCLMULQDQ(U8(0x10), k, d, Z11)
	VPCLMULQDQ(U8(0x11), k, d, Z12)
	VPXORD(Z9, Z5, Z5)
	VPTERNLOGD(U8(0x96), Z11, Z10, Z6)
	VPXORD(Z12, Z8, Z8)
}

// foldLanes XORs the four lanes of LO Z5, MI Z6 and HI Z8 into lane 0.
func foldLanes() {
	for _, r := range []int{5, 6, 8} {
		VEXTRACTI64X4(U8(1), zmm(r), Y9)
		VPXORD(Y9, ymmOf(r), ymmOf(r))
		VEXTRACTI32X4(U8(1), ymmOf(r), X9)
		VPXORD(X9, xmm(r), xmm(r))
	}
}

// qwordMask sets k to the quadwords of min(blocks, 4) 16-byte blocks
// (blocks >= 1); it clobbers blocks and CX.
func qwordMask(blocks Register, k Op) {
	four := GP64()
	MOVQ(U32(4), four)
	CMPQ(blocks, four)
	CMOVQHI(four, blocks)
	MOVQ(blocks, RCX)
	SHLQ(U8(1), RCX)
	m := GP64()
	MOVQ(U32(1), m)
	SHLQ(CL, m)
	DECQ(m)
	KMOVW(m.As32(), k)
}

func ymmOf(i int) VecPhysical {
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9}[i]
}

// reduce reduces the 256-bit product LO X5 (bits 0..127), MI X6 (64..191),
// HI X8 (128..255) into X0.
func reduce() {
	Comment("fold LO into MI, then MI into HI")
	VPCLMULQDQ(U8(0x01), X5, X30, X9)
	VPSHUFD(U8(0x4e), X5, X5)
	VPTERNLOGD(U8(0x96), X9, X5, X6)
	VPCLMULQDQ(U8(0x01), X6, X30, X9)
	VPSHUFD(U8(0x4e), X6, X6)
	VPTERNLOGD(U8(0x96), X9, X6, X8)
	VMOVDQA64(X8, X0)
}
