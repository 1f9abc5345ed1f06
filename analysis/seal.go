package analysis

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/classify"
	"github.com/lbdoctor/lbdoctor/logscan"
)

// Sealing keeps memory bounded by time rather than by span × targets.
//
// ALB writes each node's entries into 5-minute files named after the end of
// their interval, so when every input has such a name the inputs are read in
// the order of those times, and the entries still to come cannot be older than
// the earliest interval of an input not yet done (less a slack). Everything
// older than that horizon, less the widest context an error can need, can no
// longer change the answer: a target's minutes before it are folded into its
// totals, and its pending errors whose whole context is in are decided for
// every context width the idle timeout could give (it is only known at the
// end). The answer is exactly the unsealed one. If an entry still comes from
// before the horizon (a file holding entries far outside its interval), the
// seal is broken and Analyze reads the inputs again without sealing.
//
// Inputs with other names (stdin, renamed files) give no horizon: then
// nothing is sealed and memory grows with targets × minutes of traffic.

// sealSlack is how far before its interval an entry may be in its file.
const sealSlack = 10

// sealEvery is how far (minutes) the horizon moves between seals. Each seal
// walks every live target under its shard's lock; every 30 minutes rather
// than 10 cut the fleet day's CPU by about 9 % (3.06-3.25 against 3.37-3.57
// CPU-s) for 20 more minutes of history held per target (12 bytes a minute).
const sealEvery = 30

// sealer follows the inputs as they are done and seals the store.
type sealer struct {
	store  *targetStore
	mu     sync.Mutex
	bounds []int64 // per input: the earliest minute its entries can have
	order  []int   // inputs by bound: the reading order
	done   []bool
	next   int   // order[next] is the first input in order not done
	last   int64 // the horizon of the last seal
}

// newSealer returns a sealer for inputs and the order to read them in, or
// nil when some input's name does not give its interval.
func newSealer(store *targetStore, inputs []logscan.Input) *sealer {
	s := &sealer{store: store, bounds: make([]int64, len(inputs)), done: make([]bool, len(inputs)), last: math.MinInt64}
	for i, in := range inputs {
		end, _, ok := alblog.FileName(in.Name)
		if !ok {
			return nil
		}
		s.bounds[i] = floorDiv(end.Unix(), 60) - int64(alblog.FileInterval.Minutes()) - sealSlack
		s.order = append(s.order, i)
	}
	sort.SliceStable(s.order, func(a, b int) bool { return s.bounds[s.order[a]] < s.bounds[s.order[b]] })
	return s
}

// inputDone is logscan's Done callback.
func (s *sealer) inputDone(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done[i] = true
	for s.next < len(s.order) && s.done[s.order[s.next]] {
		s.next++
	}
	if s.next == len(s.order) {
		return // all read: Summarize has everything
	}
	horizon := s.bounds[s.order[s.next]]
	if s.last != math.MinInt64 && horizon-s.last < sealEvery {
		return
	}
	s.last = horizon
	s.store.seal(horizon)
}

// decision is a resolved cause with its confidence and reason.
type decision struct {
	cause  classify.Cause
	conf   classify.Confidence
	reason string
}

// seal declares that no entry before minute horizon is still to come, and
// folds what that makes final. Only one seal runs at a time.
func (s *targetStore) seal(horizon int64) {
	s.horizon.Store(horizon)
	s.seals++
	held := 0
	defer func() { s.peakLive = max(s.peakLive, held) }()
	for i := range s.shards {
		sh := &s.shards[i]
		sh.Lock()
		live := sh.live[:0]
		for _, t := range sh.live {
			more := s.sealTarget(t, horizon)
			if s.countHeld {
				t.compact()
				held += len(t.hist)
			}
			if more {
				live = append(live, t)
			} else {
				t.live = false
			}
		}
		clear(sh.live[len(live):])
		sh.live = live
		sh.Unlock()
	}
}

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
		s.partial.add(t, m, b)
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
