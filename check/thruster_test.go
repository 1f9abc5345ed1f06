package check

import (
	"slices"
	"testing"
	"time"
)

// Thruster, in front of Puma in the Dockerfile Rails 8 generates: its own
// idle timeout (HTTP_IDLE_TIMEOUT, whole seconds; THRUSTER_ wins; anything
// else keeps 60 s) faces the load balancer, and its Go transport's 90 s
// pool faces Puma.
func TestThruster(t *testing.T) {
	rails8 := "FROM ruby:3.4-slim\nENTRYPOINT [\"/rails/bin/docker-entrypoint\"]\nEXPOSE 80\nCMD [\"./bin/thrust\", \"./bin/rails\", \"server\"]\n"
	for _, c := range []struct {
		name, file, src string
		idle            time.Duration
		known           bool
		source          string
	}{
		{"Rails 8's Dockerfile", "Dockerfile", rails8, 60 * time.Second, true, "Thruster's default HTTP_IDLE_TIMEOUT (60 s)"},
		{"raised", "Dockerfile", "ENV HTTP_IDLE_TIMEOUT=75\n" + rails8, 75 * time.Second, true, "HTTP_IDLE_TIMEOUT=75"},
		{"THRUSTER_ wins", "Dockerfile", "ENV THRUSTER_HTTP_IDLE_TIMEOUT=90 HTTP_IDLE_TIMEOUT=30\n" + rails8, 90 * time.Second, true, "THRUSTER_HTTP_IDLE_TIMEOUT=90"},
		{"not whole seconds: ignored", "Dockerfile", "ENV HTTP_IDLE_TIMEOUT=75s\n" + rails8, 60 * time.Second, true, "HTTP_IDLE_TIMEOUT=75s is not a whole number of seconds: Thruster ignores it and keeps 60 s"},
		{"set at run time", "compose.yaml", "services:\n  web:\n    command: bundle exec thrust bin/rails server\n    environment:\n      HTTP_IDLE_TIMEOUT: $IDLE\n", 0, false, "HTTP_IDLE_TIMEOUT is set at run time ($IDLE)"},
		{"0: the read timeout", "Dockerfile", "ENV HTTP_IDLE_TIMEOUT=0\n" + rails8, 30 * time.Second, true, "HTTP_IDLE_TIMEOUT=0: Go's http.Server then uses the read timeout, HTTP_READ_TIMEOUT (30 s)"},
		{"0 with a read timeout", "Dockerfile", "ENV HTTP_IDLE_TIMEOUT=0 HTTP_READ_TIMEOUT=90\n" + rails8, 90 * time.Second, true, "HTTP_IDLE_TIMEOUT=0: Go's http.Server then uses the read timeout, HTTP_READ_TIMEOUT=90"},
		{"Procfile", "Procfile", "web: bundle exec thrust bin/start-app\n", 60 * time.Second, true, "Thruster's default HTTP_IDLE_TIMEOUT (60 s)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []Hop
			for _, h := range parseCommandLines(c.file, []byte(c.src)) {
				if h.Kind == "thruster" {
					got = append(got, h)
				}
			}
			if len(got) != 1 {
				t.Fatalf("%d Thruster hops, want 1", len(got))
			}
			h := got[0]
			if h.Role != Proxy || h.Idle != c.idle || h.Known != c.known || h.Source != c.source || h.UpstreamIdle != 90*time.Second {
				t.Errorf("got %s %v known=%v %q pool %v", h.Role, h.Idle, h.Known, h.Source, h.UpstreamIdle)
			}
		})
	}
	for _, src := range []string{"gem \"thruster\", require: false\n", "# CMD ./bin/thrust ./bin/rails server\n", "RUN echo thrust me\n"} {
		for _, h := range parseCommandLines("Dockerfile", []byte(src)) {
			if h.Kind == "thruster" {
				t.Errorf("%q: a Thruster hop", src)
			}
		}
	}

	// The whole chain: Thruster's 60 s races with ALB's 60 s; Puma 6's 20 s
	// is shorter than Thruster's 90 s pool (a warning: Go's transport
	// retries idempotent requests).
	r, _ := checkFiles(t, map[string]string{
		"Dockerfile":     rails8,
		"config/puma.rb": "threads 3, 3\nport ENV.fetch(\"PORT\", 3000)\n",
		"Gemfile.lock":   "GEM\n  specs:\n    puma (6.4.3)\n",
	})
	want := []string{"LBD002 warning Dockerfile:4", "LBD001 warning config/puma.rb:1"}
	if got := findingList(r); !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
}
