package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

type avx2 struct {
	prevHi, prevLo, curHi, nibble VecVirtual
}

// check writes to e the error vector of the 32-byte block in, whose
// preceding block is prev: a byte is non-zero where the input stops being
// valid UTF-8.
func (k avx2) check(in, prev, e VecVirtual) {
	t := YMM()
	VPERM2I128(U8(0x21), in, prev, t) // prev.hi, in.lo
	p1, p2, p3 := YMM(), YMM(), YMM()
	VPALIGNR(U8(15), t, in, p1) // previous byte
	VPALIGNR(U8(14), t, in, p2) // two bytes back
	VPALIGNR(U8(13), t, in, p3) // three bytes back

	b, c := YMM(), YMM()
	VPSRLW(U8(4), p1, e)
	VPAND(k.nibble, e, e)
	VPSHUFB(e, k.prevHi, e)
	VPAND(k.nibble, p1, b)
	VPSHUFB(b, k.prevLo, b)
	VPSRLW(U8(4), in, c)
	VPAND(k.nibble, c, c)
	VPSHUFB(c, k.curHi, c)
	VPAND(b, e, e)
	VPAND(c, e, e)

	// Required third and fourth bytes of a sequence set the high bit, which
	// cancels the "two continuations" bit when they are continuations.
	VPSUBUSB(cThird, p2, p2)
	VPSUBUSB(cFourth, p3, p3)
	VPOR(p2, p3, p3)
	VPAND(cHigh, p3, p3)
	VPXOR(p3, e, e)
}

// genAVX2 writes validateAVX2. Runs of 128 ASCII bytes cost four loads;
// other input goes through the lookup 32 bytes at a time; the last partial
// block is copied to a zero-padded stack buffer (no read past p).
func genAVX2() {
	TEXT("validateAVX2", NOSPLIT, "func(p []byte) int")
	Doc("validateAVX2 validates p with AVX2: -1 ASCII, -2 UTF-8, else the first flagged position.")
	base := Load(Param("p").Base(), GP64())
	n := Load(Param("p").Len(), GP64())
	buf := AllocLocal(32)

	k := avx2{YMM(), YMM(), YMM(), YMM()}
	VMOVDQU(tblPrevHi, k.prevHi)
	VMOVDQU(tblPrevLo, k.prevLo)
	VMOVDQU(tblCurHi, k.curHi)
	VMOVDQU(cNibble, k.nibble)

	i := GP64()
	nonASCII := GP32()
	XORQ(i, i)
	XORL(nonASCII, nonASCII)
	prev, inc, e := YMM(), YMM(), YMM()
	VPXOR(prev, prev, prev)
	VPXOR(inc, inc, inc)

	Comment("128 bytes at a time.")
	Label("avx2_loop128")
	end := GP64()
	LEAQ(Mem{Base: i, Disp: 128}, end)
	CMPQ(end, n)
	JA(LabelRef("avx2_loop32"))
	in := []VecVirtual{YMM(), YMM(), YMM(), YMM()}
	for j := range in {
		VMOVDQU(Mem{Base: base, Index: i, Scale: 1, Disp: 32 * j}, in[j])
	}
	or := YMM()
	VPOR(in[0], in[1], or)
	VPOR(in[2], or, or)
	VPOR(in[3], or, or)
	VPTEST(cHigh, or)
	JNZ(LabelRef("avx2_lookup128"))
	Comment("All ASCII: only a sequence left open before it can fail, at its first byte.")
	VPTEST(inc, inc)
	JNZ(LabelRef("avx2_at_i"))
	VMOVDQU(in[3], prev)
	ADDQ(U32(128), i)
	JMP(LabelRef("avx2_loop128"))

	Label("avx2_lookup128")
	MOVL(U32(1), nonASCII)
	for j := range in {
		if j == 0 {
			k.check(in[0], prev, e)
		} else {
			k.check(in[j], in[j-1], e)
			ADDQ(U8(32), i)
		}
		VPTEST(e, e)
		JNZ(LabelRef("avx2_locate"))
	}
	VPSUBUSB(cIncomplete32, in[3], inc)
	VMOVDQU(in[3], prev)
	ADDQ(U8(32), i)
	JMP(LabelRef("avx2_loop128"))

	Comment("32 bytes at a time.")
	Label("avx2_loop32")
	LEAQ(Mem{Base: i, Disp: 32}, end)
	CMPQ(end, n)
	JA(LabelRef("avx2_tail"))
	x := YMM()
	VMOVDQU(Mem{Base: base, Index: i, Scale: 1}, x)
	m := GP32()
	VPMOVMSKB(x, m)
	TESTL(m, m)
	JNZ(LabelRef("avx2_lookup32"))
	VPTEST(inc, inc)
	JNZ(LabelRef("avx2_at_i"))
	JMP(LabelRef("avx2_next32"))
	Label("avx2_lookup32")
	MOVL(U32(1), nonASCII)
	k.check(x, prev, e)
	VPTEST(e, e)
	JNZ(LabelRef("avx2_locate"))
	VPSUBUSB(cIncomplete32, x, inc)
	Label("avx2_next32")
	VMOVDQU(x, prev)
	ADDQ(U8(32), i)
	JMP(LabelRef("avx2_loop32"))

	Comment("The last 0..31 bytes, zero-padded: the padding also reveals a sequence left open.")
	Label("avx2_tail")
	t := GP64()
	MOVQ(n, t)
	SUBQ(i, t)
	JNZ(LabelRef("avx2_copy"))
	VPTEST(inc, inc)
	JNZ(LabelRef("avx2_at_i"))
	JMP(LabelRef("avx2_done"))

	Label("avx2_copy")
	src := GP64()
	LEAQ(Mem{Base: base, Index: i, Scale: 1}, src)
	z := YMM()
	VPXOR(z, z, z)
	VMOVDQU(z, buf)
	copyTail(src, t, buf)
	VMOVDQU(buf, x)
	VPMOVMSKB(x, m)
	ORL(m, nonASCII)
	k.check(x, prev, e)
	VPTEST(e, e)
	JNZ(LabelRef("avx2_locate"))

	Label("avx2_done")
	r := GP64()
	MOVQ(I64(-1), r)
	MOVQ(I64(-2), t)
	TESTL(nonASCII, nonASCII)
	CMOVQNE(t, r)
	VZEROUPPER()
	Store(r, ReturnIndex(0))
	RET()

	Comment("The first non-zero byte of e, in the block at i.")
	Label("avx2_locate")
	VPXOR(z, z, z)
	VPCMPEQB(z, e, e)
	VPMOVMSKB(e, m)
	NOTL(m)
	BSFL(m, m)
	ADDQ(m.As64(), i)

	Label("avx2_at_i")
	VZEROUPPER()
	Store(i, ReturnIndex(0))
	RET()
}

