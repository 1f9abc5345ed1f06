package analysis

import (
	"bytes"
	"cmp"
	"context"
	"math"
	"slices"
	"sort"
	"sync"
	"unsafe"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/classify"
	"github.com/lbdoctor/lbdoctor/logscan"
)

// Sealing keeps memory bounded by time rather than by span × targets.
//
// A target's context is its own load balancer's traffic, so each load
// balancer has a horizon: the minute before which none of its entries is
// still to come. Everything of its targets older than that, less the widest
// context an error can need, can no longer change the answer: a target's
// minutes before it are folded into its totals, and its pending errors whose
// whole context is in are decided for every context width the idle timeout
// could give (it is only known at the end). The answer is exactly the
// unsealed one.
//
// A load balancer's horizon is the least bound of the inputs not yet done.
// An input's bound is where it has got to, less an allowance for disorder:
// the later of its start (the beginning of the 5-minute interval in an ALB
// file's name, else the earliest of its first entries) and the latest
// minute of that load balancer's entries in its blocks handled so far in
// order (Block.Seq), less the allowance. ALB files are read in the order of
// their names' times, so the horizons follow the files; a stream (standard
// input, a concatenated file) moves them as it is read, even when it holds
// one load balancer's day after another's.
//
// If an entry still comes from before its horizon, the seal is broken:
// Analyze reads the inputs again (standard input from a copy, see
// logscan.Spool), allowing all the disorder it measured: the most any entry
// lay before its input's start or before an entry of its load balancer read
// earlier from its input. So memory grows only as far as the disorder reaches.
// The second reading cannot break: an entry breaks a seal only if it lies
// more than the allowance before max(its input's start, seen), and seen (the
// blocks handled in order) comes only from entries read before it in its
// input; so it lies before those by more than the allowance, which is now
// the most the first reading measured over the same bytes.

// sealSlack is the allowance of a first reading (minutes): an ALB file
// holds entries up to a few minutes before its interval, and files of one
// interval from several nodes follow each other in a concatenation.
const sealSlack = 10

// sealEvery is how far (minutes) a horizon moves between seals. Each seal
// walks every live target under its shard's lock; every 30 minutes rather
// than 10 cut the fleet day's CPU by about 9 % (3.06-3.25 against 3.37-3.57
// CPU-s) for 20 more minutes of history held per target (12 bytes a minute).
const sealEvery = 30

// unknown is a minute not known yet.
const unknown = math.MinInt64

// sealer follows the inputs as they are read and seals the store.
type sealer struct {
	store     *targetStore
	allowance int64
	// canSeal, if set, says whether a broken seal could still be mended by
	// reading again (a spooled input's copy is whole so far).
	canSeal func() bool

	mu     sync.Mutex
	inputs []progress
	order  []int // inputs by start: the reading order
	done   int   // inputs done
	// active lists the inputs started (a block of theirs handled) and not
	// done, by start; order[unstarted] is the first input in order neither
	// started nor done, whose start bounds every input not started. So a
	// horizon is found among the inputs being read, not a fleet's thousands.
	active    []int
	unstarted int
	lbs       []*lbHorizon
	lbIndex   map[string]*lbHorizon
	// minLast is the least horizon of the last seal, unknown while a load
	// balancer has had none: no horizon can pass the start of the inputs
	// not started, so until that is sealEvery past minLast there is
	// nothing to compute.
	minLast int64
	late    int64 // the disorder measured (minutes)
	bounds  int   // bounds looked at, for tests
}

// lbHorizon is a load balancer's horizon, now and at the last seal.
type lbHorizon struct {
	lb        string
	now, last int64
}

// due reports whether l's horizon has moved far enough to seal it.
func (l *lbHorizon) due() bool {
	return l.now != unknown && l.now != math.MaxInt64 && (l.last == unknown || l.now-l.last >= sealEvery)
}

