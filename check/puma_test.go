package check

import (
	"testing"
	"time"
)

// Puma's persistent_timeout as Rails applications set it: a number, an
// environment variable with a fallback (the variable's value when the
// repository sets it for the application), an expression, and the
// production file Puma loads from config/puma/.
func TestPuma(t *testing.T) {
	const lock6 = "GEM\n  specs:\n    puma (6.4.2)\n      nio4r (~> 2.0)\n"
	const lock7 = "GEM\n  specs:\n    puma (7.0.3)\n"
	cases := []struct {
		name  string
		files map[string]string
		idle  time.Duration // 0: unknown
		file  string
		line  int
	}{
		{"Rails template, Puma 6: 20 s", map[string]string{"Gemfile.lock": lock6,
			"config/puma.rb": "threads_count = ENV.fetch(\"RAILS_MAX_THREADS\", 3)\nthreads threads_count, threads_count\nport ENV.fetch(\"PORT\", 3000)\n"},
			20 * time.Second, "config/puma.rb", 1},
		{"Puma 7: 65 s", map[string]string{"Gemfile.lock": lock7, "config/puma.rb": "port 3000\n"}, 65 * time.Second, "config/puma.rb", 1},
		{"persistent_timeout 75", map[string]string{"Gemfile.lock": lock6, "config/puma.rb": "port 3000\npersistent_timeout 75\n"},
			75 * time.Second, "config/puma.rb", 2},
		{"ENV.fetch fallback", map[string]string{"Gemfile.lock": lock6, "config/puma.rb": "persistent_timeout ENV.fetch(\"PUMA_PERSISTENT_TIMEOUT\", 62).to_i\n"},
			62 * time.Second, "config/puma.rb", 1},
		{"ENV.fetch block, variable set in the Dockerfile", map[string]string{"Gemfile.lock": lock6,
			"config/puma.rb": "persistent_timeout ENV.fetch(\"PUMA_PERSISTENT_TIMEOUT\") { 20 }.to_i\n",
			"Dockerfile":     "FROM ruby:3.3\nENV PUMA_PERSISTENT_TIMEOUT=90\n"},
			90 * time.Second, "config/puma.rb", 1},
		{"ENV[] with a fallback", map[string]string{"Gemfile.lock": lock6, "config/puma.rb": "persistent_timeout Integer(ENV['PERSISTENT_TIMEOUT'] || 75)\n"},
			75 * time.Second, "config/puma.rb", 1},
		{"ENV[]&.to_i with a fallback", map[string]string{"Gemfile.lock": lock6, "config/puma.rb": "persistent_timeout ENV['PUMA_PERSISTENT_TIMEOUT']&.to_i || 70\n"},
			70 * time.Second, "config/puma.rb", 1},
		{"ENV[] without a fallback", map[string]string{"Gemfile.lock": lock6, "config/puma.rb": "persistent_timeout ENV['PERSISTENT_TIMEOUT'].to_i\n"},
			0, "config/puma.rb", 1},
		{"an expression", map[string]string{"Gemfile.lock": lock6, "config/puma.rb": "persistent_timeout Settings.puma.keepalive\n"},
			0, "config/puma.rb", 1},
		{"keep-alives disabled", map[string]string{"Gemfile.lock": lock6,
			"config/puma.rb": "threads 3, 6\nenable_keep_alives(false) if respond_to?(:enable_keep_alives)\npersistent_timeout ENV.fetch('PERSISTENT_TIMEOUT', 15).to_i\n"},
			NoKeepalive, "config/puma.rb", 2},
		{"config/puma/production.rb", map[string]string{"Gemfile.lock": lock6, "config/puma/production.rb": "workers 2\npersistent_timeout 70\n"},
			70 * time.Second, "config/puma/production.rb", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			var puma []Hop
			for _, h := range r.Hops {
				if h.Kind == "puma" {
					puma = append(puma, h)
				}
			}
			if len(puma) != 1 {
				t.Fatalf("hops %+v", puma)
			}
			h := puma[0]
			if c.idle == 0 && h.Known || c.idle != 0 && (!h.Known || h.Idle != c.idle) || h.Location.File != c.file || h.Location.Line != c.line {
				t.Errorf("%s known=%v at %s (%s), want %s at %s:%d", h.Idle, h.Known, h.Location, h.Source, c.idle, c.file, c.line)
			}
		})
	}
}
