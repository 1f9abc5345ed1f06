package logscan

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// recorder collects every line with its location.
type recorder struct {
	mu       *sync.Mutex
	lines    map[string]string // "input:line" -> text
	overlong []string
	seqs     map[[2]int64]int64 // {input, Seq} -> FirstLine
}

func (r *recorder) Block(b *Block) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seqs == nil {
		r.seqs = map[[2]int64]int64{}
	}
	k := [2]int64{int64(b.Input), b.Seq}
	if _, dup := r.seqs[k]; dup {
		r.seqs[k] = -1 // checkSeqs reports it
	} else {
		r.seqs[k] = b.FirstLine
	}
	if b.Overlong > 0 {
		r.overlong = append(r.overlong, fmt.Sprintf("%d:%d", b.Input, b.FirstLine))
		return
	}
	n := b.FirstLine
	for _, l := range strings.SplitAfter(string(b.Data), "\n") {
		if l == "" {
			continue
		}
		r.lines[fmt.Sprintf("%d:%d", b.Input, n)] = strings.TrimSuffix(l, "\n")
		n++
	}
}

func runOnce(inputs []Input, opt Options) (*recorder, []Result) {
	rec := &recorder{mu: &sync.Mutex{}, lines: map[string]string{}}
	_, res := Run(context.Background(), inputs, opt, func() Handler { return rec })
	return rec, res
}

// lineCounter is a recorder that counts the lines of its blocks itself.
type lineCounter struct{ *recorder }

func (c lineCounter) BlockLines(b *Block) int64 {
	c.Block(b)
	n := int64(strings.Count(string(b.Data), "\n"))
	if len(b.Data) > 0 && b.Data[len(b.Data)-1] != '\n' {
		n++
	}
	return n
}

// run runs inputs every way gzip inputs can be read, fused (with a handler
// that counts lines and one that does not) and through the workers, and
// fails unless they agree; it returns the fused run's lines.
func run(t *testing.T, inputs []Input, opt Options) (*recorder, []Result) {
	t.Helper()
	var recs [3]*recorder
	var results [3][]Result
	for i, fuse := range []int{1, -1, 1} {
		recs[i] = &recorder{mu: &sync.Mutex{}, lines: map[string]string{}}
		opt.fuse = fuse
		var h Handler = recs[i]
		if i == 2 {
			h = lineCounter{recs[i]}
		}
		_, results[i] = Run(context.Background(), inputs, opt, func() Handler { return h })
	}
	for _, r := range recs {
		sort.Strings(r.overlong) // handled in no particular order
		checkSeqs(t, r, len(inputs))
	}
	for i, way := range []string{"", "unfused", "fused, lines counted by the handler"} {
		if i == 0 {
			continue
		}
		if fmt.Sprint(recs[0].lines, recs[0].overlong) != fmt.Sprint(recs[i].lines, recs[i].overlong) {
			t.Errorf("fused and %s reads differ: %d lines, overlong %v against %d, %v",
				way, len(recs[0].lines), recs[0].overlong, len(recs[i].lines), recs[i].overlong)
		}
		if fmt.Sprint(results[0]) != fmt.Sprint(results[i]) {
			t.Errorf("results differ: fused %+v, %s %+v", results[0], way, results[i])
		}
	}
	return recs[0], results[0]
}

// checkSeqs fails unless each input's blocks are numbered 0, 1, 2 ... once
// each, in the order of their lines.
func checkSeqs(t *testing.T, r *recorder, inputs int) {
	t.Helper()
	for in := range int64(inputs) {
		prev := int64(0)
		for seq := int64(0); ; seq++ {
			first, ok := r.seqs[[2]int64{in, seq}]
			if !ok {
				break
			}
			if first <= prev {
				t.Fatalf("input %d: block %d starts at line %d, after line %d (or twice)", in, seq, first, prev)
			}
			prev = first
			delete(r.seqs, [2]int64{in, seq})
		}
	}
	for k := range r.seqs {
		t.Fatalf("input %d: block %d out of sequence", k[0], k[1])
	}
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func numbered(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d %s\n", i, strings.Repeat("x", i%50))
	}
	return b.String()
}