// progress is how far one input has been handled.
type progress struct {
	start int64 // from its name or first entries; unknown if neither
	// seen holds, per load balancer, the latest minute of its entries in
	// the input's blocks handled in order: a short list (an ALB file has
	// one load balancer; a stream, a few), indexed by seenIdx when long
	// (hostile input can name a new one on every line).
	seen    []lbMinute
	seenIdx map[string]int
	seq     int64 // the Seq of the next block in order
	waiting map[int64][]lbSpan
	started bool // a block handled: in sealer.active until done
	done    bool
}

// lbSpan describes the entries of one load balancer that a Collector took
// from one block; a block without entries has one span with none.
type lbSpan struct {
	input    int
	seq      int64
	lb       string
	entries  int
	min, max int64 // minutes
	late     int64 // the most an entry lay before an earlier one of the span
}

// newSealer returns a sealer for inputs, whose starts are given (unknown
// when neither name nor first entries told), with its reading order.
func newSealer(store *targetStore, starts []int64, allowance int64) *sealer {
	s := &sealer{store: store, allowance: allowance, inputs: make([]progress, len(starts)), lbIndex: map[string]*lbHorizon{}, minLast: unknown}
	for i, st := range starts {
		s.inputs[i] = progress{start: st}
		s.order = append(s.order, i)
	}
	sort.SliceStable(s.order, func(a, b int) bool { return starts[s.order[a]] < starts[s.order[b]] })
	return s
}

// inputStarts gives each input's start: the beginning of the interval its
// ALB file name gives, else the earliest of its first entries (when there
// are other inputs to order it among; standard input cannot be looked at
// twice), else unknown.
func inputStarts(ctx context.Context, inputs []logscan.Input) []int64 {
	starts := make([]int64, len(inputs))
	var look []int // inputs whose first entries are to be read
	for i, in := range inputs {
		starts[i] = unknown
		if end, _, ok := alblog.FileName(in.Name); ok {
			starts[i] = floorDiv(end.Unix(), 60) - int64(alblog.FileInterval.Minutes())
		} else if len(inputs) > 1 && !in.Once {
			look = append(look, i)
		}
	}
	// Several at a time: renamed objects in S3 cost a round trip each.
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(len(look), 8) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				starts[i] = firstMinute(ctx, inputs[i])
			}
		}()
	}
	for _, i := range look {
		next <- i
	}
	close(next)
	wg.Wait()
	return starts
}

// headBytes is how much of an input firstMinute reads: some hundreds of
// entries.
const headBytes = 256 << 10

// firstMinute returns the earliest minute among the entries at the start of
// in, or unknown.
func firstMinute(ctx context.Context, in logscan.Input) int64 {
	head, err := logscan.Head(ctx, in, headBytes)
	if err != nil {
		return unknown
	}
	var p alblog.Parser
	var e alblog.Entry
	first := int64(unknown)
	for len(head) > 0 {
		ln, rest, found := bytes.Cut(head, []byte{'\n'})
		if !found && len(head) == headBytes {
			break // cut short
		}
		head = rest
		if p.ParseHead(ln, &e) == nil {
			if m := floorDiv(e.Time, 60e6); first == unknown || m < first {
				first = m
			}
		}
	}
	return first
}

// bound is the earliest minute load balancer lb's entries still to come
// from input i can have.
func (s *sealer) bound(i int, lb string) int64 {
	ref, _ := s.inputs[i].watermark(lb)
	if ref == unknown {
		return unknown
	}
	return ref - s.allowance
}

// watermark is the later of p's start and the latest minute of lb's entries
// in p's blocks handled in order, with lb's index in p.seen (-1: none yet).
func (p *progress) watermark(lb string) (ref int64, j int) {
	ref, j = p.start, p.seenAt(lb)
	if j >= 0 {
		ref = max(ref, p.seen[j].minute)
	}
	return ref, j
}

