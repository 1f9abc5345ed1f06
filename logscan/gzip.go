package logscan

import (
	"io"

	"github.com/klauspost/compress/gzip"
)

// newGzipReader returns a multi-member gzip decompressor.
func newGzipReader(r io.Reader) (io.ReadCloser, error) {
	return gzip.NewReader(r)
}
