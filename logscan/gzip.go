package logscan

import (
	"compress/gzip"
	"io"
)

// newGzipReader returns a multi-member gzip decompressor.
func newGzipReader(r io.Reader) (io.ReadCloser, error) {
	return gzip.NewReader(r)
}
