package classify

import (
	"bytes"

	"github.com/lbdoctor/lbdoctor/alblog"
)

// The rules below are the one definition of lbdoctor's classification: Entry
// and Resolve evaluate them in Go, and package albsql translates the same
// tables into SQL, so the log engine and the SQL queries cannot drift apart.
// A rule's tests are data, not code, for that reason.

// Field is a value of an entry that a rule tests.
type Field uint8

// The fields rules test. Statuses and processing times are Missing (-1) where
// the log has "-" or -1; Elapsed is unknown without request_creation_time.
const (
	Status         Field = iota + 1 // elb_status_code
	TargetStatus                    // target_status_code
	ErrorReason                     // error_reason (text)
	Actions                         // actions_executed (a comma-separated list)
	Classification                  // classification (text)
	TargetAddr                      // target:port (text; "-" when no target)
	RequestTime                     // request_processing_time, µs
	TargetTime                      // target_processing_time, µs
	ResponseTime                    // response_processing_time, µs
	Elapsed                         // time - request_creation_time, µs
)

// IsText reports whether f holds text rather than a number.
func (f Field) IsText() bool {
	return f == ErrorReason || f == Actions || f == Classification || f == TargetAddr
}

// Op is how a test compares a field.
type Op uint8

// The comparisons. Less and AtLeast are false when Elapsed is unknown.
const (
	// Absent: text that is "-" or empty; a number that is Missing or unknown.
	Absent Op = iota + 1
	// Present is the opposite of Absent.
	Present
	// In: a number equal to one of Ints, or text equal to one of Strs.
	In
	// Prefix: text that starts with one of Strs.
	Prefix
	// Contains: a list with Strs[0] as one of its items.
	Contains
	// Last: a list whose last item is Strs[0].
	Last
	// Less: a number below Ints[0].
	Less
	// AtLeast: a number at or above Ints[0].
	AtLeast
)

// Test is one condition of a rule.
type Test struct {
	Field Field
	Op    Op
	Ints  []int64
	Strs  []string
}

// Outcome is what a rule decides.
type Outcome uint8

// Outcomes.
const (
	// Decided: the entry is a success, a target's answer or an error of Cause.
	Decided Outcome = iota
	// Pending: a fast 502 from a named target; the context decides (Resolve).
	Pending
	// Timeout: a 504 after at least 1 s; the idle timeout decides
	// (ResolveTimeout).
	Timeout
)

// Rule is one line of the entry table: when all Tests hold, the entry is
// decided as the rule says.
type Rule struct {
	Tests      []Test
	Origin     Origin
	Outcome    Outcome
	Cause      Cause // for Decided; empty for a success or a target's non-error answer
	Confidence Confidence
	Text       string // what decided, shown as evidence
}

func is(f Field, ints ...int64) Test     { return Test{Field: f, Op: In, Ints: ints} }
func isText(f Field, s ...string) Test   { return Test{Field: f, Op: In, Strs: s} }
func absent(f Field) Test                { return Test{Field: f, Op: Absent} }
func present(f Field) Test               { return Test{Field: f, Op: Present} }
func less(f Field, v int64) Test         { return Test{Field: f, Op: Less, Ints: []int64{v}} }
func atLeast(f Field, v int64) Test      { return Test{Field: f, Op: AtLeast, Ints: []int64{v}} }
func prefix(f Field, s string) Test      { return Test{Field: f, Op: Prefix, Strs: []string{s}} }
func contains(f Field, item string) Test { return Test{Field: f, Op: Contains, Strs: []string{item}} }
func lastItem(f Field, item string) Test { return Test{Field: f, Op: Last, Strs: []string{item}} }
func tests(t ...Test) []Test             { return t }
func lbRule(c Cause, conf Confidence, text string, t ...Test) Rule {
	return Rule{Tests: t, Origin: LB, Cause: c, Confidence: conf, Text: text}
}

