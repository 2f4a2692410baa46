// Hand-written (not generated): the NEON WebSocket masking kernel for arm64.
// The Go arm64 assembler has every instruction it needs.

//go:build !purego

#include "textflag.h"

// func maskNEON(dst, src *byte, n int, key uint32)
//
// n >= 1; key's low byte masks src[0]; dst equals src or does not overlap it.
// n >= 16: the head [0,16) and tail [n-16,n) vectors are loaded and masked
// before any store, the body runs 64 then 16 bytes at a time from offset 16,
// and head and tail are stored last (overlapping bytes get the same value).
// n < 16: two overlapping general-purpose loads of 8, 4 or 2 bytes, or one
// byte. No byte loops, and nothing outside [0, n) is read or written.
TEXT ·maskNEON(SB), NOSPLIT, $0-28
	MOVD  dst+0(FP), R0
	MOVD  src+8(FP), R1
	MOVD  n+16(FP), R2
	MOVWU key+24(FP), R3
	ORR   R3<<32, R3, R3     // 64-bit key: the 32-bit key twice
	ADD   R1, R2, R10        // R10 = src+n
	ADD   R0, R2, R11        // R11 = dst+n
	CMP   $16, R2
	BLT   short

	// tail key: rotated right by 8*((n-16)&3) = 8*(n&3) bits
	AND   $3, R2, R7
	LSL   $3, R7, R7
	ROR   R7, R3, R4
	VDUP  R3, V0.D2
	VDUP  R4, V3.D2
	VLD1  (R1), [V1.B16]
	SUB   $16, R10, R12
	VLD1  (R12), [V2.B16]
	VEOR  V0.B16, V1.B16, V1.B16
	VEOR  V3.B16, V2.B16, V2.B16

	ADD   $16, R1, R8        // body src
	ADD   $16, R0, R9        // body dst
	SUB   $16, R2, R5        // bytes after the head

loop64:
	CMP   $64, R5
	BLT   loop16
	VLD1.P 64(R8), [V4.B16, V5.B16, V6.B16, V7.B16]
	VEOR  V0.B16, V4.B16, V4.B16
	VEOR  V0.B16, V5.B16, V5.B16
	VEOR  V0.B16, V6.B16, V6.B16
	VEOR  V0.B16, V7.B16, V7.B16
	VST1.P [V4.B16, V5.B16, V6.B16, V7.B16], 64(R9)
	SUB   $64, R5, R5
	B     loop64

loop16:
	CMP   $16, R5
	BLT   done
	VLD1.P 16(R8), [V4.B16]
	VEOR  V0.B16, V4.B16, V4.B16
	VST1.P [V4.B16], 16(R9)
	SUB   $16, R5, R5
	B     loop16

done:
	VST1  [V1.B16], (R0)
	SUB   $16, R11, R12
	VST1  [V2.B16], (R12)
	RET

short:
	CMP   $8, R2
	BLT   lt8
	SUB   $8, R2, R7         // second word at n-8: key rotated by 8*((n-8)&3)
	AND   $3, R7, R7
	LSL   $3, R7, R7
	ROR   R7, R3, R4
	MOVD  (R1), R5
	MOVD  -8(R10), R6
	EOR   R3, R5, R5
	EOR   R4, R6, R6
	MOVD  R5, (R0)
	MOVD  R6, -8(R11)
	RET

lt8:
	CMP   $4, R2
	BLT   lt4
	SUB   $4, R2, R7
	AND   $3, R7, R7
	LSL   $3, R7, R7
	ROR   R7, R3, R4
	MOVWU (R1), R5
	MOVWU -4(R10), R6
	EORW  R3, R5, R5
	EORW  R4, R6, R6
	MOVW  R5, (R0)
	MOVW  R6, -4(R11)
	RET

lt4:
	CMP   $2, R2
	BLT   one
	SUB   $2, R2, R7
	LSL   $3, R7, R7
	ROR   R7, R3, R4
	MOVHU (R1), R5
	MOVHU -2(R10), R6
	EORW  R3, R5, R5
	EORW  R4, R6, R6
	MOVH  R5, (R0)
	MOVH  R6, -2(R11)
	RET

one:
	MOVBU (R1), R5
	EORW  R3, R5, R5
	MOVB  R5, (R0)
	RET
