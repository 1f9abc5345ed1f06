package check

import (
	"strings"
	"testing"
)

// gunicorn skips the names of a configuration file that are not its
// settings ("Ignore unknown names", gunicorn/app/base.py): keep_alive = 75
// leaves its default, and the hop says why, on the line of the misspelling.
func TestGunicornKeepaliveMisspelled(t *testing.T) {
	for _, tt := range []struct {
		src, want string
		line      int
	}{
		{"bind = '0.0.0.0:8000'\nworker_class = 'gthread'\n\nkeep_alive = 75\n", "keep_alive = 75 is not a gunicorn setting", 4},
		{"worker_class = 'gthread'\ntimeout_keep_alive = 75\n", "timeout_keep_alive = 75 is not a gunicorn setting", 2},
		{"worker_class = 'gthread'\nkeep_alive = 75\nkeepalive = keep_alive\n", "keepalive = keep_alive: an expression", 3},
		{"worker_class = 'gthread'\nkeep_alive = 75\n\nkeepalive = 80\n", "keepalive 80", 4},
	} {
		hops := parseGunicornConf("gunicorn.conf.py", []byte(tt.src))
		if len(hops) != 1 || !strings.Contains(hops[0].Source, tt.want) || hops[0].Location.Line != tt.line {
			t.Errorf("%q: %+v, want %q at line %d", tt.src, hops, tt.want, tt.line)
		}
	}
}