// inputDone is logscan's Done callback.
func (s *sealer) inputDone(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Its blocks were all reported (a Collector flushes before logscan
	// says an input is done): what tracked them is no longer needed, and a
	// fleet has thousands of inputs.
	if s.inputs[i].done {
		return
	}
	s.inputs[i].done = true
	s.inputs[i].seen, s.inputs[i].seenIdx, s.inputs[i].waiting = nil, nil, nil
	if j, found := slices.BinarySearchFunc(s.active, i, s.byStart); found {
		s.active = slices.Delete(s.active, j, j+1)
	}
	s.done++
	s.trySeal()
}

// blocksDone is told, by a Collector's flush, of the blocks whose requests
// are now in the store: their spans, each block's together.
func (s *sealer) blocksDone(spans []lbSpan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(spans) > 0 {
		n := 1
		for n < len(spans) && spans[n].input == spans[0].input && spans[n].seq == spans[0].seq {
			n++
		}
		block := spans[:n]
		spans = spans[n:]
		i := block[0].input
		p := &s.inputs[i]
		if !p.started && !p.done {
			p.started = true
			at, _ := slices.BinarySearchFunc(s.active, i, s.byStart)
			s.active = slices.Insert(s.active, at, i)
		}
		if block[0].seq != p.seq {
			if p.waiting == nil {
				p.waiting = map[int64][]lbSpan{}
			}
			p.waiting[block[0].seq] = slices.Clone(block)
			continue
		}
		s.inOrder(p, block)
		for {
			w, ok := p.waiting[p.seq]
			if !ok {
				break
			}
			delete(p.waiting, p.seq)
			s.inOrder(p, w)
		}
	}
	s.trySeal()
}

// inOrder takes the next block of p, in order: it moves p's watermarks and
// measures the disorder.
func (s *sealer) inOrder(p *progress, block []lbSpan) {
	p.seq++
	for _, sp := range block {
		if sp.entries == 0 {
			continue
		}
		if s.lbIndex[sp.lb] == nil {
			l := &lbHorizon{lb: sp.lb, now: unknown, last: unknown}
			s.lbs = append(s.lbs, l)
			s.lbIndex[sp.lb] = l
			s.minLast = unknown
		}
		s.late = max(s.late, sp.late)
		ref, j := p.watermark(sp.lb)
		if ref != unknown {
			s.late = max(s.late, ref-sp.min)
		}
		if j < 0 {
			p.addSeen(lbMinute{sp.lb, sp.max})
		} else {
			p.seen[j].minute = max(p.seen[j].minute, sp.max)
		}
	}
}

// lbMinute is a load balancer's latest minute in an input.
type lbMinute struct {
	lb     string
	minute int64
}

// seenShort is how many load balancers p.seen holds before it is indexed.
const seenShort = 8

// addSeen adds a load balancer to p.seen.
func (p *progress) addSeen(m lbMinute) {
	p.seen = append(p.seen, m)
	switch {
	case p.seenIdx != nil:
		p.seenIdx[m.lb] = len(p.seen) - 1
	case len(p.seen) > seenShort:
		p.seenIdx = make(map[string]int, 2*len(p.seen))
		for j, o := range p.seen {
			p.seenIdx[o.lb] = j
		}
	}
}

// seenAt returns the index of lb in p.seen, or -1.
func (p *progress) seenAt(lb string) int {
	if p.seenIdx != nil {
		if j, ok := p.seenIdx[lb]; ok {
			return j
		}
		return -1
	}
	for j := range p.seen {
		if p.seen[j].lb == lb {
			return j
		}
	}
	return -1
}

// trySeal seals when a load balancer's horizon has moved far enough.
func (s *sealer) trySeal() {
	if s.done == len(s.inputs) {
		return // all read: Summarize has everything
	}
	// The inputs not started are bounded by the first of them in order.
	for s.unstarted < len(s.order) {
		if p := &s.inputs[s.order[s.unstarted]]; !p.done && !p.started {
			break
		}
		s.unstarted++
	}
	floor := int64(math.MaxInt64)
	if s.unstarted < len(s.order) {
		st := s.inputs[s.order[s.unstarted]].start
		if st == unknown {
			return // it could hold any minute of any load balancer
		}
		floor = st - s.allowance
	}
	if s.minLast != unknown && floor != math.MaxInt64 && floor-s.minLast < sealEvery {
		return
	}
	var horizons map[string]int64 // of the load balancers due
	for _, l := range s.lbs {
		l.now = floor
		// By start: an input's bound is at least its start less the
		// allowance, so the scan stops at the first that cannot lower it
		// (in a fleet, the first or second: each file has one load
		// balancer).
		for _, i := range s.active {
			st := s.inputs[i].start
			if st != unknown && st-s.allowance >= l.now {
				break
			}
			l.now = min(l.now, s.bound(i, l.lb))
			s.bounds++
		}
		// Only the load balancers whose horizon moved far enough: in a
		// stream that holds one load balancer's day after another's, that
		// is one of them, and a seal walks only its targets.
		if l.due() {
			if horizons == nil {
				horizons = map[string]int64{}
			}
			horizons[l.lb] = l.now
		}
	}
	if horizons == nil || (s.canSeal != nil && !s.canSeal()) {
		return
	}
	s.minLast = math.MaxInt64
	for _, l := range s.lbs {
		if _, ok := horizons[l.lb]; ok {
			l.last = l.now
		}
		s.minLast = min(s.minLast, l.last)
	}
	s.store.seal(horizons)
}

// byStart orders inputs by start, then index.
func (s *sealer) byStart(a, b int) int {
	return cmp.Or(cmp.Compare(s.inputs[a].start, s.inputs[b].start), cmp.Compare(a, b))
}

// decision is a resolved cause with its confidence and reason.
type decision struct {
	cause  classify.Cause
	conf   classify.Confidence
	reason string
}

// seal declares that no entry of a load balancer before its minute in
// horizons is still to come, and folds what that makes final. Only one seal
// runs at a time.
func (s *targetStore) seal(horizons map[string]int64) {
	for lb, h := range horizons {
		s.horizonOf(lb).Store(h) // before folding: an entry too late is noticed
	}
	s.seals++
	held := 0
	defer func() { s.peakLive = max(s.peakLive, held) }()
	for i := range s.shards {
		sh := &s.shards[i]
		sh.Lock()
		// Whichever is shorter, the horizons or the shard's load balancers
		// with live targets: a hostile log can name a new load balancer on
		// every line. (Go allows deleting from a map while ranging over it.)
		if len(horizons) <= len(sh.live) {
			for lb, horizon := range horizons {
				s.sealLive(sh, lb, horizon)
			}
		} else {
			for lb := range sh.live {
				if horizon, ok := horizons[lb]; ok {
					s.sealLive(sh, lb, horizon)
				}
			}
		}
		// What the targets just sealed still hold (tests). The others were
		// counted at their own load balancer's last seal, and have grown
		// since by less than a seal interval.
		if s.countHeld {
			for lb := range horizons {
				for _, t := range sh.live[lb] {
					t.compact()
					held += len(t.hist)
				}
			}
		}
		sh.Unlock()
	}
}

// sealLive seals the live targets of load balancer lb in shard sh, and
// keeps those a later seal could still fold something of.
func (s *targetStore) sealLive(sh *storeShard, lb string, horizon int64) {
	list := sh.live[lb]
	live := list[:0]
	for i, t := range list {
		// A fleet's targets each miss the cache twice here, the target and
		// its history: ask for them a few targets ahead.
		if j := i + 2*sealAhead; j < len(list) {
			prefetch(uintptr(unsafe.Pointer(list[j])))
		}
		if j := i + sealAhead; j < len(list) {
			if h := list[j].hist; len(h) > 0 {
				prefetch(uintptr(unsafe.Pointer(&h[0])))
			}
		}
		if s.sealTarget(t, horizon) {
			live = append(live, t)
		} else {
			t.live = false
		}
	}
	clear(list[len(live):])
	if len(live) == 0 {
		delete(sh.live, lb)
	} else {
		sh.live[lb] = live
	}
}

// sealAhead is how many targets ahead sealLive asks for a target's history,
// and twice that for the target.
const sealAhead = 4

// sealTarget folds what the horizon makes final in t, and reports whether t
// still holds anything a later seal could fold.
func (s *targetStore) sealTarget(t *targetAgg, horizon int64) bool {
	// Decide pending errors whose whole context is before the horizon, for
	// every width; keep the history the others may still need.
	cut := horizon - MaxContextMinutes
	undecided := false
	for m, b := range t.errs {
		if b.pending == nil || b.decided != nil {
			continue
		}
		if m+MaxContextMinutes >= horizon {
			cut = min(cut, m-MaxContextMinutes)
			undecided = true
			continue
		}
		t.compact() // look finds minutes in the sorted history
		b.decided = new([MaxContextMinutes]uint8)
		var a around
		a.look(t, m, MaxContextMinutes)
		for span := int64(1); span <= MaxContextMinutes; span++ {
			var d decision
			d.cause, d.conf, d.reason = classify.Resolve(a.window(b, span))
			b.decided[span-1] = s.intern(d)
		}
	}
	// Errors of complete minutes whose cause is final go into the report's
	// aggregates; a bucket without pending errors or timeouts is then empty
	// (only pending errors count in a neighbour's context).
	for m, b := range t.errs {
		if m >= horizon || len(b.causes) == 0 {
			continue
		}
		if s.partial == nil {
			s.partial = newPartial()
		}
		s.partial.add(t, m, b, true)
		b.causes = nil
		if b.pending == nil && b.timeouts == nil {
			delete(t.errs, m)
		}
	}
	if len(t.errs) == 0 {
		t.errs = nil // a map keeps its memory when emptied
	}
	// Fold the history before the cut. Folding only saves memory, so it is
	// skipped when the sorted part starts at the cut (records arrive mostly
	// in order; an older one in the unsorted tail waits for a later seal).
	if cut < 0 || len(t.hist) == 0 || (t.sorted > 0 && int64(t.hist[0].minute) >= cut && len(t.hist)-t.sorted < 64) {
		return len(t.hist) > 0 || undecided
	}
	t.compact()
	n, _ := slices.BinarySearchFunc(t.hist, uint32(min(cut, math.MaxUint32)), func(r minuteRec, m uint32) int {
		return cmp.Compare(r.minute, m)
	})
	if n > 0 {
		f := &t.folded
		for _, r := range t.hist[:n] {
			if f.requests == 0 || int64(r.minute) < f.first {
				f.first = int64(r.minute)
			}
			f.last = max(f.last, int64(r.minute))
			f.requests += int64(r.requests)
		}
		// Kept in place: the minutes to come until the next seal need
		// about as much room again, and a fresh slice regrew it each time.
		t.hist = append(t.hist[:0], t.hist[n:]...)
		switch {
		case len(t.hist) == 0:
			t.hist = nil // a target gone quiet (churn) keeps no room
		case cap(t.hist) > 4*len(t.hist)+64:
			t.hist = slices.Clip(slices.Clone(t.hist))
		}
		t.sorted = len(t.hist)
	}
	return len(t.hist) > 0 || undecided
}

// intern returns the index of d in the store's decisions (a handful).
func (s *targetStore) intern(d decision) uint8 {
	for i, o := range s.decisions {
		if o == d {
			return uint8(i)
		}
	}
	s.decisions = append(s.decisions, d)
	return uint8(len(s.decisions) - 1)
}
