package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// genSmallAVX512 writes validateSmallAVX512 for inputs of at most 32 bytes:
// one masked 32-byte load and the lookup on YMM registers (AVX-512 VL), half
// the work of a 64-byte block, with no loop and no state.
func genSmallAVX512() {
	TEXT("validateSmallAVX512", NOSPLIT, "func(p []byte) int")
	Doc("validateSmallAVX512 is validateAVX512 for len(p) <= 32 (AVX-512 F, BW, VL, VBMI; BMI2).")
	base := Load(Param("p").Base(), GP64())
	n := Load(Param("p").Len(), GP64())

	m := GP64()
	MOVQ(I64(-1), m)
	BZHIQ(n, m, m)
	mask := K()
	KMOVD(m.As32(), mask)
	in := YMM()
	VMOVDQU8_Z(Mem{Base: base}, mask, in)
	r := GP64()
	MOVQ(I64(-1), r)
	VPMOVB2M(in, mask)
	KORTESTD(mask, mask)
	JZ(LabelRef("small_ret_r"))

	t := YMM()
	VPERM2I128(U8(0x08), in, in, t) // zero, in.lo
	p1, p2, p3 := YMM(), YMM(), YMM()
	VPALIGNR(U8(15), t, in, p1)
	VPALIGNR(U8(14), t, in, p2)
	VPALIGNR(U8(13), t, in, p3)

	e, b, c := YMM(), YMM(), YMM()
	VPSRLW(U8(4), p1, e)
	VPERMB(tblPrevHi, e, e)
	VPERMB(tblPrevLo, p1, b)
	VPSRLW(U8(4), in, c)
	VPERMB(tblCurHi, c, c)
	VPTERNLOGD(U8(0x80), c, b, e)
	VPSUBUSB(cThird, p2, p2)
	VPSUBUSB(cFourth, p3, p3)
	VPOR(p2, p3, p3)
	VPTERNLOGD(U8(0x78), cHigh, p3, e)

	VPTESTMB(e, e, mask)
	KMOVD(mask, m.As32())
	TESTL(m.As32(), m.As32())
	JNZ(LabelRef("small_error"))

	Comment("At 32 bytes there is no padding to reveal a sequence left open: it fails at 32.")
	CMPQ(n, U8(32))
	JB(LabelRef("small_valid"))
	VPSUBUSB(cIncomplete32, in, p3)
	VPTESTMB(p3, p3, mask)
	KORTESTD(mask, mask)
	JNZ(LabelRef("small_at_n"))

	Label("small_valid")
	MOVQ(I64(-2), r)
	Label("small_ret_r")
	VZEROUPPER()
	Store(r, ReturnIndex(0))
	RET()

	Label("small_at_n")
	MOVQ(n, m)
	JMP(LabelRef("small_ret"))

	Comment("The first flagged byte.")
	Label("small_error")
	BSFL(m.As32(), m.As32())
	Label("small_ret")
	VZEROUPPER()
	Store(m, ReturnIndex(0))
	RET()
}
