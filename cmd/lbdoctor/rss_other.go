//go:build !unix

package main

// peakRSS is not measured on this platform (getrusage is Unix-only).
func peakRSS() (int64, bool) { return 0, false }

// cpuSeconds is not measured on this platform either.
func cpuSeconds() (float64, bool) { return 0, false }
