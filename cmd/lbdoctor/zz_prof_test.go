package main

import (
	"context"
	"io"
	"os"
	"testing"
)

func TestZZProf(t *testing.T) {
	dir := os.Getenv("PROFDIR")
	if dir == "" {
		t.Skip()
	}
	run(context.Background(), []string{"logs", "--stats", dir}, nil, io.Discard, os.Stderr)
}
