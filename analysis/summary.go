package analysis

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/classify"
	"github.com/lbdoctor/lbdoctor/logscan"
)

// Summary is the result of analysing access logs. Its JSON form is lbdoctor's
// documented output (`lbdoctor logs --format json`); field names are stable.
type Summary struct {
	Inputs       []InputSummary   `json:"inputs"`
	LinesRead    int64            `json:"lines_read"`
	Entries      int64            `json:"entries"`
	Requests     int64            `json:"requests"`
	Skipped      int64            `json:"skipped"`
	BlankLines   int64            `json:"blank_lines"`
	FilteredOut  int64            `json:"filtered_out"`
	Errors       []ErrorItem      `json:"errors"`
	ErrorsTotal  int64            `json:"errors_total"`
	FirstSeen    string           `json:"first_seen,omitempty"`
	LastSeen     string           `json:"last_seen,omitempty"`
	StatusCounts map[string]int64 `json:"status_counts"`
	ELBErrors    int64            `json:"elb_errors"`
	TargetErrors int64            `json:"target_errors"`
	Causes       []CauseSummary   `json:"causes"`
	Targets      []TargetSummary  `json:"targets"`
	Timeline     []MinuteSummary  `json:"timeline"`
	Inferred     Inferred         `json:"inferred"`
	// Engine is how the inputs were read; not in the JSON.
	Engine Engine `json:"-"`
}

// InputSummary says how one input was read.
type InputSummary struct {
	Name  string `json:"name"`
	Gzip  bool   `json:"gzip"`
	Lines int64  `json:"lines"`
	Bytes int64  `json:"bytes"`
	Error string `json:"error,omitempty"`
}

// ErrorItem is one problem with the input, located by file and line (line 0:
// the file as a whole).
type ErrorItem struct {
	File    string `json:"file"`
	Line    int64  `json:"line"`
	Message string `json:"message"`
}

// CauseSummary is every error of one cause.
type CauseSummary struct {
	ID           classify.Cause   `json:"id"`
	Origin       string           `json:"origin"` // "lb" or "target"
	Count        int64            `json:"count"`
	Status       string           `json:"status"`
	StatusCounts map[string]int64 `json:"status_counts"`
	Explanation  string           `json:"explanation"`
	NextStep     string           `json:"next_step"`
	Link         string           `json:"link,omitempty"`
	Targets      []NameCount      `json:"targets"`
	FirstSeen    string           `json:"first_seen"`
	LastSeen     string           `json:"last_seen"`
	Confidence   map[string]int64 `json:"confidence"`
	Evidence     []NameCount      `json:"evidence"`
	Examples     []Example        `json:"examples"`
}

// NameCount is a name with a count.
type NameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Example is one entry of a cause, located by file and line, with the fields
// that decided it. Times are seconds; -1 where the log has -1.
type Example struct {
	File                   string   `json:"file"`
	Line                   int64    `json:"line"`
	Time                   string   `json:"time"`
	Target                 string   `json:"target"`
	ELBStatusCode          string   `json:"elb_status_code"`
	TargetStatusCode       string   `json:"target_status_code"`
	RequestProcessingTime  float64  `json:"request_processing_time"`
	TargetProcessingTime   float64  `json:"target_processing_time"`
	ResponseProcessingTime float64  `json:"response_processing_time"`
	ElapsedSeconds         *float64 `json:"elapsed_seconds"`
	Evidence               string   `json:"evidence"`
	Confidence             string   `json:"confidence"`
	Detail                 string   `json:"detail,omitempty"`
}

// TargetSummary is what one target (host:port, or "-" for requests that
// reached none) did.
type TargetSummary struct {
	Target       string           `json:"target"`
	Requests     int64            `json:"requests"`
	ELBErrors    int64            `json:"elb_errors"`
	TargetErrors int64            `json:"target_errors"`
	Causes       map[string]int64 `json:"causes"`
}

// MinuteSummary is one minute of the timeline.
type MinuteSummary struct {
	Minute       string           `json:"minute"`
	Requests     int64            `json:"requests"`
	ELBErrors    int64            `json:"elb_errors"`
	TargetErrors int64            `json:"target_errors"`
	Causes       map[string]int64 `json:"causes"`
}

