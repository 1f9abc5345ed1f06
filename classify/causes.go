// Package classify decides why a load balancer returned an error, from one ALB
// access log entry and, where one line cannot tell, from what the same target did
// around the same time.
//
// Cause IDs are a public interface (JSON output, documentation): never rename one.
package classify

// Cause is a stable identifier of a root cause.
type Cause string

// The causes lbdoctor knows. See the README for their documentation.
const (
	KeepaliveRace             Cause = "keepalive-race"
	TargetUnreachable         Cause = "target-unreachable"
	TargetClosedDuringRequest Cause = "target-closed-during-request"
	TargetBadResponse         Cause = "target-bad-response"
	TargetConnectTimeout      Cause = "target-connect-timeout"
	TargetResponseTimeout     Cause = "target-response-timeout"
	LBTimeoutUnexplained      Cause = "lb-timeout-unexplained"
	NoTargets                 Cause = "no-targets"
	ClientClosed              Cause = "client-closed"
	ClientTimeout             Cause = "client-timeout"
	XFFTooLong                Cause = "xff-too-long"
	ProtocolMismatch          Cause = "protocol-mismatch"
	BadRequest                Cause = "bad-request"
	DesyncRejected            Cause = "desync-rejected"
	WAFBlocked                Cause = "waf-blocked"
	WAFError                  Cause = "waf-error"
	AuthError                 Cause = "auth-error"
	LambdaError               Cause = "lambda-error"
	WeightedTGError           Cause = "weighted-tg-error"
	FixedResponse             Cause = "fixed-response"
	LBInternalError           Cause = "lb-internal-error"
	TargetError               Cause = "target-error"
	Unclassified              Cause = "unclassified"
)

// Info is what lbdoctor tells a user about a cause.
type Info struct {
	ID Cause
	// Status lists the status codes the cause shows as, e.g. "502".
	Status string
	// Explanation is one line: what happened.
	Explanation string
	// NextStep is what to do about it.
	NextStep string
	// Link points to the documentation that explains it.
	Link string
}

const troubleshootingURL = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html"

// catalog holds every cause in the order the README documents them.
var catalog = []Info{
	{KeepaliveRace, "502",
		"the target closed an idle keep-alive connection just as the load balancer reused it",
		"make the target's idle keep-alive timeout longer than the load balancer's idle timeout (LB + 5 s), or lower the LB idle timeout; measure the target with `lbdoctor probe URL`",
		"https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout"},
	{TargetUnreachable, "502, 503",
		"the load balancer could not connect to the target or the connection was reset at once (target down, restarting, wrong port, security group)",
		"check the target's health, restarts and deploys at those times, its port and the security groups / NACLs",
		troubleshootingURL},
	{TargetClosedDuringRequest, "502",
		"the target accepted the request, then closed the connection before sending response headers (crash, OOM kill, worker timeout, deregistration)",
		"look for restarts, OOM kills and worker timeouts (e.g. gunicorn --timeout) at those times; raise the deregistration delay; shut down gracefully",
		troubleshootingURL},
	{TargetBadResponse, "502",
		"the target sent a response the load balancer would not relay (malformed, invalid headers, headers over 32 KB)",
		"inspect the target's raw response with `curl -v` directly against the target",
		troubleshootingURL},
	{TargetConnectTimeout, "504",
		"the load balancer could not open a connection to the target within its 10 s connect timeout",
		"check security groups / NACLs between the load balancer and the target, and whether the target is overloaded (SYN backlog)",
		troubleshootingURL},
	{TargetResponseTimeout, "504",
		"the target did not send response headers before the load balancer's idle timeout",
		"speed up the endpoint, or raise the load balancer's idle timeout (and then the target's keep-alive timeout above it)",
		troubleshootingURL},
	{LBTimeoutUnexplained, "504",
		"the load balancer answered 504 after a time that cannot be its idle timeout (under 1 s, ALB's minimum, or far from the idle timeout the other 504s show); the log does not say why",
		"do not read an idle timeout from these; compare the times with the target's own logs and CloudWatch (TargetConnectionErrorCount, HTTPCode_ELB_504_Count), and report the pattern to lbdoctor",
		troubleshootingURL},
	{NoTargets, "503",
		"the target group had no registered or healthy targets",
		"register targets and fix failing health checks",
		troubleshootingURL},
	{ClientClosed, "460",
		"the client closed the connection before the load balancer answered",
		"raise the client's timeout or make the target answer faster",
		troubleshootingURL},
	{ClientTimeout, "408",
		"the client sent no data before the load balancer's idle timeout",
		"usually harmless (idle or slow clients); raise the idle timeout if legitimate clients are slow",
		troubleshootingURL},
	{XFFTooLong, "463",
		"the request carried an X-Forwarded-For header with more than 30 addresses",
		"find the client or proxy chain that keeps appending to X-Forwarded-For",
		troubleshootingURL},
	{ProtocolMismatch, "464",
		"the request's protocol did not match the target group's protocol version (HTTP/1.1, HTTP/2, gRPC)",
		"match the target group's protocol version to what clients send",
		troubleshootingURL},
	{BadRequest, "400, 405, 414, 501, 505",
		"the load balancer rejected a malformed request (bad syntax, headers too large, unsupported method or version)",
		"usually client-side; look at the request line in the examples",
		troubleshootingURL},
	{DesyncRejected, "400",
		"desync mitigation mode blocked a request classified Ambiguous or Severe",
		"see classification_reason in the examples; consider the desync mitigation mode setting",
		"https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#desync-mitigation-mode"},
	{WAFBlocked, "403",
		"an AWS WAF web ACL blocked the request",
		"check the WAF rule that matched (WAF logs) if legitimate traffic is blocked",
		troubleshootingURL},
	{WAFError, "500",
		"the load balancer could not consult AWS WAF",
		"see error_reason in the examples; check the WAF web ACL association",
		troubleshootingURL},
	{AuthError, "401, 500, 561",
		"an authenticate action failed (identity provider error or timeout, invalid cookie or token, claims too large)",
		"see error_reason in the examples and the identity provider's logs",
		"https://docs.aws.amazon.com/elasticloadbalancing/latest/application/listener-authenticate-users.html"},
	{LambdaError, "502, 503, 504, 413",
		"a Lambda target failed; error_reason says how",
		"see error_reason in the examples and the function's logs",
		"https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html"},
	{WeightedTGError, "5xx",
		"weighted target group routing failed (invalid stickiness cookie or internal error)",
		"see error_reason in the examples",
		troubleshootingURL},
	{FixedResponse, "4xx, 5xx",
		"a listener rule answered with a fixed response it was configured to send",
		"intended behaviour unless the rule is wrong; check the listener rules",
		"https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#fixed-response-actions"},
	{LBInternalError, "500",
		"the load balancer failed internally (e.g. a WAF rule execution error)",
		"retry; if it persists, open an AWS support case with the trace IDs of the examples",
		troubleshootingURL},
	{TargetError, "5xx",
		"the target itself returned the error; the load balancer only relayed it",
		"look at the application's own logs for those requests (trace IDs in the examples)",
		""},
	{Unclassified, "any",
		"a load-balancer-generated error that matches none of lbdoctor's rules",
		"look at the raw fields of the examples; please report the pattern to lbdoctor",
		troubleshootingURL},
}

// Catalog returns every known cause, in documentation order.
func Catalog() []Info { return append([]Info(nil), catalog...) }

// Lookup returns what lbdoctor knows about cause id.
func Lookup(id Cause) (Info, bool) {
	for _, in := range catalog {
		if in.ID == id {
			return in, true
		}
	}
	return Info{}, false
}
