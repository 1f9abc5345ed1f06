#include "textflag.h"

// The two kernels below share their word logic, as macros. QUOTES_WORD
// takes a word's quotes in AX: it writes them to (DX), keeps them in R12,
// and sets BX to the bytes inside quotes, opening quote included (the
// prefix XOR, one carry-less multiplication by the all-ones X7), carrying
// R9 (inside quotes at the end of the last word: 0 or all ones).
#define QUOTES_WORD \
	MOVQ       AX, R12 \
	MOVQ       AX, (DX) \
	VMOVQ      AX, X4 \
	VPCLMULQDQ $0x00, X7, X4, X4 \
	VMOVQ      X4, BX \
	XORQ       R9, BX \
	MOVQ       BX, R9 \
	SARQ       $63, R9

// FORM_WORD(lastbit) takes the word's spaces in AX, after QUOTES_WORD, and
// leaves the separators (spaces outside quotes) there. It jumps to fail on
// two spaces in a row (R8 = the bytes that start a field), an opening quote
// not at a start, a closing quote followed by text (bit 63 is the next
// word's business; in the last chunk, CX = 1, the line's last byte is
// followed by its end, lastbit), or a word after one that closed a quote
// not starting with a separator. It carries R10 (the last byte was a
// separator) and R11 (it closed a quote).
#define FORM_WORD(lastbit) \
	MOVQ    BX, R13 \
	NOTQ    R13 \
	ANDQ    R13, AX \
	LEAQ    (R10)(AX*2), R8 \
	TESTQ   AX, R8 \
	JNZ     fail \
	ANDQ    R12, R13 \
	ANDQ    BX, R12 \
	NOTQ    R8 \
	TESTQ   R12, R8 \
	JNZ     fail \
	MOVQ    AX, BX \
	SHRQ    $1, BX \
	XORQ    R8, R8 \
	CMPQ    CX, $1 \
	CMOVQEQ lastbit, R8 \
	ORQ     R8, BX \
	BTSQ    $63, BX \
	NOTQ    BX \
	TESTQ   R13, BX \
	JNZ     fail \
	MOVQ    AX, R8 \
	NOTQ    R8 \
	TESTQ   R11, R8 \
	JNZ     fail \
	MOVQ    R13, R11 \
	SHRQ    $63, R11 \
	MOVQ    AX, R10 \
	SHRQ    $63, R10

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
	QUOTES_WORD

	// AX = spaces; FORM_WORD keeps those outside quotes, the separators,
	// and checks the form.
	VPCMPEQB  Y0, Y2, Y4
	VPCMPEQB  Y0, Y3, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, R13
	SHLQ      $32, R13
	ORQ       R13, AX
	ANDQ      R8, AX
	FORM_WORD(lastBit+32(FP))
	MOVQ      AX, (DI)

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

// byteIndex holds the bytes 0 to 63: compressed by a mask, the positions of
// its set bits.
DATA ·byteIndex<>+0(SB)/8, $0x0706050403020100
DATA ·byteIndex<>+8(SB)/8, $0x0f0e0d0c0b0a0908
DATA ·byteIndex<>+16(SB)/8, $0x1716151413121110
DATA ·byteIndex<>+24(SB)/8, $0x1f1e1d1c1b1a1918
DATA ·byteIndex<>+32(SB)/8, $0x2726252423222120
DATA ·byteIndex<>+40(SB)/8, $0x2f2e2d2c2b2a2928
DATA ·byteIndex<>+48(SB)/8, $0x3736353433323130
DATA ·byteIndex<>+56(SB)/8, $0x3f3e3d3c3b3a3938
GLOBL ·byteIndex<>(SB), RODATA|NOPTR, $64

// func formSeps512(p *byte, chunks int, lastMask, lastBit uint64, quotes *uint64, seps *uint16, limit int) (count int, ok bool)
//
// formAVX2's checks with AVX-512, which also notes where the separators
// are: the 64 bytes of a chunk are compared at once, each comparison giving
// its 64-bit word in a mask register; the last chunk is loaded with its bytes
// past the line masked to zero, which also keeps the load from faulting
// there, so it needs no copy. The positions of a chunk's separators are the
// indexes 0-63 compressed by the separators' mask (VPCOMPRESSB), widened to
// 16 bits and offset by the chunk's start: 32 of them stored at once (a chunk
// has at most 32, no two separators being adjacent), while fewer than limit
// are noted. It returns how many separators the line has, all noted up to
// limit, and whether it has the form; the quotes go to quotes, a word per
// chunk, as formAVX2 writes them.
TEXT ·formSeps512(SB), NOSPLIT, $0-65
	MOVQ p+0(FP), SI
	MOVQ chunks+8(FP), CX
	MOVQ quotes+32(FP), DX
	MOVQ seps+40(FP), DI
	MOVQ $0x20, AX
	VPBROADCASTB AX, Z0 // 64 spaces
	MOVQ $0x22, AX
	VPBROADCASTB AX, Z1 // 64 quotes
	MOVQ $0x5c, AX
	VPBROADCASTB AX, Z6 // 64 backslashes
	VPCMPEQB X7, X7, X7 // all ones, the multiplier of the prefix XOR
	VMOVDQU64 ·byteIndex<>(SB), Z8
	VPXORD Z11, Z11, Z11 // the chunk's start, in each 16-bit lane
	MOVQ $64, AX
	VPBROADCASTW AX, Z13
	XORQ R9, R9   // inside quotes at the end of the last word: 0 or all ones
	MOVQ $1, R10  // the last byte was a separator (the line's first byte starts a field)
	XORQ R11, R11 // the last byte closed a quote
	XORQ R14, R14 // separators so far

loop:
	// The chunk's bytes that belong to the line; the others load as zero.
	MOVQ    $-1, R8
	CMPQ    CX, $1
	CMOVQEQ lastMask+16(FP), R8
	KMOVQ   R8, K1
	VMOVDQU8.Z (SI), K1, Z2

	// A backslash anywhere: not ALB's form.
	VPCMPEQB Z6, Z2, K2
	KORTESTQ K2, K2
	JNZ      fail

	// R12 = quotes; BX = in: inside quotes, opening quote included.
	VPCMPEQB   Z1, Z2, K3
	KMOVQ      K3, AX
	QUOTES_WORD

	// AX = spaces; FORM_WORD keeps those outside quotes, the separators,
	// and checks the form.
	VPCMPEQB Z0, Z2, K4
	KMOVQ    K4, AX
	FORM_WORD(lastBit+24(FP))

	// Note the separators' positions while fewer than limit are noted.
	CMPQ        R14, limit+48(FP)
	JGE         counted
	KMOVQ       AX, K5
	VPCOMPRESSB Z8, K5, Z9
	VPMOVZXBW   Y9, Z10
	VPADDW      Z11, Z10, Z10
	VMOVDQU16   Z10, (DI)(R14*2)

counted:
	POPCNTQ AX, BX
	ADDQ    BX, R14
	VPADDW  Z13, Z11, Z11

	ADDQ $64, SI
	ADDQ $8, DX
	DECQ CX
	JNZ  loop

	// An unterminated quote.
	TESTQ R9, R9
	JNZ   fail
	VZEROUPPER
	MOVQ R14, count+56(FP)
	MOVB $1, ok+64(FP)
	RET

fail:
	VZEROUPPER
	MOVQ $0, count+56(FP)
	MOVB $0, ok+64(FP)
	RET
