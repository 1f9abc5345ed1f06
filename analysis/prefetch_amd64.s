#include "textflag.h"

// func prefetch(addr uintptr)
//
// A hint, not a load: the instruction retires at once and never faults, so
// the cache line at addr arrives while the caller goes on.
TEXT ·prefetch(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ       addr+0(FP), AX
	PREFETCHT0 (AX)
	RET
