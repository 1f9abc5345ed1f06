package classify

import (
	"strings"
	"testing"

	"github.com/lbdoctor/lbdoctor/alblog"
)

// line builds a realistic entry: times, statuses, target, elapsed seconds
// (request_creation_time before time), error_reason, actions, classification.
func line(times, status, target, created, reason, actions, class string) string {
	l := `http 2024-05-01T10:00:10.000000Z app/shop/50dc6c495c0c9188 81.2.3.4:51234 TARGET TIMES STATUS 210 277 "POST http://shop.example.com:80/api/cart HTTP/1.1" "okhttp/4.12.0" - - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg/73e2d6bc24d8a067 "Root=1-66321c0a-aaaaaaaaaaaaaaaaaaaaaaaa" "-" "-" 1 CREATED "ACTIONS" "-" "REASON" "TARGET" "TSTATUS" "CLASS" "-" TID_1`
	tstatus := strings.Fields(status)[1]
	r := strings.NewReplacer("TARGET", target, "TIMES", times, "STATUS", status, "CREATED", created,
		"REASON", reason, "ACTIONS", actions, "TSTATUS", tstatus, "CLASS", class)
	return r.Replace(l)
}

const (
	at0     = "2024-05-01T10:00:09.998000Z" // 2 ms before the response
	at4s    = "2024-05-01T10:00:05.795000Z" // 4.2 s before
	at10s   = "2024-05-01T10:00:00.000000Z" // 10 s before
	at60s   = "2024-05-01T09:59:10.000000Z" // 60 s before
	tgt     = "10.0.1.10:8080"
	noTgt   = "-"
	forward = "forward"
)

