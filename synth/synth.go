// Package synth generates realistic synthetic ALB access logs with a known
// mix of causes, for tests and benchmarks. Output is deterministic for a seed,
// and every line's true cause is counted in a Truth.
//
// The simulated load balancer has healthy targets that suffer an isolated
// keep-alive race now and then, one target that goes down for a few minutes
// (target-unreachable), slow endpoints (504s at the idle timeout), and a
// sprinkling of every other cause lbdoctor knows.
package synth

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/classify"
)

// Config describes the simulated load balancer and traffic.
type Config struct {
	Seed     uint64
	Start    time.Time
	Duration time.Duration
	// Nodes is the number of load balancer nodes; each writes its own files.
	Nodes int
	// Targets is the number of targets in the main target group.
	Targets int
	// Rate is requests per second per node.
	Rate float64
	// IdleTimeout is the load balancer's idle timeout (504s take this long).
	IdleTimeout time.Duration
	// Outage, when positive, makes the last target refuse connections for this
	// long, starting 25 s (off the minute boundary, as real outages are) after
	// a third of the run.
	Outage time.Duration
	// RaceEvery is how many requests to a healthy target pass, on average,
	// between keep-alive races.
	RaceEvery int
	// TimeoutEvery, when positive, adds a 504 response timeout every that
	// many requests on average (on top of the rare ones of the usual mix).
	TimeoutEvery int
	// TimeoutElapsed, when positive, is how long those 504s take instead of
	// IdleTimeout. Under 1 s they cannot be idle timeouts, and their truth
	// is lb-timeout-unexplained.
	TimeoutElapsed time.Duration
	// Churn, when positive, is how long a target lives: each of the Targets
	// slots gets a new IP address that often (as ECS and Kubernetes tasks do
	// on every deploy), the slots' changes spread evenly over time. A run
	// then sees about Targets × (Duration/Churn + 1) distinct targets.
	Churn time.Duration
	// LBs, when above 1, spreads the traffic over that many load balancers,
	// each with its own files and Targets/LBs targets (see WriteDir).
	LBs int
	// TargetBase numbers this generator's targets from this index, so that
	// several load balancers do not share targets.
	TargetBase int
	Account    string
	Region     string
	LBName     string
}

// DefaultConfig is a busy but healthy service with the usual trickle of
// errors, over one day.
func DefaultConfig() Config {
	return Config{
		Seed: 1, Start: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), Duration: 24 * time.Hour,
		Nodes: 2, Targets: 4, Rate: 10, IdleTimeout: 60 * time.Second, Outage: 3 * time.Minute,
		RaceEvery: 4000, Account: "123456789012", Region: "eu-west-1", LBName: "app/shop-prod/50dc6c495c0c9188",
	}
}

// Truth counts what was generated.
type Truth struct {
	Lines  int64                    `json:"lines"`
	Bytes  int64                    `json:"bytes"`
	Causes map[classify.Cause]int64 `json:"causes"`
	Status map[int]int64            `json:"status"`
}

// Generator produces entries in time order for each node.
type Generator struct {
	cfg      Config
	rng      *rand.Rand
	targets  [][]byte
	gens     []int64 // with Churn: the generation each slot's address is of
	tgARN    []byte
	outFrom  int64
	outUntil int64
	e        alblog.Entry
	scratch  []byte
	truth    Truth
}

