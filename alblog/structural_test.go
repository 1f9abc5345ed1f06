package alblog

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// parseOneByOne is the parser as first written, kept as the definition the
// faster paths are checked against: one field at a time, each converted as
// soon as it is found.
func parseOneByOne(line []byte, e *Entry) error {
	*e = Entry{}
	line = bytes.TrimRight(line, " \t\r")
	pos, n := 0, 0
	for n < NumFields {
		pos = skipSpaces(line, pos)
		if pos >= len(line) {
			break
		}
		start := pos
		var tok []byte
		quoted := line[pos] == '"'
		if quoted {
			end, err := closingQuoteSlow(line, pos+1)
			if err != nil {
				return &FieldError{Field: n + 1, Column: start + 1, Value: short(line[start:]), Err: err}
			}
			tok, pos = line[pos+1:end], end+1
			if pos < len(line) && line[pos] != ' ' {
				return &FieldError{Field: n + 1, Column: start + 1, Value: short(line[start:]), Err: ErrBadQuote}
			}
		} else {
			end := pos
			for end < len(line) && line[end] != ' ' {
				end++
			}
			tok, pos = line[pos:end], end
		}
		n++
		if err := e.set(n, tok, quoted); err != nil {
			if other := otherLogDef(line); other != nil && n <= 2 {
				return &FieldError{Err: other}
			}
			return &FieldError{Field: n, Column: start + 1, Value: short(tok), Err: err}
		}
	}
	if n < MinFields {
		if n == 0 {
			return &FieldError{Err: fmt.Errorf("empty line")}
		}
		return &FieldError{Field: n + 1, Column: len(line) + 1, Err: fmt.Errorf("%w: got %d, need at least %d", ErrTooFewFields, n, MinFields)}
	}
	e.Fields = n
	if rest := skipSpaces(line, pos); rest < len(line) {
		e.Extra = line[rest:]
		e.Fields += countFields(e.Extra)
	}
	return nil
}

// otherLogDef is the definition of otherLog: a line whose first field
// fails may be one of another log, told by its first three fields (read as
// parseOneByOne reads them, stopping at a broken one).
func otherLogDef(line []byte) error {
	var toks []string
	pos := 0
	for len(toks) < 3 {
		pos = skipSpaces(line, pos)
		if pos >= len(line) {
			break
		}
		if line[pos] == '"' {
			end, err := closingQuoteSlow(line, pos+1)
			if err != nil || end+1 < len(line) && line[end+1] != ' ' {
				break
			}
			toks, pos = append(toks, string(line[pos+1:end])), end+1
			continue
		}
		end := pos
		for end < len(line) && line[end] != ' ' {
			end++
		}
		toks, pos = append(toks, string(line[pos:end])), end
	}
	if len(toks) < 3 {
		return nil
	}
	if toks[0] == "tls" && toks[1] == "2.0" {
		return ErrNLBLog
	}
	if toks[0] != "" && toks[0][0] >= '0' && toks[0][0] <= '9' && strings.Contains(toks[0], "T") {
		if _, err := netip.ParseAddr(toks[1]); err == nil && toks[2] != "" && strings.Trim(toks[2], "0123456789") == "" {
			return ErrConnectionLog
		}
	}
	return nil
}

// staleLine fills every field with text no other test line has.
const staleLine = `h2 2020-01-01T00:00:00.000000Z stale 1.1.1.1:1 2.2.2.2:2 1.000 1.000 1.000 599 599 9 9 "stale" "stale" stale stale stale "stale" "stale" "stale" 9 2020-01-01T00:00:00.000000Z "stale" "stale" "stale" "stale" "stale" "stale" "stale" stale stale`