// Inferred is what the logs reveal about the configuration.
type Inferred struct {
	// LBIdleTimeoutSeconds is the idle timeout inferred from the elapsed
	// times of 504s when every load balancer with one agrees on it; null when
	// none could be inferred (see IdleTimeouts for why) or they differ.
	LBIdleTimeoutSeconds *int64 `json:"lb_idle_timeout_seconds"`
	// LBIdleTimeoutSamples is how many 504s agreed on that value.
	LBIdleTimeoutSamples int64 `json:"lb_idle_timeout_samples"`
	// IdleTimeouts is, per load balancer, the idle timeout the analysis used
	// and how it was found.
	IdleTimeouts  []IdleTimeout `json:"idle_timeouts"`
	LoadBalancers []NameCount   `json:"load_balancers"`
	TargetGroups  []NameCount   `json:"target_groups"`
	Targets       int           `json:"targets"`
	// KeepaliveRacePer100k is keep-alive races per 100,000 requests.
	KeepaliveRacePer100k float64 `json:"keepalive_race_per_100k_requests"`
}

// Window narrows a Summary to recent minutes, relative to the newest entry.
type Window struct {
	// Last keeps only entries within this duration before the newest entry
	// (minute granularity); 0 keeps everything.
	Last time.Duration
	// Before drops entries within this duration before the newest entry
	// (minute granularity); 0 drops nothing.
	Before time.Duration
}

// Summarize resolves context-dependent causes and builds the Summary. inputs
// and results are those of logscan.Run, in the same order.
func Summarize(c *Collector, inputs []logscan.Input, results []logscan.Result, o Options) *Summary {
	w := o.Window
	s := &Summary{
		LinesRead: c.linesRead, Entries: c.entries, Skipped: c.skipped,
		BlankLines: c.blank, FilteredOut: c.filteredOut, ErrorsTotal: c.errsTotal,
		StatusCounts: map[string]int64{}, Causes: []CauseSummary{}, Targets: []TargetSummary{},
		Timeline: []MinuteSummary{}, Errors: []ErrorItem{},
	}
	// Locations hold inputs by rank (their order by name; see Collector.rank),
	// so that the report does not depend on the order inputs were given in.
	name := func(rank int) string {
		if i := c.inputOf(rank); i >= 0 && i < len(inputs) {
			return inputs[i].Name
		}
		return "?"
	}
	s.Inputs = make([]InputSummary, 0, len(results))
	for rank := range results {
		r := results[c.inputOf(rank)]
		in := InputSummary{Name: r.Name, Gzip: r.Gzip, Lines: r.Lines, Bytes: r.Bytes}
		if r.Err != nil {
			in.Error = r.Err.Error()
			s.ErrorsTotal++
			s.Skipped += r.Dropped
			msg := r.Err.Error()
			if r.Lines > 0 || r.Gzip {
				msg = fmt.Sprintf("%s; %d complete lines read before it", msg, r.Lines)
			}
			line := int64(0)
			if r.Lines > 0 || r.Dropped > 0 {
				line = r.Lines + 1
			}
			s.Errors = append(s.Errors, ErrorItem{File: r.Name, Line: line, Message: msg})
		}
		s.Inputs = append(s.Inputs, in)
	}
	for _, e := range c.errs {
		if len(s.Errors) >= MaxErrors {
			break
		}
		s.Errors = append(s.Errors, ErrorItem{File: name(e.loc.Input), Line: e.loc.Line, Message: e.msg})
	}

	lo, hi := int64(-1<<62), int64(1<<62)
	newestMin := floorDiv(c.newest, 60e6)
	if w.Last > 0 {
		lo = newestMin - int64(w.Last/time.Minute)
	}
	if w.Before > 0 {
		hi = newestMin - int64(w.Before/time.Minute)
	}
	inWindow := func(m int64) bool { return m >= lo && m <= hi }

	// Sealing may have aggregated final causes already (seal.go).
	p := c.store.partial
	if p == nil {
		p = newPartial()
	}
	idle := idleTimeouts(c, o.LBIdle)
	racesByLB := map[string]int64{}
	var races, first, last int64
	for m, ma := range c.minutes {
		if !inWindow(m) {
			continue
		}
		s.Requests += ma.requests
		p.minute(m).Requests += ma.requests
		for _, kc := range ma.status {
			s.StatusCounts[statusString(kc.key)] += kc.n
		}
	}
	// seen widens [first, last) to minutes lo..hi.
	seen := func(lo, hi int64) {
		if first == 0 || lo < first {
			first = lo
		}
		last = max(last, hi+1)
	}
	c.store.each(func(t *targetAgg) {
		ts := p.targetOf(t)
		t.compact()
		// Sealed history (only sealed when there is no window).
		if f := t.folded; f.requests > 0 {
			ts.Requests += f.requests
			seen(f.first, f.last)
		}
		for _, r := range t.hist {
			m := int64(r.minute)
			if !inWindow(m) {
				continue
			}
			ts.Requests += int64(r.requests)
			seen(m, m)
		}
		for m, b := range t.errs {
			if !inWindow(m) {
				continue
			}
			if b.pending != nil {
				resolvePending(t, m, b, idle[t.lb].contextMinutes(), c.store.decisions)
			}
			if b.timeouts != nil {
				resolveTimeouts(b, idle[t.lb].resolve())
			}
			n := p.add(t, m, b, false)
			races += n
			racesByLB[t.lb] += n
		}
	})
	// Sized first: a fleet's week has tens of thousands of targets, and
	// growing the slice was half of Summarize's time.
	s.Targets = make([]TargetSummary, 0, len(p.targets))
	for _, ts := range p.targets {
		if ts.Requests > 0 {
			s.Targets = append(s.Targets, *ts)
			s.ELBErrors += ts.ELBErrors
			s.TargetErrors += ts.TargetErrors
		}
	}
	if first != 0 {
		s.FirstSeen = formatMicros(max(first*60e6, c.oldest))
		s.LastSeen = formatMicros(min(last*60e6, c.newest))
	}
	for id, a := range p.causes {
		s.Causes = append(s.Causes, causeSummary(id, a, p.causeTargets[id], name))
	}
	s.Timeline = make([]MinuteSummary, 0, len(p.timeline))
	for _, ms := range p.timeline {
		s.Timeline = append(s.Timeline, *ms)
	}
	s.Sort()

	s.Inferred = infer(c, idle, racesByLB, s)
	if s.Requests > 0 {
		s.Inferred.KeepaliveRacePer100k = float64(races) * 1e5 / float64(s.Requests)
	}
	return s
}

