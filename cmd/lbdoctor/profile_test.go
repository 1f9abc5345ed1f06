package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// LBDOCTOR_CPUPROFILE's file is a CPU profile: pprof's format, a gzipped
// protocol buffer that names the sample type "cpu". No file named, no-op.
func TestStartCPUProfile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cpu.prof")
	startCPUProfile(file)() // a profile names its sample types even with no samples
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not gzipped (%d bytes): %v", len(raw), err)
	}
	pb, err := io.ReadAll(zr)
	if err != nil || !bytes.Contains(pb, []byte("cpu")) || !bytes.Contains(pb, []byte("nanoseconds")) {
		t.Errorf("not a CPU profile (%d bytes): %v", len(pb), err)
	}
	startCPUProfile("")()
}
