package alblog

import "golang.org/x/sys/cpu"

// haveStructuralBits reports whether structuralBits is fast here: it needs
// AVX2, which x86-64 CPUs have had since 2013 (and virtual machines mostly
// pass through). It is a constant of the machine, set once.
var haveStructuralBits = cpu.X86.HasAVX2

// structuralAVX2 fills the bitmaps for chunks*64 bytes at p.
//
//go:noescape
func structuralAVX2(p *byte, chunks int, spaces, quotes, escapes *uint64)

// structuralBits marks in b the line's spaces, double quotes and
// backslashes. len(line) <= fastMaxLine.
func structuralBits(line []byte, b *structure) {
	full, rem := len(line)/64, len(line)%64
	if rem != 0 && cap(line)-full*64 >= 64 {
		// The bytes after the line are in its buffer (the next line, most
		// often): read them with the last chunk and clear their bits. A
		// second call on a padded copy cost a quarter of this function.
		structuralAVX2(&line[0], full+1, &b.spaces[0], &b.quotes[0], &b.escapes[0])
		mask := uint64(1)<<rem - 1
		b.spaces[full] &= mask
		b.quotes[full] &= mask
		b.escapes[full] &= mask
		return
	}
	if full > 0 {
		structuralAVX2(&line[0], full, &b.spaces[0], &b.quotes[0], &b.escapes[0])
	}
	if rem != 0 {
		// The last bytes, padded with zeros, which are none of the three.
		var pad [64]byte
		copy(pad[:], line[full*64:])
		structuralAVX2(&pad[0], 1, &b.spaces[full], &b.quotes[full], &b.escapes[full])
	}
}
