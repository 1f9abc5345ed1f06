package alblog

import "golang.org/x/sys/cpu"

// haveStructuralBits reports whether the fast scan's kernel can run here: it
// needs AVX2 and carry-less multiplication, which x86-64 CPUs have had since
// 2013 (and virtual machines mostly pass through). It is a constant of the
// machine, set once.
var haveStructuralBits = cpu.X86.HasAVX2 && cpu.X86.HasPCLMULQDQ

// haveSeparatorKernel reports whether formSeps512 can run here: it needs
// AVX-512 with byte compression (VBMI2), which AMD's CPUs have had since
// Zen 4 and Intel's since Ice Lake. Set once, like haveStructuralBits.
var haveSeparatorKernel = haveStructuralBits && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW &&
	cpu.X86.HasAVX512VBMI2 && cpu.X86.HasPOPCNT

// formAVX2 is formGeneric on chunks*64 bytes at p, the last 64 of them read
// at last; see structural_amd64.s.
//
//go:noescape
func formAVX2(p, last *byte, chunks int, lastMask, lastBit uint64, seps, quotes *uint64) bool

// structuralForm is formGeneric, in vector instructions. len(line) is
// between 1 and fastMaxLine.
func structuralForm(line []byte, b *structure) bool {
	full, rem := len(line)/64, len(line)%64
	chunks, lastMask, lastBit := full, ^uint64(0), uint64(0)
	if rem != 0 {
		chunks++
		lastMask, lastBit = uint64(1)<<rem-1, uint64(1)<<(rem-1)
	}
	last := &line[(chunks-1)*64]
	if rem != 0 && cap(line)-full*64 < 64 {
		// The last chunk would read past the line's buffer: read a copy of
		// it. Most lines have the next line after them, read and masked off.
		copy(b.pad[:], line[full*64:])
		last = &b.pad[0]
	}
	return formAVX2(&line[0], last, chunks, lastMask, lastBit, &b.spaces[0], &b.quotes[0])
}

// formSeps512 is sepsGeneric on chunks*64 bytes at p (the bytes of the last
// chunk past lastMask not read); see structural_amd64.s.
//
//go:noescape
func formSeps512(p *byte, chunks int, lastMask, lastBit uint64, quotes *uint64, seps *uint16, limit int) (count int, ok bool)

// structuralSeps is sepsGeneric, in vector instructions. len(line) is
// between 1 and fastMaxLine.
func structuralSeps(line []byte, b *structure, sep *[NumFields + sepSlack]uint16) (int, bool) {
	full, rem := len(line)/64, len(line)%64
	chunks, lastMask, lastBit := full, ^uint64(0), uint64(0)
	if rem != 0 {
		chunks++
		lastMask, lastBit = uint64(1)<<rem-1, uint64(1)<<(rem-1)
	}
	return formSeps512(&line[0], chunks, lastMask, lastBit, &b.quotes[0], &sep[0], NumFields)
}
