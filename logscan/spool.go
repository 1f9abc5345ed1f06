package logscan

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// A Spool makes an input that can be read only once (Input.Once) readable
// again: the first Open copies what it reads, as it reads it, into a
// temporary file, and every later Open reads that copy. A gzip input is
// copied as it comes, compressed.
//
// A later reading gives exactly what the first one got: the bytes it read,
// then the error it ended on, if any (a read error, or a gzip stream that
// went bad and was read no further). If the copy cannot be made (no room in
// the directory), the first reading goes on without it and Err says why.
type Spool struct {
	in  Input
	dir string

	mu      sync.Mutex
	opened  bool
	file    *os.File // the copy; nil when not made or given up
	readErr error    // the error the first reading got from the input
	err     error    // why the copy is not usable
}

// NewSpool returns a spool for in, copying into dir ("" is os.TempDir()).
func NewSpool(in Input, dir string) *Spool { return &Spool{in: in, dir: dir} }

// Input is the spooled input: the same name and size, not Once.
func (s *Spool) Input() Input {
	in := s.in
	in.Once = false
	in.Open = s.open
	return in
}

// Err says why the input cannot be read again (the copy could not be made
// or was given up), nil while it can.
func (s *Spool) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Remove deletes the copy.
func (s *Spool) Remove() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		return nil
	}
	s.file.Close()
	err := os.Remove(s.file.Name())
	s.file = nil
	return err
}

func (s *Spool) open(ctx context.Context) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opened {
		if s.err != nil {
			return nil, fmt.Errorf("cannot be read again: %w", s.err)
		}
		f, err := os.Open(s.file.Name())
		if err != nil {
			return nil, fmt.Errorf("reading its copy again: %w", err)
		}
		if s.readErr != nil {
			return struct {
				io.Reader
				io.Closer
			}{io.MultiReader(f, errReader{s.readErr}), f}, nil
		}
		return f, nil
	}
	s.opened = true
	rc, err := s.in.Open(ctx)
	if err != nil {
		s.err = err
		return nil, err
	}
	f, err := os.CreateTemp(s.dir, "lbdoctor-spool-*")
	if err != nil {
		s.err = fmt.Errorf("copying it to read again: %w", err)
		return rc, nil
	}
	s.file = f
	return &spoolReader{s: s, rc: rc}, nil
}

// spoolReader reads the input and writes what it read to the copy.
type spoolReader struct {
	s  *Spool
	rc io.ReadCloser
}

func (r *spoolReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > 0 && s.err == nil {
		if _, werr := s.file.Write(p[:n]); werr != nil {
			s.err = fmt.Errorf("copying it to read again: %w", werr)
			s.file.Close()
			os.Remove(s.file.Name())
			s.file = nil
		}
	}
	if err != nil && err != io.EOF {
		s.readErr = err
	}
	return n, err
}

// errReader gives err at once: the end of a copy whose input failed there.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func (r *spoolReader) Close() error { return r.rc.Close() }

// Head returns up to n bytes from the start of in's content, inflated if it
// is gzip: enough to read its first lines without reading it all.
func Head(ctx context.Context, in Input, n int) ([]byte, error) {
	rc, err := in.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	var r io.Reader = br
	if head, _ := br.Peek(2); bytes.Equal(head, magicGzip) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		r = zr
	}
	buf := make([]byte, n)
	m, err := io.ReadFull(r, buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = nil
	}
	return buf[:m], err
}