func TestEntry(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		origin  Origin
		cause   Cause
		pending bool
	}{
		{"success", line("0.000 0.012 0.000", "200 200", tgt, at0, "-", forward, "-"), Success, "", false},
		{"LB redirect", line("0.000 0.000 0.000", "301 -", noTgt, at0, "-", "redirect", "-"), Success, "", false},
		{"target 404 is the target's", line("0.000 0.012 0.000", "404 404", tgt, at0, "-", forward, "-"), Target, "", false},
		{"target 500", line("0.000 0.050 0.000", "500 500", tgt, at0, "-", forward, "-"), Target, TargetError, false},
		{"target 503", line("0.000 0.050 0.000", "503 503", tgt, at0, "-", forward, "-"), Target, TargetError, false},
		{"race, all -1", line("-1 -1 -1", "502 -", tgt, at0, "-", forward, "-"), LB, "", true},
		{"race, small times", line("0.003 0.000 -1", "502 -", tgt, at0, "-", forward, "-"), LB, "", true},
		{"closed during request (AWS 0.001 4.205 -1)", line("0.001 4.205 -1", "502 -", tgt, at4s, "-", forward, "-"), LB, TargetClosedDuringRequest, false},
		{"closed during request, all -1, long elapsed", line("-1 -1 -1", "502 -", tgt, at4s, "-", forward, "-"), LB, TargetClosedDuringRequest, false},
		{"bad response", line("0.000 0.020 0.000", "502 -", tgt, at0, "-", forward, "-"), LB, TargetBadResponse, false},
		{"connect timeout", line("-1 -1 -1", "504 -", tgt, at10s, "-", forward, "-"), LB, TargetConnectTimeout, false},
		{"response timeout (resolved against the idle timeout)", line("-1 -1 -1", "504 -", tgt, at60s, "-", forward, "-"), LB, "", false},
		{"504 too fast to be a timeout", line("-1 -1 -1", "504 -", tgt, at0, "-", forward, "-"), LB, LBTimeoutUnexplained, false},
		{"no targets", line("-1 -1 -1", "503 -", noTgt, at0, "-", forward, "-"), LB, NoTargets, false},
		{"503 from a named target", line("-1 -1 -1", "503 -", tgt, at0, "-", forward, "-"), LB, TargetUnreachable, false},
		{"client closed", line("0.000 -1 -1", "460 -", tgt, at4s, "-", forward, "-"), LB, ClientClosed, false},
		{"client timeout", line("-1 -1 -1", "408 -", noTgt, at60s, "-", "-", "-"), LB, ClientTimeout, false},
		{"xff too long", line("-1 -1 -1", "463 -", noTgt, at0, "-", "-", "-"), LB, XFFTooLong, false},
		{"protocol mismatch", line("-1 -1 -1", "464 -", noTgt, at0, "-", "-", "-"), LB, ProtocolMismatch, false},
		{"bad request", line("-1 -1 -1", "400 -", noTgt, at0, "-", "-", "-"), LB, BadRequest, false},
		{"uri too long", line("-1 -1 -1", "414 -", noTgt, at0, "-", "-", "-"), LB, BadRequest, false},
		{"desync", line("-1 -1 -1", "400 -", noTgt, at0, "-", "-", "Severe"), LB, DesyncRejected, false},
		{"waf blocked", line("0.000 0.000 0.000", "403 -", noTgt, at0, "-", "waf", "-"), LB, WAFBlocked, false},
		{"waf failed", line("0.000 0.000 0.000", "500 -", noTgt, at0, "-", "waf-failed", "-"), LB, WAFError, false},
		{"waf error reason", line("0.000 0.000 0.000", "500 -", noTgt, at0, "WAFConnectionTimeout", "waf", "-"), LB, WAFError, false},
		{"auth", line("0.000 0.000 0.000", "561 -", noTgt, at0, "AuthInvalidIdToken", "authenticate", "-"), LB, AuthError, false},
		{"auth 561 without reason", line("0.000 0.000 0.000", "561 -", noTgt, at0, "-", "authenticate", "-"), LB, AuthError, false},
		{"lambda", line("0.000 0.001 0.000", "502 -", noTgt, at0, "LambdaInvalidResponse", forward, "-"), LB, LambdaError, false},
		{"weighted", line("0.000 0.000 0.000", "500 -", noTgt, at0, "AWSALBTGCookieInvalid", forward, "-"), LB, WeightedTGError, false},
		{"fixed response", line("0.000 0.000 0.000", "503 -", noTgt, at0, "-", "fixed-response", "-"), LB, FixedResponse, false},
		{"internal", line("0.000 0.000 0.000", "500 -", noTgt, at0, "-", forward, "-"), LB, LBInternalError, false},
		{"unknown error reason", line("0.000 0.000 0.000", "502 -", noTgt, at0, "SomethingNew", forward, "-"), LB, Unclassified, false},
		{"unknown status", line("0.000 0.000 0.000", "418 -", noTgt, at0, "-", forward, "-"), LB, Unclassified, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e alblog.Entry
			if err := alblog.Parse([]byte(tt.line), &e); err != nil {
				t.Fatalf("parse: %v\n%s", err, tt.line)
			}
			d := Entry(&e)
			if d.Origin != tt.origin || d.Cause != tt.cause || d.Pending != tt.pending {
				t.Errorf("got origin %d cause %q pending %v (%s), want origin %d cause %q pending %v",
					d.Origin, d.Cause, d.Pending, d.Rule, tt.origin, tt.cause, tt.pending)
			}
			if d.Timeout != (tt.name == "response timeout (resolved against the idle timeout)") {
				t.Errorf("Timeout %v", d.Timeout)
			}
			if (d.Cause != "" || d.Pending || d.Timeout) && d.Rule == "" {
				t.Error("a decision without a rule")
			}
			if d.Cause != "" {
				if _, ok := Lookup(d.Cause); !ok {
					t.Errorf("cause %q is not in the catalog", d.Cause)
				}
			}
		})
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name string
		w    Window
		want Cause
		conf Confidence
	}{
		{"isolated on a busy target", Window{Served: 900, ServedBefore: 300, ServedAfter: 300, ServedMinute: 300, FailedMinute: 1}, KeepaliveRace, High},
		{"isolated at low traffic", Window{Served: 2, ServedMinute: 2, FailedMinute: 1}, KeepaliveRace, Medium},
		{"target served nothing", Window{Served: 0, FailedMinute: 1}, TargetUnreachable, High},
		{"burst", Window{Served: 400, ServedBefore: 300, ServedAfter: 300, ServedMinute: 20, FailedMinute: 80}, TargetUnreachable, Medium},
		{"edge of a burst", Window{Served: 400, ServedBefore: 300, ServedAfter: 300, ServedMinute: 40, FailedMinute: 30, NeighborBurst: true}, TargetUnreachable, Medium},
		{"two failures are not a burst", Window{Served: 3, ServedMinute: 1, FailedMinute: 2}, KeepaliveRace, Medium},
	}
	for _, tt := range tests {
		c, conf, why := Resolve(tt.w)
		if c != tt.want || conf != tt.conf || why == "" {
			t.Errorf("%s: got %s/%s (%s), want %s/%s", tt.name, c, conf, why, tt.want, tt.conf)
		}
	}
}