// Sort orders the views as the reports show them: causes by count (then
// ID), targets by load-balancer errors, then requests (then name), the
// timeline by minute.
func (s *Summary) Sort() {
	sort.Slice(s.Causes, func(i, j int) bool {
		if s.Causes[i].Count != s.Causes[j].Count {
			return s.Causes[i].Count > s.Causes[j].Count
		}
		return s.Causes[i].ID < s.Causes[j].ID
	})
	sort.Slice(s.Targets, func(i, j int) bool {
		a, b := s.Targets[i], s.Targets[j]
		if a.ELBErrors != b.ELBErrors {
			return a.ELBErrors > b.ELBErrors
		}
		if a.Requests != b.Requests {
			return a.Requests > b.Requests
		}
		return a.Target < b.Target
	})
	sort.Slice(s.Timeline, func(i, j int) bool { return s.Timeline[i].Minute < s.Timeline[j].Minute })
}

// partial is the report's aggregates as they are built: by Summarize, and
// before it by sealing, for the errors whose cause is final.
type partial struct {
	causes       map[classify.Cause]*causeAgg
	causeTargets map[classify.Cause]map[string]int64
	targets      map[string]*TargetSummary
	timeline     map[int64]*MinuteSummary
}

func newPartial() *partial {
	return &partial{
		causes: map[classify.Cause]*causeAgg{}, causeTargets: map[classify.Cause]map[string]int64{},
		targets: map[string]*TargetSummary{}, timeline: map[int64]*MinuteSummary{},
	}
}

func (p *partial) minute(m int64) *MinuteSummary {
	ms := p.timeline[m]
	if ms == nil {
		ms = &MinuteSummary{Minute: formatMicros(m * 60e6), Causes: map[string]int64{}}
		p.timeline[m] = ms
	}
	return ms
}

// targetOf returns the row of t's name (shared by its load balancers'
// targets of that name), which t keeps from then on: p is the only partial
// t is counted in.
func (p *partial) targetOf(t *targetAgg) *TargetSummary {
	if t.sum == nil {
		t.sum = p.targets[t.name]
		if t.sum == nil {
			t.sum = &TargetSummary{Target: t.name, Causes: map[string]int64{}}
			p.targets[t.name] = t.sum
		}
	}
	return t.sum
}

