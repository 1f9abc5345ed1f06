package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/synth"
)

// genLogs writes an hour of one load balancer's logs below dir.
func genLogs(t *testing.T, dir, lb string, idle, elapsed504 time.Duration, timeoutEvery int) {
	t.Helper()
	cfg := synth.DefaultConfig()
	cfg.Start, cfg.Duration, cfg.Rate, cfg.Nodes, cfg.RaceEvery, cfg.Outage = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), time.Hour, 3, 1, 800, 0
	cfg.LBName, cfg.IdleTimeout, cfg.TimeoutElapsed, cfg.TimeoutEvery = lb, idle, elapsed504, timeoutEvery
	if _, err := synth.WriteDir(dir, cfg, true, 2); err != nil {
		t.Fatal(err)
	}
}

// TestLogsPlausibleAdviceGolden runs lbdoctor logs on generated logs whose
// 504s cannot be idle timeouts, on two load balancers with different idle
// timeouts, and with a declared --lb-idle that the 504s contradict; the text
// reports are golden files.
func TestLogsPlausibleAdviceGolden(t *testing.T) {
	cases := []struct {
		name  string
		gen   func(dir string)
		flags []string
		check func(t *testing.T, out string)
	}{
		{"fast504", func(dir string) { genLogs(t, dir, "app/api/1", 60*time.Second, 2*time.Millisecond, 40) }, nil,
			func(t *testing.T, out string) {
				for _, want := range []string{"lb-timeout-unexplained", "504s too fast to be idle timeouts", "(60s, assumed: ALB's default", "--lb-idle 120s", "keep-alive-timeout=65000ms"} {
					if !strings.Contains(out, want) {
						t.Errorf("report lacks %q", want)
					}
				}
				for _, bad := range []string{"target-response-timeout", "idle timeout (0s", "=5000ms", "keepalive_timeout 5s"} {
					if strings.Contains(out, bad) {
						t.Errorf("report says %q", bad)
					}
				}
			}},
		{"two-lbs", func(dir string) {
			genLogs(t, filepath.Join(dir, "a"), "app/sixty/1", 60*time.Second, 0, 300)
			genLogs(t, filepath.Join(dir, "b"), "app/twominutes/2", 120*time.Second, 0, 300)
		}, nil, func(t *testing.T, out string) {
			for _, want := range []string{"behind app/sixty/1", "behind app/twominutes/2", "keepalive_timeout 65s;", "keepalive_timeout 125s;"} {
				if !strings.Contains(out, want) {
					t.Errorf("report lacks %q", want)
				}
			}
		}},
		{"declared-conflict", func(dir string) { genLogs(t, dir, "app/api/1", 120*time.Second, 0, 300) }, []string{"--lb-idle", "60s"},
			func(t *testing.T, out string) {
				for _, want := range []string{"conflict: --lb-idle says 60 s", "(60s, given with --lb-idle)"} {
					if !strings.Contains(out, want) {
						t.Errorf("report lacks %q", want)
					}
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.gen(dir)
			code, out, stderr := runCLI(t, "", append(append([]string{"logs"}, c.flags...), dir)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			out = strings.ReplaceAll(out, dir, "GEN")
			c.check(t, out)
			golden(t, "logs-"+c.name+".txt", out)
		})
	}
}
