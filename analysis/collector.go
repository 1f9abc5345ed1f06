// Package analysis turns a stream of ALB access log lines into a Summary: status
// counts, load-balancer errors by root cause with evidence, per-target and
// per-minute views, and what the logs reveal about the configuration.
//
// Work is split across Collectors, one per worker. Each keeps, per target,
// 12 bytes for every minute in which it had traffic (the context that
// separates a keep-alive race from an unreachable target) and a bucket only
// for the minutes in which it had errors; memory never grows with the number
// of entries. Merge combines them and Summarize decides the causes that need
// context and builds the report.
package analysis

import (
	"bytes"
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/classify"
	"github.com/lbdoctor/lbdoctor/logscan"
)

// MaxErrors is how many parse errors a Summary lists (the total is always counted).
const MaxErrors = 100

// MaxExamples is how many example locations are kept per cause.
const MaxExamples = 3

// bucketExamples is how many a (target, minute) bucket keeps: the report's
// examples come from different minutes, and memory stays small.
const bucketExamples = 1

// Filter selects entries. The zero Filter selects everything.
type Filter struct {
	// Since and Until bound the entry time (microseconds since the epoch,
	// inclusive); 0 means unbounded.
	Since, Until int64
	// Status selects which status codes count as errors and in status_counts;
	// nil means all. Entries with other statuses still give context.
	Status *StatusSet
}

// Location is a line in an input. Input is the input's rank among the run's
// inputs sorted by name, so that examples and errors, which are the first by
// location, do not depend on the order the inputs were given in.
type Location struct {
	Input int
	Line  int64
}

func (l Location) less(o Location) bool {
	if l.Input != o.Input {
		return l.Input < o.Input
	}
	return l.Line < o.Line
}

// Collector aggregates the entries of the blocks it is given. It implements
// logscan.Handler; a Collector is used by one goroutine at a time.
type Collector struct {
	filter Filter
	strict bool
	parser alblog.Parser
	entry  alblog.Entry

	linesRead, entries, skipped, blank, filteredOut int64
	errs                                            []lineError // the MaxErrors first by location
	errsTotal                                       int64

	store *targetStore // shared by the run's Collectors
	key   []byte       // scratch for the store's key
	// local finds the store's targets without a lock, and dirty lists
	// those with requests counted in this block but not yet in the store
	// (see flush).
	// It is keyed by load balancer, then target: the entries of a file
	// share their load balancer, so most lines look up only their target's
	// short name, in lbLocal (local[the last entry's load balancer]; nil
	// until the first entry, and after a flush drops the handles).
	local   map[string]*targetTable
	lbLocal *targetTable
	nLocal  int // handles in local
	dirty   []*localTarget
	byShard []*localTarget // dirty sorted by shard, for flush
	// flushes counts the flushes; past pruneAt handles, a flush drops
	// those not used for pruneAge flushes (see prune).
	flushes uint32
	pruneAt int
	held    int // bytes of lines counted since the last flush
	// spans describe, for the sealer (when sealing), the entries of the
	// blocks handled since the last flush: one span per block and load
	// balancer, the block's from spans[blockAt]; span is the current
	// entry's (-1: none yet in this block).
	spans      []lbSpan
	blockAt    int
	span       int
	blockInput int
	blockSeq   int64
	// rank gives each input's rank by name, and input the input of a rank
	// (nil: the given order).
	rank, input []int
	minutes     map[int64]*minuteAgg
	// lastMinute is minutes[lastMinuteAt], the minute of the last entry.
	lastMinute   *minuteAgg
	lastMinuteAt int64
	lbs          tally // entries by load balancer
	groups       tally // entries by target group
	// timeouts holds, per load balancer, the elapsed times of its 504s: what
	// its idle timeout is inferred from.
	timeouts map[string]*lbTimeouts

	oldest, newest int64 // entry times seen, microseconds

	// stopAt is the first malformed line in strict mode.
	stopAt *lineError
}

type lineError struct {
	loc Location
	msg string
}

type targetAgg struct {
	// hist is what the target did in each minute with traffic; hist[:sorted]
	// is sorted by minute with each minute once, the rest is appended as
	// entries come and folded in by compact.
	hist   []minuteRec
	sorted int
	// errs holds the minutes with errors, by minute.
	errs map[int64]*bucket
	// folded sums the history sealed away (seal.go): requests, and the
	// first and last minute with traffic.
	folded struct{ requests, first, last int64 }
	lb     string // the load balancer that sent it these requests
	name   string // the target, host:port or "-"
	live   bool   // in its shard's live list
	// sum is its row of the report's per-target table, once the run's
	// partial aggregates have one (each seal would look it up by name).
	sum *TargetSummary
}

