package alblog

import "math/bits"

// The fast scan of a line, after simdjson's first stage: structuralForm (in
// assembly where the CPU has the vector instructions for it, see
// structural_amd64.s) marks every space, quote and backslash of the line in
// 64-bit words, 64 bytes per step, and word arithmetic on them finds which
// spaces separate fields (those outside quotes) and checks the line's form.
// The fields are then read off the separators' bits, a few instructions
// each, instead of one bytes.IndexByte call per field.
//
// It takes only lines in the form ALB writes: fields separated by one space,
// quoted fields that start a field and end before a space or the end of the
// line, no backslash anywhere. Anything else (escapes, runs of spaces, a
// quote in the middle of a field, an unterminated quote, a very long line)
// goes to the general scan, which decides it and gives the errors.

// fastMaxLine is the longest line the fast scan takes; longer ones, rare,
// take the general scan. It keeps the bitmaps small.
const fastMaxLine = 4096

// bitmap marks bytes of a line: bit i%64 of word i/64 is byte i. Only the
// words that cover the line are written, and read.
type bitmap [fastMaxLine / 64]uint64

// structure is the fast scan's scratch for one line.
type structure struct {
	// spaces marks the separators (spaces outside quotes), once
	// structuralForm has returned true; quotes marks the double quotes.
	spaces, quotes bitmap
	// pad holds a copy of a line's last bytes when a 64-byte chunk of them
	// would reach past the end of its buffer.
	pad [64]byte
}

// prefixXOR returns x with each bit replaced by the XOR of it and all the
// bits below it: from a quote's bit up to (not including) the next quote's,
// the result is 1, which marks the inside of quoted text.
func prefixXOR(x uint64) uint64 {
	x ^= x << 1
	x ^= x << 2
	x ^= x << 4
	x ^= x << 8
	x ^= x << 16
	x ^= x << 32
	return x
}

// scanFast locates the fields of line as scan does, using b as scratch. It
// reports false for lines it leaves to scan (see above).
func (f *fields) scanFast(line []byte, b *structure) bool {
	n := len(line)
	if !haveStructuralBits || n == 0 || n > fastMaxLine || line[0] == ' ' {
		return false
	}
	if haveSeparatorKernel {
		return f.scanSeps(line, b)
	}
	return f.scanBits(line, b)
}

// scanBits is scanFast with the kernel that leaves the separators in a
// bitmap.
func (f *fields) scanBits(line []byte, b *structure) bool {
	n := len(line)
	if !structuralForm(line, b) {
		return false
	}

	// Note where the separators are; the fields' bounds are worked out from
	// them as they are needed (span), most lines needing only a few. A line
	// of exactly NumFields fields, ALB's, has those after headSeps noted
	// only when they are asked for (tailSeps): a success needs none of them.
	f.reset()
	spaces := b.spaces[:(n+63)/64]
	k, w, m := f.noteSeps(spaces, 0, 0, spaces[0], headSeps)
	if k == headSeps {
		left := bits.OnesCount64(m)
		for _, x := range spaces[w+1:] {
			left += bits.OnesCount64(x)
		}
		if k+left == NumFields-1 {
			f.sep[NumFields-1] = uint16(n) // the last field ends the line
			f.n, f.rest, f.lazy = NumFields, n, true
			f.pending, f.pendingWord, f.pendingMask = true, w, m
			f.headPlainCheck(b)
			return true
		}
		// Fewer fields (an older format, which needs them all at once),
		// or text after the last one (Extra, which starts after the last).
		k, _, _ = f.noteSeps(spaces, k, w, m, NumFields)
	}
	f.located(n, k)
	f.headPlainCheck(b)
	return true
}

// scanSeps is scanFast with the kernel that notes the separators itself:
// then noting them all costs less than counting those after headSeps.
func (f *fields) scanSeps(line []byte, b *structure) bool {
	count, ok := structuralSeps(line, b, &f.sep)
	if !ok {
		return false
	}
	f.reset()
	f.located(len(line), min(count, NumFields))
	f.headPlainCheck(b)
	return true
}

// located completes the fields of a line of n bytes whose first k
// separators (at most NumFields) sep holds: the last field ends the line
// unless it has NumFields already. Small enough to be inlined.
func (f *fields) located(n, k int) {
	if k < NumFields {
		f.sep[k] = uint16(n)
		k++
	}
	f.n, f.rest, f.lazy = k, int(f.sep[k-1]), true
}

// sepSlack is how far past NumFields structuralSeps may write in sep: it
// stores a chunk's separators 32 at a time (a 64-byte chunk in ALB's form
// has at most 32, no two being adjacent).
const sepSlack = 32

