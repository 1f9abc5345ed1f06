package check

import (
	"strings"
	"testing"
	"time"
)

// Hypercorn, Waitress and Thin, as repositories start them: each case is one
// file, and the hops it must give (kind, idle, known), or none.
func TestMoreServers(t *testing.T) {
	type want struct {
		kind  string
		idle  time.Duration
		known bool
		line  int
	}
	cases := []struct {
		name, file, src string
		want            []want
	}{
		{"hypercorn default", "Dockerfile", "FROM python:3.12\nCMD [\"hypercorn\", \"app.main:app\", \"--bind\", \"0.0.0.0:8000\"]\n",
			[]want{{"hypercorn", 5 * time.Second, true, 2}}},
		{"hypercorn keep-alive", "start.sh", "#!/bin/sh\nexec hypercorn --bind 0.0.0.0:8000 --keep-alive 75 app:app\n",
			[]want{{"hypercorn", 75 * time.Second, true, 2}}},
		{"hypercorn keep-alive=", "Procfile", "web: hypercorn --keep-alive=90 -w 2 app:app\n",
			[]want{{"hypercorn", 90 * time.Second, true, 1}}},
		{"hypercorn over several lines", "Dockerfile", "EXPOSE 4443/tcp\nCMD [\"hypercorn\", \\\n\"--certfile=/cert/cert.pem\",\\\n\"--bind\", \"0.0.0.0:4443\",\\\n\"main:app\"]\n",
			[]want{{"hypercorn", 5 * time.Second, true, 2}}},
		{"hypercorn commented out", "Dockerfile", "CMD [\"uvicorn\", \"a.main:app\"]\n# CMD [\"hypercorn\", \"a.main:app\", \"--bind\", \"::\"]\n",
			[]want{{"uvicorn", 5 * time.Second, true, 1}}},
		{"hypercorn config file decides", "Dockerfile", "CMD hypercorn -c hypercorn.toml app:app\n", nil},
		{"hypercorn runtime args", "entrypoint.sh", "#!/bin/sh\nhypercorn app:app \"$@\"\n",
			[]want{{"hypercorn", 0, false, 2}}},
		{"hypercorn installed, not run", "Dockerfile", "RUN pip install hypercorn uvloop\n# hypercorn app:app\n", nil},
		{"hypercorn toml", "hypercorn.toml", "bind = \"0.0.0.0:8000\"\nworkers = 2\nkeep_alive_timeout = 65\n",
			[]want{{"hypercorn", 65 * time.Second, true, 3}}},
		{"hypercorn toml default", "hypercorn.toml", "bind = [\"0.0.0.0:8000\"]\naccesslog = \"-\"\n",
			[]want{{"hypercorn", 5 * time.Second, true, 1}}},
		{"hypercorn-named file that is not a config", "hypercorn_notes.py", "print('hello')\n", nil},
		{"hypercorn from python", "serve.py", `import asyncio
from hypercorn.asyncio import serve
from hypercorn.config import Config
from app import app

config = Config()
config.bind = ["0.0.0.0:8080"]
config.keep_alive_timeout = 120
asyncio.run(serve(app, config))
`, []want{{"hypercorn", 120 * time.Second, true, 8}}},
		{"hypercorn from python, config elsewhere", "serve.py", `import asyncio
from hypercorn.asyncio import serve
from hypercorn.config import Config
config = Config.from_toml("hypercorn.toml")
asyncio.run(serve(app, config))
`, []want{{"hypercorn", 0, false, 5}}},
		{"hypercorn from python, default", "run.py", `from hypercorn.config import Config
from hypercorn.asyncio import serve
cfg = Config()
cfg.bind = ["0.0.0.0:5000"]
asyncio.run(serve(app, cfg))
`, []want{{"hypercorn", 5 * time.Second, true, 5}}},
		{"waitress-serve default", "Dockerfile", "CMD [\"waitress-serve\", \"--listen=*:8080\", \"app:app\"]\n",
			[]want{{"waitress", 120 * time.Second, true, 1}}},
		{"waitress-serve channel timeout", "Procfile", "web: waitress-serve --port=$PORT --channel-timeout=30 app:app\n",
			[]want{{"waitress", 30 * time.Second, true, 1}}},
		{"waitress serve()", "main.py", `from waitress import serve
from app import app

if __name__ == "__main__":
    serve(app, host="0.0.0.0", port=8080,
          channel_timeout=45)
`, []want{{"waitress", 45 * time.Second, true, 6}}},
		{"waitress serve() default", "wsgi.py", "import waitress\nwaitress.serve(app, listen='*:8080')\n",
			[]want{{"waitress", 120 * time.Second, true, 2}}},
		{"serve() without waitress", "main.py", "from myserver import serve\nserve(app)\n", nil},
		{"paste ini", "production.ini", `[app:main]
use = egg:myproject

[server:main]
use = egg:waitress#main
listen = *:6543
channel_timeout = 50
`, []want{{"waitress", 50 * time.Second, true, 7}}},
		{"paste ini default", "development.ini", "[server:main]\nuse = egg:waitress#main\nlisten = localhost:6543\n",
			[]want{{"waitress", 120 * time.Second, true, 2}}},
		{"thin default", "Procfile", "web: bundle exec thin start -p $PORT -e $RACK_ENV\n",
			[]want{{"thin", 30 * time.Second, true, 1}}},
		{"thin timeout", "Dockerfile", "CMD bundle exec thin -p 3000 --timeout 90 start\n",
			[]want{{"thin", 90 * time.Second, true, 1}}},
		{"thin config file", "start.sh", "#!/bin/sh\nthin -C config/thin.yml start\n",
			[]want{{"thin", 0, false, 2}}},
		{"thin not started", "Dockerfile", "RUN gem install thin\nRUN echo thin start\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			fileWriter(dir)(c.file, c.src)
			r, _ := runCheck(t, dir)
			var got []want
			for _, h := range r.Hops {
				if h.Role == App {
					idle := h.Idle
					if !h.Known {
						idle = 0 // no value: what is left in Idle means nothing
					}
					got = append(got, want{h.Kind, idle, h.Known, h.Location.Line})
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("hops %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("hop %d: %+v, want %+v", i, got[i], c.want[i])
				}
			}
		})
	}
}