// minuteRec is one target's traffic in one minute. It is small on purpose:
// there is one for every minute of every target (a fleet day has millions).
// A target cannot serve 2^32 requests in a minute.
type minuteRec struct {
	minute   uint32 // minutes since the Unix epoch
	requests uint32
	served   uint32 // responses the target produced (any target status)
}

// add records r's requests.
func (t *targetAgg) add(r minuteRec) {
	n := len(t.hist)
	if n > 0 && t.hist[n-1].minute == r.minute {
		t.hist[n-1].requests += r.requests
		t.hist[n-1].served += r.served
		return
	}
	if t.sorted == n {
		// Sorted so far. A later minute goes at the end; an earlier one
		// (two readers' flushes cross: each holds minutes the other's
		// has added already) is found by binary search and added in
		// place, or inserted when that moves few records, which costs
		// less than sorting it in later.
		if n == 0 || t.hist[n-1].minute < r.minute {
			if n > 0 && n == cap(t.hist) && n < histRoom {
				// Growing one by one took 7 allocations to hold a seal
				// interval's minutes, and a churning fleet's targets each
				// start from nothing. From its second minute on: a
				// hostile log can name a new target on every line.
				t.hist = slices.Grow(t.hist, histRoom-n)
			}
			t.hist = append(t.hist, r)
			t.sorted++
			return
		}
		i, found := slices.BinarySearchFunc(t.hist, r.minute, func(h minuteRec, m uint32) int { return cmp.Compare(h.minute, m) })
		if found {
			t.hist[i].requests += r.requests
			t.hist[i].served += r.served
			return
		}
		if n-i <= insertMax {
			t.hist = slices.Insert(t.hist, i, r)
			t.sorted++
			return
		}
	}
	// Far out of order: after the sorted part, for compact.
	t.hist = append(t.hist, r)
	if len(t.hist)-t.sorted > max(64, t.sorted) {
		t.compact()
	}
}

// histRoom is the room a target's history starts with (minutes; 192 bytes).
const histRoom = 16

// insertMax is how many records add moves at most to insert one in order.
const insertMax = 64

// compact sorts the history and folds repeated minutes together. Called when
// the unsorted tail is as long as the sorted part, it costs O(log n) per
// entry amortized, whatever the order the entries came in.
func (t *targetAgg) compact() {
	if t.sorted == len(t.hist) {
		return
	}
	slices.SortFunc(t.hist, func(a, b minuteRec) int { return cmp.Compare(a.minute, b.minute) })
	out := t.hist[:0]
	for _, r := range t.hist {
		if n := len(out); n > 0 && out[n-1].minute == r.minute {
			out[n-1].requests += r.requests
			out[n-1].served += r.served
			continue
		}
		out = append(out, r)
	}
	t.hist, t.sorted = out, len(out)
	if cap(t.hist) > 2*len(t.hist)+64 {
		t.hist = slices.Clip(append([]minuteRec(nil), t.hist...))
	}
}

// at returns the target's traffic in minute m (after compact).
func (t *targetAgg) at(m int64) minuteRec {
	if m < 0 || m > math.MaxUint32 {
		return minuteRec{}
	}
	i, ok := slices.BinarySearchFunc(t.hist, uint32(m), func(r minuteRec, m uint32) int { return cmp.Compare(r.minute, m) })
	if !ok {
		return minuteRec{}
	}
	return t.hist[i]
}

// lbTimeouts is what one load balancer's 504s say about its idle timeout.
type lbTimeouts struct {
	slow map[int64]*elapsedStat // 504s after >= 1 s, by elapsed whole seconds
	fast elapsedStat            // 504s in under 1 s
}

// elapsedStat counts elapsed times (microseconds) and keeps their range.
type elapsedStat struct{ n, min, max int64 }

func (e *elapsedStat) add(v int64) {
	if e.n == 0 || v < e.min {
		e.min = v
	}
	if e.n == 0 || v > e.max {
		e.max = v
	}
	e.n++
}

func (e *elapsedStat) merge(o elapsedStat) {
	if o.n == 0 {
		return
	}
	if e.n == 0 {
		*e = o
		return
	}
	e.min, e.max, e.n = min(e.min, o.min), max(e.max, o.max), e.n+o.n
}

// bucket holds the errors of one target in one minute.
type bucket struct {
	fast    int64 // fast headerless failures (pending, counted before resolution)
	pending *causeAgg
	// timeouts are 504s after >= 1 s, by elapsed whole seconds, until the
	// load balancer's idle timeout is known (see classify.ResolveTimeout).
	timeouts []timeoutEntry
	causes   causeList
	// decided holds, once sealed, the pending errors' decision for each
	// context width (index into targetStore.decisions).
	decided *[MaxContextMinutes]uint8
}

