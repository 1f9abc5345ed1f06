// Package check reads infrastructure and application configuration in a
// repository, resolves the effective idle keep-alive timeout of every hop
// (defaults included, version-aware) and reports each hop whose timeout is not
// strictly greater than the idle timeout of the hop in front of it.
//
// Rule IDs are a public interface (JSON, SARIF, documentation): never rename one.
package check

import (
	"fmt"
	"time"
)

// Severity of a finding.
type Severity string

// Severities, most severe first.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Rank orders severities: error 3, warning 2, info 1.
func (s Severity) Rank() int {
	switch s {
	case Error:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// Rule is one kind of finding.
type Rule struct {
	ID       string
	Name     string
	Severity Severity
	Summary  string
	Link     string
}

const keepaliveDoc = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout"

// Rules lbdoctor check knows.
var (
	RuleShorter = Rule{"LBD001", "backend-shorter-than-front", Error,
		"a backend's idle keep-alive timeout is shorter than the idle timeout of the hop that reuses its connections: it closes connections that hop is about to reuse (502s)", keepaliveDoc}
	RuleEqual = Rule{"LBD002", "backend-equal-to-front", Error,
		"a backend's idle keep-alive timeout equals the idle timeout in front of it: two equal timers still race (502s)", keepaliveDoc}
	RuleThinMargin = Rule{"LBD003", "thin-margin", Warning,
		"a backend's idle keep-alive timeout exceeds the one in front of it by less than 5 s", keepaliveDoc}
	RuleNodeHeaders = Rule{"LBD004", "node-headers-timeout", Error,
		"Node.js headersTimeout is not greater than keepAliveTimeout on a Node version that measures it across keep-alive requests (before 12.19)", "https://github.com/nodejs/node/issues/27363"}
	RuleUnknown = Rule{"LBD005", "unknown-value", Info,
		"a timeout could not be resolved (a variable, an intrinsic function, an environment value)", ""}
	RuleNoSuchProperty = Rule{"LBD006", "property-not-in-version", Error,
		"a setting does not exist in the detected version, so the default applies", "https://docs.spring.io/spring-boot/appendix/application-properties/index.html"}
	RuleNoKeepalive = Rule{"LBD007", "no-keepalive", Info,
		"the server does not keep connections alive, so it cannot race (at the cost of a handshake per request)", ""}
)

// AllRules lists every rule in documentation order.
func AllRules() []Rule {
	return []Rule{RuleShorter, RuleEqual, RuleThinMargin, RuleNodeHeaders, RuleUnknown, RuleNoSuchProperty, RuleNoKeepalive, RuleClientPool}
}

// Role says where a hop sits in a chain.
type Role string

// Roles.
const (
	// LB is a load balancer: it reuses connections to what is behind it.
	LB Role = "lb"
	// Proxy both serves clients (its idle timeout faces the LB) and may pool
	// connections to the applications behind it.
	Proxy Role = "proxy"
	// App serves requests.
	App Role = "app"
)

// Location is a place in a file.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

func (l Location) String() string { return fmt.Sprintf("%s:%d", l.File, l.Line) }

// Hop is one component with an idle timeout.
type Hop struct {
	Role Role
	Kind string // e.g. "aws_lb", "nginx", "spring-boot-tomcat"; a stacks ID for apps
	Name string // e.g. "aws_lb.main", "nginx server 0.0.0.0:80"
	// Idle is the effective idle timeout facing the hop in front (0 with
	// Known false when it could not be resolved; NoKeepalive when the server
	// closes after each response; Infinite when there is none).
	Idle     time.Duration
	Known    bool
	Source   string // how the value was found
	Location Location
	// UpstreamIdle is, for a proxy that pools connections to its backends,
	// the idle timeout of that pool (0 when it does not pool).
	UpstreamIdle time.Duration
	UpstreamLoc  Location
	// UpstreamSource says how UpstreamIdle was found ("" for the proxy's
	// usual wording).
	UpstreamSource string
	// Setting renders the fix for this hop with a timeout.
	Setting func(time.Duration) string
	// Pattern marks a value read by pattern matching (no parser fits the
	// format, e.g. JavaScript, shell command lines): findings about it have
	// medium confidence instead of high.
	Pattern bool
	// platform is, for an Elastic Beanstalk environment, its solution stack
	// or platform as written ("64bit Amazon Linux 2023 v4.3.0 running
	// Docker"), which says whether the platform's nginx is Docker's.
	platform string
	// workload is, for a container of a Kubernetes manifest, its workload's
	// name (a Deployment's), which an Ingress's Service selects.
	workload string
	// gunicorn holds, for a gunicorn command line, what it sets itself,
	// which a ./gunicorn.conf.py beside it completes (see
	// applyGunicornConfFiles); for that file, what the file sets.
	gunicorn *gunicornSettings
	// pumaDefault is, for Puma at its default persistent_timeout, the
	// version from Gemfile.lock (a platform may set its variable).
	pumaDefault *version
	// heroku is, for the web process of a Heroku app, where its manifest
	// is: Heroku's router is in front (see markHerokuWeb).
	heroku *Location
	// tiangolo marks gunicorn run by one of tiangolo's uvicorn-gunicorn
	// images, whose KEEP_ALIVE another file may set (settleTiangoloHops).
	tiangolo bool
	// userData is, for a server an instance's user data starts, which
	// block sets that script and whether anything routes to it.
	userData *userDataRoute
	// fronts is, for a proxy, that it passes every request to a load
	// balancer (proxy_pass to an internal ALB's DNS name): the
	// applications are behind that, not behind the proxy.
	fronts bool
	// spring is, for a Spring Boot application's property file, which
	// profile it is and what it sets (see applySpringProfiles).
	spring *springProfile
	// ingress is, for an ALB Ingress or an IngressClassParams, what
	// settleIngressClasses needs.
	ingress *albIngress
	// socketOnly is, for a server that listens only on a unix socket
	// (gunicorn --bind unix:..., uvicorn --uds, Puma's bind "unix://"),
	// that socket: no load balancer reaches it, only a proxy on the host.
	socketOnly string
	// nodeBuild is, for a command that runs a Node framework's build
	// (node build), the package its project must depend on for the hop to
	// count (see settleNodeBuilds).
	nodeBuild string
}

// Special values of Hop.Idle.
const (
	NoKeepalive time.Duration = -1
	Infinite    time.Duration = 1<<63 - 1
)

// Finding is one problem.
type Finding struct {
	Rule     Rule
	Location Location
	Message  string
	Chain    string // e.g. "aws_lb.main (120s) -> nginx (65s)"
	Fix      string
	// Confidence is "high" when every value came from a real parser,
	// "medium" when one was read by pattern matching.
	Confidence string
	// Severity, when set, replaces the rule's (a race against a load
	// balancer the repository does not link to the backend is a warning).
	Severity Severity
}

// Level is the finding's severity: its own, else its rule's.
func (f Finding) Level() Severity {
	if f.Severity != "" {
		return f.Severity
	}
	return f.Rule.Severity
}

// ParseError is a file lbdoctor could not read.
type ParseError struct {
	Location Location
	Err      error
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s: %v", e.Location, e.Err) }
