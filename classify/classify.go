package classify

import (
	"bytes"
	"math"

	"github.com/lbdoctor/lbdoctor/alblog"
)

// Origin says who produced a response.
type Origin uint8

const (
	// Success is a response below 400 (or with no status): not an error.
	Success Origin = iota
	// Target is a response the target produced (target_status_code is set),
	// including a target's own errors.
	Target
	// LB is an error response the load balancer generated itself.
	LB
)

// Confidence says how sure a decision is.
type Confidence string

// Confidence levels.
const (
	High   Confidence = "high"
	Medium Confidence = "medium"
	Low    Confidence = "low"
)

// Thresholds taken from how ALB behaves (see shared reference alb-causes.md).
const (
	// ShortElapsed separates a request that failed at once (the connection was
	// already dead) from one the target held and then dropped.
	ShortElapsed = 1_000_000 // microseconds
	// ConnectTimeoutMin and ConnectTimeoutMax bracket ALB's fixed 10 s connect timeout.
	ConnectTimeoutMin = 9_500_000
	ConnectTimeoutMax = 11_000_000
	// MinIdleTimeout and MaxIdleTimeout bound ALB's idle timeout (1-4000 s):
	// a 504 faster than the minimum cannot be a response timeout.
	MinIdleTimeout = 1_000_000
	MaxIdleTimeout = 4000_000_000
)

// Decision is the verdict on one entry, before context is considered.
type Decision struct {
	Origin Origin
	// Cause is set for LB errors and for target 5xx; empty when Pending.
	Cause      Cause
	Confidence Confidence
	// Pending marks a fast 502 from a named target whose cause, a
	// keep-alive race or an unreachable target, depends on what the same target
	// did around that time: see Resolve.
	Pending bool
	// Timeout marks a 504 from a named target after at least MinIdleTimeout:
	// a response timeout if its elapsed time is the load balancer's idle
	// timeout, which the other 504s or the user tell: see ResolveTimeout.
	Timeout bool
	// Rule is a short, static description of what decided.
	Rule string
}

// Entry classifies one entry on its own, by the first rule of the entry table
// (EntryRules) that it satisfies. It does not allocate.
func Entry(e *alblog.Entry) Decision {
	if IsSuccess(e) {
		return successDecision // what the first rule decides, without the walk
	}
	r := Match(e)
	d := Decision{Origin: r.Origin, Cause: r.Cause, Confidence: r.Confidence, Rule: r.Text}
	switch r.Outcome {
	case Pending:
		d.Pending = true
	case Timeout:
		d.Timeout = true
	}
	return d
}

// successBelow is the status below which the first rule of the entry table
// decides a success by itself, and successDecision that decision: most
// entries are successes, and Entry answers them first. Both come from the
// table (no status is below successBelow if its first rule ever becomes
// something else).
var successBelow, successDecision = func() (int64, Decision) {
	r := &entryRules[0]
	if len(r.Tests) != 1 || r.Tests[0].Field != Status || r.Tests[0].Op != Less || r.Outcome != Decided {
		return math.MinInt64, Decision{}
	}
	return r.Tests[0].Ints[0], Decision{Origin: r.Origin, Cause: r.Cause, Confidence: r.Confidence, Rule: r.Text}
}()

// IsSuccess reports whether the entry table's first rule decides e a
// success (a status below 400, or none), which it does from the status alone.
// The status is known, if only as Missing, which is below 400 too.
func IsSuccess(e *alblog.Entry) bool {
	return int64(e.ELBStatusCode) < successBelow
}

// IdleTimeout is what is known of a load balancer's idle timeout.
type IdleTimeout struct {
	// Seconds is the value; 0 when unknown.
	Seconds int64
	// Source is "declared" (the user said so), "inferred" (several 504s
	// agree) or "" (unknown).
	Source string
}

// IdleTolerance is how far a 504's elapsed time may be from the idle timeout
// and still be it: 1 s or 2 %, whichever is larger.
func IdleTolerance(seconds int64) int64 {
	return max(IdleToleranceMin, (seconds*IdleTolerancePercent+50)/100)
}

// IdleToleranceMin (seconds) and IdleTolerancePercent define IdleTolerance.
const (
	IdleToleranceMin     = 1
	IdleTolerancePercent = 2
)

// ResolveTimeout decides a Timeout 504 whose elapsed time, rounded to whole
// seconds, is secs, given what is known of the load balancer's idle timeout.
func ResolveTimeout(secs int64, idle IdleTimeout) (Cause, Confidence, string) {
	if idle.Seconds == 0 {
		return TargetResponseTimeout, Medium, "too few 504s agree on an idle timeout to confirm this one is it"
	}
	d := secs - idle.Seconds
	if d < 0 {
		d = -d
	}
	if d <= IdleTolerance(idle.Seconds) {
		if idle.Source == "declared" {
			return TargetResponseTimeout, High, "the elapsed time is the idle timeout given with --lb-idle"
		}
		return TargetResponseTimeout, High, "the elapsed time is the idle timeout that the other 504s agree on"
	}
	return LBTimeoutUnexplained, Low, "the elapsed time is not the load balancer's idle timeout"
}

// containsAction reports whether the comma-separated list has action a.
func containsAction(list []byte, a string) bool {
	for len(list) > 0 {
		i := bytes.IndexByte(list, ',')
		item := list
		if i >= 0 {
			item, list = list[:i], list[i+1:]
		} else {
			list = nil
		}
		if string(item) == a {
			return true
		}
	}
	return false
}

func lastAction(list []byte, a string) bool {
	if i := bytes.LastIndexByte(list, ','); i >= 0 {
		list = list[i+1:]
	}
	return string(list) == a
}

// Window is what one target did around a pending error: counts for the
// error's minute and the minutes just before and after it.
type Window struct {
	// Served counts the target's own responses (any target_status_code) in the
	// error's minute and the neighbouring minutes.
	Served int64
	// ServedBefore and ServedAfter count those that came in the minutes
	// before and after the error's minute.
	ServedBefore, ServedAfter int64
	// ServedMinute and FailedMinute count the target's responses and pending
	// (fast, headerless) failures in the error's own minute.
	ServedMinute, FailedMinute int64
	// NeighborBurst says the minute before or after was a burst (see Resolve):
	// an outage rarely starts or ends on a minute boundary.
	NeighborBurst bool
	// FailedWindow counts the target's pending failures in the whole window,
	// and Minutes is how far the window reaches on each side: at least the
	// load balancer's idle timeout, as a connection may idle that long before
	// the race that ends it.
	FailedWindow, Minutes int64
	// Run counts the failures in a row around the error, across minutes with
	// no success between them (within the window): a dead target fails every
	// request, while a race is followed by a success on a new connection.
	Run int64
}

// IsBurst reports whether a minute with these counts looks like an outage
// rather than isolated failures: several failures, outnumbering successes.
func IsBurst(served, failed int64) bool { return failed >= BurstMin && failed > served }

// Resolve decides between a keep-alive race and an unreachable target for a
// pending error, from what the same target did around it, by the first rule
// of the context table (ContextRules) that holds.
func Resolve(w Window) (Cause, Confidence, string) {
	for _, r := range contextRules {
		ok := true
		for _, c := range r.When {
			ok = ok && c.holds(&w)
		}
		if ok {
			return r.Cause, r.Confidence, r.Text
		}
	}
	last := contextRules[len(contextRules)-1] // has no conditions: never reached
	return last.Cause, last.Confidence, last.Text
}
