package analysis

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/classify"
	"github.com/lbdoctor/lbdoctor/logscan"
	"github.com/lbdoctor/lbdoctor/synth"
)

func analyzeBytes(t *testing.T, data []byte, o Options) *Summary {
	t.Helper()
	in := []logscan.Input{{Name: "sparse.log", Size: int64(len(data)), Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}}
	s, err := Analyze(context.Background(), in, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func causeCount(s *Summary, id classify.Cause) int64 {
	for _, c := range s.Causes {
		if c.ID == id {
			return c.Count
		}
	}
	return 0
}

// sparseCase is low traffic behind one idle timeout: each target sees a
// request every half idle timeout on average (at least every 2 minutes).
func sparseCase(t *testing.T, idle time.Duration) ([]byte, synth.Truth) {
	t.Helper()
	gap := max(idle/2, 2*time.Minute)
	sc := synth.Sparse{Seed: 3, Start: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), Duration: 4000 * gap / 4,
		Targets: 4, MeanGap: gap, IdleTimeout: idle, RaceChance: 0.1, Outage: 40 * gap}
	var buf bytes.Buffer
	truth, err := synth.WriteSparse(&buf, sc)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), truth
}

// accuracy is the share of true errors of a cause the analysis found, with
// the analysis's count above the truth counted as wrong too.
func accuracy(got, want int64) float64 {
	if want == 0 {
		return 1
	}
	d := got - want
	if d < 0 {
		d = -d
	}
	return max(0, 1-float64(d)/float64(want))
}

// TestSparseTrafficContext measures how well races are told from an outage
// in sparse traffic behind idle timeouts of 60 s, 350 s and 4000 s, with the
// context as wide as the idle timeout (given with --lb-idle) and, for
// comparison, one minute on each side. The README's table comes from this
// test's log (go test -v -run SparseTraffic ./analysis).
func TestSparseTrafficContext(t *testing.T) {
	for _, idle := range []time.Duration{60 * time.Second, 350 * time.Second, 4000 * time.Second} {
		data, truth := sparseCase(t, idle)
		wide := analyzeBytes(t, data, Options{LBIdle: idle})
		narrow := analyzeBytes(t, data, Options{LBIdle: time.Second}) // a one-minute context
		races, down := truth.Causes[classify.KeepaliveRace], truth.Causes[classify.TargetUnreachable]
		wr, wd := causeCount(wide, classify.KeepaliveRace), causeCount(wide, classify.TargetUnreachable)
		nr, nd := causeCount(narrow, classify.KeepaliveRace), causeCount(narrow, classify.TargetUnreachable)
		t.Logf("| %d s | %d | %d races, %d outage 502s | %d / %d (%.0f %% / %.0f %%) | %d / %d (%.0f %% / %.0f %%) |",
			idle/time.Second, truth.Lines, races, down,
			wr, wd, 100*accuracy(wr, races), 100*accuracy(wd, down),
			nr, nd, 100*accuracy(nr, races), 100*accuracy(nd, down))
		if wr+wd != races+down {
			t.Errorf("idle %s: %d races + %d unreachable found, want %d fast 502s in all", idle, wr, wd, races+down)
		}
		if accuracy(wr, races) < 0.95 || accuracy(wd, down) < 0.9 {
			t.Errorf("idle %s: races %d of %d, unreachable %d of %d: below 95 %% / 90 %%", idle, wr, races, wd, down)
		}
		if idle > time.Minute && accuracy(nr, races) >= accuracy(wr, races) {
			t.Errorf("idle %s: the one-minute context did as well as the wide one; the test does not test the window", idle)
		}
	}
}

