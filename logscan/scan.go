package logscan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
)

// Block is a run of whole lines from one input.
type Block struct {
	// Input is the index of the input in the slice given to Run.
	Input int
	// FirstLine is the 1-based number of the first line in Data.
	FirstLine int64
	// Seq numbers an input's blocks from 0 in the order of their lines,
	// whichever goroutine handles them: a handler can tell how far into an
	// input everything has been handled.
	Seq int64
	// Data holds whole lines, each ending in '\n' except perhaps the last line
	// of an input. It, and the Block itself, are only valid during the
	// Handler call.
	Data []byte
	// Overlong, when set, reports instead of data that line FirstLine was
	// Options.MaxLineBytes long or longer and was skipped; Data is empty.
	Overlong int64

	buf []byte // the pooled buffer behind Data, nil when not pooled
}

// Handler consumes blocks. Each worker, and each reader that parses what it
// inflates (see readFused), has its own Handler, so a Handler needs no
// locking; Run returns them all for merging.
type Handler interface {
	Block(b *Block)
}

// A LineCounter is a Handler that also says how many lines a block held
// (newlines, plus one if the last line has none), as it read them anyway.
// Run then need not count them itself where it waits for the handler.
type LineCounter interface {
	BlockLines(b *Block) int64
}

// flushEvery is how many bytes of inputs a reader parses itself before it
// flushes its handler and reports them done.
const flushEvery = 4 << 20

// A Flusher is a Handler that may hold what its blocks gave it until Flush.
// Run calls Flush before it reports an input done (Options.Done) and before
// it returns.
type Flusher interface {
	Flush()
}

// flush calls h's Flush, if it has one.
func flush(h Handler) {
	if f, ok := h.(Flusher); ok {
		f.Flush()
	}
}

// Options tune Run. Zero values mean the defaults.
type Options struct {
	Workers      int // parsing goroutines; default 2
	Readers      int // inputs read (and decompressed) at once; default Workers
	BlockSize    int // bytes per block; default 1 MiB
	MaxLineBytes int // lines this long or longer (without the newline) are skipped; default 4 MiB
	// Progress, if set, is called after each input is read, one call at a
	// time: inputs done, errors so far, and the stored bytes of those done.
	Progress func(done, failed int, storedBytes int64)
	// Order, if set, is the order in which inputs are read: a permutation of
	// their indices (Block.Input and the results keep the given indices).
	Order []int
	// Done, if set, is called once per input that was started, when it has
	// been read and every one of its blocks handled. It may be called from
	// several goroutines at once.
	Done func(input int)

	// fuse, in tests, makes every gzip input read fused (1) or none (-1).
	fuse int
}

// Result reports how reading one input went.
type Result struct {
	Name  string
	Gzip  bool
	Lines int64 // complete lines delivered
	Bytes int64 // bytes delivered (after decompression)
	// Dropped counts incomplete lines lost to a read error (at most 1).
	Dropped int64
	// Err is a read, open or decompression error; lines before it were delivered.
	Err error
}