func expand(t *testing.T, paths ...string) []Input {
	t.Helper()
	x := &Expander{}
	in, errs := x.Expand(context.Background(), paths)
	if len(errs) > 0 {
		t.Fatalf("Expand: %v", errs)
	}
	return in
}

func TestLineNumbersAcrossTinyBlocks(t *testing.T) {
	dir := t.TempDir()
	text := numbered(5000)
	plain := write(t, dir, "a.log", []byte(text))
	zipped := write(t, dir, "b.bin", gz(t, text)) // gzip detected by content, not name
	for _, bs := range []int{64, 100, 4096, 1 << 20} {
		rec, res := run(t, expand(t, plain, zipped), Options{Workers: 3, BlockSize: bs, MaxLineBytes: 1 << 20})
		for i, r := range res {
			if r.Err != nil || r.Lines != 5000 {
				t.Fatalf("block %d input %d: %+v", bs, i, r)
			}
		}
		if !res[1].Gzip || res[0].Gzip {
			t.Errorf("gzip detection: %+v", res)
		}
		for in := 0; in < 2; in++ {
			for _, n := range []int{1, 2, 777, 4999, 5000} {
				want := fmt.Sprintf("line %d %s", n, strings.Repeat("x", n%50))
				if got := rec.lines[fmt.Sprintf("%d:%d", in, n)]; got != want {
					t.Fatalf("block %d: input %d line %d = %q, want %q", bs, in, n, got, want)
				}
			}
		}
	}
}

func TestTruncatedGzipKeepsLinesBefore(t *testing.T) {
	dir := t.TempDir()
	full := gz(t, numbered(20000))
	bad := write(t, dir, "bad.log.gz", full[:len(full)/2])
	good := write(t, dir, "good.log", []byte("a\nb\n"))
	rec, res := run(t, expand(t, bad, good), Options{Workers: 2, BlockSize: 4096})
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "truncated") {
		t.Fatalf("want a truncation error, got %+v", res[0])
	}
	if res[0].Lines < 1000 || res[0].Lines >= 20000 {
		t.Errorf("lines before the damage = %d", res[0].Lines)
	}
	if res[0].Dropped != 1 {
		t.Errorf("Dropped = %d, want the incomplete last line", res[0].Dropped)
	}
	if got := rec.lines[fmt.Sprintf("0:%d", res[0].Lines)]; !strings.HasPrefix(got, fmt.Sprintf("line %d ", res[0].Lines)) {
		t.Errorf("last good line = %q", got)
	}
	if res[1].Err != nil || res[1].Lines != 2 {
		t.Errorf("the other file suffered: %+v", res[1])
	}
}

func TestCorruptGzipHeaderAndOtherFormats(t *testing.T) {
	dir := t.TempDir()
	corrupt := write(t, dir, "c.gz", []byte{0x1f, 0x8b, 0xff, 0, 0, 0})
	zst := write(t, dir, "z.zst", []byte{0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3})
	_, res := run(t, expand(t, corrupt, zst), Options{})
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "gzip") {
		t.Errorf("corrupt gzip: %+v", res[0])
	}
	if res[1].Err == nil || !strings.Contains(res[1].Err.Error(), "zstd") {
		t.Errorf("zstd: %+v", res[1])
	}
}

func TestCRLFNoFinalNewlineBlankLines(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "crlf.log", []byte("one\r\n\r\ntwo\r\nthree"))
	rec, res := run(t, expand(t, p), Options{BlockSize: 5})
	if res[0].Lines != 4 {
		t.Fatalf("lines = %d", res[0].Lines)
	}
	if rec.lines["0:1"] != "one\r" || rec.lines["0:4"] != "three" {
		t.Errorf("lines = %q", rec.lines)
	}
}