// copyTail copies t bytes (1..31) from src to the stack buffer buf with at
// most two overlapping moves, never touching memory past src+t.
func copyTail(src, t GPVirtual, buf Mem) {
	x := XMM()
	w := GP64()
	CMPQ(t, U8(16))
	JB(LabelRef("copy_lt16"))
	VMOVDQU(Mem{Base: src}, x)
	VMOVDQU(x, buf)
	VMOVDQU(Mem{Base: src, Index: t, Scale: 1, Disp: -16}, x)
	VMOVDQU(x, buf.Idx(t, 1).Offset(-16))
	JMP(LabelRef("copy_done"))

	Label("copy_lt16")
	CMPQ(t, U8(8))
	JB(LabelRef("copy_lt8"))
	MOVQ(Mem{Base: src}, w)
	MOVQ(w, buf)
	MOVQ(Mem{Base: src, Index: t, Scale: 1, Disp: -8}, w)
	MOVQ(w, buf.Idx(t, 1).Offset(-8))
	JMP(LabelRef("copy_done"))

	Label("copy_lt8")
	CMPQ(t, U8(4))
	JB(LabelRef("copy_lt4"))
	MOVL(Mem{Base: src}, w.As32())
	MOVL(w.As32(), buf)
	MOVL(Mem{Base: src, Index: t, Scale: 1, Disp: -4}, w.As32())
	MOVL(w.As32(), buf.Idx(t, 1).Offset(-4))
	JMP(LabelRef("copy_done"))

	Label("copy_lt4")
	// 1..3 bytes: first, last and middle.
	MOVBLZX(Mem{Base: src}, w.As32())
	MOVB(w.As8(), buf)
	MOVBLZX(Mem{Base: src, Index: t, Scale: 1, Disp: -1}, w.As32())
	MOVB(w.As8(), buf.Idx(t, 1).Offset(-1))
	h := GP64()
	MOVQ(t, h)
	SHRQ(U8(1), h)
	MOVBLZX(Mem{Base: src, Index: h, Scale: 1}, w.As32())
	MOVB(w.As8(), buf.Idx(h, 1))

	Label("copy_done")
}
