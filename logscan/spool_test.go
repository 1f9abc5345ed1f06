package logscan

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// onceInput is an input like standard input: its second Open fails.
func onceInput(data string) Input {
	opened := false
	return Input{Name: "<stdin>", Size: -1, Once: true, Open: func(context.Context) (io.ReadCloser, error) {
		if opened {
			return nil, errors.New("standard input read twice")
		}
		opened = true
		return io.NopCloser(strings.NewReader(data)), nil
	}}
}

func readAll(t *testing.T, in Input) (string, error) {
	t.Helper()
	rc, err := in.Open(context.Background())
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

func TestSpoolReadsAgain(t *testing.T) {
	dir := t.TempDir()
	data := numbered(20000)
	for _, name := range []string{"plain", "gzip"} {
		text := data
		if name == "gzip" {
			text = string(gz(t, data))
		}
		sp := NewSpool(onceInput(text), dir)
		in := sp.Input()
		if in.Once || in.Name != "<stdin>" {
			t.Fatalf("%s: spooled input %+v", name, in)
		}
		// Run reads it as it would standard input, then it is read again.
		for pass := 0; pass < 2; pass++ {
			rec, res := runOnce([]Input{in}, Options{})
			if res[0].Err != nil || res[0].Lines != 20000 || rec.lines["0:20000"] == "" {
				t.Fatalf("%s, reading %d: %+v", name, pass+1, res[0])
			}
			if why := sp.Err(); why != nil {
				t.Fatalf("%s: not rereadable after reading %d: %v", name, pass+1, why)
			}
		}
		if got, err := readAll(t, in); err != nil || got != text {
			t.Fatalf("%s: the copy differs from the input (%v)", name, err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(files) != 1 {
			t.Fatalf("%s: %d copies in %s", name, len(files), dir)
		}
		if err := sp.Remove(); err != nil {
			t.Fatal(err)
		}
		if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
			t.Fatalf("%s: Remove left %v", name, files)
		}
	}
}

func TestSpoolCannotCopy(t *testing.T) {
	// The directory does not exist: the first reading still gives every
	// byte, and the input says why it cannot be read again.
	sp := NewSpool(onceInput("a\nb\n"), filepath.Join(t.TempDir(), "missing"))
	if got, err := readAll(t, sp.Input()); err != nil || got != "a\nb\n" {
		t.Fatalf("first reading: %q, %v", got, err)
	}
	if why := sp.Err(); why == nil || !strings.Contains(why.Error(), "copying it") {
		t.Errorf("Err = %v, want why there is no copy", why)
	}
	if _, err := sp.Input().Open(context.Background()); err == nil {
		t.Error("a second Open without a copy succeeded")
	}
}

// TestSpoolFirstReadUnfinished: a reading that stopped early (a gzip stream
// gone bad is read no further) or on an error is given again as it was:
// the bytes read, then the same error.
func TestSpoolFirstReadUnfinished(t *testing.T) {
	dir := t.TempDir()
	sp := NewSpool(onceInput(numbered(1000)), dir)
	defer sp.Remove()
	if why := sp.Err(); why != nil {
		t.Errorf("not rereadable before any reading: %v", why)
	}
	rc, err := sp.Input().Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 100)
	n, _ := io.ReadFull(rc, first)
	rc.Close()
	if why := sp.Err(); why != nil {
		t.Fatalf("not rereadable after reading 100 bytes of it: %v", why)
	}
	if got, err := readAll(t, sp.Input()); err != nil || got != string(first[:n]) {
		t.Errorf("read again: %q, %v; want the %d bytes read first", got, err, n)
	}

	broken := errors.New("input/output error")
	sp = NewSpool(Input{Name: "<stdin>", Once: true, Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(io.MultiReader(strings.NewReader("a\nb\nhalf"), errReader{broken})), nil
	}}, dir)
	defer sp.Remove()
	for reading := 1; reading <= 2; reading++ {
		got, err := readAll(t, sp.Input())
		if got != "a\nb\nhalf" || !errors.Is(err, broken) {
			t.Errorf("reading %d: %q, %v; want the bytes and the error", reading, got, err)
		}
	}
}

func TestHead(t *testing.T) {
	dir := t.TempDir()
	text := numbered(3000)
	plain := write(t, dir, "a.log", []byte(text))
	zipped := write(t, dir, "b.bin", gz(t, text))
	empty := write(t, dir, "c.log", nil)
	for _, p := range []string{plain, zipped} {
		got, err := Head(context.Background(), expand(t, p)[0], 1000)
		if err != nil || string(got) != text[:1000] {
			t.Errorf("%s: Head = %.40q..., %v", p, got, err)
		}
	}
	if got, err := Head(context.Background(), expand(t, empty)[0], 1000); err != nil || len(got) != 0 {
		t.Errorf("empty file: %q, %v", got, err)
	}
	bad := write(t, dir, "d.gz", []byte{0x1f, 0x8b, 1, 2, 3})
	if _, err := Head(context.Background(), expand(t, bad)[0], 1000); err == nil {
		t.Error("Head of a corrupt gzip file: no error")
	}
	if _, err := Head(context.Background(), Input{Name: "x", Open: func(context.Context) (io.ReadCloser, error) { return nil, os.ErrNotExist }}, 10); err == nil {
		t.Error("Head of an input that cannot be opened: no error")
	}
}