// add counts bucket b of target t, minute m, under its causes, and returns
// how many of them were keep-alive races. With take, the caller drops b's
// causes next (a seal), so they are merged as they are, not copied.
func (p *partial) add(t *targetAgg, m int64, b *bucket, take bool) (races int64) {
	ts, ms := p.targetOf(t), p.minute(m)
	for _, e := range b.causes {
		id, a := e.id, e.agg
		if take {
			for i := range a.examples {
				a.examples[i].target = t.name
			}
		} else {
			a = a.cloneFor(t.name)
		}
		p.causes[id] = mergeAgg(p.causes[id], a, MaxExamples)
		if p.causeTargets[id] == nil {
			p.causeTargets[id] = map[string]int64{}
		}
		p.causeTargets[id][t.name] += a.count
		ts.Causes[string(id)] += a.count
		ms.Causes[string(id)] += a.count
		if id == classify.TargetError {
			ts.TargetErrors += a.count
			ms.TargetErrors += a.count
		} else {
			ts.ELBErrors += a.count
			ms.ELBErrors += a.count
		}
		if id == classify.KeepaliveRace {
			races += a.count
		}
	}
	return races
}

// resolvePending decides the cause of a bucket's fast 502s from what the same
// target did in that minute and the span minutes on each side (the idle
// timeout, at least one), and files them under that cause.
func resolvePending(t *targetAgg, m int64, b *bucket, span int64, decisions []decision) {
	var d decision
	if b.decided != nil {
		d = decisions[b.decided[span-1]] // decided when the target was sealed
	} else {
		d.cause, d.conf, d.reason = classify.Resolve(contextWindow(t, m, b, span))
	}
	fileAs(b, b.pending, d.cause, d.conf, d.reason)
	b.pending = nil
}

// contextWindow is what target t did around minute m, span minutes each side.
func contextWindow(t *targetAgg, m int64, b *bucket, span int64) classify.Window {
	var a around
	a.look(t, m, span)
	return a.window(b, span)
}

// around is what a target did in the minutes around one: its history
// looked up once, so that the windows of every width (sealing decides a
// pending error for each) are sums over arrays, not lookups.
type around struct {
	// served and fast are for minute m+d at index d+MaxContextMinutes.
	served, fast [2*MaxContextMinutes + 1]int64
}

// look loads the minutes m-span to m+span of target t.
func (a *around) look(t *targetAgg, m, span int64) {
	for d := -span; d <= span; d++ {
		a.served[d+MaxContextMinutes] = int64(t.at(m + d).served)
		if o := t.errs[m+d]; o != nil {
			a.fast[d+MaxContextMinutes] = o.fast
		}
	}
}

// window is the context of bucket b (the minute in the middle), span
// minutes each side; look must have loaded at least that far.
func (a *around) window(b *bucket, span int64) classify.Window {
	const c = MaxContextMinutes // index of the middle minute
	served := a.served[c]
	w := classify.Window{ServedMinute: served, FailedMinute: b.fast, Served: served, FailedWindow: b.fast, Minutes: span}
	for d := int64(1); d <= span; d++ {
		before, after := a.served[c-d], a.served[c+d]
		w.Served += before + after
		w.ServedBefore += before
		w.ServedAfter += after
		w.FailedWindow += a.fast[c-d] + a.fast[c+d]
		if d == 1 {
			w.NeighborBurst = classify.IsBurst(before, a.fast[c-1]) || classify.IsBurst(after, a.fast[c+1])
		}
	}
	if served == 0 {
		w.Run = b.fast + a.failureRun(-1, span) + a.failureRun(1, span)
	}
	return w
}

// failureRun counts the failures from the middle minute outwards (dir -1 or
// 1) up to span minutes, until a minute in which the target served a
// request.
func (a *around) failureRun(dir, span int64) int64 {
	var n int64
	for d := int64(1); d <= span; d++ {
		i := MaxContextMinutes + dir*d
		if a.served[i] > 0 {
			break
		}
		n += a.fast[i]
	}
	return n
}

// resolveTimeouts decides the bucket's 504s after >= 1 s against the load
// balancer's idle timeout.
func resolveTimeouts(b *bucket, idle classify.IdleTimeout) {
	for _, t := range b.timeouts {
		cause, conf, reason := classify.ResolveTimeout(t.secs, idle)
		fileAs(b, t.agg, cause, conf, reason)
	}
	b.timeouts = nil
}

// fileAs files an aggregate decided in context under its cause, with the
// reason added to its evidence.
func fileAs(b *bucket, p *causeAgg, cause classify.Cause, conf classify.Confidence, reason string) {
	p.confidence = counts[classify.Confidence]{{conf, p.count}}
	var rules counts[string]
	for _, kc := range p.rules {
		rules.add(kc.key+"; "+reason, kc.n)
	}
	p.rules = rules
	for i := range p.examples {
		p.examples[i].rule += "; " + reason
		p.examples[i].confidence = conf
	}
	b.causes.merge(cause, p)
}