// checkParsers parses line with a reused Parser (fast and general paths)
// and with parseOneByOne, and fails unless all three agree exactly.
func checkParsers(t *testing.T, p *Parser, line []byte) {
	t.Helper()
	var want, fast, general Entry
	werr := parseOneByOne(line, &want)
	ferr := p.Parse(line, &fast)
	gerr := p.parse(line, &general, false)
	// ParseHead on an entry an earlier line filled, then Complete.
	stale := Entry{}
	if err := p.Parse([]byte(staleLine), &stale); err != nil {
		t.Fatal(err)
	}
	herr := p.ParseHead(line, &stale)
	if herr == nil {
		p.Complete(&stale)
	}
	for _, c := range []struct {
		name string
		got  Entry
		err  error
	}{{"fast", fast, ferr}, {"general", general, gerr}, {"head, then complete", stale, herr}} {
		if fmt.Sprint(c.err) != fmt.Sprint(werr) {
			t.Fatalf("%s path on %q: error %v, want %v", c.name, line, c.err, werr)
		}
		if werr == nil && !reflect.DeepEqual(c.got, want) {
			t.Fatalf("%s path on %q:\n got %+v\nwant %+v", c.name, line, c.got, want)
		}
	}
	if haveSeparatorKernel {
		checkScans(t, trimRight(line))
	}
}

// checkScans: where the machine has both kernels, the fast scan with each
// takes the same lines and locates the same fields (Parse uses only one).
func checkScans(t *testing.T, line []byte) {
	t.Helper()
	if len(line) == 0 || len(line) > fastMaxLine || line[0] == ' ' {
		return
	}
	var a, b fields
	var sa, sb structure
	okA, okB := a.scanSeps(line, &sa), b.scanBits(line, &sb)
	if okA != okB {
		t.Fatalf("%q: scanSeps %v, scanBits %v", line, okA, okB)
	}
	if !okA {
		return
	}
	b.tailSeps(&sb)
	if a.n != b.n || a.rest != b.rest || a.headPlain != b.headPlain || a.pending || b.pending ||
		!slices.Equal(a.sep[:a.n], b.sep[:b.n]) {
		t.Fatalf("%q: scanSeps n %d rest %d plain %v seps %v; scanBits n %d rest %d plain %v seps %v",
			line, a.n, a.rest, a.headPlain, a.sep[:a.n], b.n, b.rest, b.headPlain, b.sep[:b.n])
	}
}