type timeoutEntry struct {
	secs int64
	agg  *causeAgg
}

// causeList is a bucket's causes: a slice, because a bucket has few and a map
// would cost hundreds of bytes in each of thousands of buckets.
type causeList []causeEntry

type causeEntry struct {
	id  classify.Cause
	agg *causeAgg
}

func (l causeList) get(id classify.Cause) *causeAgg {
	for _, e := range l {
		if e.id == id {
			return e.agg
		}
	}
	return nil
}

// merge adds a into the entry for id.
func (l *causeList) merge(id classify.Cause, a *causeAgg) {
	for i, e := range *l {
		if e.id == id {
			(*l)[i].agg = mergeAgg(e.agg, a, bucketExamples)
			return
		}
	}
	*l = append(*l, causeEntry{id, a})
}

type minuteAgg struct {
	requests int64
	status   counts[int]
}

// causeAgg aggregates the entries of one cause in one bucket.
type causeAgg struct {
	count       int64
	first, last int64
	status      counts[int]
	rules       counts[string]
	confidence  counts[classify.Confidence]
	examples    []example
}

type example struct {
	loc                  Location
	target               string
	time                 int64
	status, targetStatus int
	reqT, targetT, respT int64
	elapsed              int64
	hasElapsed           bool
	detail               string
	rule                 string
	confidence           classify.Confidence
}

// targetStore holds every target's history and errors for all the
// Collectors of a run: a target's minutes are kept once, whichever worker
// read its entries. It is sharded by key to keep workers from waiting.
type targetStore struct {
	seed   maphash.Seed
	shards [storeShards]storeShard
	// horizons hold, per load balancer, the minute before which none of
	// its entries is still to come (see seal.go); violated is set when one
	// came all the same.
	horizonsMu sync.Mutex
	horizons   map[string]*atomic.Int64
	violated   atomic.Bool
	// sealer, when sealing, is told of the blocks whose requests are in.
	sealer *sealer
	// decisions are the distinct decisions of sealed pending errors.
	decisions []decision
	// partial holds the report's aggregates of sealed errors whose cause
	// was final (nil until a seal).
	partial *partial
	// seals counts the seals; with countHeld (tests), peakLive is the most
	// distinct minute records held after a seal.
	seals, peakLive int
	countHeld       bool
	// peakHandles is, with countHeld, the most handles a Collector held.
	peakHandles atomic.Int64
}

type storeShard struct {
	sync.Mutex
	targets map[string]*targetAgg // by load balancer and target
	// live lists, by load balancer, the targets a seal may still fold
	// something of: those with history or undecided pending errors.
	live map[string][]*targetAgg
}

func newTargetStore() *targetStore {
	s := &targetStore{seed: maphash.MakeSeed(), horizons: map[string]*atomic.Int64{}}
	for i := range s.shards {
		s.shards[i].targets = map[string]*targetAgg{}
		s.shards[i].live = map[string][]*targetAgg{}
	}
	return s
}

// horizonOf returns load balancer lb's horizon, none until a seal sets it.
func (s *targetStore) horizonOf(lb string) *atomic.Int64 {
	s.horizonsMu.Lock()
	defer s.horizonsMu.Unlock()
	h := s.horizons[lb]
	if h == nil {
		h = new(atomic.Int64)
		h.Store(math.MinInt64)
		s.horizons[lb] = h
	}
	return h
}

// storeShards is how many shards the store's targets are spread over.
const storeShards = 64

// shard returns the index of key's shard.
func (s *targetStore) shard(key []byte) uint8 {
	return uint8(maphash.Bytes(s.seed, key) % storeShards)
}

// target returns the target of entry e, whose key is key, creating it.
func (s *targetStore) target(key []byte, e *alblog.Entry) *localTarget {
	i := s.shard(key)
	sh := &s.shards[i]
	sh.Lock()
	defer sh.Unlock()
	tgt := sh.targets[string(key)]
	if tgt == nil {
		tgt = &targetAgg{lb: string(e.ELB), name: string(e.Target)}
		sh.targets[string(key)] = tgt
	}
	// Room for the minutes of a flush or so: grown one by one, each new
	// handle (a churning fleet's targets are all new) took five allocations.
	return &localTarget{name: tgt.name, tgt: tgt, shard: i, recs: make([]minuteRec, 0, 8)}
}

