package main

// The 256-bit kernels: VAES and VPCLMULQDQ on ymm registers under VEX
// encoding, for CPUs that have them without AVX-512 (AMD Zen 3, Intel
// Alder Lake and later client cores). Only Y0..Y15 exist there and no mask
// registers: the round keys are broadcast from memory round by round, and
// the tails go two blocks, then one, at a time.

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

var inc2, inc1 Mem

func consts256() {
	inc2 = GLOBL("inc2", RODATA|NOPTR)
	DATA(0, U32(2))
	DATA(4, U32(0))
	DATA(8, U64(0))
	inc1 = GLOBL("inc1", RODATA|NOPTR)
	DATA(0, U32(1))
	DATA(4, U32(0))
	DATA(8, U64(0))
}

// cpuid7 reports CPUID leaf 7's ECX, where VAES (bit 9) and VPCLMULQDQ
// (bit 10) on VEX-encoded ymm registers are announced; golang.org/x/sys/cpu
// reports them only together with AVX-512.
func cpuid7() {
	TEXT("cpuid7", NOSPLIT, "func() uint32")
	Doc("cpuid7 returns ECX of CPUID leaf 7, subleaf 0 (call it only when the CPU has leaf 7).")
	MOVL(U32(7), EAX)
	XORL(ECX, ECX)
	CPUID()
	Store(ECX, ReturnIndex(0))
	RET()
}

func ymm(i int) VecPhysical {
	return []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}[i]
}

// ctrBlocksAVX2: CTR mode over whole blocks, 16 per iteration in eight ymm
// registers (enough independent work for two VAES units of latency four).
func ctrBlocksAVX2() {
	TEXT("ctrBlocksAVX2", NOSPLIT, "func(rk *byte, rounds int, ctr *[16]byte, dst, src *byte, nblocks int)")
	Doc("ctrBlocksAVX2 is ctrBlocks on 256-bit vectors.")
	Pragma("noescape")
	rk, rounds, ctr := Load(Param("rk"), GP64()), Load(Param("rounds"), GP64()), Load(Param("ctr"), GP64())
	dst, src, n := Load(Param("dst"), GP64()), Load(Param("src"), GP64()), Load(Param("nblocks"), GP64())
	VBROADCASTI128(bswap, Y15)
	VBROADCASTI128(inc2, Y14)
	VBROADCASTI128(Mem{Base: ctr}, Y0)
	VPSHUFB(Y15, Y0, Y0)
	VPADDD(laneOff, Y0, Y0) // lanes: counter, counter+1
	CMPQ(rounds, U8(10))
	JNE(LabelRef("ctr2_aes256"))
	ctrBody256("ctr2_128", 10, rk, ctr, dst, src, n)
	Label("ctr2_aes256")
	ctrBody256("ctr2_256", 14, rk, ctr, dst, src, n)
}

func ctrBody256(p string, rounds int, rk, ctr, dst, src, n Register) {
	key := func(i int) Mem { return Mem{Base: rk, Disp: 16 * i} }
	enc := func(regs []VecPhysical) {
		VBROADCASTI128(key(0), Y9)
		for _, r := range regs {
			VPXOR(Y9, r, r)
		}
		for i := 1; i <= rounds; i++ {
			k := []VecPhysical{Y9, Y10}[i%2]
			VBROADCASTI128(key(i), k)
			for _, r := range regs {
				if i < rounds {
					VAESENC(k, r, r)
				} else {
					VAESENCLAST(k, r, r)
				}
			}
		}
	}
	Label(p + "_loop16")
	CMPQ(n, U8(16))
	JB(LabelRef(p + "_loop2"))
	var regs []VecPhysical
	for i := 1; i <= 8; i++ {
		VPSHUFB(Y15, Y0, ymm(i))
		VPADDD(Y14, Y0, Y0)
		regs = append(regs, ymm(i))
	}
	enc(regs)
	for i, r := range regs {
		VPXOR(Mem{Base: src, Disp: 32 * i}, r, r)
		VMOVDQU(r, Mem{Base: dst, Disp: 32 * i})
	}
	ADDQ(U32(256), src)
	ADDQ(U32(256), dst)
	SUBQ(U8(16), n)
	JMP(LabelRef(p + "_loop16"))
	// Two blocks at a time.
	Label(p + "_loop2")
	CMPQ(n, U8(2))
	JB(LabelRef(p + "_one"))
	VPSHUFB(Y15, Y0, Y1)
	VPADDD(Y14, Y0, Y0)
	enc([]VecPhysical{Y1})
	VPXOR(Mem{Base: src}, Y1, Y1)
	VMOVDQU(Y1, Mem{Base: dst})
	ADDQ(U8(32), src)
	ADDQ(U8(32), dst)
	SUBQ(U8(2), n)
	JMP(LabelRef(p + "_loop2"))
	// The last block: 128-bit AES-NI under VEX, the round keys read from
	// memory (the write to X1 zeroes Y1's upper lane, which is not used).
	Label(p + "_one")
	TESTQ(n, n)
	JZ(LabelRef(p + "_done"))
	VPSHUFB(X15, X0, X1)
	VPXOR(key(0), X1, X1)
	for i := 1; i < rounds; i++ {
		VAESENC(key(i), X1, X1)
	}
	VAESENCLAST(key(rounds), X1, X1)
	VPXOR(Mem{Base: src}, X1, X1)
	VMOVDQU(X1, Mem{Base: dst})
	VPADDD(inc1, X0, X0)
	Label(p + "_done")
	VPSHUFB(X15, X0, X0)
	VMOVDQU(X0, Mem{Base: ctr})
	VZEROUPPER()
	RET()
}

