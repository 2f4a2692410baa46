//go:build !purego

#include "textflag.h"

// NEON version of the lookup algorithm of Keiser & Lemire (2021), the same
// as the amd64 kernels (see asm/utf8) on 16-byte vectors. The Go arm64
// assembler has no UQSUB or UMAXV: they are encoded as WORDs, each with the
// instruction in its comment.

// Tables: previous byte high nibble, previous byte low nibble, current byte
// high nibble (error classes in asm/utf8/tables.go), then the largest byte
// at each position that leaves no sequence open past the vector.
DATA utf8NEON<>+0(SB)/8, $0x0202020202020202
DATA utf8NEON<>+8(SB)/8, $0x4915012180808080
DATA utf8NEON<>+16(SB)/8, $0xcbcbcb8b8383a3e7
DATA utf8NEON<>+24(SB)/8, $0xcbcbdbcbcbcbcbcb
DATA utf8NEON<>+32(SB)/8, $0x0101010101010101
DATA utf8NEON<>+40(SB)/8, $0x01010101babaaee6
DATA utf8NEON<>+48(SB)/8, $0xffffffffffffffff
DATA utf8NEON<>+56(SB)/8, $0xbfdfefffffffffff
GLOBL utf8NEON<>(SB), (NOPTR+RODATA), $64

// CHECK sets err to the error vector of the block in, preceded by prev.
// V16-V18 hold the tables, V20 0x0F, V21 0x60, V22 0x70, V23 0x80;
// it clobbers V24-V28.
#define CHECK(in, prev, err) \
	VEXT  $15, in.B16, prev.B16, V24.B16; \
	VEXT  $14, in.B16, prev.B16, V25.B16; \
	VEXT  $13, in.B16, prev.B16, V26.B16; \
	VUSHR $4, V24.B16, V27.B16; \
	VTBL  V27.B16, [V16.B16], V27.B16; \
	VAND  V20.B16, V24.B16, V24.B16; \
	VTBL  V24.B16, [V17.B16], V24.B16; \
	VUSHR $4, in.B16, V28.B16; \
	VTBL  V28.B16, [V18.B16], V28.B16; \
	VAND  V24.B16, V27.B16, V27.B16; \
	VAND  V28.B16, V27.B16, V27.B16; \
	WORD $0x6e352f39 /* UQSUB V25.16B, V25.16B, V21.16B */; \
	WORD $0x6e362f5a /* UQSUB V26.16B, V26.16B, V22.16B */; \
	VORR  V25.B16, V26.B16, V26.B16; \
	VAND  V23.B16, V26.B16, V26.B16; \
	VEOR  V26.B16, V27.B16, err.B16

// func validateNEON(p []byte) int
// It validates the whole 16-byte blocks of p and returns pos<<1 | nonASCII:
// pos is where the caller resumes with scalar code, the start of the first
// block with an error or the end of the whole blocks; p[:pos] is a valid
// prefix of UTF-8. nonASCII is 1 when p[:pos] holds a byte above 0x7F.
TEXT ·validateNEON(SB), NOSPLIT, $0-32
	MOVD p_base+0(FP), R0
	MOVD p_len+8(FP), R1
	MOVD $utf8NEON<>(SB), R2
	VLD1 (R2), [V16.B16, V17.B16, V18.B16, V19.B16]
	VMOVI $0x0f, V20.B16
	VMOVI $0x60, V21.B16
	VMOVI $0x70, V22.B16
	VMOVI $0x80, V23.B16
	VEOR V0.B16, V0.B16, V0.B16 // previous block
	VEOR V1.B16, V1.B16, V1.B16 // sequence left open by it
	MOVD ZR, R3                 // pos
	MOVD ZR, R4                 // nonASCII

loop64:
	ADD  $64, R3, R5
	CMP  R1, R5
	BGT  loop16
	ADD  R0, R3, R6
	VLD1 (R6), [V2.B16, V3.B16, V4.B16, V5.B16]
	VORR V2.B16, V3.B16, V6.B16
	VORR V4.B16, V6.B16, V6.B16
	VORR V5.B16, V6.B16, V6.B16
	WORD $0x6e30a8c7 // UMAXV B7, V6.16B
	VMOV V7.B[0], R7
	TBNZ $7, R7, lookup64
	// All ASCII: only a sequence left open before can fail.
	WORD $0x6e30a827 // UMAXV B7, V1.16B
	VMOV V7.B[0], R7
	CBNZ R7, done
	VORR V5.B16, V5.B16, V0.B16
	MOVD R5, R3
	B    loop64

lookup64:
	MOVD $1, R4
	CHECK(V2, V0, V8)
	CHECK(V3, V2, V9)
	CHECK(V4, V3, V10)
	CHECK(V5, V4, V11)
	VORR V9.B16, V8.B16, V8.B16
	VORR V10.B16, V8.B16, V8.B16
	VORR V11.B16, V8.B16, V8.B16
	WORD $0x6e30a907 // UMAXV B7, V8.16B
	VMOV V7.B[0], R7
	CBNZ R7, done
	WORD $0x6e332ca1 // UQSUB V1.16B, V5.16B, V19.16B
	VORR V5.B16, V5.B16, V0.B16
	MOVD R5, R3
	B    loop64

loop16:
	ADD  $16, R3, R5
	CMP  R1, R5
	BGT  done
	ADD  R0, R3, R6
	VLD1 (R6), [V2.B16]
	WORD $0x6e30a847 // UMAXV B7, V2.16B
	VMOV V7.B[0], R7
	LSR  $7, R7, R7
	ORR  R7, R4, R4
	CHECK(V2, V0, V8)
	WORD $0x6e30a907 // UMAXV B7, V8.16B
	VMOV V7.B[0], R7
	CBNZ R7, done
	WORD $0x6e332c41 // UQSUB V1.16B, V2.16B, V19.16B
	VORR V2.B16, V2.B16, V0.B16
	MOVD R5, R3
	B    loop16

done:
	LSL  $1, R3, R3
	ORR  R4, R3, R3
	MOVD R3, ret+24(FP)
	RET
