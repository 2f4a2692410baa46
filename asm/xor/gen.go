// Command xor generates the amd64 WebSocket masking kernels of package
// github.com/autobahn-go/autobahn/xor.
//
// Every kernel has the signature
//
//	func maskXXX(dst, src *byte, n int, key uint32)
//
// with n >= 1, key the masking key rotated so that its low byte masks src[0],
// and dst either equal to src or not overlapping it. No kernel touches a byte
// outside [0, n) and none has a byte loop: all use overlapping head and tail
// vectors loaded before any store; below one vector, SSE2 and AVX2 use two
// overlapping general-purpose (or, for AVX2, 16-byte) loads and AVX-512 one
// byte-masked load and store.
package main

//go:generate go run . -out ../../xor/mask_amd64.s -stubs ../../xor/mask_amd64_stubs.go -pkg xor

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// alignFrom is the input length from which the kernels align their stores;
// below it, the setup costs more than split stores do.
const alignFrom = 256

func main() {
	ConstraintExpr("amd64,!purego")
	vector(sse2)
	vector(avx2)
	vector(avx512)
	Generate()
}

// params loads the arguments and builds the 64-bit key (the 32-bit key twice).
func params(name, doc string) (dst, src, n, k64 GPVirtual) {
	TEXT(name, NOSPLIT, "func(dst, src *byte, n int, key uint32)")
	Doc(doc)
	Pragma("noescape")
	dst, src, n = GP64(), GP64(), GP64()
	Load(Param("dst"), dst)
	Load(Param("src"), src)
	Load(Param("n"), n)
	k64 = GP64()
	Load(Param("key"), k64.As32()) // MOVL zero-extends
	t := GP64()
	MOVQ(k64, t)
	SHLQ(Imm(32), t)
	ORQ(t, k64)
	return
}

// rotated returns k rotated right by 8*(off&3) bits: the key for the byte at
// offset off (k64 repeats every 32 bits, so a 64-bit rotate works for both
// widths). It clobbers CX.
func rotated(k64, off Register) GPVirtual {
	r := GP64()
	MOVQ(k64, r)
	MOVQ(off, RCX)
	ANDQ(Imm(3), RCX)
	SHLQ(Imm(3), RCX)
	RORQ(CL, r)
	return r
}

// short emits the code for 1 <= n < 16 with general-purpose registers: two
// overlapping loads of the widest size that fits, both loaded before either
// is stored. Each branch ends in RET.
func short(prefix string, dst, src, n Register, k64 GPVirtual) {
	at := func(base Register, disp int) Mem { return Mem{Base: base, Index: n, Scale: 1, Disp: disp} }
	for _, w := range []struct {
		size int
		next string
	}{{8, "lt8"}, {4, "lt4"}, {2, "lt2"}} {
		CMPQ(n, U8(w.size))
		JB(LabelRef(prefix + w.next))
		a, b := GP64(), GP64()
		// The second word starts at n-size: its key is rotated by (n-size)&3.
		off := GP64()
		LEAQ(Mem{Base: n, Disp: -w.size}, off)
		kb := rotated(k64, off)
		switch w.size {
		case 8:
			MOVQ(Mem{Base: src}, a)
			MOVQ(at(src, -8), b)
			XORQ(k64, a)
			XORQ(kb, b)
			MOVQ(a, Mem{Base: dst})
			MOVQ(b, at(dst, -8))
		case 4:
			MOVL(Mem{Base: src}, a.As32())
			MOVL(at(src, -4), b.As32())
			XORL(k64.As32(), a.As32())
			XORL(kb.As32(), b.As32())
			MOVL(a.As32(), Mem{Base: dst})
			MOVL(b.As32(), at(dst, -4))
		case 2:
			MOVW(Mem{Base: src}, a.As16())
			MOVW(at(src, -2), b.As16())
			XORW(k64.As16(), a.As16())
			XORW(kb.As16(), b.As16())
			MOVW(a.As16(), Mem{Base: dst})
			MOVW(b.As16(), at(dst, -2))
		}
		RET()
		Label(prefix + w.next)
	}
	a := GP64()
	MOVB(Mem{Base: src}, a.As8())
	XORB(k64.As8(), a.As8())
	MOVB(a.As8(), Mem{Base: dst})
	RET()
}

