package awsapi

import "time"

// Fixture names the load balancers of Example, one per metric pattern.
const (
	RaceLB    = "api-prod" // a trickle of 502s over days: the keep-alive race
	OutageLB  = "checkout" // a 10-minute burst of 502/503 with unhealthy hosts
	StormLB   = "search"   // targets answer 5xx themselves for two hours
	TimeoutLB = "reports"  // 504s every few minutes over hours
	HealthyLB = "admin"    // traffic, no errors
	LogsOffLB = "legacy"   // the race, with access logs off
	NetworkLB = "tcp-edge" // a Network Load Balancer
	IdleLB    = "staging"  // no traffic at all
	Account   = "123456789012"
	Region1   = "us-east-1" // holds every load balancer above
	Region2   = "eu-west-1" // holds none
)

// Example is the account the tests audit: in Region1, one load balancer per
// pattern, with 7 days of per-minute metrics ending at now (truncated to the
// minute).
func Example(now time.Time) *Scenario {
	now = now.UTC().Truncate(time.Minute)
	start := now.Add(-7 * 24 * time.Hour)
	minutes := int(now.Sub(start) / time.Minute)
	at := func(i int) time.Time { return start.Add(time.Duration(i) * time.Minute) }
	every := func(n int, v float64) []Point { // v each minute i with i%n == 0
		var ps []Point
		for i := 0; i < minutes; i += n {
			ps = append(ps, Point{at(i), v})
		}
		return ps
	}
	span := func(from, to int, v float64) []Point {
		var ps []Point
		for i := from; i < to && i < minutes; i++ {
			ps = append(ps, Point{at(i), v})
		}
		return ps
	}
	attrs := func(idle string, logs bool, bucket, prefix string) map[string]string {
		a := map[string]string{
			"idle_timeout.timeout_seconds":        idle,
			"client_keep_alive.seconds":           "3600",
			"routing.http.desync_mitigation_mode": "defensive",
			"access_logs.s3.enabled":              "false",
			"connection_logs.s3.enabled":          "false",
			"deletion_protection.enabled":         "true",
		}
		if logs {
			a["access_logs.s3.enabled"] = "true"
			a["access_logs.s3.bucket"] = bucket
			a["access_logs.s3.prefix"] = prefix
		}
		return a
	}
	group := func(name, id string, targets ...Target) *TargetGroup {
		return &TargetGroup{Name: name, ID: id, Protocol: "HTTP", ProtocolVersion: "HTTP1", TargetType: "ip", Port: 8080, Targets: targets}
	}
	healthy := func(ip string) Target { return Target{ID: ip, Port: 8080, State: "healthy"} }
	http := []Listener{{"HTTPS", 443}, {"HTTP", 80}}

	race := &LB{Name: RaceLB, ID: "50dc6c495c0c9188", Type: "application", Scheme: "internet-facing",
		Attributes: attrs("60", true, "alb-logs", "prod"), Listeners: http,
		Groups: []*TargetGroup{
			group("api", "73e2d6bc24d8a067", healthy("10.0.1.10"), healthy("10.0.2.10")),
			group("api-canary", "6b3e2d6bc24d8a06", healthy("10.0.1.11")),
			group("api-admin", "1a2b3c4d5e6f7a8b", healthy("10.0.1.12")),
		},
		Metrics: map[string][]Point{
			"RequestCount":           every(1, 120),
			"HTTPCode_ELB_502_Count": every(97, 1),
			"HTTPCode_ELB_5XX_Count": every(97, 1),
		}}
	race.Groups[0].Metrics = map[string][]Point{"RequestCount": every(1, 100)}

	outage := &LB{Name: OutageLB, ID: "6e3c1a7c24d8a0f1", Type: "application", Scheme: "internet-facing",
		Attributes: attrs("60", true, "alb-logs", "checkout"), Listeners: http,
		Groups: []*TargetGroup{group("checkout", "2c4d6e8f0a1b3c5d", healthy("10.0.3.10"), Target{
			ID: "10.0.3.11", Port: 8080, State: "unhealthy", Reason: "Target.ResponseCodeMismatch",
			Description: "Health checks failed with these codes: [502]"})},
		Metrics: map[string][]Point{
			"RequestCount":               every(1, 50),
			"HTTPCode_ELB_502_Count":     span(5000, 5010, 30),
			"HTTPCode_ELB_5XX_Count":     span(5000, 5010, 45), // 30 × 502 + 15 × 503
			"TargetConnectionErrorCount": span(5000, 5010, 30),
		}}
	outage.Groups[0].Metrics = map[string][]Point{"UnHealthyHostCount": span(4998, 5012, 2)}

	storm := &LB{Name: StormLB, ID: "7f1e2d3c4b5a6978", Type: "application", Scheme: "internal",
		Attributes: attrs("60", true, "alb-logs", "search"), Listeners: http,
		Groups: []*TargetGroup{group("search", "3d5e7f9a1b2c4d6e", healthy("10.0.4.10"))},
		Metrics: map[string][]Point{
			"RequestCount":              every(1, 200),
			"HTTPCode_Target_5XX_Count": span(7000, 7120, 20),
		}}

	timeouts := &LB{Name: TimeoutLB, ID: "8a9b0c1d2e3f4a5b", Type: "application", Scheme: "internal",
		Attributes: attrs("30", true, "alb-logs", "reports"), Listeners: http,
		Groups: []*TargetGroup{group("reports", "4e6f8a0b2c3d5e7f", healthy("10.0.5.10"))},
		Metrics: map[string][]Point{
			"RequestCount":           every(1, 10),
			"HTTPCode_ELB_504_Count": span(3000, 3300, 2),
			"HTTPCode_ELB_5XX_Count": span(3000, 3300, 2),
		}}

	ok := &LB{Name: HealthyLB, ID: "9b0c1d2e3f4a5b6c", Type: "application", Scheme: "internal",
		Attributes: attrs("60", false, "", ""), Listeners: http,
		Groups:  []*TargetGroup{group("admin", "5f7a9b1c3d4e6f8a", healthy("10.0.6.10"))},
		Metrics: map[string][]Point{"RequestCount": every(1, 30)}}

	legacy := &LB{Name: LogsOffLB, ID: "0c1d2e3f4a5b6c7d", Type: "application", Scheme: "internet-facing",
		Attributes: attrs("120", false, "", ""), Listeners: http,
		Groups: []*TargetGroup{{Name: "legacy", ID: "6a8b0c2d4e5f7a9b", Protocol: "HTTP", ProtocolVersion: "HTTP1",
			TargetType: "instance", Port: 80, Targets: []Target{{ID: "i-0598c7d356eba48d7", Port: 80, State: "healthy"}}}},
		Metrics: map[string][]Point{
			"RequestCount":           every(1, 40),
			"HTTPCode_ELB_502_Count": every(211, 1),
			"HTTPCode_ELB_5XX_Count": every(211, 1),
		}}

	nlb := &LB{Name: NetworkLB, ID: "1d2e3f4a5b6c7d8e", Type: "network", Scheme: "internet-facing",
		Attributes: map[string]string{"load_balancing.cross_zone.enabled": "false"}, Listeners: []Listener{{"TCP", 5432}}}

	idle := &LB{Name: IdleLB, ID: "2e3f4a5b6c7d8e9f", Type: "application", Scheme: "internal",
		Attributes: attrs("60", false, "", ""), Listeners: http}

	return &Scenario{
		Account: Account,
		Regions: map[string]*Region{Region1: {LBs: []*LB{race, outage, storm, timeouts, ok, legacy, nlb, idle}}},
	}
}
