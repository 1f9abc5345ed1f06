package classify

import (
	"bytes"

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

// Entry classifies one entry on its own. It does not allocate.
func Entry(e *alblog.Entry) Decision {
	status := e.ELBStatusCode
	if status < 400 {
		return Decision{Origin: Success}
	}
	reason := e.ErrorReason
	if e.TargetStatusCode != alblog.Missing && alblog.Absent(reason) {
		if e.TargetStatusCode >= 500 {
			return Decision{Origin: Target, Cause: TargetError, Confidence: High, Rule: "target_status_code is 5xx: the target's own error"}
		}
		return Decision{Origin: Target, Rule: "the target produced the response"}
	}
	d := lbError(e, status, reason)
	d.Origin = LB
	return d
}

func lbError(e *alblog.Entry, status int, reason []byte) Decision {
	actions := e.ActionsExecuted
	if !alblog.Absent(reason) {
		switch {
		case bytes.HasPrefix(reason, []byte("Lambda")):
			return Decision{Cause: LambdaError, Confidence: High, Rule: "error_reason Lambda*"}
		case bytes.HasPrefix(reason, []byte("Auth")):
			return Decision{Cause: AuthError, Confidence: High, Rule: "error_reason Auth*"}
		case bytes.HasPrefix(reason, []byte("WAF")):
			return Decision{Cause: WAFError, Confidence: High, Rule: "error_reason WAF*"}
		case bytes.Equal(reason, []byte("AWSALBTGCookieInvalid")),
			bytes.Equal(reason, []byte("WeightedTargetGroupsUnhandledException")):
			return Decision{Cause: WeightedTGError, Confidence: High, Rule: "error_reason of weighted target groups"}
		}
		return Decision{Cause: Unclassified, Confidence: Low, Rule: "unknown error_reason"}
	}
	if containsAction(actions, "waf-failed") {
		return Decision{Cause: WAFError, Confidence: High, Rule: "actions_executed contains waf-failed"}
	}
	if status == 403 && lastAction(actions, "waf") {
		return Decision{Cause: WAFBlocked, Confidence: High, Rule: "403 and WAF was the last action executed"}
	}
	if containsAction(actions, "fixed-response") {
		return Decision{Cause: FixedResponse, Confidence: High, Rule: "actions_executed contains fixed-response"}
	}
	if status == 400 && (bytes.Equal(e.Classification, []byte("Ambiguous")) || bytes.Equal(e.Classification, []byte("Severe"))) {
		return Decision{Cause: DesyncRejected, Confidence: High, Rule: "400 with desync classification Ambiguous or Severe"}
	}
	switch status {
	case 460:
		return Decision{Cause: ClientClosed, Confidence: High, Rule: "status 460"}
	case 408:
		return Decision{Cause: ClientTimeout, Confidence: High, Rule: "status 408"}
	case 463:
		return Decision{Cause: XFFTooLong, Confidence: High, Rule: "status 463"}
	case 464:
		return Decision{Cause: ProtocolMismatch, Confidence: High, Rule: "status 464"}
	case 400, 405, 414, 501, 505:
		return Decision{Cause: BadRequest, Confidence: High, Rule: "LB-generated 400/405/414/501/505"}
	case 561:
		return Decision{Cause: AuthError, Confidence: High, Rule: "status 561 (identity provider error)"}
	case 500:
		return Decision{Cause: LBInternalError, Confidence: Medium, Rule: "LB-generated 500 with no error_reason"}
	case 503:
		if !e.HasTarget() {
			return Decision{Cause: NoTargets, Confidence: High, Rule: "503 with no target"}
		}
		// The race shows as 502, never 503: a named target that yields 503s
		// could not take the request at all.
		return Decision{Cause: TargetUnreachable, Confidence: Medium, Rule: "503 from a named target"}
	case 502:
		if !e.HasTarget() {
			return Decision{Cause: Unclassified, Confidence: Low, Rule: "502 with no target and no error_reason"}
		}
		return classify502(e)
	case 504:
		if !e.HasTarget() {
			return Decision{Cause: Unclassified, Confidence: Low, Rule: "504 with no target and no error_reason"}
		}
		return classify504(e)
	}
	return Decision{Cause: Unclassified, Confidence: Low, Rule: "LB-generated status with no rule"}
}

func classify502(e *alblog.Entry) Decision {
	if e.ResponseProcessingTime >= 0 {
		return Decision{Cause: TargetBadResponse, Confidence: High, Rule: "response headers arrived (response_processing_time >= 0) but were not relayed"}
	}
	elapsed, ok := e.Elapsed()
	if ok && elapsed >= ShortElapsed {
		return Decision{Cause: TargetClosedDuringRequest, Confidence: High, Rule: "no response headers after >= 1 s at the LB"}
	}
	if e.TargetProcessingTime >= ShortElapsed {
		return Decision{Cause: TargetClosedDuringRequest, Confidence: High, Rule: "target held the request >= 1 s, then closed"}
	}
	if !ok && e.TargetProcessingTime == alblog.Missing && e.RequestProcessingTime == alblog.Missing {
		// Without request_creation_time a fast failure cannot be told from a
		// long one; context still decides, with less confidence.
		return Decision{Pending: true, Rule: "no response headers; elapsed time unknown"}
	}
	return Decision{Pending: true, Rule: "no response headers, failed in under 1 s"}
}

func classify504(e *alblog.Entry) Decision {
	elapsed, ok := e.Elapsed()
	if !ok {
		return Decision{Cause: TargetResponseTimeout, Confidence: Low, Rule: "504 from a target; elapsed time unknown"}
	}
	if elapsed >= ConnectTimeoutMin && elapsed < ConnectTimeoutMax && e.TargetProcessingTime == alblog.Missing {
		return Decision{Cause: TargetConnectTimeout, Confidence: Medium, Rule: "504 after about 10 s, ALB's connect timeout"}
	}
	if elapsed < MinIdleTimeout {
		return Decision{Cause: LBTimeoutUnexplained, Confidence: Low, Rule: "504 in under 1 s: faster than the shortest idle timeout ALB allows"}
	}
	return Decision{Timeout: true, Rule: "504 with no response headers after at least 1 s"}
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
func IdleTolerance(seconds int64) int64 { return max(1, (seconds*2+50)/100) }

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
	// ServedBefore and ServedAfter say whether any of those came in the minute
	// before or after the error's minute.
	ServedBefore, ServedAfter bool
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
func IsBurst(served, failed int64) bool { return failed >= 3 && failed > served }

// Resolve decides between a keep-alive race and an unreachable target for a
// pending error, from what the same target did around it. A race is an isolated
// failure on a target that is otherwise serving; an unreachable target serves
// nothing, or fails most of its requests in a burst.
func Resolve(w Window) (Cause, Confidence, string) {
	if w.Served == 0 {
		if w.Minutes > 1 {
			return TargetUnreachable, High, "the target served no request within the idle timeout of the error"
		}
		return TargetUnreachable, High, "the target served no request within a minute of the error"
	}
	if IsBurst(w.ServedMinute, w.FailedMinute) {
		return TargetUnreachable, Medium, "a burst: the target failed most of its requests in that minute"
	}
	if w.NeighborBurst {
		return TargetUnreachable, Medium, "the edge of a burst: the target failed most of its requests in the next or previous minute"
	}
	if w.Run >= 3 && w.ServedMinute == 0 {
		return TargetUnreachable, Medium, "failures in a row: the target failed at least 3 requests with no success between them"
	}
	if w.Minutes > 1 && IsBurst(w.Served-w.ServedMinute, w.FailedWindow-w.FailedMinute) {
		// Sparse traffic to a dead target: few requests a minute, but failures
		// outnumber successes around it.
		return TargetUnreachable, Medium, "sparse failures outnumber the target's successes within the idle timeout of the error"
	}
	if w.ServedBefore && w.ServedAfter && w.FailedMinute*10 <= w.ServedMinute+w.FailedMinute {
		return KeepaliveRace, High, "isolated failure: the target served requests before and after it"
	}
	return KeepaliveRace, Medium, "isolated failure: the target served other requests around it"
}