// localTarget is a Collector's handle on a target of the store: the
// requests it counted in the current block, by minute, go into the store
// together at the block's end, under one lock instead of one per entry.
type localTarget struct {
	name  string     // tgt.name, kept here so that a lookup does not read the shared store
	tgt   *targetAgg // targets stay in the store for the whole run
	recs  []minuteRec
	used  uint32 // the Collector's flushes when it last counted a request
	shard uint8  // the index of tgt's shard
}

func (l *localTarget) count(m int64, served bool) {
	s := uint32(0)
	if served {
		s = 1
	}
	for i := len(l.recs) - 1; i >= 0; i-- { // a minute or two, the last most likely
		if int64(l.recs[i].minute) == m {
			l.recs[i].requests++
			l.recs[i].served += s
			return
		}
	}
	l.recs = append(l.recs, minuteRec{minute: uint32(m), requests: 1, served: s})
}

// targetTable finds a Collector's handles on one load balancer's targets by
// name. A fleet's file has hundreds of targets, each on a line or two: the
// lookup is on every line, and this open-addressing table, which compares
// a slot's hash before the name it points to, costs less than a map.
type targetTable struct {
	seed  maphash.Seed
	slots []tableSlot // a power of two, at most half of them used
	n     int
	// lb names the load balancer; horizon is its seal's (see seal.go).
	lb      string
	horizon *atomic.Int64
}

// tableSlot is a slot of a targetTable; pt is nil in an empty one.
type tableSlot struct {
	hash uint64
	pt   *localTarget
}

func newTargetTable(lb string, horizon *atomic.Int64) *targetTable {
	return &targetTable{seed: maphash.MakeSeed(), slots: make([]tableSlot, 64), lb: lb, horizon: horizon}
}

func (t *targetTable) hash(target []byte) uint64 { return maphash.Bytes(t.seed, target) }

// find returns the handle on target, whose hash is h, or nil.
func (t *targetTable) find(h uint64, target []byte) *localTarget {
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.pt == nil {
			return nil
		}
		if s.hash == h && s.pt.name == string(target) {
			return s.pt
		}
	}
}

// insert adds pt, whose name is not in t yet and hashes to h.
func (t *targetTable) insert(h uint64, pt *localTarget) {
	if 2*(t.n+1) > len(t.slots) {
		old := t.slots
		t.slots = make([]tableSlot, 2*len(old))
		t.n = 0
		for _, s := range old {
			if s.pt != nil {
				t.insert(s.hash, s.pt)
			}
		}
	}
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].pt != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = tableSlot{h, pt}
	t.n++
}

// A Collector keeps its handles on targets from one block to the next: a
// fleet's files each have hundreds of targets, and getting a handle from the
// store takes a lock. Targets that churn (a deploy gives each task a new
// address) would leave a handle each behind, which costs memory and, in a
// table mostly of stale handles, cache misses on every lookup. So past
// pruneAt handles a flush keeps only those used in the last pruneAge
// flushes, and pruneAt becomes twice what it kept (at least pruneMin), so
// that a fleet whose targets all stay in use is not pruned again and again.
// On the churn corpus this took 1-2 % off lbdoctor's CPU time (interleaved
// runs); the fleet day, whose targets stay, is unchanged.
const (
	pruneMin = 1024
	pruneAge = 3
)

// prune drops the handles not used for pruneAge flushes.
// A load balancer none of whose handles is kept loses its table: a
// hostile log can name a new one on every line.
func (c *Collector) prune() {
	kept := 0
	for lb, t := range c.local {
		keep := 0
		for _, sl := range t.slots {
			if sl.pt != nil && c.flushes-sl.pt.used < pruneAge {
				keep++
			}
		}
		switch {
		case keep == 0:
			delete(c.local, lb)
			if c.lbLocal == t {
				c.lbLocal = nil
			}
			continue
		case keep < t.n:
			old := t.slots
			t.slots, t.n = make([]tableSlot, len(old)), 0
			for _, sl := range old {
				if sl.pt != nil && c.flushes-sl.pt.used < pruneAge {
					t.insert(sl.hash, sl.pt)
				}
			}
		}
		kept += t.n
	}
	c.nLocal = kept
	c.pruneAt = max(pruneMin, 2*kept)
}

// flush puts the requests counted since the last flush into the store.
func (c *Collector) flush() {
	c.held = 0
	c.putDirty()
	if len(c.spans) > 0 { // their requests are in the store now
		c.store.sealer.blocksDone(c.spans)
		c.spans = c.spans[:0]
		c.blockAt, c.span = 0, -1
	}
	if c.store.countHeld {
		for n := int64(c.nLocal); ; {
			p := c.store.peakHandles.Load()
			if n <= p || c.store.peakHandles.CompareAndSwap(p, n) {
				break
			}
		}
	}
	if c.nLocal > max(c.pruneAt, pruneMin) {
		c.prune()
	}
	c.flushes++
}