func TestLongLines(t *testing.T) {
	dir := t.TempDir()
	mib := strings.Repeat("y", 1<<20)
	huge := strings.Repeat("z", 5<<20)
	text := "a\n" + mib + "\n" + huge + "\nb\n" + huge
	p := write(t, dir, "long.log", []byte(text))
	z := write(t, dir, "long.log.gz", gz(t, text))
	rec, res := run(t, expand(t, p, z), Options{BlockSize: 64 << 10, MaxLineBytes: 4 << 20})
	for in := range 2 {
		at := func(n int) string { return rec.lines[fmt.Sprintf("%d:%d", in, n)] }
		if at(1) != "a" || at(2) != mib || at(4) != "b" {
			t.Errorf("input %d: lines around the long ones are wrong (have %d)", in, len(rec.lines))
		}
		if res[in].Err != nil || res[in].Lines != 3 { // the overlong are not delivered
			t.Errorf("input %d: %+v", in, res[in])
		}
	}
	if strings.Join(rec.overlong, ",") != "0:3,0:5,1:3,1:5" {
		t.Errorf("overlong = %v, want lines 3 and 5 of each", rec.overlong)
	}
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "2024/05/01/b.log.gz", gz(t, "x\n"))
	write(t, dir, "2024/05/01/a.log", []byte("y\n"))
	write(t, dir, ".hidden/c.log", []byte("z\n"))
	unreadable := write(t, dir, "secret.log", []byte("s\n"))
	os.Chmod(unreadable, 0)
	x := &Expander{Stdin: strings.NewReader("from stdin\n"), Schemes: map[string]Lister{
		"mem": func(ctx context.Context, url string) ([]Input, error) { return nil, fmt.Errorf("no such bucket") },
	}}
	in, errs := x.Expand(context.Background(), []string{filepath.Join(dir, "2024"), "-", filepath.Join(dir, "missing"), "mem://b/p", "ftp://x", "-"})
	var names []string
	for _, i := range in {
		names = append(names, filepath.Base(i.Name))
	}
	if strings.Join(names, ",") != "a.log,b.log.gz,<stdin>" {
		t.Errorf("inputs = %v", names)
	}
	if len(errs) != 4 {
		t.Errorf("errors = %v, want missing path, mem error, unknown scheme, stdin twice", errs)
	}
	rec, res := runOnce(in, Options{}) // stdin can be read once
	if rec.lines["2:1"] != "from stdin" || res[1].Lines != 1 {
		t.Errorf("stdin/gz lines: %v %+v", rec.lines, res)
	}
	if os.Geteuid() != 0 { // root reads anything
		_, res := run(t, expand(t, unreadable), Options{})
		if res[0].Err == nil {
			t.Error("unreadable file: no error")
		}
	}
}

// cancelling is a recorder that cancels the run at its first block.
type cancelling struct {
	recorder
	cancel func()
}

func (c *cancelling) Block(b *Block) {
	c.recorder.Block(b)
	c.cancel()
}

func TestCancel(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "a.log", []byte(numbered(100000)))
	z := write(t, dir, "b.log.gz", gz(t, numbered(100000)))
	// Cancelled while a gzip input is being read, both ways: the read
	// stops with the context's error.
	for _, fuse := range []int{1, -1} {
		ctx, cancel := context.WithCancel(context.Background())
		h := &cancelling{recorder: recorder{mu: &sync.Mutex{}, lines: map[string]string{}}, cancel: cancel}
		_, res := Run(ctx, expand(t, z), Options{fuse: fuse, BlockSize: 4096}, func() Handler { return h })
		if !errors.Is(res[0].Err, context.Canceled) || res[0].Lines >= 100000 {
			t.Errorf("fuse %d: cancelled run: %+v", fuse, res[0])
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, res := Run(ctx, expand(t, p, p), Options{}, func() Handler { return &recorder{mu: &sync.Mutex{}, lines: map[string]string{}} })
	for _, r := range res {
		if r.Err == nil {
			t.Errorf("cancelled run: %+v", r)
		}
	}
}

// Skip leaves out files found in a directory and counts them; a file named
// on its own is an error instead, and a directory of skipped files only is
// not "empty".
func TestExpandSkip(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "logs/access.log", []byte("x\n"))
	write(t, dir, "logs/conn_a.log", []byte("c\n"))
	write(t, dir, "logs/conn_b.log", []byte("c\n"))
	write(t, dir, "only/conn_c.log", []byte("c\n"))
	x := &Expander{Skip: func(name string) string {
		if strings.HasPrefix(filepath.Base(name), "conn_") {
			return "a connection log"
		}
		return ""
	}}
	in, errs := x.Expand(context.Background(), []string{filepath.Join(dir, "logs"), filepath.Join(dir, "only"), filepath.Join(dir, "logs", "conn_a.log")})
	if len(in) != 1 || filepath.Base(in[0].Name) != "access.log" {
		t.Errorf("inputs %v", in)
	}
	if x.Skipped["a connection log"] != 3 {
		t.Errorf("skipped %v, want 3", x.Skipped)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "conn_a.log: a connection log: not read") {
		t.Errorf("errors %v, want one for the file named on its own", errs)
	}
}

