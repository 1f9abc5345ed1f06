package awsaudit

import (
	"fmt"
	"sort"
	"time"
)

// Verdict IDs: a stable interface (JSON "id"), documented in the README.
const (
	// RaceSignature: ELB 502s trickle, a few at a time, spread over hours,
	// at minutes with no unhealthy hosts, no connection errors and mostly no
	// target 5xx: what the keep-alive race looks like from the metrics.
	RaceSignature = "race-signature"
	// OutageBurst: ELB 5xx bunched in bursts, or at minutes with unhealthy
	// hosts or target connection errors: targets down or unreachable.
	OutageBurst = "outage-burst"
	// TargetErrors: the targets themselves answered 5xx.
	TargetErrors = "target-errors"
	// LBTimeouts: ELB 504s: targets did not answer within the idle timeout.
	LBTimeouts = "lb-timeouts"
	// UnsafeTarget: --probe measured a target that closes idle connections
	// no later than the load balancer's idle timeout.
	UnsafeTarget = "unsafe-target"
	// Healthy: no pattern of load-balancer errors.
	Healthy = "healthy"
	// Unclassified5XX: ELB 5xx that fit none of the patterns above (too few
	// hours for a trickle, no burst, no unhealthy hosts): the logs decide.
	Unclassified5XX = "unclassified-5xx"
	// NoTraffic: no requests and no errors in the period.
	NoTraffic = "no-traffic"
	// NoMetrics: CloudWatch could not be read, so nothing is judged.
	NoMetrics = "no-metrics"
	// NotCovered: a load balancer type lbdoctor does not judge (Network,
	// Gateway).
	NotCovered = "not-covered"
)

// Confidence levels of a verdict.
const (
	High   = "high"
	Medium = "medium"
	Low    = "low"
)

// Series is one metric over time: value by the Unix second its period starts.
// CloudWatch leaves out periods with no data; they count as 0.
type Series map[int64]float64

// Sum is the series' total.
func (s Series) Sum() float64 {
	var t float64
	for _, v := range s {
		t += v
	}
	return t
}

// Max is the series' largest value.
func (s Series) Max() float64 {
	var m float64
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

// Metrics are one load balancer's CloudWatch series over a period.
type Metrics struct {
	Since, Until time.Time
	Period       time.Duration
	Requests     Series // RequestCount
	ELB502       Series // HTTPCode_ELB_502_Count
	ELB504       Series // HTTPCode_ELB_504_Count
	ELB5XX       Series // HTTPCode_ELB_5XX_Count
	Target5XX    Series // HTTPCode_Target_5XX_Count
	ConnErrors   Series // TargetConnectionErrorCount
	Unhealthy    Series // UnHealthyHostCount (Maximum), over all target groups
}

// Window is a time range worth reading the logs of.
type Window struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
}

// Verdict is one conclusion about a load balancer, with the numbers that
// decided it.
type Verdict struct {
	ID         string `json:"id"`
	Problem    bool   `json:"problem"`
	Confidence string `json:"confidence,omitempty"`
	// Summary is one sentence with the numbers.
	Summary string `json:"summary"`
	// Count is how many errors the verdict is about.
	Count int64 `json:"count"`
	// Window is where the logs show it best.
	Window *Window `json:"window,omitempty"`
	// Fix says what to change.
	Fix string `json:"fix,omitempty"`
}

// Thresholds of the metric rules, named so the README can quote them.
const (
	// minPattern is how many errors make a pattern at all.
	minPattern = 3
	// minHours is how many distinct hours a trickle must touch.
	minHours = 3
	// burstFactor: a period is a burst when it holds more than
	// max(burstFloor, burstFactor × the median of the periods with errors).
	burstFactor = 5
	burstFloor  = 3
	burstShare  = 0.05
)

