package check

import (
	"strings"
	"testing"
	"time"
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
		{"worker_class = 'gthread'\nkeep_alive = 75\nkeepalive = keep_alive\n", "keepalive 75 with the gthread worker (gunicorn.conf.py); keepalive = keep_alive (keep_alive = 75)", 3},
		{"worker_class = 'gthread'\nkeep_alive = 75\n\nkeepalive = 80\n", "keepalive 80", 4},
	} {
		hops := parseGunicornConf("gunicorn.conf.py", []byte(tt.src))
		if len(hops) != 1 || !strings.Contains(hops[0].Source, tt.want) || hops[0].Location.Line != tt.line {
			t.Errorf("%q: %+v, want %q at line %d", tt.src, hops, tt.want, tt.line)
		}
	}
}

// tiangolo's gunicorn_conf.py, which projects copy into their own
// repositories, sets keepalive = int(keepalive_str) from a name assigned
// once (a literal or os.getenv's default). SimpleProxyProject/simple-proxy-2
// copies it with keepalive_str = '5' and runs gunicorn -k uvicorn without
// -c, so gunicorn reads it: 5 s, where lbdoctor said the default 2 s.
func TestGunicornConfCopiedFromTiangolo(t *testing.T) {
	conf := "import os\nkeepalive_str = os.getenv(\"KEEP_ALIVE\", \"5\")\nworker_class_str = \"uvicorn.workers.UvicornWorker\"\nworker_class = worker_class_str\nkeepalive = int(keepalive_str)\n"
	hops := parseGunicornConf("gunicorn_conf.py", []byte(conf))
	if len(hops) != 1 || hops[0].Idle != 5*time.Second || !strings.Contains(hops[0].Source, "KEEP_ALIVE") {
		t.Errorf("%+v, want 5 s from KEEP_ALIVE's default", hops)
	}
	for _, tt := range []struct {
		conf string
		want string // "" for unknown
	}{
		{"keepalive_str = '5'\nworkers = 2\nkeepalive = int(keepalive_str)\n", "5s keepalive 5 with the uvicorn worker"},
		{"workers = 2\nkeepalive = compute_keepalive()\n", ""},
	} {
		r, _ := checkFiles(t, map[string]string{
			"Dockerfile":       "FROM python:3.11\nWORKDIR /code\nADD . /code\nCMD exec gunicorn -w 2 -k uvicorn.workers.UvicornWorker main:app\n",
			"requirements.txt": "gunicorn\nuvicorn\n",
			"gunicorn.conf.py": tt.conf,
		})
		for _, h := range r.Hops {
			if h.Location.File != "Dockerfile" {
				continue
			}
			if got := secs(h.Idle) + " " + h.Source; tt.want == "" && h.Known || tt.want != "" && !strings.HasPrefix(got, tt.want) {
				t.Errorf("%q: %q (known %v), want %q", tt.conf, got, h.Known, tt.want)
			}
		}
	}
}

// A configuration file may compute a setting with integer arithmetic, as
// Python evaluates it ("keepalive = 24 * 60 * 60  # 1 day because the app
// is deployed behind a load balancer"); a name in it stays unread.
func TestGunicornConfArithmetic(t *testing.T) {
	for _, tt := range []struct {
		src   string
		want  time.Duration
		known bool
	}{
		{"worker_class = 'gthread'\nkeepalive = 24 * 60 * 60  # 1 day\n", 86400 * time.Second, true},
		{"worker_class = 'gevent'\nkeepalive = 60 + 15\n", 75 * time.Second, true},
		{"worker_class = 'gevent'\nkeepalive = 60 * minutes\n", 0, false},
	} {
		hops := parseGunicornConf("gunicorn.conf.py", []byte(tt.src))
		if len(hops) != 1 || hops[0].Known != tt.known || tt.known && hops[0].Idle != tt.want {
			t.Errorf("%q: %+v, want %v (known %v)", tt.src, hops, tt.want, tt.known)
		}
	}
}
