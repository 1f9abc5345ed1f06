// Command inflate is the benchmark's decompression floor: it only inflates
// the .gz files below its arguments, on -workers goroutines at once (as many
// as lbdoctor logs reads), with the gzip library lbdoctor uses, each worker
// reusing its reader from file to file as lbdoctor does, and prints the
// seconds and the bytes inflated. lbdoctor logs cannot be faster than this on
// the same files; the benchmark prints the ratio, of wall-clock and of CPU
// time (user and system, which varies less on a shared machine).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
)

func main() {
	workers := flag.Int("workers", 2, "files inflated at once")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file (to compare with lbdoctor's LBDOCTOR_CPUPROFILE)")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "inflate:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "inflate:", err)
			os.Exit(2)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	var files []string
	for _, root := range flag.Args() {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".gz") {
				files = append(files, p)
			}
			return nil
		})
	}
	start := time.Now()
	var total atomic.Int64
	var failed atomic.Bool
	next := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1<<20)
			var r reader
			for p := range next {
				n, err := r.inflate(p, buf)
				if err != nil {
					fmt.Fprintf(os.Stderr, "inflate: %s: %v\n", p, err)
					failed.Store(true)
				}
				total.Add(n)
			}
		}()
	}
	for _, p := range files {
		next <- p
	}
	close(next)
	wg.Wait()
	fmt.Printf("%.3f s %d bytes %d files, CPU %.2f s\n", time.Since(start).Seconds(), total.Load(), len(files), cpuSeconds())
	if failed.Load() {
		os.Exit(1)
	}
}

// reader is a worker's gzip reader and the buffer under it, reset for each
// file. A new pair for each file allocated about 100 KiB, which made the
// floor 5-20 % slower than it need be on ALB's small files (a fleet day's
// average 30 KB) and so the ratio to it look better than it was.
type reader struct {
	br *bufio.Reader
	zr *gzip.Reader
}

func (r *reader) inflate(path string, buf []byte) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if r.br == nil {
		r.br = bufio.NewReaderSize(f, 64<<10)
	} else {
		r.br.Reset(f)
	}
	if r.zr == nil {
		r.zr, err = gzip.NewReader(r.br)
	} else {
		err = r.zr.Reset(r.br)
	}
	if err != nil {
		r.zr = nil // a failed reader is not reused
		return 0, err
	}
	return io.CopyBuffer(io.Discard, r.zr, buf)
}
