#include "textflag.h"

// func formAVX2(p, last *byte, chunks int, lastMask, lastBit uint64, seps, quotes *uint64) bool
//
// The word loop of scanFast (structural.go), on 64 bytes at p per step, the
// last chunk's 64 bytes read at last instead (in place, or a padded copy):
// compare them with ' ', '"' and '\' (32 bytes per instruction), gather each
// comparison's top bits into a 64-bit word (byte i of the chunk giving bit
// i), and check ALB's form on those bitmaps as formGeneric does, with the
// prefix XOR that marks quoted text done by one carry-less multiplication
// by all ones. The last chunk's bytes past the line are masked off with
// lastMask; lastBit marks the line's last byte there (0 when the line ends
// a chunk). It writes the separators (spaces outside quotes) to seps and the
// quotes to quotes, one word per chunk, and reports whether the line has the
// form. Only VEX-encoded instructions: mixing in legacy SSE ones costs a
// state transition on every call.
TEXT ·formAVX2(SB), NOSPLIT, $0-57
	MOVQ p+0(FP), SI
	MOVQ chunks+16(FP), CX
	MOVQ seps+40(FP), DI
	MOVQ quotes+48(FP), DX
	MOVQ $0x20, AX
	VMOVQ AX, X0
	VPBROADCASTB X0, Y0 // 32 spaces
	MOVQ $0x22, AX
	VMOVQ AX, X1
	VPBROADCASTB X1, Y1 // 32 quotes
	MOVQ $0x5c, AX
	VMOVQ AX, X6
	VPBROADCASTB X6, Y6 // 32 backslashes
	VPCMPEQB X7, X7, X7 // all ones, the multiplier of the prefix XOR
	XORQ R9, R9         // inside quotes at the end of the last word: 0 or all ones
	MOVQ $1, R10        // the last byte was a separator (the line's first byte starts a field)
	XORQ R11, R11       // the last byte closed a quote

loop:
	CMPQ CX, $1
	JNE  load
	MOVQ last+8(FP), SI // the last chunk

load:
	VMOVDQU (SI), Y2
	VMOVDQU 32(SI), Y3

	// R8 = the bytes of this chunk that belong to the line.
	MOVQ    $-1, R8
	CMPQ    CX, $1
	CMOVQEQ lastMask+24(FP), R8

	// A backslash anywhere: not ALB's form.
	VPCMPEQB  Y6, Y2, Y4
	VPCMPEQB  Y6, Y3, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	ANDQ      R8, AX
	JNZ       fail

	// R12 = quotes; BX = in: inside quotes, opening quote included.
	VPCMPEQB  Y1, Y2, Y4
	VPCMPEQB  Y1, Y3, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	ANDQ      R8, AX
	MOVQ      AX, R12
	MOVQ      AX, (DX)
	VMOVQ     AX, X4
	VPCLMULQDQ $0x00, X7, X4, X4
	VMOVQ     X4, BX
	XORQ      R9, BX
	MOVQ      BX, R9
	SARQ      $63, R9

	// AX = sep: spaces outside quotes.
	VPCMPEQB  Y0, Y2, Y4
	VPCMPEQB  Y0, Y3, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, R13
	SHLQ      $32, R13
	ORQ       R13, AX
	ANDQ      R8, AX
	MOVQ      BX, R13
	NOTQ      R13 // outside quotes
	ANDQ      R13, AX
	MOVQ      AX, (DI)

	// R8 = starts: bytes that begin a field. Two spaces in a row fail.
	LEAQ  (R10)(AX*2), R8
	TESTQ AX, R8
	JNZ   fail

	// A quote in the middle of a field (an opening one not at a start).
	ANDQ  R12, R13 // closing quotes
	ANDQ  BX, R12  // opening quotes
	NOTQ  R8
	TESTQ R12, R8
	JNZ   fail

	// A closing quote followed by text (bit 63 is the next word's business).
	MOVQ    AX, BX
	SHRQ    $1, BX // bytes followed by a separator
	XORQ    R8, R8
	CMPQ    CX, $1
	CMOVQEQ lastBit+32(FP), R8
	ORQ     R8, BX
	BTSQ    $63, BX
	NOTQ    BX
	TESTQ   R13, BX
	JNZ     fail

	// The last word closed a quote: this one must start with a separator.
	MOVQ  AX, R8
	NOTQ  R8
	TESTQ R11, R8
	JNZ   fail

	MOVQ R13, R11
	SHRQ $63, R11
	MOVQ AX, R10
	SHRQ $63, R10

	ADDQ $64, SI
	ADDQ $8, DI
	ADDQ $8, DX
	DECQ CX
	JNZ  loop

	// An unterminated quote.
	TESTQ R9, R9
	JNZ   fail
	VZEROUPPER
	MOVB $1, ret+56(FP)
	RET

fail:
	VZEROUPPER
	MOVB $0, ret+56(FP)
	RET
