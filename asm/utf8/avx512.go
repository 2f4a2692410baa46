package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// avx512 holds the constants of the AVX-512 kernel in registers.
type avx512 struct {
	prevHi, prevLo, curHi, high, e0, f0 VecVirtual
	tmp                                 GPVirtual // scratch for check
}

// check writes to e the error vector of the 64-byte block in, whose
// preceding block is prev. VPERMB looks up the 16-entry tables repeated to
// 64 bytes: it ignores the two index bits above the nibble, so the nibbles
// need no masking.
//
// The bytes that must be the third or fourth of a sequence are found as bit
// masks (lead bytes >= E0 shifted by two, >= F0 by three) rather than from
// the input shifted by two and three bytes: that saves two shuffles, the
// scarce resource on Zen 4. carry holds the bits that cross into this block
// and receives those that cross into the next one. (After a block with
// nothing open at its end, such as one the ASCII paths skip, it is zero.)
func (k avx512) check(in, prev, e VecVirtual, carry GPVirtual) {
	t, p1 := ZMM(), ZMM()
	VALIGND(U8(12), prev, in, t) // prev lane 3, in lanes 0..2
	VPALIGNR(U8(15), t, in, p1)  // the previous byte

	b, c := ZMM(), ZMM()
	VPSRLW(U8(4), p1, e)
	VPERMB(k.prevHi, e, e)
	VPERMB(k.prevLo, p1, b)
	VPSRLW(U8(4), in, c)
	VPERMB(k.curHi, c, c)
	VPTERNLOGD(U8(0x80), c, b, e) // e & b & c

	k3, k4 := K(), K()
	VPCMPUB(U8(5), k.e0, in, k3) // in >= E0
	VPCMPUB(U8(5), k.f0, in, k4) // in >= F0
	m3, m4, must := GP64(), GP64(), GP64()
	KMOVQ(k3, m3)
	KMOVQ(k4, m4)
	MOVQ(m3, must)
	SHLQ(U8(2), must)
	ORQ(carry, must)
	MOVQ(m4, k.tmp)
	SHLQ(U8(3), k.tmp)
	ORQ(k.tmp, must)
	SHRQ(U8(62), m3)
	SHRQ(U8(61), m4)
	ORQ(m4, m3)
	MOVQ(m3, carry)
	km := K()
	KMOVQ(must, km)
	// Flip the "two continuations" bit where a continuation is required:
	// adding 0x80 to a byte flips its top bit only.
	VPADDB(k.high, e, km, e)
}

// checkBlock is check for a lone block: the required third and fourth bytes
// come from the input shifted by two and three bytes, which costs two more
// shuffles but has a shorter dependency chain than the bit masks, and short
// inputs are bound by latency.
func (k avx512) checkBlock(in, prev, e VecVirtual) {
	t := ZMM()
	VALIGND(U8(12), prev, in, t) // prev lane 3, in lanes 0..2
	p1, p2, p3 := ZMM(), ZMM(), ZMM()
	VPALIGNR(U8(15), t, in, p1)
	VPALIGNR(U8(14), t, in, p2)
	VPALIGNR(U8(13), t, in, p3)

	b, c := ZMM(), ZMM()
	VPSRLW(U8(4), p1, e)
	VPERMB(k.prevHi, e, e)
	VPERMB(k.prevLo, p1, b)
	VPSRLW(U8(4), in, c)
	VPERMB(k.curHi, c, c)
	VPTERNLOGD(U8(0x80), c, b, e) // e & b & c

	VPSUBUSB(cThird, p2, p2)
	VPSUBUSB(cFourth, p3, p3)
	VPORQ(p2, p3, p3)
	VPTERNLOGD(U8(0x78), k.high, p3, e) // e ^ (p3 & 0x80)
}

