package analysis

// prefetch asks for the cache line at addr ahead of its use (see
// prefetch_amd64.s). It reads nothing, so an address that is stale or not
// mapped is harmless.
//
//go:noescape
func prefetch(addr uintptr)