// isa abstracts the two vector widths that share one code shape.
type isa struct {
	name    string
	width   int
	vec     func() VecVirtual
	load    func(m Mem, v VecVirtual)
	store   func(v VecVirtual, m Mem)
	xor     func(k, v VecVirtual) // v ^= k
	splat   func(k64 Register) VecVirtual
	copyVec func(from, to VecVirtual)
	epilog  func()
	preface func(prefix string, dst, src, n Register, k64 GPVirtual) // handles n < width, ends in RET
}

var sse2 = isa{
	name:  "SSE2",
	width: 16,
	vec:   func() VecVirtual { return XMM() },
	load:  func(m Mem, v VecVirtual) { MOVOU(m, v) },
	store: func(v VecVirtual, m Mem) { MOVOU(v, m) },
	xor:   func(k, v VecVirtual) { PXOR(k, v) },
	splat: func(k64 Register) VecVirtual {
		v := XMM()
		MOVQ(k64, v)
		PUNPCKLQDQ(v, v)
		return v
	},
	copyVec: func(from, to VecVirtual) { MOVO(from, to) },
	epilog:  func() {},
	preface: short,
}

var avx2 = isa{
	name:  "AVX2",
	width: 32,
	vec:   func() VecVirtual { return YMM() },
	load:  func(m Mem, v VecVirtual) { VMOVDQU(m, v) },
	store: func(v VecVirtual, m Mem) { VMOVDQU(v, m) },
	xor:   func(k, v VecVirtual) { VPXOR(k, v, v) },
	// VMOVQ, not MOVQ: a legacy SSE instruction while the upper halves of
	// the ymm registers are dirty costs a state transition or a merge (the
	// tail key, built after the head vector, cost about 110 ns per call on
	// an AMD EPYC Zen 3 virtual machine whenever n%4 != 0).
	splat: func(k64 Register) VecVirtual {
		x, y := XMM(), YMM()
		VMOVQ(k64, x)
		VPBROADCASTQ(x, y)
		return y
	},
	copyVec: func(from, to VecVirtual) { VMOVDQA(from, to) },
	epilog:  VZEROUPPER,
	// 16 <= n < 32: two overlapping 16-byte vectors; below that, registers.
	preface: func(prefix string, dst, src, n Register, k64 GPVirtual) {
		CMPQ(n, U8(16))
		JB(LabelRef(prefix + "short"))
		k := XMM()
		VMOVQ(k64, k)
		VPBROADCASTQ(k, k)
		off := GP64()
		LEAQ(Mem{Base: n, Disp: -16}, off)
		kt := XMM()
		VMOVQ(rotated(k64, off), kt)
		VPBROADCASTQ(kt, kt)
		a, b := XMM(), XMM()
		VMOVDQU(Mem{Base: src}, a)
		VMOVDQU(Mem{Base: src, Index: n, Scale: 1, Disp: -16}, b)
		VPXOR(k, a, a)
		VPXOR(kt, b, b)
		VMOVDQU(a, Mem{Base: dst})
		VMOVDQU(b, Mem{Base: dst, Index: n, Scale: 1, Disp: -16})
		RET()
		Label(prefix + "short")
		short(prefix, dst, src, n, k64)
	},
}

