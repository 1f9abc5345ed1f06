// Package analysis turns a stream of ALB access log lines into a Summary: status
// counts, load-balancer errors by root cause with evidence, per-target and
// per-minute views, and what the logs reveal about the configuration.
//
// Work is split across Collectors, one per worker, which aggregate into
// (target, minute) buckets; memory grows with targets × minutes, never with
// the number of entries. Merge combines them and Summarize decides the causes
// that need context and builds the report.
package analysis

import (
	"bytes"
	"fmt"
	"sort"

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

// Location is a line in an input.
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
	entry  alblog.Entry

	linesRead, entries, skipped, blank, filteredOut int64
	errs                                            []lineError // the MaxErrors first by location
	errsTotal                                       int64

	targets map[string]*targetAgg // by load balancer and target
	key     []byte                // scratch for the targets key
	minutes map[int64]*minuteAgg
	lbs     map[string]int64
	groups  map[string]int64
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
	minutes map[int64]*bucket
	lb      string // the load balancer that sent it these requests
	name    string // the target, host:port or "-"
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

// bucket holds what one target did in one minute.
type bucket struct {
	requests int64
	served   int64 // responses the target produced (any target status)
	fast     int64 // fast headerless failures (pending, counted before resolution)
	pending  *causeAgg
	// timeouts are 504s after >= 1 s, by elapsed whole seconds, until the
	// load balancer's idle timeout is known (see classify.ResolveTimeout).
	timeouts []timeoutEntry
	causes   causeList
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

// NewCollector returns an empty Collector. In strict mode it stops counting at
// the first malformed line (see Strict).
func NewCollector(f Filter, strict bool) *Collector {
	return &Collector{
		filter:   f,
		strict:   strict,
		targets:  map[string]*targetAgg{},
		minutes:  map[int64]*minuteAgg{},
		lbs:      map[string]int64{},
		groups:   map[string]int64{},
		timeouts: map[string]*lbTimeouts{},
	}
}

// Block implements logscan.Handler.
func (c *Collector) Block(b *logscan.Block) {
	if b.Overlong > 0 {
		c.linesRead++
		c.skipped++
		c.addError(Location{b.Input, b.FirstLine}, func() string {
			return fmt.Sprintf("line too long (over %d bytes), skipped", b.Overlong)
		})
		return
	}
	data := b.Data
	line := b.FirstLine
	for len(data) > 0 {
		var ln []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			ln, data = data[:i], data[i+1:]
		} else {
			ln, data = data, nil
		}
		c.Line(Location{b.Input, line}, ln)
		line++
	}
}

// Line processes one line (without its newline).
func (c *Collector) Line(loc Location, ln []byte) {
	c.linesRead++
	if len(bytes.TrimSpace(ln)) == 0 {
		c.blank++
		return
	}
	e := &c.entry
	if err := alblog.Parse(ln, e); err != nil {
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
	d := classify.Entry(e)
	minute := floorDiv(e.Time, 60e6)
	if c.oldest == 0 || e.Time < c.oldest {
		c.oldest = e.Time
	}
	if e.Time > c.newest {
		c.newest = e.Time
	}

	c.lbs[string(e.ELB)]++
	if !alblog.Absent(e.TargetGroupARN) {
		c.groups[string(e.TargetGroupARN)]++
	}
	// A target's context is per load balancer: each has its own connection
	// pool and idle timeout, even for a target registered behind two.
	c.key = append(append(append(c.key[:0], e.ELB...), ' '), e.Target...)
	tgt := c.targets[string(c.key)]
	if tgt == nil {
		tgt = &targetAgg{minutes: map[int64]*bucket{}, lb: string(e.ELB), name: string(e.Target)}
		c.targets[string(c.key)] = tgt
	}
	bk := tgt.minutes[minute]
	if bk == nil {
		bk = &bucket{}
		tgt.minutes[minute] = bk
	}
	bk.requests++
	if e.TargetStatusCode != alblog.Missing {
		bk.served++
	}
	m := c.minutes[minute]
	if m == nil {
		m = &minuteAgg{}
		c.minutes[minute] = m
	}
	m.requests++

	if c.filter.Status != nil && !c.filter.Status.Has(e.ELBStatusCode) {
		return
	}
	m.status.add(e.ELBStatusCode, 1)
	if d.Cause == "" && !d.Pending && !d.Timeout {
		return // a success, or a target's own non-5xx answer
	}
	if elapsed, ok := e.Elapsed(); ok && (d.Timeout || d.Cause == classify.LBTimeoutUnexplained) {
		lt := c.timeouts[string(e.ELB)]
		if lt == nil {
			lt = &lbTimeouts{slow: map[int64]*elapsedStat{}}
			c.timeouts[string(e.ELB)] = lt
		}
		if d.Timeout {
			secs := (elapsed + 500_000) / 1_000_000
			st := lt.slow[secs]
			if st == nil {
				st = &elapsedStat{}
				lt.slow[secs] = st
			}
			st.add(elapsed)
			agg := bk.timeout(secs)
			agg.record(loc, e, d)
			return
		}
		lt.fast.add(elapsed)
	}
	var agg *causeAgg
	if d.Pending {
		bk.fast++
		if bk.pending == nil {
			bk.pending = newCauseAgg()
		}
		agg = bk.pending
	} else {
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

// Merge adds everything o collected to c. o must not be used afterwards.
func (c *Collector) Merge(o *Collector) {
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
	addCounts(c.lbs, o.lbs)
	addCounts(c.groups, o.groups)
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
	for name, ot := range o.targets {
		ct := c.targets[name]
		if ct == nil {
			c.targets[name] = ot
			continue
		}
		for m, ob := range ot.minutes {
			cb := ct.minutes[m]
			if cb == nil {
				ct.minutes[m] = ob
				continue
			}
			cb.merge(ob)
		}
	}
}

func (b *bucket) merge(o *bucket) {
	b.requests += o.requests
	b.served += o.served
	b.fast += o.fast
	b.pending = mergeAgg(b.pending, o.pending, bucketExamples)
	for _, t := range o.timeouts {
		a := b.timeout(t.secs)
		*a = *mergeAgg(a, t.agg, bucketExamples)
	}
	for _, e := range o.causes {
		b.causes.merge(e.id, e.agg)
	}
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