// Judge reads a load balancer's metrics and returns its verdicts, the worst
// first. idle is its idle timeout in seconds (0 if unknown).
func Judge(m Metrics, idle int) []Verdict {
	n502, n504, n5xx := m.ELB502.Sum(), m.ELB504.Sum(), m.ELB5XX.Sum()
	n5xx = max(n5xx, n502+n504) // HTTPCode_ELB_5XX_Count includes both
	nT5, req := m.Target5XX.Sum(), m.Requests.Sum()
	if req == 0 && n5xx == 0 && nT5 == 0 {
		return []Verdict{{ID: NoTraffic, Summary: fmt.Sprintf("no requests and no errors in the %s measured", SpanName(m.Until.Sub(m.Since)))}}
	}
	p := int64(m.Period / time.Second)
	dirty := func(t int64) bool {
		for _, u := range []int64{t - p, t, t + p} {
			if m.Unhealthy[u] > 0 || m.ConnErrors[u] > 0 {
				return true
			}
		}
		return false
	}
	limit502 := burstLimit(m.ELB502)
	limit5xx := burstLimit(m.ELB5XX)
	// A burst: more errors in one period than the usual error period holds,
	// or at least burstFloor errors that are burstShare of its requests.
	burst := func(t int64, v, limit float64) bool {
		return v > limit || (v >= burstFloor && v >= burstShare*m.Requests[t])
	}

	var out []Verdict
	// The race: 502s at clean, quiet periods, spread over hours.
	var trickle, correlated, maxPer float64
	hours := map[int64]float64{}
	for t, v := range m.ELB502 {
		if v <= 0 || dirty(t) || burst(t, v, limit502) {
			continue
		}
		trickle += v
		maxPer = max(maxPer, v)
		hours[t-t%3600] += v
		if m.Target5XX[t] > 0 {
			correlated += v
		}
	}
	if trickle >= minPattern && len(hours) >= minHours && correlated < trickle/2 {
		conf := Low
		switch {
		case trickle >= 10 && len(hours) >= 6 && correlated < trickle/5 && trickle >= 0.8*n502:
			conf = High
		case trickle >= 5:
			conf = Medium
		}
		v := Verdict{
			ID: RaceSignature, Problem: true, Confidence: conf, Count: int64(trickle),
			Summary: fmt.Sprintf("%s of %s ELB 502s trickle over %d different hours, at most %s per %s, at none of them an unhealthy host or a target connection error; target 5xx in the same %s for %s of them",
				num(trickle), num(n502), len(hours), num(maxPer), PeriodName(m.Period), PeriodName(m.Period), num(correlated)),
			Window: worstHour(hours),
			Fix:    raceFix(idle),
		}
		out = append(out, v)
	}
	// Outages: ELB 5xx (502 and 503 above all) in bursts or with unhealthy
	// hosts or connection errors.
	var outage, outageUnhealthy float64
	bad := Series{}
	for t, v := range m.ELB5XX {
		v -= m.ELB504[t] // 504s are timeouts, judged below
		if v <= 0 {
			continue
		}
		if d := dirty(t); d || burst(t, v, limit5xx) {
			outage += v
			bad[t] = v
			if d {
				outageUnhealthy += v
			}
		}
	}
	if outage >= minPattern {
		conf := Medium
		if outageUnhealthy >= outage/2 {
			conf = High
		}
		w, wn := worstRun(bad, p)
		out = append(out, Verdict{
			ID: OutageBurst, Problem: true, Confidence: conf, Count: int64(outage),
			Summary: fmt.Sprintf("%s ELB 5xx (not 504) came in bursts or at minutes with unhealthy hosts or target connection errors (%s at such minutes); the worst run had %s from %s to %s; unhealthy hosts at most %s, connection errors %s",
				num(outage), num(outageUnhealthy), num(wn), w.Since.Format(time.RFC3339), w.Until.Format(time.RFC3339), num(m.Unhealthy.Max()), num(m.ConnErrors.Sum())),
			Window: w,
			Fix:    "Find why targets failed at those minutes (deploys, crashes, health checks, autoscaling); lbdoctor logs names the cause of each error.",
		})
	}
	if n504 >= minPattern {
		conf := Medium
		if n504 >= n5xx/2 {
			conf = High
		}
		w, _ := worstRun(m.ELB504, p)
		idleText := "the idle timeout"
		if idle > 0 {
			idleText = fmt.Sprintf("the idle timeout (%d s)", idle)
		}
		out = append(out, Verdict{
			ID: LBTimeouts, Problem: true, Confidence: conf, Count: int64(n504),
			Summary: fmt.Sprintf("%s ELB 504s: targets did not answer within %s, or the connection to them timed out", num(n504), idleText),
			Window:  w,
			Fix:     "Speed up the slow requests, or raise the load balancer's idle timeout above their longest response (and the targets' keep-alive above that).",
		})
	}
	if nT5 >= 10 && req > 0 && nT5/req >= 0.001 {
		w, _ := worstRun(m.Target5XX, p)
		out = append(out, Verdict{
			ID: TargetErrors, Problem: true, Confidence: High, Count: int64(nT5),
			Summary: fmt.Sprintf("targets answered %s 5xx themselves (%.2f %% of %s requests): the load balancer passed them on", num(nT5), 100*nT5/req, num(req)),
			Window:  w,
			Fix:     "These are the application's own errors: read its logs for the window shown.",
		})
	}
	explained := 0.0
	for _, v := range out {
		if v.ID != TargetErrors {
			explained += float64(v.Count)
		}
	}
	if rest := n5xx - explained; rest >= minPattern {
		w, _ := worstRun(m.ELB5XX, p)
		out = append(out, Verdict{
			ID: Unclassified5XX, Problem: true, Confidence: Low, Count: int64(rest),
			Summary: fmt.Sprintf("%s ELB 5xx fit no pattern: not spread over %d hours or more, not a burst, not at minutes with unhealthy hosts or connection errors, or they came with target 5xx", num(rest), minHours),
			Window:  w,
			Fix:     "Read the access logs of the window shown: lbdoctor logs names the cause of each error.",
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	if len(out) == 0 {
		s := fmt.Sprintf("no ELB 5xx in %s requests", num(req))
		if n5xx > 0 {
			s = fmt.Sprintf("%s ELB 5xx in %s requests: too few to show a pattern", num(n5xx), num(req))
		}
		out = append(out, Verdict{ID: Healthy, Summary: s, Count: int64(n5xx)})
	}
	return out
}

// burstLimit is the count above which one period is a burst.
func burstLimit(s Series) float64 {
	var vals []float64
	for _, v := range s {
		if v > 0 {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return burstFloor
	}
	sort.Float64s(vals)
	return max(burstFloor, burstFactor*vals[len(vals)/2])
}

// worstHour is the hour with the most errors; of equals the latest, whose
// logs are the likeliest to be kept.
func worstHour(hours map[int64]float64) *Window {
	var best int64
	var bestN float64
	for h, n := range hours {
		if n > bestN || (n == bestN && h > best) {
			best, bestN = h, n
		}
	}
	return &Window{time.Unix(best, 0).UTC(), time.Unix(best+3600, 0).UTC()}
}

// worstRun is the run of consecutive periods with the most errors.
func worstRun(s Series, p int64) (*Window, float64) {
	keys := make([]int64, 0, len(s))
	for t, v := range s {
		if v > 0 {
			keys = append(keys, t)
		}
	}
	if len(keys) == 0 {
		return nil, 0
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var best Window
	var bestN, runN float64
	runStart := keys[0]
	for i, t := range keys {
		if i > 0 && t-keys[i-1] > p {
			runStart, runN = t, 0
		}
		runN += s[t]
		if runN > bestN {
			bestN = runN
			best = Window{time.Unix(runStart, 0).UTC(), time.Unix(t+p, 0).UTC()}
		}
	}
	return &best, bestN
}

func raceFix(idle int) string {
	if idle <= 0 {
		return "Make every target's keep-alive idle timeout longer than the load balancer's idle timeout (lbdoctor check finds the setting; lbdoctor probe measures it)."
	}
	return fmt.Sprintf("Make every target's keep-alive idle timeout longer than the load balancer's %d s, e.g. %d s (lbdoctor check finds the setting; lbdoctor aws --probe or lbdoctor probe measures it). Equal values still race.", idle, idle+5)
}

// SpanName says how long d is: "7 days" for whole days, else d.String().
func SpanName(d time.Duration) string {
	d = d.Round(time.Minute)
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// PeriodName names a metric period: "minute", "5 minutes", "hour".
func PeriodName(d time.Duration) string {
	switch d {
	case time.Minute:
		return "minute"
	case 5 * time.Minute:
		return "5 minutes"
	case time.Hour:
		return "hour"
	}
	return fmt.Sprintf("%d s", int64(d/time.Second))
}

// num prints a count without a fraction, with thousands separators.
func num(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