// cloneFor copies an aggregate of target's bucket so that merging into the
// total leaves buckets intact; its examples learn their target.
func (a *causeAgg) cloneFor(target string) *causeAgg {
	c := *a
	c.status = a.status.clone()
	c.rules = a.rules.clone()
	c.confidence = a.confidence.clone()
	c.examples = append([]example(nil), a.examples...)
	for i := range c.examples {
		c.examples[i].target = target
	}
	return &c
}

func asMap(c counts[string]) map[string]int64 {
	m := make(map[string]int64, len(c))
	for _, kc := range c {
		m[kc.key] += kc.n
	}
	return m
}

func causeSummary(id classify.Cause, a *causeAgg, targets map[string]int64, name func(int) string) CauseSummary {
	info, _ := classify.Lookup(id)
	cs := CauseSummary{
		ID: id, Origin: "lb", Count: a.count, Status: info.Status,
		Explanation: info.Explanation, NextStep: info.NextStep, Link: info.Link,
		FirstSeen: formatMicros(a.first), LastSeen: formatMicros(a.last),
		StatusCounts: map[string]int64{}, Confidence: map[string]int64{},
		Targets: SortedCounts(targets), Evidence: SortedCounts(asMap(a.rules)), Examples: []Example{},
	}
	if id == classify.TargetError {
		cs.Origin = "target"
	}
	for _, kc := range a.status {
		cs.StatusCounts[statusString(kc.key)] += kc.n
	}
	for _, kc := range a.confidence {
		cs.Confidence[string(kc.key)] += kc.n
	}
	for _, ex := range a.examples {
		cs.Examples = append(cs.Examples, Example{
			File: name(ex.loc.Input), Line: ex.loc.Line, Time: formatMicros(ex.time), Target: ex.target,
			ELBStatusCode: statusString(ex.status), TargetStatusCode: statusString(ex.targetStatus),
			RequestProcessingTime: seconds(ex.reqT), TargetProcessingTime: seconds(ex.targetT),
			ResponseProcessingTime: seconds(ex.respT), ElapsedSeconds: elapsedPtr(ex),
			Evidence: ex.rule, Confidence: string(ex.confidence), Detail: ex.detail,
		})
	}
	return cs
}

func infer(c *Collector, idle map[string]IdleTimeout, racesByLB map[string]int64, s *Summary) Inferred {
	inf := Inferred{
		LoadBalancers: SortedCounts(c.lbs.counts()),
		TargetGroups:  SortedCounts(c.groups.counts()),
		IdleTimeouts:  []IdleTimeout{},
	}
	for _, t := range s.Targets {
		if t.Target != "-" {
			inf.Targets++
		}
	}
	// In the order of LoadBalancers: busiest first.
	agree := true
	for _, lb := range inf.LoadBalancers {
		it := idle[lb.Name]
		it.KeepaliveRaces = racesByLB[lb.Name]
		inf.IdleTimeouts = append(inf.IdleTimeouts, it)
		if v := it.InferredSeconds; v != nil {
			if inf.LBIdleTimeoutSeconds != nil && *inf.LBIdleTimeoutSeconds != *v {
				agree = false
			}
			inf.LBIdleTimeoutSeconds = v
			inf.LBIdleTimeoutSamples += it.Samples
		}
	}
	if !agree {
		inf.LBIdleTimeoutSeconds, inf.LBIdleTimeoutSamples = nil, 0
	}
	return inf
}

// SortedCounts lists a map of counts, largest first (ties by name).
func SortedCounts(m map[string]int64) []NameCount {
	out := make([]NameCount, 0, len(m))
	for k, v := range m {
		out = append(out, NameCount{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func statusString(code int) string {
	if code == alblog.Missing || code == 0 {
		return "-"
	}
	return strconv.Itoa(code)
}

func seconds(micros int64) float64 {
	if micros < 0 {
		return -1
	}
	return float64(micros) / 1e6
}

func elapsedPtr(ex example) *float64 {
	if !ex.hasElapsed {
		return nil
	}
	v := float64(ex.elapsed) / 1e6
	return &v
}

func formatMicros(us int64) string {
	return time.UnixMicro(us).UTC().Format("2006-01-02T15:04:05.000000Z")
}