// Run reads every input and feeds its lines to handlers made by newHandler,
// one per worker and one per reader. It returns the handlers and one Result
// per input, in input order. Memory stays bounded: readers wait for free blocks.
func Run(ctx context.Context, inputs []Input, opt Options, newHandler func() Handler) ([]Handler, []Result) {
	opt = opt.withDefaults()
	results := make([]Result, len(inputs))
	blocks := make(chan *Block, opt.Workers*2)
	free := newBlockPool(opt.Workers*2+opt.Readers+opt.Workers, opt.BlockSize)

	// pending counts, per input, its blocks not yet handled plus one while
	// it is being read; the input is done when it reaches zero.
	pending := make([]atomic.Int64, len(inputs))
	finish := func(i int) {
		if pending[i].Add(-1) == 0 && opt.Done != nil {
			opt.Done(i)
		}
	}
	// Workers parse the blocks that readers send. A reader may also parse
	// a gzip input itself (see readFused), with a handler of its own.
	fuse := opt.fuse >= 0
	handlers := make([]Handler, 0, opt.Workers+opt.Readers)
	var workers sync.WaitGroup
	for range opt.Workers {
		h := newHandler()
		handlers = append(handlers, h)
		workers.Add(1)
		go func() {
			defer workers.Done()
			for b := range blocks {
				h.Block(b)
				flush(h)
				if b.buf != nil {
					free.put(b.buf)
				}
				finish(b.Input)
			}
		}()
	}
	readerHandlers := make([]Handler, opt.Readers)
	if fuse {
		for r := range readerHandlers {
			readerHandlers[r] = newHandler()
			handlers = append(handlers, readerHandlers[r])
		}
	}
	// started counts the inputs handed to readers: an input is read fused
	// only while enough others remain to keep the other readers busy, so
	// that a single large input is still parsed by every worker.
	var started atomic.Int64

	var readers sync.WaitGroup
	var progressMu sync.Mutex
	var done, failed int
	var stored int64
	next := make(chan int)
	for r := 0; r < opt.Readers; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			var rs readerState // reused from one input to the next
			// Inputs this reader parsed itself are reported done only
			// after its handler's Flush, which waits for flushEvery bytes of them:
			// small files (a fleet's) each touch many targets, and a
			// flush per file cost 7 % of the fleet day's CPU.
			var held []int
			var heldBytes int64
			release := func() {
				if len(held) > 0 {
					flush(readerHandlers[r])
					for _, j := range held {
						finish(j)
					}
					held, heldBytes = held[:0], 0
				}
			}
			defer release()
			for i := range next {
				rs.fused = nil
				if left := int64(len(inputs)) - started.Add(1); fuse && (left >= int64(opt.Readers-1) || opt.fuse > 0) {
					rs.fused = readerHandlers[r]
				}
				results[i] = readInput(ctx, i, inputs[i], opt, blocks, free, &pending[i], &rs)
				if rs.fused != nil && results[i].Gzip {
					held, heldBytes = append(held, i), heldBytes+results[i].Bytes
					if heldBytes >= flushEvery {
						release()
					}
				} else {
					finish(i)
				}
				if opt.Progress != nil {
					progressMu.Lock()
					done++
					if results[i].Err != nil {
						failed++
					}
					if inputs[i].Size > 0 {
						stored += inputs[i].Size
					}
					opt.Progress(done, failed, stored)
					progressMu.Unlock()
				}
			}
		}()
	}
	order := opt.Order
	if len(order) != len(inputs) {
		order = make([]int, len(inputs))
		for i := range order {
			order[i] = i
		}
	}
	for _, i := range order {
		pending[i].Store(1)
	}
	for _, i := range order {
		if ctx.Err() != nil {
			results[i] = Result{Name: inputs[i].Name, Err: ctx.Err()}
			continue
		}
		next <- i
	}
	close(next)
	readers.Wait()
	close(blocks)
	workers.Wait()
	return handlers, results
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.Readers <= 0 {
		o.Readers = o.Workers
	}
	if o.BlockSize <= 0 {
		o.BlockSize = 1 << 20
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = 4 << 20
	}
	if o.MaxLineBytes < o.BlockSize {
		o.BlockSize = o.MaxLineBytes
	}
	return o
}

// Magic numbers of compression formats lbdoctor recognises.
var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicBzip2 = []byte("BZh")
	magicXZ    = []byte{0xfd, '7', 'z', 'X', 'Z', 0}
)

// readInput reads one input to the end, sending blocks of whole lines.
// readerState holds one reading goroutine's buffered and gzip readers, reset for
// each input: a fleet day is thousands of small files, and a new gzip reader
// allocates its 32 KiB window and tables each time.
type readerState struct {
	br *bufio.Reader
	zr *gzip.Reader
	// fused, when set, is the handler that parses this input's lines in
	// the reading goroutine if it is gzip (readFused).
	fused Handler
	// sink is readFused's, kept with its carry buffer from one input to
	// the next: a fleet day's 2,304 small files each grew a new one, which
	// took 1-2 % of the run's CPU.
	sink lineSink
}

