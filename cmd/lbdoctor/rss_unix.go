//go:build unix

package main

import (
	"runtime"
	"syscall"
	"time"
)

// peakRSS is this process's peak resident set size in bytes, if known.
func peakRSS() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return maxrssBytes(ru.Maxrss), true
}

// maxrssBytes converts getrusage's ru_maxrss: kilobytes on Linux and the
// BSDs, bytes on macOS.
func maxrssBytes(v int64) int64 {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return v
	}
	return v * 1024
}

// cpuSeconds is the CPU time (user and system) this process has used. On a
// shared machine it varies less than the wall-clock time.
func cpuSeconds() (float64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds(), true
}
