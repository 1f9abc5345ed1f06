//go:build !amd64

package analysis

// prefetch asks for the cache line at addr ahead of its use; a no-op where
// lbdoctor has no assembly for it.
func prefetch(addr uintptr) {}
