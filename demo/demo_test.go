package demo

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/lbdoctor/lbdoctor/internal/realserver"
)

func short() Config {
	c := Default()
	c.Requests = 120
	return c
}

// TestRaceGoBackend: the story end to end with Go backends.
func TestRaceGoBackend(t *testing.T) {
	t.Parallel()
	cfg := short()
	cfg.Dir = t.TempDir()
	var story strings.Builder
	cfg.Story = &story
	res, err := Execute(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("before %d 502 (%d races in logs), after %d, probe %v, %.0fs", res.Before.ELB502, res.Before.KeepaliveRaces, res.After.ELB502, res.Probe.IdleTimeoutSeconds, res.Seconds)
	if page, err := os.ReadFile(res.Report); err != nil || !strings.Contains(string(page), `<span id="main-cause">keepalive-race</span>`) {
		t.Errorf("report.html of the before run: %v", err)
	}
	if !res.OK || res.Before.ELB502 == 0 || res.After.ELB502 != 0 {
		t.Errorf("story failed:\n%s", story.String())
	}
	if res.Before.KeepaliveRaces != int64(res.Before.ELB502) {
		t.Errorf("logs attribute %d of %d 502s to keepalive-race", res.Before.KeepaliveRaces, res.Before.ELB502)
	}
	if res.Probe.Verdict != "unsafe" {
		t.Errorf("probe verdict %s", res.Probe.Verdict)
	}
}

// TestRaceNginx: the lab against a real nginx with keepalive_timeout 1s.
func TestRaceNginx(t *testing.T) {
	t.Parallel()
	cfg := short()
	for _, tc := range []struct {
		keepalive string
		wantRaces bool
	}{{"1s", true}, {"4s", false}} {
		srv := realserver.Nginx(t, "keepalive_timeout "+tc.keepalive+";")
		targets := make([]string, cfg.Targets) // one pool per entry, as with several instances
		for i := range targets {
			targets[i] = "http://" + srv.Addr
		}
		run, err := RunAgainst(context.Background(), cfg, targets, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("nginx keepalive_timeout %s behind lab idle %s: %d x 502, %d keepalive-race in logs, status %v",
			tc.keepalive, cfg.LBIdle, run.ELB502, run.KeepaliveRaces, run.Status)
		if tc.wantRaces && (run.ELB502 == 0 || run.KeepaliveRaces != int64(run.ELB502)) {
			t.Errorf("keepalive_timeout %s: %d 502s, %d classified as keepalive-race", tc.keepalive, run.ELB502, run.KeepaliveRaces)
		}
		if !tc.wantRaces && run.ELB502 != 0 {
			t.Errorf("after the fix: %d 502s", run.ELB502)
		}
	}
}