// vector emits the SSE2 or AVX2 kernel. For n >= width: the head vector
// [0,width) and the tail vector [n-width,n) are loaded and masked first; the
// body runs from the first dst address aligned to the vector width, four
// vectors at a time, then one at a time; head and tail are stored last. Bytes
// that two of them cover get the same value twice, computed from the
// original input, so in-place masking is exact.
func vector(s isa) {
	w := s.width
	name := "mask" + s.name
	dst, src, n, k64 := params(name, fmt.Sprintf("%s masks n >= 1 bytes with %d-byte vectors.", name, w))
	p := name + "_"
	CMPQ(n, U8(w))
	JAE(LabelRef(p + "big"))
	s.preface(p, dst, src, n, k64)

	Label(p + "big")
	k := s.splat(k64)
	head := s.vec()
	s.load(Mem{Base: src}, head)
	s.xor(k, head)
	// The key at n-w, n-2w, ...: all ≡ n mod 4, so the plain key when n is
	// a multiple of 4.
	kt := s.vec()
	s.copyVec(k, kt)
	TESTQ(U32(3), n)
	JZ(LabelRef(p + "ktdone"))
	s.copyVec(s.splat(rotated(k64, n)), kt)
	Label(p + "ktdone")
	end := GP64()
	CMPQ(n, U32(4*w))
	JAE(LabelRef(p + "wide"))

	// w <= n < 4w: head, tail and whole vectors in between.
	tail := s.vec()
	s.load(Mem{Base: src, Index: n, Scale: 1, Disp: -w}, tail)
	s.xor(kt, tail)
	i := GP64()
	MOVQ(U32(w), i)
	Label(p + "loop1")
	LEAQ(Mem{Base: i, Disp: w}, end)
	CMPQ(end, n)
	JA(LabelRef(p + "done1"))
	v := s.vec()
	s.load(Mem{Base: src, Index: i, Scale: 1}, v)
	s.xor(k, v)
	s.store(v, Mem{Base: dst, Index: i, Scale: 1})
	ADDQ(U8(w), i)
	JMP(LabelRef(p + "loop1"))
	Label(p + "done1")
	s.store(head, Mem{Base: dst})
	s.store(tail, Mem{Base: dst, Index: n, Scale: 1, Disp: -w})
	s.epilog()
	RET()

	// n >= 4w: the last four vectors are loaded and masked up front, so the
	// body runs only whole rounds of four and what it leaves (< 4w bytes) is
	// covered by them.
	Label(p + "wide")
	last := []VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	for j, x := range last {
		s.load(Mem{Base: src, Index: n, Scale: 1, Disp: -(4 - j) * w}, x)
		s.xor(kt, x)
	}
	// Short inputs start the body right after the head, with the plain key
	// (w is a multiple of 4); from alignFrom bytes on, the body starts at the
	// first aligned dst address, so no store splits a cache line.
	MOVQ(U32(w), i)
	kb := s.vec()
	s.copyVec(k, kb)
	CMPQ(n, U32(alignFrom))
	JB(LabelRef(p + "loop4"))
	MOVQ(dst, i)
	NEGQ(i)
	ANDQ(U8(w-1), i) // i = bytes up to the next aligned dst address
	TESTQ(U32(3), i) // a multiple of 4 keeps the plain key
	JZ(LabelRef(p + "loop4"))
	s.copyVec(s.splat(rotated(k64, i)), kb)

	// Rounds while more than 4w bytes remain: the preloaded vectors cover
	// the rest, even when it is exactly 4w.
	Label(p + "loop4")
	LEAQ(Mem{Base: i, Disp: 4 * w}, end)
	CMPQ(end, n)
	JAE(LabelRef(p + "done4"))
	vs := []VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	for j, x := range vs {
		s.load(Mem{Base: src, Index: i, Scale: 1, Disp: j * w}, x)
	}
	for _, x := range vs {
		s.xor(kb, x)
	}
	for j, x := range vs {
		s.store(x, Mem{Base: dst, Index: i, Scale: 1, Disp: j * w})
	}
	ADDQ(U32(4*w), i)
	JMP(LabelRef(p + "loop4"))

	Label(p + "done4")
	s.store(head, Mem{Base: dst})
	for j, x := range last {
		s.store(x, Mem{Base: dst, Index: n, Scale: 1, Disp: -(4 - j) * w})
	}
	s.epilog()
	RET()
}

// avx512 is the AVX-512 shape: 64-byte vectors with the same overlapping
// head and tail as AVX2, and, for n < 64, one byte-masked load and store
// (AVX512BW, with the mask built by BMI2's BZHI). Masked-off bytes are
// neither read nor written. Masked stores are slow on AMD Zen 4, so the
// kernel uses them only where no full vector fits.
var avx512 = isa{
	name:    "AVX512",
	width:   64,
	vec:     func() VecVirtual { return ZMM() },
	load:    func(m Mem, v VecVirtual) { VMOVDQU64(m, v) },
	store:   func(v VecVirtual, m Mem) { VMOVDQU64(v, m) },
	xor:     func(k, v VecVirtual) { VPXORQ(k, v, v) },
	copyVec: func(from, to VecVirtual) { VMOVDQA64(from, to) },
	splat: func(k64 Register) VecVirtual {
		v := ZMM()
		VPBROADCASTQ(k64, v)
		return v
	},
	epilog: VZEROUPPER,
	preface: func(prefix string, dst, src, n Register, k64 GPVirtual) {
		k, v := ZMM(), ZMM()
		VPBROADCASTQ(k64, k)
		m := GP64()
		MOVQ(I32(-1), m)
		BZHIQ(n, m, m)
		KMOVQ(m, K1)
		VMOVDQU8_Z(Mem{Base: src}, K1, v)
		VPXORQ(k, v, v)
		VMOVDQU8(v, K1, Mem{Base: dst})
		VZEROUPPER()
		RET()
	},
}
