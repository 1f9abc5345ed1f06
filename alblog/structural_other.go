//go:build !amd64

package alblog

// haveStructuralBits is false where there is no vector kernel: the general
// scan, built on the vectorised bytes.IndexByte, is as fast as a portable
// bitmap would be.
const haveStructuralBits = false

func structuralForm(line []byte, b *structure) bool { return formGeneric(line, b) }

// haveSeparatorKernel is false where there is no vector kernel.
const haveSeparatorKernel = false

func structuralSeps(line []byte, b *structure, sep *[NumFields + sepSlack]uint16) (int, bool) {
	return sepsGeneric(line, b, sep)
}
