package lab

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/synth"
)

// logWriter writes entries to ALB-named gzip files, one per interval. Writes
// are synchronous under a mutex: the lab's request rates are small, and a
// line written before the response is finished can never be lost.
type logWriter struct {
	dir    string
	lbName string
	rotate time.Duration

	mu      sync.Mutex
	end     time.Time // end of the current interval
	f       *os.File
	zw      *gzip.Writer
	bw      *bufio.Writer
	line    []byte
	written []string
	err     error
}

func newLogWriter(dir, lbName string, rotate time.Duration) (*logWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	return &logWriter{dir: dir, lbName: lbName, rotate: rotate}, nil
}

func (w *logWriter) write(e *alblog.Entry) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := time.UnixMicro(e.Time)
	if w.f == nil || !t.Before(w.end) {
		w.closeFile()
		w.open(t)
	}
	if w.bw == nil {
		return
	}
	w.line = alblog.AppendEntry(w.line[:0], e)
	if _, err := w.bw.Write(w.line); err != nil && w.err == nil {
		w.err = err
	}
}

func (w *logWriter) open(t time.Time) {
	start := t.Truncate(w.rotate)
	w.end = start.Add(w.rotate)
	name := synth.FileName("000000000000", "lab", w.lbName, "127.0.0.1", fmt.Sprintf("%08x", uint32(time.Now().UnixNano())), w.end)
	path := filepath.Join(w.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		w.err = err
		return
	}
	f, err := os.Create(path)
	if err != nil {
		w.err = err
		return
	}
	w.f = f
	w.zw = gzip.NewWriter(f)
	w.bw = bufio.NewWriter(w.zw)
	w.written = append(w.written, path)
}

func (w *logWriter) closeFile() {
	if w.f == nil {
		return
	}
	for _, err := range []error{w.bw.Flush(), w.zw.Close(), w.f.Close()} {
		if err != nil && w.err == nil {
			w.err = err
		}
	}
	w.f, w.zw, w.bw = nil, nil, nil
}

func (w *logWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closeFile()
	return w.err
}

func (w *logWriter) files() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := append([]string(nil), w.written...)
	sort.Strings(out)
	return out
}