// New returns a Generator for cfg.
func New(cfg Config) *Generator {
	g := &Generator{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
	for i := 0; i < cfg.Targets; i++ {
		g.targets = append(g.targets, targetAddr(cfg.TargetBase+i))
	}
	g.gens = make([]int64, cfg.Targets)
	g.tgARN = []byte(fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/shop-prod-tg/73e2d6bc24d8a067", cfg.Region, cfg.Account))
	g.outFrom, g.outUntil = outage(cfg)
	g.truth.Causes = map[classify.Cause]int64{}
	g.truth.Status = map[int]int64{}
	return g
}

// targetAddr is the address of the target numbered i: 10.0.1.10:8080 for 0,
// distinct for up to 16 million.
func targetAddr(i int) []byte {
	if i < 200*200 {
		return []byte(fmt.Sprintf("10.0.%d.%d:8080", 1+i/200, 10+i%200))
	}
	return []byte(fmt.Sprintf("10.%d.%d.%d:8080", 1+i/65536, i/256%256, i%256))
}

// Truth returns the counts so far.
func (g *Generator) Truth() Truth { return g.truth }

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	"okhttp/4.12.0",
	"curl/8.5.0",
	"Go-http-client/1.1",
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
}

var paths = []string{
	"/api/v1/products?page=%d&size=20", "/api/v1/cart/%d", "/api/v1/orders/%d/status", "/static/app.%d.js",
	"/health", "/api/v1/search?q=shoes+size+%d&sort=price", "/api/v1/users/%d/preferences",
}

// Next fills the generator's entry for node at time t and returns it, with its
// true cause ("" for a non-error). The entry is valid until the next call.
func (g *Generator) Next(node int, t int64) (*alblog.Entry, classify.Cause) {
	e := &g.e
	*e = alblog.Entry{}
	r := g.rng
	cause := classify.Cause("")
	ti := r.IntN(len(g.targets))
	if ch := g.cfg.Churn.Microseconds(); ch > 0 {
		// Slot ti's address changes every Churn, offset by its index.
		off := ch * int64(ti) / int64(len(g.targets))
		gen := (t - g.cfg.Start.UnixMicro() + off) / ch
		if gen != g.gens[ti] {
			g.gens[ti] = gen
			g.targets[ti] = targetAddr(int(gen)*len(g.targets) + g.cfg.TargetBase + ti)
		}
	}
	target := g.targets[ti]
	https := r.IntN(10) < 8
	e.Type = []byte("http")
	scheme, port := "http", 80
	if https {
		e.Type = []byte("https")
		scheme, port = "https", 443
		e.SSLCipher = []byte("ECDHE-RSA-AES128-GCM-SHA256")
		e.SSLProtocol = []byte("TLSv1.2")
		e.DomainName = []byte("shop.example.com")
		e.ChosenCertARN = []byte("arn:aws:acm:" + g.cfg.Region + ":" + g.cfg.Account + ":certificate/12345678-1234-1234-1234-123456789012")
	}
	e.ELB = []byte(g.cfg.LBName)
	g.scratch = fmt.Appendf(g.scratch[:0], "%d.%d.%d.%d:%d", 81+r.IntN(100), r.IntN(256), r.IntN(256), 1+r.IntN(254), 1024+r.IntN(60000))
	clientEnd := len(g.scratch)
	method := "GET"
	if r.IntN(5) == 0 {
		method = "POST"
	}
	g.scratch = fmt.Appendf(g.scratch, "%s %s://shop.example.com:%d"+paths[r.IntN(len(paths))]+" HTTP/1.1", method, scheme, port, r.IntN(100000))
	reqEnd := len(g.scratch)
	g.scratch = fmt.Appendf(g.scratch, "Root=1-%08x-%024x", t/1e6, r.Uint64()&(1<<63-1))
	e.Client = g.scratch[:clientEnd]
	e.Request = g.scratch[clientEnd:reqEnd]
	e.TraceID = g.scratch[reqEnd:]
	e.UserAgent = []byte(userAgents[r.IntN(len(userAgents))])
	e.TargetGroupARN = g.tgARN
	e.MatchedRulePriority = []byte("1")
	e.ActionsExecuted = []byte("forward")
	e.ReceivedBytes = int64(200 + r.IntN(800))
	e.ConnTraceID = []byte("TID_1234abcd5678ef90")

	// A normal response, which the cases below may change.
	e.Target = target
	e.RequestProcessingTime = 0
	e.TargetProcessingTime = int64(1000 + r.IntN(80000))
	e.ResponseProcessingTime = 0
	e.ELBStatusCode, e.TargetStatusCode = 200, 200
	e.SentBytes = int64(300 + r.IntN(20000))
	elapsed := e.TargetProcessingTime + int64(r.IntN(900))

	down := g.outUntil != 0 && ti == len(g.targets)-1 && t >= g.outFrom && t < g.outUntil
	nearDown := g.outUntil != 0 && ti == len(g.targets)-1 && t >= g.outFrom-3*60e6 && t < g.outUntil+3*60e6
	roll := r.IntN(1_000_000)
	switch {
	case down: // connection refused: fails at once, times -1
		cause = classify.TargetUnreachable
		g.fastFail(e)
		elapsed = int64(r.IntN(3000))
	case !nearDown && g.cfg.RaceEvery > 0 && r.IntN(g.cfg.RaceEvery) == 0:
		cause = classify.KeepaliveRace
		g.fastFail(e)
		if r.IntN(2) == 0 { // both shapes seen in real logs
			e.RequestProcessingTime, e.TargetProcessingTime = 3000, 0
		}
		elapsed = int64(1000 + r.IntN(20000))
	case g.cfg.TimeoutEvery > 0 && r.IntN(g.cfg.TimeoutEvery) == 0, roll >= 33000 && roll < 33050:
		cause = classify.TargetResponseTimeout
		g.fastFail(e)
		elapsed = g.cfg.IdleTimeout.Microseconds() + int64(r.IntN(2000))
		if g.cfg.TimeoutElapsed > 0 {
			elapsed = g.cfg.TimeoutElapsed.Microseconds() + int64(r.IntN(1000))
			if g.cfg.TimeoutElapsed < time.Second {
				cause = classify.LBTimeoutUnexplained
			}
		}
		e.ELBStatusCode = 504
	case roll < 3000:
		cause = classify.TargetError
		e.ELBStatusCode, e.TargetStatusCode = 500, 500
	case roll < 23000:
		e.ELBStatusCode, e.TargetStatusCode = 404, 404
	case roll < 33000:
		e.ELBStatusCode, e.TargetStatusCode = 301, 301
		e.Target, e.TargetStatusCode = nil, alblog.Missing
		e.ActionsExecuted = []byte("redirect")
		e.RedirectURL = []byte("https://shop.example.com:443/")
		e.TargetProcessingTime, elapsed = 0, 100
	case roll < 33070:
		cause = classify.TargetConnectTimeout
		g.fastFail(e)
		elapsed = 10_000_000 + int64(r.IntN(5000))
		e.ELBStatusCode = 504
	case roll < 33170:
		cause = classify.ClientClosed
		g.fastFail(e)
		e.ELBStatusCode = 460
		elapsed = int64(500_000 + r.IntN(30_000_000))
	case roll < 33220:
		cause = classify.BadRequest
		g.noTarget(e, 400)
	case roll < 33320:
		cause = classify.WAFBlocked
		g.noTarget(e, 403)
		e.ActionsExecuted = []byte("waf")
	case roll < 33350:
		cause = classify.TargetClosedDuringRequest
		g.fastFail(e)
		e.RequestProcessingTime = 1000
		elapsed = int64(1_500_000 + r.IntN(8_000_000))
	case roll < 33370:
		cause = classify.TargetBadResponse
		e.ELBStatusCode, e.TargetStatusCode = 502, alblog.Missing
		e.SentBytes = 272
	case roll < 33420:
		cause = classify.NoTargets
		g.noTarget(e, 503)
		e.RequestProcessingTime, e.TargetProcessingTime, e.ResponseProcessingTime = alblog.Missing, alblog.Missing, alblog.Missing
	case roll < 33440:
		cause = classify.LambdaError
		g.noTarget(e, 502)
		e.ErrorReason = []byte("LambdaUnhandled")
		elapsed = 30_000
	case roll < 33450:
		cause = classify.DesyncRejected
		g.noTarget(e, 400)
		e.Classification = []byte("Ambiguous")
		e.ClassificationReason = []byte("BadContentLength")
	case roll < 33470:
		cause = classify.ClientTimeout
		g.noTarget(e, 408)
		elapsed = g.cfg.IdleTimeout.Microseconds()
	}
	e.Time = t
	e.RequestCreationTime = t - elapsed
	if !alblog.Absent(e.Target) {
		e.TargetPortList = e.Target
	}
	if e.TargetStatusCode != alblog.Missing {
		e.TargetStatusCodeList = []byte(fmt.Sprint(e.TargetStatusCode))
	}
	if cause != "" {
		g.truth.Causes[cause]++
	}
	g.truth.Status[e.ELBStatusCode]++
	g.truth.Lines++
	return e, cause
}

// fastFail turns e into a 502 with no response at all (the race's and a
// refused connection's shape).
func (g *Generator) fastFail(e *alblog.Entry) {
	e.RequestProcessingTime, e.TargetProcessingTime, e.ResponseProcessingTime = alblog.Missing, alblog.Missing, alblog.Missing
	e.ELBStatusCode, e.TargetStatusCode = 502, alblog.Missing
	e.SentBytes = 277
}

// noTarget turns e into a response the load balancer produced without a target.
func (g *Generator) noTarget(e *alblog.Entry, status int) {
	e.Target = nil
	e.ELBStatusCode, e.TargetStatusCode = status, alblog.Missing
	e.RequestProcessingTime, e.TargetProcessingTime, e.ResponseProcessingTime = 0, 0, 0
	e.ActionsExecuted = nil
	e.TargetGroupARN = nil
	e.SentBytes = 250
}

// Sample returns n lines of the default generator with 200 targets that
// churn every 30 minutes, 50 ms apart: the benchmarks' input, a log's
// variety of lengths, statuses and causes rather than one line repeated.
func Sample(n int) []byte {
	cfg := DefaultConfig()
	cfg.Targets, cfg.Churn = 200, 30*time.Minute
	g := New(cfg)
	var data []byte
	start := cfg.Start.UnixMicro()
	for i := int64(0); i < int64(n); i++ {
		e, _ := g.Next(0, start+i*50_000)
		data = alblog.AppendEntry(data, e)
	}
	return data
}
