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
	return Decision{Cause: TargetResponseTimeout, Confidence: High, Rule: "504 after the idle timeout elapsed"}
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
		return TargetUnreachable, High, "the target served no request within a minute of the error"
	}
	if IsBurst(w.ServedMinute, w.FailedMinute) {
		return TargetUnreachable, Medium, "a burst: the target failed most of its requests in that minute"
	}
	if w.NeighborBurst {
		return TargetUnreachable, Medium, "the edge of a burst: the target failed most of its requests in the next or previous minute"
	}
	if w.ServedBefore && w.ServedAfter && w.FailedMinute*10 <= w.ServedMinute+w.FailedMinute {
		return KeepaliveRace, High, "isolated failure: the target served requests before and after it"
	}
	return KeepaliveRace, Medium, "isolated failure: the target served other requests around it"
}