// TestStructuralForm compares the vector kernels with their definitions
// (formGeneric, sepsGeneric) on random lines, most in ALB's form (words and
// quoted text, one space apart) and the rest broken by one byte, of every
// length the fast scan takes.
func TestStructuralForm(t *testing.T) {
	if !haveStructuralBits {
		t.Skip("no vector kernel on this machine")
	}
	r := rand.New(rand.NewPCG(3, 4))
	var got, want structure
	var sep, wantSep [NumFields + sepSlack]uint16
	// Scratch full of ones: only the words covering the line may be read.
	for i := range got.spaces {
		got.spaces[i], got.quotes[i] = ^uint64(0), ^uint64(0)
	}
	agreed := 0
	for n := 0; n < 40000; n++ {
		size := 1 + r.IntN(fastMaxLine)
		if n%2 == 0 {
			size = 1 + r.IntN(300) // many short lines, to try every end of a chunk
		}
		var line []byte
		for len(line) < size {
			if len(line) > 0 {
				line = append(line, ' ')
			}
			if r.IntN(3) == 0 {
				line = append(line, '"')
				for k := r.IntN(80); k > 0; k-- {
					line = append(line, "a b-:/"[r.IntN(6)])
				}
				line = append(line, '"')
			} else {
				for k := 1 + r.IntN(40); k > 0; k-- {
					line = append(line, "a.1-:Z"[r.IntN(6)])
				}
			}
		}
		line = line[:size]
		if r.IntN(3) == 0 {
			line[r.IntN(size)] = ` "\a`[r.IntN(4)]
		}
		// Half the lines have bytes after them in their buffer, which
		// must not count: spaces, quotes and backslashes.
		buf := make([]byte, size, size+r.IntN(2)*r.IntN(100))
		copy(buf, line)
		for i := size; i < cap(buf); i++ {
			buf[:cap(buf)][i] = ` "\`[r.IntN(3)]
		}
		line = buf
		ok, wantOK := structuralForm(line, &got), formGeneric(line, &want)
		if ok != wantOK {
			t.Fatalf("line %q: form %v, want %v", line, ok, wantOK)
		}
		words := (len(line) + 63) / 64
		if ok {
			agreed++
			if !slices.Equal(got.spaces[:words], want.spaces[:words]) || !slices.Equal(got.quotes[:words], want.quotes[:words]) {
				t.Fatalf("line %q: bitmaps differ", line)
			}
		}
		if haveSeparatorKernel {
			clear(got.quotes[:words])
			n, ok := structuralSeps(line, &got, &sep)
			wantN, wantOK := sepsGeneric(line, &want, &wantSep)
			if ok != wantOK {
				t.Fatalf("line %q: structuralSeps %v, want %v", line, ok, wantOK)
			}
			noted := min(n, NumFields)
			if ok && (n != wantN || !slices.Equal(sep[:noted], wantSep[:noted]) || !slices.Equal(got.quotes[:words], want.quotes[:words])) {
				t.Fatalf("line %q: %d separators %v, want %d %v (or the quotes differ)", line, n, sep[:noted], wantN, wantSep[:noted])
			}
		}
	}
	if agreed < 5000 {
		t.Fatalf("only %d lines in ALB's form: the test does not try the separators", agreed)
	}
}

func TestPrefixXOR(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := 0; n < 10000; n++ {
		x := r.Uint64()
		var want, acc uint64
		for i := 0; i < 64; i++ {
			acc ^= x >> i & 1
			want |= acc << i
		}
		if got := prefixXOR(x); got != want {
			t.Fatalf("prefixXOR(%064b) = %064b, want %064b", x, got, want)
		}
	}
}

func TestParsePathsAgree(t *testing.T) {
	var p Parser
	docs := []string{docHTTP, docHTTPS, docLambda, docOldList}
	cases := append([]string{}, docs...)
	for _, d := range docs {
		cases = append(cases,
			d+" extra1 \"extra 2\"", d+"\r", "  "+d+"  ", strings.Replace(d, " ", "  ", 5),
			strings.Replace(d, `"curl/7.46.0"`, `"cu\"rl\\"`, 1), strings.Replace(d, `"curl/7.46.0"`, `"curl\\\\"`, 1),
			strings.Replace(d, `"GET`, `GET`, 1), strings.Replace(d, ` 200 `, ` 2x0 `, 1),
			d[:len(d)/2], d[:len(d)-3], strings.Replace(d, `"-"`, `"-"x`, 1), strings.Replace(d, `"-"`, `"-`, 1),
			strings.Replace(d, "2018-", "2018_", 2), strings.Replace(d, ".364000Z", ".364000", 1),
			strings.Replace(d, ".186641Z", "Z", 1), strings.Replace(d, ".186641Z", "+01:00", 1),
			strings.Replace(d, "http", "\"http\"", 1), strings.Replace(d, "https", "7", 1),
			d+" "+strings.Repeat("x", fastMaxLine), strings.Repeat(" ", 64)+d,
		)
	}
	// An older, twelve-field line whose last field ends a 64-byte word,
	// up to the longest line the fast scan takes (this once read a word
	// past the bitmaps).
	head := strings.Join(strings.Fields(docHTTP)[:MinFields-1], " ") + " "
	for _, n := range []int{192, 256, fastMaxLine} {
		cases = append(cases, head+strings.Repeat("1", n-len(head)))
	}
	// Every alignment of the quoted fields to the 64-byte words.
	for k := 0; k < 64; k++ {
		for _, d := range docs {
			cases = append(cases, strings.Replace(d, "my-loadbalancer", "my-loadbalancer"+strings.Repeat("x", k), 1))
		}
	}
	for _, c := range cases {
		checkParsers(t, &p, []byte(c))
	}
	if haveStructuralBits {
		for _, d := range cases[len(cases)-64*len(docs):] {
			var f fields
			if !f.scanFast([]byte(d), &p.b) {
				t.Fatalf("the fast scan left a well-formed line to the general one: %q", d)
			}
		}
	}
	// Lines cut and damaged at random, so that every field in turn fails
	// in each way, with the Parser's scratch reused throughout.
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 200000; n++ {
		line := []byte(cases[r.IntN(len(cases))])
		for k := r.IntN(4); k > 0 && len(line) > 0; k-- {
			i := r.IntN(len(line))
			switch r.IntN(4) {
			case 0:
				line[i] = ` "\-.:Z9a`[r.IntN(9)]
			case 1:
				line = line[:i]
			case 2:
				line = append(line[:i:i], line[i+1:]...)
			default:
				line = append(line[:i:i], append([]byte{` "\`[r.IntN(3)]}, line[i:]...)...)
			}
		}
		checkParsers(t, &p, line)
	}
}

func FuzzParsePaths(f *testing.F) {
	for _, s := range []string{docHTTP, docHTTPS, docLambda, docOldList, ``, `"`, `a "b\" c`} {
		f.Add([]byte(s))
	}
	var p Parser
	f.Fuzz(func(t *testing.T, line []byte) { checkParsers(t, &p, line) })
}

// TestClock checks the minute cache against ParseTime, on timestamps that
// share minutes, change them, and are damaged in every position.
func TestClock(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var c clock
	base := []string{"2018-07-02T22:23:00.186641Z", "2018-07-02T22:23:59.999999Z", "2018-07-02T22:24:00Z",
		"2024-02-29T23:59:60.5Z", "2023-02-29T10:00:00.000000Z", "1969-12-31T23:59:59.000000Z", "2018-07-02T23:23:00+01:00"}
	for n := 0; n < 200000; n++ {
		b := []byte(base[r.IntN(len(base))])
		if r.IntN(2) == 0 {
			b[r.IntN(len(b))] = "0123456789:-.TZ+x"[r.IntN(17)]
		}
		got, gerr := c.parse(b)
		want, werr := ParseTime(b)
		if got != want || (gerr == nil) != (werr == nil) {
			t.Fatalf("%q: clock %d %v, ParseTime %d %v", b, got, gerr, want, werr)
		}
	}
}

// TestParsePathsOnFixtures compares the paths on lines nobody here wrote:
// AWS's documented lines and real ones from a public write-up (albsql),
// hostile log content (cmd/lbdoctor), and testdata/public.log, real lines
// quoted in public repositories' tests and READMEs: three of 2026 with the
// six fields ALB added after conn_trace_id (one a malformed request),
// 2024 lines without a target, and 2019 lines that end at error_reason
// (an escaped user agent, a -1 processing time, IPv6 addresses).
func TestParsePathsOnFixtures(t *testing.T) {
	var p Parser
	for _, name := range []string{"../albsql/testdata/lines.log", "../cmd/lbdoctor/testdata/hostile.log", "testdata/public.log"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		fast := 0
		lines := bytes.Split(data, []byte("\n"))
		for _, line := range lines {
			checkParsers(t, &p, line)
			var f fields
			if f.scanFast(trimRight(line), &p.b) {
				fast++
			}
		}
		t.Logf("%s: %d lines, %d taken by the fast scan", name, len(lines), fast)
	}
}

func TestPublicLines(t *testing.T) {
	data, err := os.ReadFile("testdata/public.log")
	if err != nil {
		t.Fatal(err)
	}
	var p Parser
	var e Entry
	want := []struct {
		fields int
		target string
	}{{36, "-"}, {36, "10.20.20.37:80"}, {36, "-"}, {29, "-"}, {29, "-"},
		{25, "10.0.0.4:5000"}, {25, "10.0.5.18:80"}, {25, "10.0.5.18:80"}, {25, "2001:41d0:701:1100::29c8:80"},
		// elastic/integrations' test-alb.log: a 2022 scan with a space in
		// its URI (classification SpaceInUri), a 2025 malformed request.
		{29, "-"}, {30, "-"}}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(lines), len(want))
	}
	for i, line := range lines {
		if err := p.Parse(line, &e); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if e.Fields != want[i].fields || string(e.Target) != want[i].target {
			t.Errorf("line %d: %d fields, target %q; want %d, %q", i+1, e.Fields, e.Target, want[i].fields, want[i].target)
		}
	}
	p.Parse(lines[6], &e)
	if ua := Unquote(e.UserAgent); ua != `"SweetAgent/"` {
		t.Errorf("escaped user agent = %q", ua)
	}
}

// TestHasPort checks hasPort against its definition: the text after the
// last colon is one or more digits, and the colon is not the first byte.
func TestHasPort(t *testing.T) {
	def := func(b []byte) bool {
		i := bytes.LastIndexByte(b, ':')
		if i <= 0 || i == len(b)-1 {
			return false
		}
		for _, c := range b[i+1:] {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	r := rand.New(rand.NewPCG(11, 12))
	for n := 0; n < 100000; n++ {
		b := make([]byte, r.IntN(8))
		for i := range b {
			b[i] = ":19a/"[r.IntN(5)]
		}
		if hasPort(b) != def(b) {
			t.Fatalf("hasPort(%q) = %v", b, hasPort(b))
		}
	}
}