// A Quart service on Hypercorn behind a Terraform ALB: Hypercorn's 5 s
// default is an error against the ALB's 60 s, with the fix in Hypercorn's
// own terms; a Waitress service beside it at 120 s is fine at 60 s but not
// behind an ALB raised to 300 s.
func TestMoreServersAgainstALB(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(dir)
	write("infra/main.tf", `resource "aws_lb" "api" {
  name               = "api"
  load_balancer_type = "application"
  idle_timeout       = 300
}
`)
	write("api/Dockerfile", "FROM python:3.12\nCMD [\"hypercorn\", \"api.app:app\", \"--bind\", \"0.0.0.0:8000\"]\n")
	write("admin/Dockerfile", "FROM python:3.12\nCMD [\"waitress-serve\", \"--listen=*:8080\", \"admin:app\"]\n")
	r, _ := runCheck(t, dir)
	got := map[string]Finding{}
	for _, f := range r.Findings {
		got[f.Location.File] = f
	}
	h, ok := got["api/Dockerfile"]
	if !ok || h.Rule.ID != "LBD001" || !strings.Contains(h.Fix, "--keep-alive 305") {
		t.Errorf("hypercorn: %+v", h)
	}
	w, ok := got["admin/Dockerfile"]
	if !ok || w.Rule.ID != "LBD001" || !strings.Contains(w.Fix, "--channel-timeout=305") {
		t.Errorf("waitress: %+v", w)
	}
	if h.Confidence != "medium" {
		t.Errorf("confidence %q, want medium (pattern matching)", h.Confidence)
	}
}