// entryRules is the entry table, tried in order: the first rule whose tests
// all hold decides. The last rule has no tests.
var entryRules = []Rule{
	{Tests: tests(less(Status, 400)), Origin: Success},
	// The target answered and the load balancer relayed it.
	{Tests: tests(atLeast(TargetStatus, 500), absent(ErrorReason)), Origin: Target, Cause: TargetError, Confidence: High,
		Text: "target_status_code is 5xx: the target's own error"},
	{Tests: tests(present(TargetStatus), absent(ErrorReason)), Origin: Target, Text: "the target produced the response"},

	// The load balancer's own errors. error_reason, when there is one, says why.
	lbRule(LambdaError, High, "error_reason Lambda*", prefix(ErrorReason, "Lambda")),
	lbRule(AuthError, High, "error_reason Auth*", prefix(ErrorReason, "Auth")),
	lbRule(WAFError, High, "error_reason WAF*", prefix(ErrorReason, "WAF")),
	lbRule(WeightedTGError, High, "error_reason of weighted target groups",
		isText(ErrorReason, "AWSALBTGCookieInvalid", "WeightedTargetGroupsUnhandledException")),
	lbRule(Unclassified, Low, "unknown error_reason", present(ErrorReason)),
	lbRule(WAFError, High, "actions_executed contains waf-failed", contains(Actions, "waf-failed")),
	lbRule(WAFBlocked, High, "403 and WAF was the last action executed", is(Status, 403), lastItem(Actions, "waf")),
	lbRule(FixedResponse, High, "actions_executed contains fixed-response", contains(Actions, "fixed-response")),
	lbRule(DesyncRejected, High, "400 with desync classification Ambiguous or Severe",
		is(Status, 400), isText(Classification, "Ambiguous", "Severe")),
	lbRule(ClientClosed, High, "status 460", is(Status, 460)),
	lbRule(ClientTimeout, High, "status 408", is(Status, 408)),
	lbRule(XFFTooLong, High, "status 463", is(Status, 463)),
	lbRule(ProtocolMismatch, High, "status 464", is(Status, 464)),
	lbRule(BadRequest, High, "LB-generated 400/405/414/501/505", is(Status, 400, 405, 414, 501, 505)),
	lbRule(AuthError, High, "status 561 (identity provider error)", is(Status, 561)),
	lbRule(LBInternalError, Medium, "LB-generated 500 with no error_reason", is(Status, 500)),
	lbRule(NoTargets, High, "503 with no target", is(Status, 503), absent(TargetAddr)),
	// The race shows as 502, never 503: a named target that yields 503s could
	// not take the request at all.
	lbRule(TargetUnreachable, Medium, "503 from a named target", is(Status, 503)),
	lbRule(Unclassified, Low, "502 with no target and no error_reason", is(Status, 502), absent(TargetAddr)),
	lbRule(Unclassified, Low, "504 with no target and no error_reason", is(Status, 504), absent(TargetAddr)),

	// 502 from a named target.
	lbRule(TargetBadResponse, High, "response headers arrived (response_processing_time >= 0) but were not relayed",
		is(Status, 502), atLeast(ResponseTime, 0)),
	lbRule(TargetClosedDuringRequest, High, "no response headers after >= 1 s at the LB",
		is(Status, 502), atLeast(Elapsed, ShortElapsed)),
	lbRule(TargetClosedDuringRequest, High, "target held the request >= 1 s, then closed",
		is(Status, 502), atLeast(TargetTime, ShortElapsed)),
	// Without request_creation_time a fast failure cannot be told from a long
	// one; context still decides, with less confidence.
	{Tests: tests(is(Status, 502), absent(Elapsed), absent(TargetTime), absent(RequestTime)), Origin: LB, Outcome: Pending,
		Text: "no response headers; elapsed time unknown"},
	{Tests: tests(is(Status, 502)), Origin: LB, Outcome: Pending, Text: "no response headers, failed in under 1 s"},

	// 504 from a named target.
	lbRule(TargetResponseTimeout, Low, "504 from a target; elapsed time unknown", is(Status, 504), absent(Elapsed)),
	lbRule(TargetConnectTimeout, Medium, "504 after about 10 s, ALB's connect timeout",
		is(Status, 504), atLeast(Elapsed, ConnectTimeoutMin), less(Elapsed, ConnectTimeoutMax), absent(TargetTime)),
	lbRule(LBTimeoutUnexplained, Low, "504 in under 1 s: faster than the shortest idle timeout ALB allows",
		is(Status, 504), less(Elapsed, MinIdleTimeout)),
	{Tests: tests(is(Status, 504)), Origin: LB, Outcome: Timeout, Text: "504 with no response headers after at least 1 s"},

	lbRule(Unclassified, Low, "LB-generated status with no rule"),
}

