package check

import (
	"strings"
	"testing"
	"time"
)

// uWSGI as projects run it, with the keep-alive measured on the real server
// (see the uWSGI cases in probe's real-server tests): each case is a file,
// and the hop it must give (0 hops: no HTTP, or a config file decides).
func TestUwsgi(t *testing.T) {
	cases := []struct {
		name, file, src string
		hops            int
		idle            time.Duration
		line            int
		source          string
	}{
		{"http router without keep-alive", "Dockerfile", `CMD ["uwsgi", "--http", ":8000", "--module", "app.wsgi", "--master"]` + "\n", 1, closesUnannounced, 1, "without http-keepalive"},
		{"http-keepalive flag: http-timeout's 60 s", "start.sh", "#!/bin/sh\nexec uwsgi --http :8000 --http-keepalive --module app.wsgi\n", 1, 60 * time.Second, 2, "http-timeout's default 60 s"},
		{"http-keepalive flag and http-timeout", "start.sh", "#!/bin/sh\nuwsgi --http :8000 --http-keepalive --http-timeout 90 --module app.wsgi\n", 1, 90 * time.Second, 2, "http-timeout 90"},
		{"http-keepalive=75", "Procfile", "web: uwsgi --http :$PORT --http-keepalive=75 --module app.wsgi\n", 1, 75 * time.Second, 1, "http-keepalive = 75"},
		{"http-socket", "Dockerfile", "CMD uwsgi --http-socket :8000 --wsgi-file app.py\n", 1, closesUnannounced, 1, "http-socket"},
		{"http11-socket: socket-timeout's 4 s", "Dockerfile", "CMD uwsgi --http11-socket :8000 --wsgi-file app.py\n", 1, 4 * time.Second, 1, "socket-timeout's default 4 s"},
		{"http11-socket with socket-timeout", "Dockerfile", "CMD uwsgi --http11-socket :8000 --socket-timeout 70 --wsgi-file app.py\n", 1, 70 * time.Second, 1, "socket-timeout 70"},
		{"uwsgi protocol only", "Dockerfile", "CMD uwsgi --socket :3031 --module app.wsgi\n", 0, 0, 0, ""},
		{"--ini: the file decides", "Dockerfile", "CMD [\"uwsgi\", \"--ini\", \"/etc/uwsgi/uwsgi.ini\"]\n", 0, 0, 0, ""},
		{"installed, not run", "Dockerfile", "RUN apt-get install -y uwsgi uwsgi-plugin-python3 && pip install uwsgi\nCOPY uwsgi.ini /etc/uwsgi/\n", 0, 0, 0, ""},
		{"environment variables", "Dockerfile", "ENV UWSGI_HTTP=:8000 UWSGI_HTTP_KEEPALIVE=1 UWSGI_HTTP_TIMEOUT=70\nCMD [\"uwsgi\", \"--module\", \"app.wsgi\"]\n", 1, 70 * time.Second, 1, "http-timeout 70"},
		{"ini with keep-alive", "deploy/uwsgi.ini", "[uwsgi]\nmodule = app.wsgi\nhttp = :8000\nhttp-keepalive = 1\nhttp-timeout = 90\nmaster = true\n", 1, 90 * time.Second, 4, "http-timeout 90"},
		{"ini http-keepalive = true is 0", "uwsgi.ini", "[uwsgi]\nhttp = 0.0.0.0:8000\nhttp-keepalive = true\n", 1, closesUnannounced, 3, "reads as 0"},
		{"ini socket only", "uwsgi.ini", "[uwsgi]\nsocket = /tmp/app.sock\nchmod-socket = 666\n", 0, 0, 0, ""},
		{"ini in another section", "setup.ini", "[metadata]\nname = app\n[uwsgi]\nhttp-socket = :9090\n", 1, closesUnannounced, 3, "http-socket"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			fileWriter(dir)(c.file, c.src)
			r, _ := runCheck(t, dir)
			var hops []Hop
			for _, h := range r.Hops {
				if h.Kind == "uwsgi" {
					hops = append(hops, h)
				}
			}
			if len(hops) != c.hops {
				t.Fatalf("%d hops %+v, want %d", len(hops), hops, c.hops)
			}
			if c.hops == 0 {
				return
			}
			h := hops[0]
			if h.Idle != c.idle || h.Location.Line != c.line || !strings.Contains(h.Source, c.source) {
				t.Errorf("idle %s at line %d (%s), want %s at %d (%q)", h.Idle, h.Location.Line, h.Source, c.idle, c.line, c.source)
			}
		})
	}
}
