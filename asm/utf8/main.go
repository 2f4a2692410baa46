// Command utf8 generates the amd64 UTF-8 validation kernels of package
// github.com/autobahn-go/autobahn/utf8: AVX2 and AVX-512 versions of the
// lookup algorithm of Keiser & Lemire (2021).
//
// Both kernels have the signature func(p []byte) int and return -1 for valid
// ASCII, -2 for valid UTF-8 with at least one multi-byte sequence, and
// otherwise the position of the first byte the algorithm flags (len(p) or a
// little more when p ends inside a sequence). The Go side turns that into the
// exact offset.
package main

//go:generate go run . -out ../../utf8/valid_amd64.s -stubs ../../utf8/valid_stubs_amd64.go -pkg utf8

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// Constants, each repeated to 64 bytes so both kernels load them whole.
var (
	tblPrevHi, tblPrevLo, tblCurHi  Mem
	cNibble, cThird, cFourth, cHigh Mem
	cIncomplete32, cIncomplete64    Mem
	cLeadE0, cLeadF0                Mem
)

func repeat(name string, b [16]byte) Mem {
	m := GLOBL(name, RODATA|NOPTR)
	for i := 0; i < 64; i++ {
		DATA(i, U8(b[i%16]))
	}
	return m
}

func splat(name string, v byte) Mem {
	var b [16]byte
	for i := range b {
		b[i] = v
	}
	return repeat(name, b)
}

func bytesData(name string, b []byte) Mem {
	m := GLOBL(name, RODATA|NOPTR)
	for i, v := range b {
		DATA(i, U8(v))
	}
	return m
}

func main() {
	ConstraintExpr("amd64,!purego")
	ph, pl, ch := lookupTables()
	tblPrevHi = repeat("utf8PrevHi", ph)
	tblPrevLo = repeat("utf8PrevLo", pl)
	tblCurHi = repeat("utf8CurHi", ch)
	cNibble = splat("utf8Nibble", 0x0F)
	// A byte at distance 2 before a continuation that is >= E0, or at
	// distance 3 and >= F0, makes it a required continuation:
	// saturating subtraction leaves the high bit set exactly then.
	cThird = splat("utf8Third", 0xE0-0x80)
	cFourth = splat("utf8Fourth", 0xF0-0x80)
	cHigh = splat("utf8High", 0x80)
	cLeadE0 = splat("utf8LeadE0", 0xE0)
	cLeadF0 = splat("utf8LeadF0", 0xF0)
	cIncomplete32 = bytesData("utf8Incomplete32", incompleteMax(32))
	cIncomplete64 = bytesData("utf8Incomplete64", incompleteMax(64))
	genAVX2()
	genAVX512()
	genSmallAVX512()
	Generate()
}