// EntryRules returns the entry table, in the order it is tried.
func EntryRules() []Rule { return append([]Rule(nil), entryRules...) }

// holds reports whether test t holds for entry e.
func (t *Test) holds(e *alblog.Entry) bool {
	if t.Field.IsText() {
		return t.holdsText(textOf(e, t.Field))
	}
	v, known := numberOf(e, t.Field)
	switch t.Op {
	case Absent:
		return !known || v == alblog.Missing
	case Present:
		return known && v != alblog.Missing
	case In:
		for _, x := range t.Ints {
			if known && v == x {
				return true
			}
		}
		return false
	case Less:
		return known && v < t.Ints[0]
	case AtLeast:
		return known && v >= t.Ints[0]
	}
	return false
}

func (t *Test) holdsText(s []byte) bool {
	switch t.Op {
	case Absent:
		return alblog.Absent(s)
	case Present:
		return !alblog.Absent(s)
	case In:
		for _, x := range t.Strs {
			if string(s) == x {
				return true
			}
		}
	case Prefix:
		for _, x := range t.Strs {
			if bytes.HasPrefix(s, []byte(x)) {
				return true
			}
		}
	case Contains:
		return containsAction(s, t.Strs[0])
	case Last:
		return lastAction(s, t.Strs[0])
	}
	return false
}

func textOf(e *alblog.Entry, f Field) []byte {
	switch f {
	case ErrorReason:
		return e.ErrorReason
	case Actions:
		return e.ActionsExecuted
	case Classification:
		return e.Classification
	case TargetAddr:
		return e.Target
	}
	return nil
}

// numberOf returns a numeric field; known is false only for an unknown
// Elapsed.
func numberOf(e *alblog.Entry, f Field) (v int64, known bool) {
	switch f {
	case Status:
		return int64(e.ELBStatusCode), true
	case TargetStatus:
		return int64(e.TargetStatusCode), true
	case RequestTime:
		return e.RequestProcessingTime, true
	case TargetTime:
		return e.TargetProcessingTime, true
	case ResponseTime:
		return e.ResponseProcessingTime, true
	case Elapsed:
		return e.Elapsed()
	}
	return 0, false
}

// Match returns the first rule of the entry table that e satisfies.
func Match(e *alblog.Entry) *Rule {
	for i := range entryRules {
		r := &entryRules[i]
		ok := true
		for j := range r.Tests {
			if !r.Tests[j].holds(e) {
				ok = false
				break
			}
		}
		if ok {
			return r
		}
	}
	return &entryRules[len(entryRules)-1] // unreachable: the last rule has no tests
}

// Quantity is a number that describes a pending error's context (see Window).
type Quantity uint8

// The quantities context rules compare. Zero is the constant 0.
const (
	Zero Quantity = iota
	Served
	ServedBefore
	ServedAfter
	ServedMinute
	FailedMinute
	FailedWindow
	ServedAround // Served - ServedMinute
	FailedAround // FailedWindow - FailedMinute
	NeighborBurst
	Run
	Minutes
)

// CmpOp compares two quantities.
type CmpOp uint8

// Comparisons.
const (
	EQ CmpOp = iota + 1
	GT
	GE
	LE
)