func readInput(ctx context.Context, idx int, in Input, opt Options, blocks chan<- *Block, free *blockPool, pending *atomic.Int64, rs *readerState) Result {
	res := Result{Name: in.Name}
	rc, err := in.Open(ctx)
	if err != nil {
		res.Err = err
		return res
	}
	defer rc.Close()
	if rs.br == nil {
		rs.br = bufio.NewReaderSize(rc, 64<<10)
	} else {
		rs.br.Reset(rc)
	}
	br := rs.br
	defer br.Reset(nil) // do not keep the input alive
	head, _ := br.Peek(6)
	var r io.Reader = br
	switch {
	case bytes.HasPrefix(head, magicGzip):
		res.Gzip = true
		var err error
		if rs.zr == nil {
			rs.zr, err = gzip.NewReader(br)
		} else {
			err = rs.zr.Reset(br)
		}
		if err != nil {
			rs.zr = nil // a failed reader is not reused
			res.Err = fmt.Errorf("gzip: %w", err)
			return res
		}
		r = rs.zr
		if rs.fused != nil {
			readFused(ctx, idx, rs.zr, rs.fused, opt, &res, &rs.sink)
			return res
		}
	case bytes.HasPrefix(head, magicZstd), bytes.HasPrefix(head, magicBzip2), bytes.HasPrefix(head, magicXZ):
		res.Err = errors.New("compressed with zstd, bzip2 or xz, which lbdoctor does not read: decompress it first (ALB writes gzip)")
		return res
	}

	line := int64(1)
	var seq int64 // the next block's Seq
	send := func(b *Block) {
		b.Seq, seq = seq, seq+1
		pending.Add(1)
		blocks <- b
	}
	var carry []byte // start of an unfinished line, copied into the next buffer
	skipping := false
	for {
		if ctx.Err() != nil {
			res.Err = ctx.Err()
			return res
		}
		buf := free.get()
		pooled := true
		if len(carry) >= len(buf) { // a long line outgrew the block size
			free.put(buf)
			// Never beyond MaxLineBytes: a line that fills it is overlong.
			buf = make([]byte, min(len(carry)*2, opt.MaxLineBytes))
			pooled = false
		}
		n := copy(buf, carry)
		m, rerr := fill(r, buf[n:])
		data := buf[:n+m]
		res.Bytes += int64(m)
		eof := rerr == io.EOF
		if rerr != nil && !eof {
			res.Err = readError(rerr, res.Gzip)
		}

		if skipping { // discard the rest of an overlong line
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				data = data[i+1:]
				skipping = false
				line++
			} else {
				data = data[:0]
			}
		}
		last := bytes.LastIndexByte(data, '\n')
		var whole []byte
		switch {
		case last >= 0:
			whole, carry = data[:last+1], append(carry[:0], data[last+1:]...)
		case eof || res.Err != nil:
			whole, carry = nil, append(carry[:0], data...)
		default: // no newline at all in a full buffer
			whole, carry = nil, append(carry[:0], data...)
			if len(carry) >= opt.MaxLineBytes {
				send(&Block{Input: idx, FirstLine: line, Overlong: int64(len(carry))})
				carry, skipping = carry[:0], true
			}
		}
		if eof && len(carry) > 0 && res.Err == nil { // last line without a newline
			whole = data
			carry = carry[:0]
		}
		if len(whole) > 0 {
			b := &Block{Input: idx, FirstLine: line, Data: whole}
			if pooled {
				b.buf = buf
			}
			nl := int64(bytes.Count(whole, []byte{'\n'}))
			if whole[len(whole)-1] != '\n' {
				nl++
			}
			line += nl
			res.Lines += nl
			send(b)
		} else if pooled {
			free.put(buf)
		}
		if eof || res.Err != nil {
			if res.Err != nil && (len(carry) > 0 || skipping) {
				res.Dropped = 1
			}
			return res
		}
	}
}

// blockPool hands out the buffers blocks are read into, at most n of them,
// made when first needed: a run whose readers parse what they inflate uses
// few or none, and buffers made up front counted against the memory limit
// all the same (the garbage collector ran more often for them).
type blockPool struct {
	free chan []byte
	made atomic.Int64
	size int
}

func newBlockPool(n, size int) *blockPool {
	return &blockPool{free: make(chan []byte, n), size: size}
}

// get returns a free buffer, a new one while fewer than n exist, or waits.
func (p *blockPool) get() []byte {
	select {
	case b := <-p.free:
		return b
	default:
	}
	if p.made.Add(1) <= int64(cap(p.free)) {
		return make([]byte, p.size)
	}
	return <-p.free
}

// put returns a buffer get gave.
func (p *blockPool) put(b []byte) { p.free <- b }

