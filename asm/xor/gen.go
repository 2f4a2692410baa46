// Command xor generates the amd64 WebSocket masking kernels of package
// github.com/autobahn-go/autobahn/xor.
//
// Every kernel has the signature
//
//	func maskXXX(dst, src *byte, n int, key uint32)
//
// with n >= 1, key the masking key rotated so that its low byte masks src[0],
// and dst either equal to src or not overlapping it. No kernel touches a byte
// outside [0, n) and none has a byte loop: short inputs use two overlapping
// general-purpose loads, SSE2 and AVX2 use overlapping head and tail vectors
// loaded before any store, AVX-512 uses byte-masked loads and stores.
package main

//go:generate go run . -out ../../xor/mask_amd64.s -stubs ../../xor/mask_amd64_stubs.go -pkg xor

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("amd64,!purego")
	vector(sse2)
	vector(avx2)
	avx512()
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
	splat: func(k64 Register) VecVirtual {
		x, y := XMM(), YMM()
		MOVQ(k64, x)
		VPBROADCASTQ(x, y)
		return y
	},
	epilog: VZEROUPPER,
	// 16 <= n < 32: two overlapping 16-byte vectors; below that, registers.
	preface: func(prefix string, dst, src, n Register, k64 GPVirtual) {
		CMPQ(n, U8(16))
		JB(LabelRef(prefix + "short"))
		k := XMM()
		MOVQ(k64, k)
		VPBROADCASTQ(k, k)
		off := GP64()
		LEAQ(Mem{Base: n, Disp: -16}, off)
		kt := XMM()
		MOVQ(rotated(k64, off), kt)
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
	head, tail := s.vec(), s.vec()
	s.load(Mem{Base: src}, head)
	s.xor(k, head)
	off := GP64()
	LEAQ(Mem{Base: n, Disp: -w}, off)
	kt := s.splat(rotated(k64, off))
	s.load(Mem{Base: src, Index: n, Scale: 1, Disp: -w}, tail)
	s.xor(kt, tail)

	i := GP64()
	MOVQ(dst, i)
	NEGQ(i)
	ANDQ(U8(w-1), i) // i = bytes up to the next aligned dst address
	kb := s.splat(rotated(k64, i))
	end := GP64()

	Label(p + "loop4")
	LEAQ(Mem{Base: i, Disp: 4 * w}, end)
	CMPQ(end, n)
	JA(LabelRef(p + "loop1"))
	vs := []VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	for j, v := range vs {
		s.load(Mem{Base: src, Index: i, Scale: 1, Disp: j * w}, v)
	}
	for _, v := range vs {
		s.xor(kb, v)
	}
	for j, v := range vs {
		s.store(v, Mem{Base: dst, Index: i, Scale: 1, Disp: j * w})
	}
	ADDQ(U32(4*w), i)
	JMP(LabelRef(p + "loop4"))

	Label(p + "loop1")
	LEAQ(Mem{Base: i, Disp: w}, end)
	CMPQ(end, n)
	JA(LabelRef(p + "done"))
	v := s.vec()
	s.load(Mem{Base: src, Index: i, Scale: 1}, v)
	s.xor(kb, v)
	s.store(v, Mem{Base: dst, Index: i, Scale: 1})
	ADDQ(U8(w), i)
	JMP(LabelRef(p + "loop1"))

	Label(p + "done")
	s.store(head, Mem{Base: dst})
	s.store(tail, Mem{Base: dst, Index: n, Scale: 1, Disp: -w})
	s.epilog()
	RET()
}

// avx512 emits the AVX-512 kernel (AVX512F, AVX512BW, BMI2). n <= 64 is one
// byte-masked load and store. Above that: a masked head up to the first
// 64-byte aligned dst address, aligned full vectors (four, then one at a
// time), and a masked tail. Masked-off bytes are neither read nor written, so
// nothing outside [0, n) is touched.
func avx512() {
	dst, src, n, k64 := params("maskAVX512", "maskAVX512 masks n >= 1 bytes with 64-byte vectors and byte masks.")
	const p = "maskAVX512_"
	k := ZMM()
	VPBROADCASTQ(k64, k)
	ones := GP64()
	MOVQ(I32(-1), ones)
	m := GP64()
	v := ZMM()
	// masked applies key kv to the bytes [at, at+cnt) with cnt in 0..64.
	masked := func(at Register, cnt Register, kv VecVirtual) {
		BZHIQ(cnt, ones, m)
		KMOVQ(m, K1)
		VMOVDQU8_Z(Mem{Base: src, Index: at, Scale: 1}, K1, v)
		VPXORQ(kv, v, v)
		VMOVDQU8(v, K1, Mem{Base: dst, Index: at, Scale: 1})
	}
	zero := GP64()
	XORQ(zero, zero)

	CMPQ(n, U8(64))
	JA(LabelRef(p + "big"))
	masked(zero, n, k)
	VZEROUPPER()
	RET()

	Label(p + "big")
	i := GP64()
	MOVQ(dst, i)
	NEGQ(i)
	ANDQ(U8(63), i) // i = bytes up to the next 64-byte aligned dst address
	masked(zero, i, k)
	kb := ZMM()
	VPBROADCASTQ(rotated(k64, i), kb)
	end := GP64()

	Label(p + "loop4")
	LEAQ(Mem{Base: i, Disp: 256}, end)
	CMPQ(end, n)
	JA(LabelRef(p + "loop1"))
	vs := []VecVirtual{ZMM(), ZMM(), ZMM(), ZMM()}
	for j, x := range vs {
		VMOVDQU64(Mem{Base: src, Index: i, Scale: 1, Disp: 64 * j}, x)
	}
	for _, x := range vs {
		VPXORQ(kb, x, x)
	}
	for j, x := range vs {
		VMOVDQU64(x, Mem{Base: dst, Index: i, Scale: 1, Disp: 64 * j})
	}
	ADDQ(U32(256), i)
	JMP(LabelRef(p + "loop4"))

	Label(p + "loop1")
	LEAQ(Mem{Base: i, Disp: 64}, end)
	CMPQ(end, n)
	JA(LabelRef(p + "tail"))
	VMOVDQU64(Mem{Base: src, Index: i, Scale: 1}, v)
	VPXORQ(kb, v, v)
	VMOVDQU64(v, Mem{Base: dst, Index: i, Scale: 1})
	ADDQ(U8(64), i)
	JMP(LabelRef(p + "loop1"))

	Label(p + "tail")
	rest := GP64()
	MOVQ(n, rest)
	SUBQ(i, rest)
	masked(i, rest, kb)
	VZEROUPPER()
	RET()
}
