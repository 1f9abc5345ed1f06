package alblog

import (
	"math/rand/v2"
	"testing"
)

// closingQuoteSlow is the definition: scan left to right, a backslash
// escapes the next byte, the first unescaped quote ends the field.
func closingQuoteSlow(line []byte, i int) (int, error) {
	for ; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '"':
			return i, nil
		}
	}
	return 0, ErrUnterminated
}

func checkQuote(t *testing.T, s []byte) {
	for i := 0; i <= len(s); i++ {
		a, aerr := closingQuote(s, i)
		b, berr := closingQuoteSlow(s, i)
		if a != b || (aerr == nil) != (berr == nil) {
			t.Fatalf("%q from %d: got %d %v, want %d %v", s, i, a, aerr, b, berr)
		}
	}
}

func TestClosingQuote(t *testing.T) {
	for _, s := range []string{``, `"`, `\"`, `\\"`, `\\\"`, `a\"b"c`, `\`, `abc\`, `x\\\\"`, `\a\"\\"`, `"\""`} {
		checkQuote(t, []byte(s))
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(`ab"\ `)
	buf := make([]byte, 24)
	for n := 0; n < 100000; n++ {
		b := buf[:r.IntN(len(buf))]
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkQuote(t, b)
	}
}

func FuzzClosingQuote(f *testing.F) {
	f.Add([]byte(`GET http://x/ HTTP/1.1" "ua\"x"`))
	f.Fuzz(func(t *testing.T, s []byte) { checkQuote(t, s) })
}