// sepsGeneric is the definition of structuralSeps: formGeneric, and then
// the positions of the first NumFields separators in sep, and how many
// separators the line has.
func sepsGeneric(line []byte, b *structure, sep *[NumFields + sepSlack]uint16) (int, bool) {
	if !formGeneric(line, b) {
		return 0, false
	}
	count := 0
	for w := range (len(line) + 63) / 64 {
		for m := b.spaces[w]; m != 0; m &= m - 1 {
			if count < NumFields {
				sep[count] = uint16(w<<6 + bits.TrailingZeros64(m))
			}
			count++
		}
	}
	return count, true
}

// headSeps is how many separators scanFast notes at once on a line of
// NumFields fields: up to the end of request_creation_time, the last field
// ParseHead reads.
const headSeps = FieldRequestCreationTime

// headPlainCheck sets f.headPlain: whether no quote comes before the end of
// the last field every line has. In ALB's lines none does, and then those
// fields need no check for quotes.
func (f *fields) headPlainCheck(b *structure) {
	if f.n >= MinFields {
		end := int(f.sep[MinFields-1])
		var q uint64
		for w := 0; w < end>>6; w++ {
			q |= b.quotes[w]
		}
		if end&63 != 0 { // else the words above hold it all (and end>>6 may be past them)
			q |= b.quotes[end>>6] & (uint64(1)<<(end&63) - 1)
		}
		f.headPlain = q == 0
	}
}

// tailSeps notes the separators scanFast left for later, if any: those of a
// full-length line after headSeps, from the separators' bitmap b, which
// must be the one scanFast left. Whatever reads sep past headSeps (span of
// those fields, spanAll, fillTail) needs it called first.
func (f *fields) tailSeps(b *structure) {
	if f.pending {
		f.pending = false
		f.noteSeps(b.spaces[:], headSeps, f.pendingWord, f.pendingMask, NumFields-1)
	}
}

// noteSeps notes in sep, from index k, where the separators are: those of
// mask m (word w of spaces, less the ones noted), then of the words after,
// until sep holds limit of them or the words end. It returns how many sep
// holds then, and the word and the mask of those not noted.
func (f *fields) noteSeps(spaces []uint64, k, w int, m uint64, limit int) (int, int, uint64) {
	for {
		for ; m != 0 && k < limit; m &= m - 1 {
			f.sep[k] = uint16(w<<6 + bits.TrailingZeros64(m))
			k++
		}
		if k == limit || w+1 == len(spaces) {
			return k, w, m
		}
		w++
		m = spaces[w]
	}
}

// span sets the bounds of field i (0-based, below n) of a line scanFast
// located: from the separator before it to the one after, less its quotes.
// scanFast has checked that a field starting with a quote ends with one.
func (f *fields) span(line []byte, i int) {
	start := 0
	if i > 0 {
		start = int(f.sep[i-1]) + 1
	}
	q := 0
	if line[start] == '"' {
		q = 1 // compiled to a conditional set, not a jump
	}
	f.quoted |= uint32(q) << i
	f.start[i], f.end[i] = start+q, int(f.sep[i])-q
}

// formGeneric is the definition of structuralForm, byte by byte and word by
// word: it reports whether line (1 to fastMaxLine bytes) has ALB's form and,
// if it does, leaves its separators in b.spaces and its quotes in b.quotes.
func formGeneric(line []byte, b *structure) bool {
	n := len(line)
	words := (n + 63) / 64
	clear(b.spaces[:words])
	clear(b.quotes[:words])
	for i, c := range line {
		switch c {
		case ' ':
			b.spaces[i>>6] |= 1 << (i & 63)
		case '"':
			b.quotes[i>>6] |= 1 << (i & 63)
		case '\\':
			return false
		}
	}
	// Three things carry from one word to the next: whether it ended inside
	// quotes, whether its last byte was a separator, and whether its last
	// byte closed a quote (then the next byte must be a separator).
	var inside, sepCarry, closeCarry uint64
	sepCarry = 1 // the line's first byte starts a field
	for w := 0; w < words; w++ {
		q := b.quotes[w]
		in := prefixXOR(q) ^ inside // inside quotes, opening quote included
		inside = uint64(int64(in) >> 63)
		sep := b.spaces[w] &^ in
		starts := sep<<1 | sepCarry // bytes that begin a field
		follow := sep >> 1          // bytes followed by a separator
		if w == words-1 && n%64 != 0 {
			follow |= 1 << (n%64 - 1) // the line's last byte ends a field too
		}
		opening, closing := q&in, q&^in
		if sep&starts != 0 || // two spaces in a row
			opening&^starts != 0 || // a quote in the middle of a field
			closing&^follow&^(1<<63) != 0 || // a closing quote followed by text
			closeCarry != 0 && sep&1 == 0 {
			return false
		}
		closeCarry = closing >> 63
		sepCarry = sep >> 63
		b.spaces[w] = sep
	}
	return inside == 0 // else an unterminated quote
}
