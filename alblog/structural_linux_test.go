//go:build linux

package alblog

import (
	"slices"
	"syscall"
	"testing"
)

// TestKernelsAtPageEnd puts lines at the very end of their memory, the page
// after it unmapped: the kernels must not read past a line's last byte when
// that byte ends the mapping (formAVX2 reads a copy of the last chunk then,
// formSeps512 a load masked to the line, which the CPU does not fault on).
func TestKernelsAtPageEnd(t *testing.T) {
	if !haveStructuralBits {
		t.Skip("no vector kernel on this machine")
	}
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[page:], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	var b, want structure
	var sep, wantSep [NumFields + sepSlack]uint16
	var p Parser
	var e Entry
	for _, doc := range []string{docHTTP, docHTTPS} {
		for k := 1; k <= len(doc); k++ {
			line := mem[page-k : page : page]
			copy(line, doc[len(doc)-k:])
			ok, wantOK := structuralForm(line, &b), formGeneric(line, &want)
			if ok != wantOK {
				t.Fatalf("%q: formAVX2 %v, want %v", line, ok, wantOK)
			}
			if haveSeparatorKernel {
				n, ok := structuralSeps(line, &b, &sep)
				wantN, wantOK := sepsGeneric(line, &want, &wantSep)
				if ok != wantOK || n != wantN || !slices.Equal(sep[:min(n, NumFields)], wantSep[:min(n, NumFields)]) {
					t.Fatalf("%q: structuralSeps %v %d, want %v %d", line, ok, n, wantOK, wantN)
				}
			}
			checkParsers(t, &p, line)
		}
		line := mem[page-len(doc) : page : page]
		if err := p.Parse(line, &e); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
	}
}
