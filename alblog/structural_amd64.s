#include "textflag.h"

// func structuralAVX2(p *byte, chunks int, spaces, quotes, escapes *uint64)
//
// For each 64 bytes at p: compare them with ' ', '"' and '\' (32 bytes per
// instruction) and gather each comparison's top bits into a 64-bit word,
// byte i of the chunk giving bit i. Only VEX-encoded instructions: mixing in
// legacy SSE ones costs a state transition on every call.
TEXT ·structuralAVX2(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), SI
	MOVQ chunks+8(FP), CX
	MOVQ spaces+16(FP), DI
	MOVQ quotes+24(FP), DX
	MOVQ escapes+32(FP), R8
	MOVQ $0x20, AX
	VMOVQ AX, X0
	VPBROADCASTB X0, Y0 // 32 spaces
	MOVQ $0x22, AX
	VMOVQ AX, X1
	VPBROADCASTB X1, Y1 // 32 quotes
	MOVQ $0x5c, AX
	VMOVQ AX, X6
	VPBROADCASTB X6, Y6 // 32 backslashes

loop:
	TESTQ CX, CX
	JZ    done
	VMOVDQU (SI), Y2
	VMOVDQU 32(SI), Y3

	VPCMPEQB  Y0, Y2, Y4
	VPCMPEQB  Y0, Y3, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, (DI)

	VPCMPEQB  Y1, Y2, Y4
	VPCMPEQB  Y1, Y3, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, (DX)

	VPCMPEQB  Y6, Y2, Y4
	VPCMPEQB  Y6, Y3, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, (R8)

	ADDQ $64, SI
	ADDQ $8, DI
	ADDQ $8, DX
	ADDQ $8, R8
	DECQ CX
	JMP  loop

done:
	VZEROUPPER
	RET
