package analysis

import (
	"fmt"
	"sort"
	"time"

	"github.com/lbdoctor/lbdoctor/classify"
)

// MinIdleSamples is how many 504s must agree (within classify.IdleTolerance)
// before their elapsed time is taken for the load balancer's idle timeout.
const MinIdleSamples = 3

// DefaultIdleTimeout is ALB's default idle timeout, assumed when the logs do
// not reveal one and the user did not state one.
const DefaultIdleTimeout = 60 * time.Second

// MaxContextMinutes bounds the race-versus-unreachable context: ALB's longest
// idle timeout, 4000 s, rounded up to minutes.
const MaxContextMinutes = 67

// IdleTimeout is what lbdoctor knows of one load balancer's idle timeout: the
// value in force for the analysis and how it was found, with the samples it
// was read from.
type IdleTimeout struct {
	LoadBalancer string `json:"load_balancer"`
	// Seconds is the value the analysis used: declared, else inferred, else
	// ALB's default (Source says which).
	Seconds int64 `json:"seconds"`
	// Source is "declared" (--lb-idle), "inferred" (from 504s) or "assumed"
	// (ALB's default: nothing revealed it).
	Source string `json:"source"`
	// InferredSeconds is what the 504s say, or null when they do not agree.
	InferredSeconds *int64 `json:"inferred_seconds"`
	// Samples is how many 504s agree on InferredSeconds, out of Timeouts
	// 504s after at least 1 s; SpreadSeconds is their elapsed range.
	Samples       int64       `json:"samples"`
	Timeouts      int64       `json:"timeouts_504"`
	SpreadSeconds *[2]float64 `json:"spread_seconds"`
	// Fast504 counts 504s in under 1 s, too fast to be an idle timeout.
	Fast504 int64 `json:"fast_504"`
	// KeepaliveRaces counts the races behind this load balancer.
	KeepaliveRaces int64 `json:"keepalive_races"`
	// Note says why nothing was inferred, or a conflict with the declared value.
	Note string `json:"note,omitempty"`
}

func (t IdleTimeout) resolve() classify.IdleTimeout {
	if t.Source == "assumed" {
		return classify.IdleTimeout{}
	}
	return classify.IdleTimeout{Seconds: t.Seconds, Source: t.Source}
}

// contextMinutes is how many minutes on each side of an error the context
// that separates a race from an outage spans: at least the idle timeout, since
// a connection can sit idle that long before the race that ends it.
func (t IdleTimeout) contextMinutes() int64 {
	return min(max(1, (t.Seconds+59)/60), MaxContextMinutes)
}

// idleTimeouts decides, for every load balancer in the logs, its idle timeout.
func idleTimeouts(c *Collector, declared time.Duration) map[string]IdleTimeout {
	out := map[string]IdleTimeout{}
	for lb := range c.lbs.counts() {
		out[lb] = inferIdle(lb, c.timeouts[lb], declared)
	}
	return out
}

func inferIdle(lb string, lt *lbTimeouts, declared time.Duration) IdleTimeout {
	it := IdleTimeout{LoadBalancer: lb, Seconds: int64(DefaultIdleTimeout / time.Second), Source: "assumed"}
	var keys []int64
	if lt != nil {
		it.Fast504 = lt.fast.n
		for k, st := range lt.slow {
			keys = append(keys, k)
			it.Timeouts += st.n
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	// The largest group of 504s within tolerance of one value.
	var best, bestN int64
	for _, c := range keys {
		var n int64
		for _, k := range keys {
			if abs(k-c) <= classify.IdleTolerance(c) {
				n += lt.slow[k].n
			}
		}
		if n > bestN {
			best, bestN = c, n
		}
	}
	switch {
	case it.Timeouts == 0 && it.Fast504 == 0:
		it.Note = "no 504s to read it from"
	case it.Timeouts == 0:
		it.Note = fmt.Sprintf("504s too fast to be idle timeouts: %d at %s s", it.Fast504, spread(lt.fast))
	case bestN < MinIdleSamples:
		it.Note = fmt.Sprintf("too few 504s agree: %d after at least 1 s (%d must agree within 1 s or 2 %%)", it.Timeouts, MinIdleSamples)
	case bestN*2 <= it.Timeouts:
		it.Note = fmt.Sprintf("the 504s do not agree: %d from %d to %d s", it.Timeouts, keys[0], keys[len(keys)-1])
	case best*1e6 > classify.MaxIdleTimeout:
		it.Note = fmt.Sprintf("504s after %d s: longer than ALB's longest idle timeout (4000 s)", best)
	default:
		v := best
		it.InferredSeconds = &v
		it.Samples = bestN
		var agree elapsedStat
		for _, k := range keys {
			if abs(k-best) <= classify.IdleTolerance(best) {
				agree.merge(*lt.slow[k])
			}
		}
		it.SpreadSeconds = &[2]float64{float64(agree.min) / 1e6, float64(agree.max) / 1e6}
		it.Seconds, it.Source = v, "inferred"
		if it.Fast504 > 0 {
			it.Note = fmt.Sprintf("%d 504s in under 1 s left out: too fast to be idle timeouts", it.Fast504)
		}
	}
	if declared > 0 {
		d := int64(declared / time.Second)
		if it.InferredSeconds != nil && abs(*it.InferredSeconds-d) > classify.IdleTolerance(d) {
			it.Note = fmt.Sprintf("conflict: --lb-idle says %d s, but %d 504s say %d s; the declared value is used", d, it.Samples, *it.InferredSeconds)
		}
		it.Seconds, it.Source = d, "declared"
	}
	return it
}

func spread(e elapsedStat) string {
	lo, hi := float64(e.min)/1e6, float64(e.max)/1e6
	if hi-lo < 0.0005 {
		return fmt.Sprintf("%.3f", lo)
	}
	return fmt.Sprintf("%.3f to %.3f", lo, hi)
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
