package s3logs

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Ranged reads: one S3 connection delivers tens of MB/s from AWS, less than
// lbdoctor parses, so an object big enough is fetched as byte ranges on
// several connections at once and handed on in order. ALB's own objects are
// 5-minute files, far below the threshold; this is for concatenated or
// re-packed logs.
const (
	// RangedMin is the object size from which ranged parts are used.
	RangedMin = 64 << 20
	// PartSize is the size of one range. Memory for a ranged object is at
	// most PartsInFlight × PartSize.
	PartSize      = 8 << 20
	PartsInFlight = 4
)

type part struct {
	data []byte
	err  error
}

// rangedReader fetches [0, size) in PartSize ranges, PartsInFlight at once,
// and reads them in order.
type rangedReader struct {
	cancel context.CancelFunc
	order  chan chan part // each part's result, in order
	cur    []byte
	err    error
}

func newRangedReader(ctx context.Context, c *s3.Client, bucket, key string, size int64) *rangedReader {
	ctx, cancel := context.WithCancel(ctx)
	r := &rangedReader{cancel: cancel, order: make(chan chan part, PartsInFlight)}
	go func() {
		defer close(r.order)
		for off := int64(0); off < size; off += PartSize {
			end := min(off+PartSize, size) - 1
			done := make(chan part, 1)
			select {
			case r.order <- done: // blocks while PartsInFlight are unread
			case <-ctx.Done():
				return
			}
			go func() {
				out, err := c.GetObject(ctx, &s3.GetObjectInput{
					Bucket: aws.String(bucket), Key: aws.String(key),
					Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, end)),
				})
				if err != nil {
					done <- part{err: explain(err, bucket, key)}
					return
				}
				defer out.Body.Close()
				buf := make([]byte, end-off+1)
				if _, err := io.ReadFull(out.Body, buf); err != nil {
					done <- part{err: fmt.Errorf("s3://%s/%s: bytes %d-%d: %w", bucket, key, off, end, err)}
					return
				}
				done <- part{data: buf}
			}()
		}
	}()
	return r
}

// Read implements io.Reader.
func (r *rangedReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		next, ok := <-r.order
		if !ok {
			r.err = io.EOF
			continue
		}
		pt := <-next
		if pt.err != nil {
			r.err = pt.err
			continue
		}
		r.cur = pt.data
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Close stops the fetches still running.
func (r *rangedReader) Close() error {
	r.cancel()
	r.err = io.ErrClosedPipe
	return nil
}