// ghashBlocksAVX2: GHASH over whole blocks, 16 per reduction in pairs.
// Y0 holds the state, to be added to the next block: its upper lane is
// always zero (every write to it is a VEX xmm write), so it can be added
// to a pair; once added it is cleared.
func ghashBlocksAVX2() {
	TEXT("ghashBlocksAVX2", NOSPLIT, "func(keys *[16][16]byte, y *[16]byte, data *byte, nblocks int)")
	Doc("ghashBlocksAVX2 is ghashBlocks on 256-bit vectors.")
	Pragma("noescape")
	keys, y := Load(Param("keys"), GP64()), Load(Param("y"), GP64())
	data, n := Load(Param("data"), GP64()), Load(Param("nblocks"), GP64())
	VBROADCASTI128(bswap, Y15)
	VMOVDQU(gfpoly, X14)
	VMOVDQU(Mem{Base: y}, X0)
	Label("gh2_loop16")
	CMPQ(n, U8(16))
	JB(LabelRef("gh2_tail"))
	zeroProduct256()
	for i := 0; i < 8; i++ {
		hashStep(Y1, Y2, Mem{Base: data, Disp: 32 * i}, Mem{Base: keys, Disp: 32 * i}, i == 0)
	}
	foldReduce256()
	ADDQ(U32(256), data)
	SUBQ(U8(16), n)
	JMP(LabelRef("gh2_loop16"))
	// 1 to 15 blocks: block i of r times H^(r-i), the last r keys.
	Label("gh2_tail")
	TESTQ(n, n)
	JZ(LabelRef("gh2_done"))
	kp := GP64()
	MOVQ(n, kp)
	SHLQ(U8(4), kp)
	NEGQ(kp)
	LEAQ(Mem{Base: keys, Index: kp, Scale: 1, Disp: 256}, kp)
	zeroProduct256()
	Label("gh2_pairs")
	CMPQ(n, U8(2))
	JB(LabelRef("gh2_single"))
	hashStep(Y1, Y2, Mem{Base: data}, Mem{Base: kp}, true)
	VPXOR(Y0, Y0, Y0)
	ADDQ(U8(32), data)
	ADDQ(U8(32), kp)
	SUBQ(U8(2), n)
	JMP(LabelRef("gh2_pairs"))
	Label("gh2_single")
	TESTQ(n, n)
	JZ(LabelRef("gh2_fold"))
	hashStep(X1, X2, Mem{Base: data}, Mem{Base: kp}, true) // xmm products: their upper lanes are zero
	Label("gh2_fold")
	foldReduce256()
	Label("gh2_done")
	VMOVDQU(X0, Mem{Base: y})
	VZEROUPPER()
	RET()
}

// hashStep loads blocks from data into d (Y1, or X1 for one block),
// byte-reverses them, adds the state Y0 if addState, loads their keys into
// k and accumulates the products.
func hashStep(d, k VecPhysical, data, key Mem, addState bool) {
	bswapR, state := VecPhysical(Y15), VecPhysical(Y0)
	if d.Size() == 16 {
		bswapR, state = X15, X0
	}
	VMOVDQU(data, d)
	VPSHUFB(bswapR, d, d)
	if addState {
		VPXOR(state, d, d)
	}
	VMOVDQU(key, k)
	mulAcc256(k, d)
}

// zeroProduct256 clears the product accumulators LO Y3, MI Y4, HI Y5.
func zeroProduct256() {
	for _, r := range []VecPhysical{Y3, Y4, Y5} {
		VPXOR(r, r, r)
	}
}

// mulAcc256 adds the products of k and d (both ymm, or both xmm: VEX
// zeroes the upper lanes of the xmm products) into LO Y3, MI Y4 and HI Y5;
// Y6..Y9 are scratch.
func mulAcc256(k, d VecPhysical) {
	p := []VecPhysical{Y6, Y7, Y8, Y9}
	if k.Size() == 16 {
		p = []VecPhysical{X6, X7, X8, X9}
	}
	VPCLMULQDQ(U8(0x00), k, d, p[0])
	VPCLMULQDQ(U8(0x01), k, d, p[1])
	VPCLMULQDQ(U8(0x10), k, d, p[2])
	VPCLMULQDQ(U8(0x11), k, d, p[3])
	VPXOR(Y6, Y3, Y3)
	VPXOR(Y7, Y4, Y4)
	VPXOR(Y8, Y4, Y4)
	VPXOR(Y9, Y5, Y5)
}

// foldReduce256 XORs the two lanes of LO, MI and HI into the low one and
// reduces the 256-bit product into X0, as reduce does.
func foldReduce256() {
	for _, r := range []VecPhysical{Y3, Y4, Y5} {
		VEXTRACTI128(U8(1), r, X6)
		VPXOR(X6, r.AsX(), r.AsX())
	}
	Comment("fold LO into MI, then MI into HI")
	VPCLMULQDQ(U8(0x01), X3, X14, X6)
	VPSHUFD(U8(0x4e), X3, X3)
	VPXOR(X6, X4, X4)
	VPXOR(X3, X4, X4)
	VPCLMULQDQ(U8(0x01), X4, X14, X6)
	VPSHUFD(U8(0x4e), X4, X4)
	VPXOR(X6, X5, X5)
	VPXOR(X4, X5, X5)
	VMOVDQA(X5, X0)
}