// readFused reads a gzip input and hands its lines to h in this goroutine.
//
// The gzip reader writes what it inflates straight from its window (WriteTo)
// into a lineSink, which passes the whole lines to h while they are still in
// the CPU's cache: no copy into a block, and no block handed to another core.
// On 2 cores with many inputs (a day of 5-minute files) this took about 5 %
// less CPU than inflating into blocks for the workers, and it lets the
// handler hold its counts until Flush. The result is the same
// as readInput's: same lines, same numbers, same errors.
// s is the goroutine's sink, reset here; only a carry buffer of at most
// 64 KiB is kept for the next input (an overlong line's may be far larger).
func readFused(ctx context.Context, idx int, zr *gzip.Reader, h Handler, opt Options, res *Result, s *lineSink) {
	carry := s.carry[:0]
	if cap(carry) > 64<<10 {
		carry = nil
	}
	*s = lineSink{ctx: ctx, h: h, input: idx, line: 1, max: opt.MaxLineBytes, res: res, carry: carry}
	defer func() { s.ctx, s.h, s.res, s.block = nil, nil, nil, Block{} }() // keep nothing of the input alive
	_, err := zr.WriteTo(s)
	switch {
	case err != nil:
		if ctx.Err() != nil {
			res.Err = ctx.Err()
		} else {
			res.Err = readError(err, true)
		}
		if len(s.carry) > 0 || s.skipping {
			res.Dropped = 1
		}
	case len(s.carry) > 0: // the last line, without a newline
		s.deliver(s.carry)
	}
}

// lineSink receives inflated bytes and hands whole lines to a Handler; the
// start of an unfinished line waits in carry for the rest.
type lineSink struct {
	ctx      context.Context
	h        Handler
	input    int
	line     int64 // the number of the next line
	max      int   // Options.MaxLineBytes
	res      *Result
	carry    []byte
	skipping bool // discarding the rest of an overlong line
	writes   int
	seq      int64 // the next block's Seq
	block    Block // handed to h, reused (a handler keeps nothing of it)
}

func (s *lineSink) Write(p []byte) (int, error) {
	n := len(p)
	if s.writes++; s.writes%64 == 1 && s.ctx.Err() != nil { // the first write, then every 64th (2 MiB)
		return 0, s.ctx.Err()
	}
	s.res.Bytes += int64(n)
	if s.skipping {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return n, nil
		}
		p, s.skipping = p[i+1:], false
		s.line++
	}
	if len(s.carry) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.keep(p)
			return n, nil
		}
		s.carry = append(s.carry, p[:i+1]...)
		p = p[i+1:]
		if len(s.carry)-1 >= s.max {
			s.overlong(int64(len(s.carry) - 1))
			s.line++
		} else {
			s.deliver(s.carry)
		}
		s.carry = s.carry[:0]
	}
	if last := bytes.LastIndexByte(p, '\n'); last >= 0 {
		s.deliver(p[:last+1])
		p = p[last+1:]
	}
	s.keep(p)
	return n, nil
}

// keep adds p to the unfinished line, or starts skipping it once it is
// longer than the longest line kept.
func (s *lineSink) keep(p []byte) {
	if len(s.carry)+len(p) >= s.max {
		s.overlong(int64(len(s.carry) + len(p)))
		s.carry, s.skipping = s.carry[:0], true
		return
	}
	s.carry = append(s.carry, p...)
}

// deliver hands whole lines (the last may lack its newline at the end of the
// input, but is then shorter than max: see keep) to the handler, and the ones
// of max bytes or more as overlong.
func (s *lineSink) deliver(whole []byte) {
	if len(whole) <= s.max { // every line in it is shorter than max
		s.send(whole)
		return
	}
	for len(whole) > 0 { // only with a small MaxLineBytes: check each line
		i := bytes.IndexByte(whole, '\n') + 1
		if i == 0 {
			i = len(whole)
		}
		if i-1 >= s.max {
			s.overlong(int64(i - 1))
			s.line++
		} else {
			s.send(whole[:i])
		}
		whole = whole[i:]
	}
}

// send hands whole lines to the handler.
func (s *lineSink) send(whole []byte) {
	s.block = Block{Input: s.input, FirstLine: s.line, Seq: s.seq, Data: whole}
	s.seq++
	var nl int64
	if lc, ok := s.h.(LineCounter); ok {
		nl = lc.BlockLines(&s.block)
	} else {
		s.h.Block(&s.block)
		nl = int64(bytes.Count(whole, []byte{'\n'}))
		if whole[len(whole)-1] != '\n' {
			nl++
		}
	}
	s.line += nl
	s.res.Lines += nl
}

func (s *lineSink) overlong(n int64) {
	s.h.Block(&Block{Input: s.input, FirstLine: s.line, Seq: s.seq, Overlong: n})
	s.seq++
}

// fill reads until buf is full, the stream ends (io.EOF) or fails.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func readError(err error, gz bool) error {
	if gz && errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("gzip: unexpected end of data (file truncated?)")
	}
	if gz {
		return fmt.Errorf("gzip: %w", err)
	}
	return err
}