// putDirty puts the counts of the handles used since the last flush into
// the store, a shard at a time: one lock for a shard's handles rather than
// one each, and their targets' cache lines asked for together before they
// are read, rather than missed one after the other. On a fleet day, where a
// file names each of hundreds of targets once or twice, those misses and
// locks were most of the flush.
func (c *Collector) putDirty() {
	var start [storeShards + 1]int32 // the shards' handles: byShard[start[i]:start[i+1]]
	for _, l := range c.dirty {
		start[l.shard+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	next := start
	c.byShard = slices.Grow(c.byShard[:0], len(c.dirty))[:len(c.dirty)]
	for _, l := range c.dirty {
		c.byShard[next[l.shard]] = l
		next[l.shard]++
	}
	for i := range storeShards {
		group := c.byShard[start[i]:start[i+1]]
		if len(group) == 0 {
			continue
		}
		for _, l := range group {
			prefetch(uintptr(unsafe.Pointer(l.tgt)))
		}
		sh := &c.store.shards[i]
		sh.Lock()
		for _, l := range group {
			if h := l.tgt.hist; len(h) > 0 {
				prefetch(uintptr(unsafe.Pointer(&h[len(h)-1])))
			}
		}
		for _, l := range group {
			t := l.tgt
			for _, r := range l.recs {
				t.add(r)
			}
			if !t.live {
				t.live = true
				sh.live[t.lb] = append(sh.live[t.lb], t)
			}
			l.recs = l.recs[:0]
		}
		sh.Unlock()
	}
	clear(c.byShard)
	clear(c.dirty)
	c.dirty = c.dirty[:0]
}

// each calls f for every target; no Collector may be adding meanwhile.
func (s *targetStore) each(f func(*targetAgg)) {
	for i := range s.shards {
		for _, t := range s.shards[i].targets {
			f(t)
		}
	}
}

// NewCollector returns an empty Collector. In strict mode it stops counting at
// the first malformed line (see Strict).
func NewCollector(f Filter, strict bool) *Collector {
	return newCollector(f, strict, newTargetStore())
}

// Sibling returns an empty Collector for another worker of the same run: it
// shares c's targets, so Merge has only the rest to combine.
func (c *Collector) Sibling() *Collector {
	s := newCollector(c.filter, c.strict, c.store)
	s.rank, s.input = c.rank, c.input
	return s
}

// RankInputs makes locations refer to inputs by their rank in names order
// (see Location). Call it before the first Block, with the run's inputs.
func (c *Collector) RankInputs(inputs []logscan.Input) {
	c.input = make([]int, len(inputs))
	for i := range c.input {
		c.input[i] = i
	}
	sort.SliceStable(c.input, func(a, b int) bool { return inputs[c.input[a]].Name < inputs[c.input[b]].Name })
	c.rank = make([]int, len(inputs))
	for r, i := range c.input {
		c.rank[i] = r
	}
}

func (c *Collector) rankOf(input int) int {
	if c.rank == nil {
		return input
	}
	return c.rank[input]
}

func (c *Collector) inputOf(rank int) int {
	if c.input == nil || rank < 0 || rank >= len(c.input) {
		return rank
	}
	return c.input[rank]
}

func newCollector(f Filter, strict bool, store *targetStore) *Collector {
	return &Collector{
		filter:   f,
		strict:   strict,
		store:    store,
		local:    map[string]*targetTable{},
		minutes:  map[int64]*minuteAgg{},
		lbs:      tally{m: map[string]int64{}},
		groups:   tally{m: map[string]int64{}},
		timeouts: map[string]*lbTimeouts{},
	}
}

// Block implements logscan.Handler.
func (c *Collector) Block(b *logscan.Block) { c.BlockLines(b) }

// BlockLines is Block, and returns how many lines the block held
// (logscan.LineCounter).
func (c *Collector) BlockLines(b *logscan.Block) int64 {
	if c.store.sealer != nil {
		c.blockAt, c.span, c.blockInput, c.blockSeq = len(c.spans), -1, b.Input, b.Seq
	}
	if b.Overlong > 0 {
		c.endBlock()
		c.linesRead++
		c.skipped++
		c.addError(Location{c.rankOf(b.Input), b.FirstLine}, func() string {
			return fmt.Sprintf("line too long (over %d bytes), skipped", b.Overlong)
		})
		return 1
	}
	data := b.Data
	line := b.FirstLine
	c.held += len(data)
	for len(data) > 0 {
		var ln []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			ln, data = data[:i], data[i+1:]
		} else {
			ln, data = data, nil
		}
		c.line(Location{c.rankOf(b.Input), line}, ln)
		line++
	}
	c.endBlock()
	if c.held >= flushBytes {
		c.flush()
	}
	return line - b.FirstLine
}

// flushBytes is how many bytes of lines a Collector counts before it puts
// their requests into the store, if Flush does not come first: a reader
// that parses what it inflates hands over small blocks (32 KiB), and putting
// each into the store cost about 5 % of the time.
const flushBytes = 4 << 20

// endBlock ends the block's spans: a block without entries still has one,
// for the sealer counts blocks.
func (c *Collector) endBlock() {
	if c.store.sealer != nil && len(c.spans) == c.blockAt {
		c.spans = append(c.spans, lbSpan{input: c.blockInput, seq: c.blockSeq})
	}
}

// spanOf returns the index in spans of the current block's span of load
// balancer lb, adding it.
func (c *Collector) spanOf(lb string) int {
	for i := c.blockAt; i < len(c.spans); i++ {
		if c.spans[i].lb == lb {
			return i
		}
	}
	c.spans = append(c.spans, lbSpan{input: c.blockInput, seq: c.blockSeq, lb: lb})
	return len(c.spans) - 1
}

// Flush puts the requests counted so far into the run's store, where the
// other Collectors and the seal see them. logscan calls it before it says
// an input is done.
func (c *Collector) Flush() { c.flush() }

// blank reports whether ln holds only white space. A line that starts with
// an ASCII byte other than white space, as every entry does, is not blank.
func blank(ln []byte) bool {
	if len(ln) > 0 {
		switch c := ln[0]; {
		case c >= utf8.RuneSelf, c == ' ', c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
		default:
			return false
		}
	}
	return len(bytes.TrimSpace(ln)) == 0
}

// line processes one line (without its newline).
func (c *Collector) line(loc Location, ln []byte) {
	c.linesRead++
	if blank(ln) {
		c.blank++
		return
	}
	e := &c.entry
	if err := c.parser.ParseHead(ln, e); err != nil {
		c.skipped++
		c.addError(loc, err.Error)
		if c.strict && (c.stopAt == nil || loc.less(c.stopAt.loc)) {
			c.stopAt = &lineError{loc, err.Error()}
		}
		return
	}
	c.entries++
	if (c.filter.Since != 0 && e.Time < c.filter.Since) || (c.filter.Until != 0 && e.Time > c.filter.Until) {
		c.filteredOut++
		return
	}
	c.add(loc, e)
}

func (c *Collector) add(loc Location, e *alblog.Entry) {
	// A success needs no rule but the first, and none of the fields
	// ParseHead left out; the rest of the rules and the examples read them.
	var d classify.Decision
	success := classify.IsSuccess(e)
	if !success {
		c.parser.Complete(e)
		d = classify.Entry(e)
	}
	minute := floorDiv(e.Time, 60e6)
	if minute < 0 || minute > math.MaxUint32 {
		// Before 1970 or after the year 10000: not a time ALB writes.
		c.skipped++
		c.entries--
		c.addError(loc, func() string { return "time out of range: " + formatMicros(e.Time) })
		return
	}
	if c.oldest == 0 || e.Time < c.oldest {
		c.oldest = e.Time
	}
	if e.Time > c.newest {
		c.newest = e.Time
	}

	lbChanged := c.lbs.add(e.ELB)
	if !alblog.Absent(e.TargetGroupARN) {
		c.groups.add(e.TargetGroupARN)
	}
	m := c.lastMinute
	if m == nil || c.lastMinuteAt != minute { // entries come in runs of one minute
		m = c.minutes[minute]
		if m == nil {
			m = &minuteAgg{status: make(counts[int], 0, 4)} // a minute has a few statuses
			c.minutes[minute] = m
		}
		c.lastMinute, c.lastMinuteAt = m, minute
	}
	m.requests++
	counted := c.filter.Status == nil || c.filter.Status.Has(e.ELBStatusCode)
	if counted {
		m.status.add(e.ELBStatusCode, 1)
	}
	// A success, a target's own non-5xx answer, or a status not asked for
	// only adds to the target's history.
	isErr := !success && counted && (d.Cause != "" || d.Pending || d.Timeout)
	secs := int64(-1) // a 504 after >= 1 s: its whole seconds
	if elapsed, ok := e.Elapsed(); isErr && ok && (d.Timeout || d.Cause == classify.LBTimeoutUnexplained) {
		lt := c.timeouts[string(e.ELB)]
		if lt == nil {
			lt = &lbTimeouts{slow: map[int64]*elapsedStat{}}
			c.timeouts[string(e.ELB)] = lt
		}
		if d.Timeout {
			secs = (elapsed + 500_000) / 1_000_000
			st := lt.slow[secs]
			if st == nil {
				st = &elapsedStat{}
				lt.slow[secs] = st
			}
			st.add(elapsed)
		} else {
			lt.fast.add(elapsed)
		}
	}

	// A target's context is per load balancer: each has its own connection
	// pool and idle timeout, even for a target registered behind two.
	// Unless the tally saw a new run, e.ELB is the last entry's.
	if c.lbLocal == nil || lbChanged {
		c.lbLocal = c.local[string(e.ELB)]
		if c.lbLocal == nil {
			lb := string(e.ELB)
			c.lbLocal = newTargetTable(lb, c.store.horizonOf(lb))
			c.local[string(e.ELB)] = c.lbLocal
		}
	}
	h := c.lbLocal.hash(e.Target)
	pt := c.lbLocal.find(h, e.Target)
	if pt == nil {
		c.key = append(append(append(c.key[:0], e.ELB...), ' '), e.Target...)
		pt = c.store.target(c.key, e)
		c.lbLocal.insert(h, pt)
		c.nLocal++
	}
	if minute < c.lbLocal.horizon.Load() {
		c.store.violated.Store(true) // an entry from before the seal: Analyze reads again
	}
	if c.store.sealer != nil {
		if c.span < 0 || lbChanged {
			c.span = c.spanOf(c.lbLocal.lb)
		}
		sp := &c.spans[c.span]
		if sp.entries == 0 {
			sp.min, sp.max = minute, minute
		} else if minute > sp.max {
			sp.max = minute
		} else {
			sp.late = max(sp.late, sp.max-minute)
			sp.min = min(sp.min, minute)
		}
		sp.entries++
	}
	if len(pt.recs) == 0 {
		c.dirty = append(c.dirty, pt)
		pt.used = c.flushes
	}
	pt.count(minute, e.TargetStatusCode != alblog.Missing)
	if !isErr {
		return
	}
	sh, tgt := &c.store.shards[pt.shard], pt.tgt
	sh.Lock()
	defer sh.Unlock()
	bk := tgt.errs[minute]
	if bk == nil {
		if tgt.errs == nil {
			tgt.errs = map[int64]*bucket{}
		}
		bk = &bucket{}
		tgt.errs[minute] = bk
	}
	var agg *causeAgg
	switch {
	case secs >= 0:
		agg = bk.timeout(secs)
	case d.Pending:
		bk.fast++
		if bk.pending == nil {
			bk.pending = newCauseAgg()
		}
		agg = bk.pending
	default:
		agg = bk.causes.get(d.Cause)
		if agg == nil {
			agg = newCauseAgg()
			bk.causes = append(bk.causes, causeEntry{d.Cause, agg})
		}
	}
	agg.record(loc, e, d)
}

func newCauseAgg() *causeAgg { return &causeAgg{} }

// timeout returns the bucket's aggregate of 504s that took secs seconds.
func (b *bucket) timeout(secs int64) *causeAgg {
	for _, t := range b.timeouts {
		if t.secs == secs {
			return t.agg
		}
	}
	a := newCauseAgg()
	b.timeouts = append(b.timeouts, timeoutEntry{secs, a})
	return a
}

func (a *causeAgg) record(loc Location, e *alblog.Entry, d classify.Decision) {
	a.count++
	if a.first == 0 || e.Time < a.first {
		a.first = e.Time
	}
	if e.Time > a.last {
		a.last = e.Time
	}
	a.status.add(e.ELBStatusCode, 1)
	a.rules.add(d.Rule, 1)
	if d.Confidence != "" {
		a.confidence.add(d.Confidence, 1)
	}
	elapsed, ok := e.Elapsed()
	if len(a.examples) == bucketExamples && !loc.less(a.examples[bucketExamples-1].loc) {
		return
	}
	ex := example{
		loc: loc, time: e.Time, status: e.ELBStatusCode, targetStatus: e.TargetStatusCode,
		reqT: e.RequestProcessingTime, targetT: e.TargetProcessingTime, respT: e.ResponseProcessingTime,
		elapsed: elapsed, hasElapsed: ok, rule: d.Rule, confidence: d.Confidence,
	}
	switch {
	case !alblog.Absent(e.ErrorReason):
		ex.detail = "error_reason=" + alblog.Unquote(e.ErrorReason)
	case !alblog.Absent(e.ClassificationReason):
		ex.detail = "classification_reason=" + alblog.Unquote(e.ClassificationReason)
	}
	a.examples = insertExample(a.examples, ex, bucketExamples)
}

// insertExample keeps the limit examples with the smallest locations.
func insertExample(list []example, ex example, limit int) []example {
	i := sort.Search(len(list), func(i int) bool { return ex.loc.less(list[i].loc) })
	list = append(list, example{})
	copy(list[i+1:], list[i:])
	list[i] = ex
	if len(list) > limit {
		list = list[:limit]
	}
	return list
}

func (c *Collector) addError(loc Location, msg func() string) {
	c.errsTotal++
	if len(c.errs) == MaxErrors && !loc.less(c.errs[MaxErrors-1].loc) {
		return
	}
	e := lineError{loc, msg()}
	i := sort.Search(len(c.errs), func(i int) bool { return loc.less(c.errs[i].loc) })
	c.errs = append(c.errs, lineError{})
	copy(c.errs[i+1:], c.errs[i:])
	c.errs[i] = e
	if len(c.errs) > MaxErrors {
		c.errs = c.errs[:MaxErrors]
	}
}

// Strict returns the first malformed line seen in strict mode, if any.
func (c *Collector) Strict() (loc Location, msg string, ok bool) {
	if c.stopAt == nil {
		return Location{}, "", false
	}
	return c.stopAt.loc, c.stopAt.msg, true
}

// Merge adds everything o collected to c. o must not be used afterwards. o is
// c's Sibling (or shares nothing with c, whose targets then are not merged).
func (c *Collector) Merge(o *Collector) {
	c.flush()
	o.flush()
	c.linesRead += o.linesRead
	c.entries += o.entries
	c.skipped += o.skipped
	c.blank += o.blank
	c.filteredOut += o.filteredOut
	c.errsTotal += o.errsTotal
	for _, e := range o.errs {
		c.errsTotal-- // addError counts it again
		c.addError(e.loc, func() string { return e.msg })
	}
	if o.oldest != 0 && (c.oldest == 0 || o.oldest < c.oldest) {
		c.oldest = o.oldest
	}
	if o.newest > c.newest {
		c.newest = o.newest
	}
	if o.stopAt != nil && (c.stopAt == nil || o.stopAt.loc.less(c.stopAt.loc)) {
		c.stopAt = o.stopAt
	}
	addCounts(c.lbs.counts(), o.lbs.counts())
	addCounts(c.groups.counts(), o.groups.counts())
	for lb, ot := range o.timeouts {
		ct := c.timeouts[lb]
		if ct == nil {
			c.timeouts[lb] = ot
			continue
		}
		ct.fast.merge(ot.fast)
		for secs, st := range ot.slow {
			if cs := ct.slow[secs]; cs != nil {
				cs.merge(*st)
			} else {
				ct.slow[secs] = st
			}
		}
	}
	for m, om := range o.minutes {
		cm := c.minutes[m]
		if cm == nil {
			c.minutes[m] = om
			continue
		}
		cm.requests += om.requests
		cm.status.merge(om.status)
	}
	// Targets are in the store all Collectors share.
}

// mergeAgg combines two aggregates, either of which may be nil, keeping up to
// limit examples.
func mergeAgg(a, o *causeAgg, limit int) *causeAgg {
	if a == nil {
		return o
	}
	if o == nil {
		return a
	}
	a.count += o.count
	if o.first != 0 && (a.first == 0 || o.first < a.first) {
		a.first = o.first
	}
	if o.last > a.last {
		a.last = o.last
	}
	a.status.merge(o.status)
	a.rules.merge(o.rules)
	a.confidence.merge(o.confidence)
	for _, ex := range o.examples {
		if len(a.examples) < limit || ex.loc.less(a.examples[len(a.examples)-1].loc) {
			a.examples = insertExample(a.examples, ex, limit)
		}
	}
	return a
}

// tally counts byte-string keys. A file holds one load balancer's entries,
// so equal keys come in runs: those cost a comparison, not a map access.
type tally struct {
	m    map[string]int64
	last []byte
	n    int64 // not yet added for last
}

// add counts k and reports whether k starts a new run (it is not the key
// added last).
func (t *tally) add(k []byte) (changed bool) {
	if t.n > 0 && bytes.Equal(k, t.last) {
		t.n++
		return false
	}
	t.flush()
	t.last, t.n = append(t.last[:0], k...), 1
	return true
}

func (t *tally) flush() {
	if t.n > 0 {
		t.m[string(t.last)] += t.n
		t.n = 0
	}
}

// counts returns the totals.
func (t *tally) counts() map[string]int64 {
	t.flush()
	return t.m
}

func addCounts[K comparable](dst, src map[K]int64) {
	for k, v := range src {
		dst[k] += v
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