// Cmp is the condition Mul×A Op B + K (Mul 0 counts as 1).
type Cmp struct {
	A   Quantity
	Mul int64
	Op  CmpOp
	B   Quantity
	K   int64
}

// ContextRule is one line of the context table, which decides a pending 502
// from its Window: the first rule whose conditions all hold decides.
type ContextRule struct {
	When       []Cmp
	Cause      Cause
	Confidence Confidence
	Text       string
}

// BurstMin is the fewest failures in a minute that can make a burst.
const BurstMin = 3

// burst is IsBurst over two quantities: at least BurstMin failures,
// outnumbering the successes.
func burst(served, failed Quantity) []Cmp {
	return []Cmp{{A: failed, Op: GE, B: Zero, K: BurstMin}, {A: failed, Op: GT, B: served}}
}

// contextRules is the context table. A race is an isolated failure on a
// target that is otherwise serving; an unreachable target serves nothing, or
// fails most of its requests in a burst.
var contextRules = []ContextRule{
	{[]Cmp{{A: Served, Op: EQ, B: Zero}, {A: Minutes, Op: GT, B: Zero, K: 1}}, TargetUnreachable, High,
		"the target served no request within the idle timeout of the error"},
	{[]Cmp{{A: Served, Op: EQ, B: Zero}}, TargetUnreachable, High,
		"the target served no request within a minute of the error"},
	{burst(ServedMinute, FailedMinute), TargetUnreachable, Medium,
		"a burst: the target failed most of its requests in that minute"},
	{[]Cmp{{A: NeighborBurst, Op: GT, B: Zero}}, TargetUnreachable, Medium,
		"the edge of a burst: the target failed most of its requests in the next or previous minute"},
	{[]Cmp{{A: Run, Op: GE, B: Zero, K: 3}, {A: ServedMinute, Op: EQ, B: Zero}}, TargetUnreachable, Medium,
		"failures in a row: the target failed at least 3 requests with no success between them"},
	// Sparse traffic to a dead target: few requests a minute, but failures
	// outnumber successes around it.
	{append([]Cmp{{A: Minutes, Op: GT, B: Zero, K: 1}}, burst(ServedAround, FailedAround)...), TargetUnreachable, Medium,
		"sparse failures outnumber the target's successes within the idle timeout of the error"},
	// At most one failure in ten requests of its minute.
	{[]Cmp{{A: ServedBefore, Op: GT, B: Zero}, {A: ServedAfter, Op: GT, B: Zero}, {A: FailedMinute, Mul: 9, Op: LE, B: ServedMinute}},
		KeepaliveRace, High, "isolated failure: the target served requests before and after it"},
	{nil, KeepaliveRace, Medium, "isolated failure: the target served other requests around it"},
}

// ContextRules returns the context table, in the order it is tried.
func ContextRules() []ContextRule { return append([]ContextRule(nil), contextRules...) }

// value returns quantity q of w.
func (w *Window) value(q Quantity) int64 {
	switch q {
	case Served:
		return w.Served
	case ServedBefore:
		return w.ServedBefore
	case ServedAfter:
		return w.ServedAfter
	case ServedMinute:
		return w.ServedMinute
	case FailedMinute:
		return w.FailedMinute
	case FailedWindow:
		return w.FailedWindow
	case ServedAround:
		return w.Served - w.ServedMinute
	case FailedAround:
		return w.FailedWindow - w.FailedMinute
	case NeighborBurst:
		if w.NeighborBurst {
			return 1
		}
		return 0
	case Run:
		return w.Run
	case Minutes:
		return w.Minutes
	}
	return 0
}

func (c Cmp) holds(w *Window) bool {
	mul := c.Mul
	if mul == 0 {
		mul = 1
	}
	a, b := mul*w.value(c.A), w.value(c.B)+c.K
	switch c.Op {
	case EQ:
		return a == b
	case GT:
		return a > b
	case GE:
		return a >= b
	case LE:
		return a <= b
	}
	return false
}