// TestIdleTimeoutPlausibility covers the inference of the idle timeout and
// the advice built on it: 504s too fast to be timeouts, a mix of load
// balancers with different timeouts, too few samples, and a declared value
// that conflicts with the 504s.
func TestIdleTimeoutPlausibility(t *testing.T) {
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	gen := func(t *testing.T, dir, lb string, idle, elapsed time.Duration, every int) synth.Truth {
		t.Helper()
		cfg := synth.DefaultConfig()
		cfg.Start, cfg.Duration, cfg.Rate, cfg.Nodes, cfg.RaceEvery, cfg.Outage = start, time.Hour, 3, 1, 800, 0
		cfg.LBName, cfg.IdleTimeout, cfg.TimeoutEvery, cfg.TimeoutElapsed = lb, idle, every, elapsed
		truth, err := synth.WriteDir(dir, cfg, true, 2)
		if err != nil {
			t.Fatal(err)
		}
		return truth
	}
	idleOf := func(s *Summary, lb string) IdleTimeout {
		for _, it := range s.Inferred.IdleTimeouts {
			if it.LoadBalancer == lb {
				return it
			}
		}
		t.Fatalf("no idle timeout for %s", lb)
		return IdleTimeout{}
	}

	t.Run("fast 504s", func(t *testing.T) {
		dir := t.TempDir()
		truth := gen(t, dir, "app/fast/1", 60*time.Second, 2*time.Millisecond, 40)
		s := analyze(t, []string{dir}, Options{})
		it := idleOf(s, "app/fast/1")
		if it.InferredSeconds != nil || it.Source != "assumed" || it.Seconds != 60 || !strings.Contains(it.Note, "too fast") {
			t.Errorf("idle timeout %+v; want none inferred, 60 s assumed, a note on fast 504s", it)
		}
		if s.Inferred.LBIdleTimeoutSeconds != nil {
			t.Errorf("lb_idle_timeout_seconds %d, want null", *s.Inferred.LBIdleTimeoutSeconds)
		}
		want := truth.Causes[classify.LBTimeoutUnexplained]
		if got := causeCount(s, classify.LBTimeoutUnexplained); want == 0 || got != want || causeCount(s, classify.TargetResponseTimeout) != 0 {
			t.Errorf("lb-timeout-unexplained %d (want %d), target-response-timeout %d (want 0)", got, want, causeCount(s, classify.TargetResponseTimeout))
		}
		for _, c := range s.Causes {
			if c.ID != classify.LBTimeoutUnexplained {
				continue
			}
			for _, ex := range c.Examples {
				if ex.ElapsedSeconds == nil || *ex.ElapsedSeconds >= 1 || !strings.Contains(ex.Evidence, "under 1 s") {
					t.Errorf("example contradicts its evidence: %+v", ex)
				}
			}
		}
	})

	t.Run("two load balancers, 60 s and 120 s", func(t *testing.T) {
		dir := t.TempDir()
		gen(t, filepath.Join(dir, "a"), "app/sixty/1", 60*time.Second, 0, 300)
		gen(t, filepath.Join(dir, "b"), "app/twominutes/2", 120*time.Second, 0, 300)
		s := analyze(t, []string{dir}, Options{})
		for lb, want := range map[string]int64{"app/sixty/1": 60, "app/twominutes/2": 120} {
			it := idleOf(s, lb)
			if it.InferredSeconds == nil || *it.InferredSeconds != want || it.Source != "inferred" || it.Samples < MinIdleSamples {
				t.Errorf("%s: %+v, want %d s inferred", lb, it, want)
			}
			if it.KeepaliveRaces == 0 {
				t.Errorf("%s: no races counted behind it", lb)
			}
		}
		if s.Inferred.LBIdleTimeoutSeconds != nil {
			t.Error("one global idle timeout for two load balancers that differ")
		}
		if causeCount(s, classify.LBTimeoutUnexplained) != 0 {
			t.Error("a 504 at its own load balancer's timeout called unexplained")
		}
	})

	t.Run("too few samples", func(t *testing.T) {
		dir := t.TempDir()
		cfg := synth.DefaultConfig()
		cfg.Start, cfg.Duration, cfg.Rate, cfg.Nodes, cfg.RaceEvery, cfg.Outage = start, 15*time.Minute, 3, 1, 800, 0
		cfg.LBName, cfg.TimeoutEvery = "app/few/1", 1000
		if _, err := synth.WriteDir(dir, cfg, true, 2); err != nil {
			t.Fatal(err)
		}
		s := analyze(t, []string{dir}, Options{})
		it := idleOf(s, "app/few/1")
		if it.Timeouts == 0 || it.Timeouts >= MinIdleSamples {
			t.Fatalf("%d 504s: the case needs 1 or 2", it.Timeouts)
		}
		if it.InferredSeconds != nil || it.Source != "assumed" || !strings.Contains(it.Note, "too few") {
			t.Errorf("%+v: inferred from too few samples", it)
		}
		if c := causeCount(s, classify.TargetResponseTimeout); c != it.Timeouts {
			t.Errorf("%d response timeouts, want the %d 504s, at medium confidence", c, it.Timeouts)
		}
	})

	t.Run("declared wins, conflict shown", func(t *testing.T) {
		dir := t.TempDir()
		gen(t, dir, "app/conflict/1", 120*time.Second, 0, 300)
		s := analyze(t, []string{dir}, Options{LBIdle: 60 * time.Second})
		it := idleOf(s, "app/conflict/1")
		if it.Seconds != 60 || it.Source != "declared" || !strings.Contains(it.Note, "conflict") {
			t.Errorf("%+v: want 60 s declared with a conflict note", it)
		}
		// Against the declared 60 s, the 120 s 504s are not its idle timeout.
		if causeCount(s, classify.TargetResponseTimeout) != 0 || causeCount(s, classify.LBTimeoutUnexplained) == 0 {
			t.Errorf("504s at 120 s against a declared 60 s: %d response timeouts, %d unexplained",
				causeCount(s, classify.TargetResponseTimeout), causeCount(s, classify.LBTimeoutUnexplained))
		}
	})
}