// genAVX512 writes validateAVX512: the same algorithm on 64-byte blocks,
// 256 bytes per step (ASCII with four loads, other text with check), then
// up to four single blocks with checkBlock, the last one a masked load.
func genAVX512() {
	TEXT("validateAVX512", NOSPLIT, "func(p []byte) int")
	Doc("validateAVX512 validates p with AVX-512 (F, BW, VBMI; BMI2): -1 ASCII, -2 UTF-8, else the first flagged position.")
	base := Load(Param("p").Base(), GP64())
	n := Load(Param("p").Len(), GP64())

	k := avx512{ZMM(), ZMM(), ZMM(), ZMM(), ZMM(), ZMM(), GP64()}
	VMOVDQU64(cLeadE0, k.e0)
	VMOVDQU64(cLeadF0, k.f0)
	VMOVDQU64(tblPrevHi, k.prevHi)
	VMOVDQU64(tblPrevLo, k.prevLo)
	VMOVDQU64(tblCurHi, k.curHi)
	VMOVDQU64(cHigh, k.high)

	i := GP64()
	XORQ(i, i)
	prev, inc, e, acc := ZMM(), ZMM(), ZMM(), ZMM()
	VPXORQ(prev, prev, prev)
	VPXORQ(inc, inc, inc)
	VPXORQ(acc, acc, acc)
	mask := K()
	carry := GP64()
	XORQ(carry, carry)

	Comment("256 bytes at a time.")
	Label("avx512_loop256")
	end := GP64()
	LEAQ(Mem{Base: i, Disp: 256}, end)
	CMPQ(end, n)
	JA(LabelRef("avx512_loop64"))
	in := []VecVirtual{ZMM(), ZMM(), ZMM(), ZMM()}
	for j := range in {
		VMOVDQU64(Mem{Base: base, Index: i, Scale: 1, Disp: 64 * j}, in[j])
	}
	or := ZMM()
	VPORQ(in[0], in[1], or)
	VPTERNLOGD(U8(0xFE), in[3], in[2], or) // or | in2 | in3
	VPMOVB2M(or, mask)
	KORTESTQ(mask, mask)
	JNZ(LabelRef("avx512_lookup256"))
	Comment("All ASCII: only a sequence left open before it can fail, at its first byte.")
	VPTESTMB(inc, inc, mask)
	KORTESTQ(mask, mask)
	JNZ(LabelRef("avx512_at_i"))
	VMOVDQU64(in[3], prev)
	ADDQ(U32(256), i)
	JMP(LabelRef("avx512_loop256"))

	Label("avx512_lookup256")
	VPORQ(or, acc, acc)
	errs := []VecVirtual{e, ZMM(), ZMM(), ZMM()}
	k.check(in[0], prev, errs[0], carry)
	for j := 1; j < len(in); j++ {
		k.check(in[j], in[j-1], errs[j], carry)
	}
	VPORQ(errs[0], errs[1], or)
	VPTERNLOGD(U8(0xFE), errs[3], errs[2], or)
	VPTESTMB(or, or, mask)
	KORTESTQ(mask, mask)
	JNZ(LabelRef("avx512_find256"))
	VPSUBUSB(cIncomplete64, in[3], inc)
	VMOVDQU64(in[3], prev)
	ADDQ(U32(256), i)
	JMP(LabelRef("avx512_loop256"))

	Comment("An error among the four blocks: find the first one.")
	Label("avx512_find256")
	for j := 0; j < len(in); j++ {
		VPTESTMB(errs[j], errs[j], mask)
		KORTESTQ(mask, mask)
		JNZ(LabelRef("avx512_locate"))
		ADDQ(U8(64), i)
	}

	Comment("The last 0..255 bytes: 64 at a time, then a masked load that reads nothing past p.")
	Label("avx512_loop64")
	t := GP64()
	MOVQ(n, t)
	SUBQ(i, t)
	JZ(LabelRef("avx512_end"))
	x := ZMM()
	CMPQ(t, U8(64))
	JB(LabelRef("avx512_partial"))
	VMOVDQU64(Mem{Base: base, Index: i, Scale: 1}, x)
	JMP(LabelRef("avx512_block"))
	Label("avx512_partial")
	bitsReg := GP64()
	MOVQ(I64(-1), bitsReg)
	BZHIQ(t, bitsReg, bitsReg)
	KMOVQ(bitsReg, mask)
	VMOVDQU8_Z(Mem{Base: base, Index: i, Scale: 1}, mask, x)
	Label("avx512_block")
	VPMOVB2M(x, mask)
	KORTESTQ(mask, mask)
	JNZ(LabelRef("avx512_lookup64"))
	VPTESTMB(inc, inc, mask)
	KORTESTQ(mask, mask)
	JNZ(LabelRef("avx512_at_i"))
	VMOVDQU64(x, prev)
	JMP(LabelRef("avx512_next64"))
	Label("avx512_lookup64")
	VPORQ(x, acc, acc)
	k.checkBlock(x, prev, e)
	VPTESTMB(e, e, mask)
	KORTESTQ(mask, mask)
	JNZ(LabelRef("avx512_locate"))
	VPSUBUSB(cIncomplete64, x, inc)
	VMOVDQU64(x, prev)
	Label("avx512_next64")
	ADDQ(U8(64), i)
	CMPQ(i, n)
	JB(LabelRef("avx512_loop64"))
	Comment("A partial block ends in zero padding, which reveals a sequence left open.")
	JA(LabelRef("avx512_done"))

	Label("avx512_end")
	VPTESTMB(inc, inc, mask)
	KORTESTQ(mask, mask)
	JNZ(LabelRef("avx512_at_i"))

	Label("avx512_done")
	r := GP64()
	MOVQ(I64(-1), r)
	MOVQ(I64(-2), t)
	VPMOVB2M(acc, mask)
	KORTESTQ(mask, mask)
	CMOVQNE(t, r)
	VZEROUPPER()
	Store(r, ReturnIndex(0))
	RET()

	Comment("The first non-zero byte of e, in the block at i.")
	Label("avx512_locate")
	m := GP64()
	KMOVQ(mask, m)
	BSFQ(m, m)
	ADDQ(m, i)

	Label("avx512_at_i")
	VZEROUPPER()
	Store(i, ReturnIndex(0))
	RET()
}
