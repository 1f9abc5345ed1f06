// Package logscan turns files, directories, standard input and (through
// registered schemes such as s3://) remote objects into a parallel stream of
// line-aligned blocks, in bounded memory.
//
// Each input is read by one goroutine that decompresses it (gzip is detected by
// its magic bytes) and cuts it into blocks of whole lines; a pool of workers
// hands the blocks to per-worker Handlers. Line numbers are exact: the reader
// counts newlines before a block leaves it.
package logscan

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Input is one stream of log data.
type Input struct {
	// Name identifies the input in messages: a path, "<stdin>", or a URL.
	Name string
	// Size is the stored (possibly compressed) size, or -1 when unknown.
	Size int64
	// Open opens the stream. Run calls it once, when the input's turn
	// comes; a caller may call it again to read the input again (see Once).
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Once is set when the input can be read only once (standard input, a
	// named pipe): a second Open would not give the same bytes. See Spool.
	Once bool
}

// Lister expands a URL of a registered scheme (e.g. "s3://bucket/prefix") into inputs.
type Lister func(ctx context.Context, url string) ([]Input, error)

// Expander turns the paths a user gave into inputs.
type Expander struct {
	// Stdin is read for the path "-".
	Stdin io.Reader
	// Schemes maps a URL scheme ("s3") to the Lister that expands it.
	Schemes map[string]Lister
	// Skip, when set, says why a file found in a directory is not to be
	// read ("" to read it): another kind of log written beside the ones
	// wanted. A file named on its own is reported as an error instead.
	Skip func(name string) string
	// Skipped counts the files Skip left out, by its reason.
	Skipped map[string]int
}

// Expand resolves paths in order: "-" is standard input, a directory is walked
// recursively (in lexical order, skipping hidden entries), anything with a
// registered "scheme://" prefix goes to its Lister, and anything else is a file.
// Problems with single paths are returned in errs and do not stop the others.
func (x *Expander) Expand(ctx context.Context, paths []string) (inputs []Input, errs []error) {
	stdinUsed := false
	for _, p := range paths {
		if p == "-" {
			if stdinUsed {
				errs = append(errs, fmt.Errorf("-: standard input given more than once"))
				continue
			}
			stdinUsed = true
			in := x.Stdin
			if in == nil {
				in = os.Stdin
			}
			inputs = append(inputs, Input{Name: "<stdin>", Size: -1, Once: true, Open: func(context.Context) (io.ReadCloser, error) {
				return io.NopCloser(in), nil
			}})
			continue
		}
		if scheme, _, ok := strings.Cut(p, "://"); ok && !strings.ContainsAny(scheme, "/\\") {
			list, found := x.Schemes[scheme]
			if !found {
				errs = append(errs, fmt.Errorf("%s: unsupported URL scheme %q", p, scheme))
				continue
			}
			more, err := list(ctx, p)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", p, err))
			}
			inputs = append(inputs, more...)
			continue
		}
		more, err := x.expandPath(p)
		if err != nil {
			errs = append(errs, err)
		}
		inputs = append(inputs, more...)
	}
	return inputs, errs
}

// skip reports why name is not to be read, "" to read it.
func (x *Expander) skip(name string) string {
	if x.Skip == nil {
		return ""
	}
	return x.Skip(name)
}

func (x *Expander) expandPath(p string) ([]Input, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err // *fs.PathError names the path
	}
	if !st.IsDir() {
		if !st.Mode().IsRegular() && st.Mode()&fs.ModeNamedPipe == 0 && st.Mode()&fs.ModeCharDevice == 0 {
			return nil, fmt.Errorf("%s: not a regular file", p)
		}
		if why := x.skip(p); why != "" {
			return nil, fmt.Errorf("%s: %s: not read", p, why)
		}
		in := fileInput(p, st.Size())
		in.Once = !st.Mode().IsRegular() // a pipe or a device, e.g. <(zcat ...)
		return []Input{in}, nil
	}
	skipped := 0
	var out []Input
	var walkErrs []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			walkErrs = append(walkErrs, err.Error())
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if path != p && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			if why := x.skip(path); why != "" {
				if x.Skipped == nil {
					x.Skipped = map[string]int{}
				}
				x.Skipped[why]++
				skipped++
				return nil
			}
			size := int64(-1)
			if info, err := d.Info(); err == nil {
				size = info.Size()
			}
			out = append(out, fileInput(path, size))
		}
		return nil
	})
	if err != nil {
		walkErrs = append(walkErrs, err.Error())
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(walkErrs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(walkErrs, "; "))
	}
	if len(out) == 0 && skipped == 0 {
		return nil, fmt.Errorf("%s: directory contains no files", p)
	}
	return out, nil
}

func fileInput(path string, size int64) Input {
	return Input{Name: path, Size: size, Open: func(context.Context) (io.ReadCloser, error) {
		return os.Open(path)
	}}
}