func TestCatalogIsComplete(t *testing.T) {
	seen := map[Cause]bool{}
	for _, in := range Catalog() {
		if seen[in.ID] {
			t.Errorf("duplicate cause %s", in.ID)
		}
		seen[in.ID] = true
		if in.Explanation == "" || in.NextStep == "" || in.Status == "" {
			t.Errorf("%s: missing text", in.ID)
		}
	}
	if len(seen) != 23 {
		t.Errorf("catalog has %d causes", len(seen))
	}
}

func TestResolveTimeout(t *testing.T) {
	tests := []struct {
		secs int64
		idle IdleTimeout
		want Cause
		conf Confidence
	}{
		{60, IdleTimeout{60, "inferred"}, TargetResponseTimeout, High},
		{61, IdleTimeout{60, "inferred"}, TargetResponseTimeout, High},   // within 1 s
		{122, IdleTimeout{120, "declared"}, TargetResponseTimeout, High}, // within 2 %
		{5, IdleTimeout{60, "inferred"}, LBTimeoutUnexplained, Low},
		{60, IdleTimeout{120, "declared"}, LBTimeoutUnexplained, Low},
		{4000, IdleTimeout{3900, "inferred"}, LBTimeoutUnexplained, Low}, // 2 % of 3900 is 78 s
		{3970, IdleTimeout{3900, "inferred"}, TargetResponseTimeout, High},
		{30, IdleTimeout{}, TargetResponseTimeout, Medium}, // unknown: cannot confirm
	}
	for _, tt := range tests {
		c, conf, why := ResolveTimeout(tt.secs, tt.idle)
		if c != tt.want || conf != tt.conf || why == "" {
			t.Errorf("ResolveTimeout(%d, %+v) = %s %s %q, want %s %s", tt.secs, tt.idle, c, conf, why, tt.want, tt.conf)
		}
	}
}

// TestRuleTables checks the tables that Go and SQL both read: every cause is
// in the catalog, the last rule of each decides everything left, and each test
// compares a field the way its kind allows.
func TestRuleTables(t *testing.T) {
	rules := EntryRules()
	for i, r := range rules {
		if r.Cause != "" {
			if _, ok := Lookup(r.Cause); !ok {
				t.Errorf("entry rule %d: cause %q not in the catalog", i+1, r.Cause)
			}
		}
		if (r.Cause != "" || r.Outcome != Decided) && r.Text == "" {
			t.Errorf("entry rule %d has no text", i+1)
		}
		if len(r.Tests) == 0 && i != len(rules)-1 {
			t.Errorf("entry rule %d has no tests but is not the last", i+1)
		}
		for _, tt := range r.Tests {
			text := tt.Op == Prefix || tt.Op == Contains || tt.Op == Last || tt.Op == In && len(tt.Strs) > 0
			number := tt.Op == Less || tt.Op == AtLeast || tt.Op == In && len(tt.Ints) > 0
			if text && !tt.Field.IsText() || number && tt.Field.IsText() {
				t.Errorf("entry rule %d: op %d on field %d", i+1, tt.Op, tt.Field)
			}
		}
	}
	if last := rules[len(rules)-1]; len(last.Tests) != 0 || last.Cause != Unclassified {
		t.Errorf("the last entry rule is %+v", last)
	}
	ctx := ContextRules()
	for i, r := range ctx {
		if r.Cause != KeepaliveRace && r.Cause != TargetUnreachable || r.Text == "" {
			t.Errorf("context rule %d: %+v", i+1, r)
		}
		if len(r.When) == 0 && i != len(ctx)-1 {
			t.Errorf("context rule %d has no conditions but is not the last", i+1)
		}
	}
}

// Entry's shortcut for successes decides as the table does, for every
// status.
func TestEntrySuccessShortcut(t *testing.T) {
	if successBelow != 400 {
		t.Fatalf("successBelow = %d: the first rule is no longer status < 400", successBelow)
	}
	for s := alblog.Missing; s < 1000; s++ {
		e := &alblog.Entry{ELBStatusCode: s, TargetStatusCode: 200, Target: []byte("10.0.0.1:80")}
		r := Match(e)
		want := Decision{Origin: r.Origin, Cause: r.Cause, Confidence: r.Confidence, Rule: r.Text,
			Pending: r.Outcome == Pending, Timeout: r.Outcome == Timeout}
		if got := Entry(e); got != want {
			t.Fatalf("status %d: %+v, want %+v", s, got, want)
		}
		if IsSuccess(e) != (r == &entryRules[0]) {
			t.Fatalf("status %d: IsSuccess %v, first rule %v", s, IsSuccess(e), r == &entryRules[0])
		}
	}
}