// Lines around MaxLineBytes are kept or skipped alike whether a gzip input
// is read fused or not, wherever the reads happen to cut them.
func TestLineLengthLimitFusedAlike(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for n := 90; n <= 110; n++ {
		fmt.Fprintf(&b, "%s\nshort\n", strings.Repeat("q", n))
	}
	text := b.String()
	z := write(t, dir, "edge.log.gz", gz(t, text))
	p := write(t, dir, "edge.log", []byte(text))
	rec, res := run(t, expand(t, z, p), Options{MaxLineBytes: 100})
	// Lines of 90 to 99 bytes and the short ones are kept; those of 100
	// bytes and more (lines 21, 23 ... 41) are not.
	for in := range 2 {
		if res[in].Lines != 21+10 {
			t.Errorf("input %d kept %d lines, want 31", in, res[in].Lines)
		}
		for n := 1; n <= 42; n++ {
			_, kept := rec.lines[fmt.Sprintf("%d:%d", in, n)]
			if long := n%2 == 1 && n >= 21; kept == long {
				t.Errorf("input %d line %d: kept %v", in, n, kept)
			}
		}
	}
	if len(rec.overlong) != 22 {
		t.Errorf("overlong %v, want 11 lines in each input", rec.overlong)
	}
}

// TestFusedSinkAcrossInputs reads many gzip inputs on one reader, which
// keeps its line sink from one input to the next: lines cut across the
// inflater's writes, inputs ending without a newline, a line longer than
// the carry buffer the sink keeps, all as each input alone would give them.
func TestFusedSinkAcrossInputs(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	want := map[string]string{}
	for i := range 12 {
		var text strings.Builder
		for n := 1; n <= 40; n++ {
			line := fmt.Sprintf("input %d line %d %s", i, n, strings.Repeat("x", (i*997+n*131)%5000))
			if i == 5 && n == 7 {
				line += strings.Repeat("w", 100<<10) // outgrows the 64 KiB kept
			}
			want[fmt.Sprintf("%d:%d", i, n)] = line
			text.WriteString(line)
			if n < 40 || i%3 != 0 { // every third input ends without a newline
				text.WriteString("\n")
			}
		}
		paths = append(paths, write(t, dir, fmt.Sprintf("%02d.log.gz", i), gz(t, text.String())))
	}
	rec, res := run(t, expand(t, paths...), Options{Readers: 1, Workers: 1})
	for i, r := range res {
		if r.Err != nil || r.Lines != 40 {
			t.Errorf("input %d: %+v", i, r)
		}
	}
	if len(rec.lines) != len(want) {
		t.Errorf("%d lines, want %d", len(rec.lines), len(want))
	}
	for k, w := range want {
		if got := strings.TrimSuffix(rec.lines[k], "\n"); got != w {
			t.Errorf("line %s: %d bytes %.40q, want %d bytes %.40q", k, len(got), got, len(w), w)
		}
	}
}
