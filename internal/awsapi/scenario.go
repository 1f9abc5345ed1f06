// Package awsapi is a local stand-in for the AWS APIs that `lbdoctor aws`
// calls, for tests: it answers the real SDK clients on 127.0.0.1 in each
// service's own wire protocol, from a Scenario of load balancers, target
// groups, targets and metric series.
//
//   - Elastic Load Balancing v2 and STS: the AWS Query protocol (form-encoded
//     POST with Action=..., XML responses and <ErrorResponse> errors), shaped
//     like the examples in their API references.
//   - EC2 (DescribeInstances): the EC2 Query protocol, whose XML has no
//     Result element and lowercase names.
//   - CloudWatch: Smithy RPC v2 CBOR (POST /service/GraniteServiceVersion20100801/
//     operation/GetMetricData), which is what aws-sdk-go-v2's cloudwatch client
//     sends since it left the Query protocol, with the query-compatible
//     X-Amzn-Query-Error header on errors.
//
// Nothing here is used by lbdoctor itself: the clients under test are the
// SDK's, unchanged, pointed here by their base endpoint.
package awsapi

import "time"

// Scenario is what the account holds.
type Scenario struct {
	Account string
	// Regions by name; a region missing here has no load balancers.
	Regions map[string]*Region
	Faults  Faults
}

// Region holds a region's load balancers and the private IPs of its EC2
// instances (by instance ID), for instance targets.
type Region struct {
	LBs       []*LB
	Instances map[string]string
}

// LB is one load balancer.
type LB struct {
	Name   string
	ID     string // 16 hex digits, as in the ARN
	Type   string // application, network, gateway
	Scheme string // internet-facing, internal
	// Attributes as DescribeLoadBalancerAttributes returns them.
	Attributes map[string]string
	Listeners  []Listener
	Groups     []*TargetGroup
	// Metrics are the AWS/ApplicationELB series with only the LoadBalancer
	// dimension, by metric name.
	Metrics map[string][]Point
	// Tags as DescribeTags returns them (Elastic Beanstalk tags the load
	// balancers it makes with elasticbeanstalk:environment-name).
	Tags map[string]string
}

// Listener is a listener's protocol and port.
type Listener struct {
	Protocol string
	Port     int
}

// TargetGroup is a target group attached to the load balancer.
type TargetGroup struct {
	Name            string
	ID              string // 16 hex digits
	Protocol        string // HTTP, HTTPS
	ProtocolVersion string // HTTP1, HTTP2, GRPC
	TargetType      string // instance, ip, lambda
	Port            int
	Targets         []Target
	// Metrics with the TargetGroup and LoadBalancer dimensions.
	Metrics map[string][]Point
}

// Target is a registered target and its health.
type Target struct {
	ID          string // instance ID or IP address
	Port        int
	State       string // healthy, unhealthy, unused, initial, draining
	Reason      string // e.g. Target.ResponseCodeMismatch
	Description string
}

// Point is one data point: the value of a metric over the minute that
// starts at T.
type Point struct {
	T time.Time
	V float64
}

// Faults make the server misbehave as AWS does.
type Faults struct {
	// Deny answers these actions (e.g. "GetMetricData") with AccessDenied.
	Deny map[string]bool
	// Throttle answers the first N calls of these actions with throttling.
	Throttle map[string]int
	// ExpiredToken answers every call with ExpiredToken.
	ExpiredToken bool
	// PageSize caps the items per page of paginated ELBv2 calls (AWS allows
	// up to 400); 0 means 400.
	PageSize int
	// MaxDatapoints caps the data points per GetMetricData page (AWS: 100,800);
	// 0 means 100,800.
	MaxDatapoints int
}

// ARN returns the load balancer's ARN in region for account.
func (lb *LB) ARN(region, account string) string {
	return "arn:aws:elasticloadbalancing:" + region + ":" + account + ":loadbalancer/" + lb.dimension()
}

// dimension is the LoadBalancer dimension value, e.g. app/name/id.
func (lb *LB) dimension() string {
	return lbPrefix(lb.Type) + "/" + lb.Name + "/" + lb.ID
}

// ARN returns the target group's ARN.
func (g *TargetGroup) ARN(region, account string) string {
	return "arn:aws:elasticloadbalancing:" + region + ":" + account + ":" + g.dimension()
}

func (g *TargetGroup) dimension() string { return "targetgroup/" + g.Name + "/" + g.ID }

func lbPrefix(typ string) string {
	switch typ {
	case "network":
		return "net"
	case "gateway":
		return "gwy"
	}
	return "app"
}
