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
		// The exec form's closing bracket once stuck to the last argument:
		// "75]" read as a variable hid the most common form of the fix.
		{"uvicorn exec form, keep-alive last", "Dockerfile", "CMD [\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\", \"--timeout-keep-alive\", \"75\"]\n",
			[]want{{"uvicorn", 75 * time.Second, true, 1}}},
		{"gunicorn exec form, worker last", "Dockerfile", "CMD [\"gunicorn\", \"app:app\", \"--keep-alive\", \"75\", \"-k\", \"sync\"]\n",
			[]want{{"gunicorn", NoKeepalive, true, 1}}},
		{"gunicorn compose, single quotes", "compose.yaml", "services:\n  web:\n    command: ['gunicorn', 'app:app', '-k', 'gevent', '--keep-alive', '65']\n",
			[]want{{"gunicorn", 65 * time.Second, true, 3}}},
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
		{"hypercorn toml from the environment", "hypercorn_config.py", "import os\nbind = \"0.0.0.0:8000\"\nkeep_alive_timeout = int(os.environ.get(\"KEEP_ALIVE\", \"75\"))\n",
			[]want{{"hypercorn", 0, false, 3}}},
		{"gunicorn keepalive from the environment", "gunicorn.conf.py", "import os\nworker_class = \"gthread\"\nthreads = 4\nkeepalive = int(os.environ.get(\"GUNICORN_KEEPALIVE\", 75))\n",
			[]want{{"gunicorn", 75 * time.Second, true, 4}}},
		{"gunicorn keepalive from an expression", "gunicorn.conf.py", "worker_class = \"gevent\"\nkeepalive = settings.KEEPALIVE\n",
			[]want{{"gunicorn", 0, false, 2}}},
		{"gunicorn worker from an expression", "gunicorn.conf.py", "worker_class = choose_worker()\nbind = \"0.0.0.0:8000\"\n",
			[]want{{"gunicorn", 0, false, 1}}},
		{"gunicorn --keep-alive from a variable", "start.sh", "#!/bin/sh\nexec gunicorn -k gthread --threads 4 --keep-alive $KEEPALIVE app:app\n",
			[]want{{"gunicorn", 0, false, 2}}},
		{"gunicorn --keep-alive with a default", "start.sh", "#!/bin/sh\nexec gunicorn -k gevent --keep-alive ${KEEPALIVE:-75} app:app\n",
			[]want{{"gunicorn", 75 * time.Second, true, 2}}},
		{"gunicorn worker class from a variable", "Procfile", "web: gunicorn -k $WORKER_CLASS app:app\n",
			[]want{{"gunicorn", 0, false, 1}}},
		{"uvicorn --timeout-keep-alive from a variable", "Dockerfile", "CMD uvicorn app.main:app --host 0.0.0.0 --timeout-keep-alive $KEEP_ALIVE\n",
			[]want{{"uvicorn", 0, false, 1}}},
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
		{"Bun.serve default", "server.ts", "const server = Bun.serve({\n  port: 3000,\n  fetch(req) { return new Response(\"ok\"); },\n});\nconsole.log(server.port);\n",
			[]want{{"bun", 10 * time.Second, true, 1}}},
		{"Bun.serve idleTimeout", "index.ts", "import { app } from './app';\nexport const server = Bun.serve({\n  port: Number(process.env.PORT ?? 3000),\n  idleTimeout: 75,\n  fetch: app.fetch,\n});\n",
			[]want{{"bun", 75 * time.Second, true, 4}}},
		{"Bun.serve idleTimeout 0", "index.js", "Bun.serve({ idleTimeout: 0, fetch: handler });\n",
			[]want{{"bun", Infinite, true, 1}}},
		{"Bun.serve idleTimeout from config", "index.js", "Bun.serve({ idleTimeout: config.idle, fetch: handler });\n",
			[]want{{"bun", 0, false, 1}}},
		{"serve imported from bun", "server.ts", "import { serve } from \"bun\";\n\nserve({\n  port: 8080,\n  idleTimeout: 30,\n  fetch() { return new Response(\"hi\"); },\n});\n",
			[]want{{"bun", 30 * time.Second, true, 5}}},
		{"Fiber IdleTimeout", "main.go", "package main\n\nimport (\n\t\"time\"\n\n\t\"github.com/gofiber/fiber/v2\"\n)\n\nfunc main() {\n\tapp := fiber.New(fiber.Config{\n\t\tIdleTimeout: time.Second * 5,\n\t\tReadTimeout: time.Second * 5,\n\t})\n\tapp.Listen(\":3000\")\n}\n",
			[]want{{"fiber", 5 * time.Second, true, 11}}},
		{"Fiber ReadTimeout only", "main.go", "package main\n\nimport (\n\t\"time\"\n\n\t\"github.com/gofiber/fiber/v2\"\n)\n\nfunc main() {\n\tapp := fiber.New(fiber.Config{ReadTimeout: 30 * time.Second})\n\tapp.Listen(\":3000\")\n}\n",
			[]want{{"fiber", 30 * time.Second, true, 10}}},
		{"Fiber without a Config", "main.go", "package main\n\nimport \"github.com/gofiber/fiber/v2\"\n\nfunc main() {\n\tapp := fiber.New()\n\tapp.Listen(\":3000\")\n}\n",
			[]want{{"fiber", Infinite, true, 6}}},
		{"fasthttp.Server ReadTimeout", "server.go", "package main\n\nimport (\n\t\"time\"\n\n\t\"github.com/valyala/fasthttp\"\n)\n\nfunc main() {\n\ts := &fasthttp.Server{Handler: h, ReadTimeout: 10 * time.Second}\n\ts.ListenAndServe(\":8080\")\n}\n",
			[]want{{"fasthttp", 10 * time.Second, true, 10}}},
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
	write("edge/package.json", `{"name": "edge", "dependencies": {"hono": "4.6.0"}}`)
	write("edge/index.ts", "import { Hono } from 'hono';\nconst app = new Hono();\nBun.serve({ port: 3000, fetch: app.fetch });\n")
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
	// Bun allows at most 255 s: behind 300 s, the fix is no idle timeout.
	if b, ok := got["edge/index.ts"]; !ok || b.Rule.ID != "LBD001" || !strings.Contains(b.Fix, "idleTimeout: 0") {
		t.Errorf("bun: %+v", b)
	}
	if h.Confidence != "medium" {
		t.Errorf("confidence %q, want medium (pattern matching)", h.Confidence)
	}
}

// A default export with a fetch handler is Bun's server only in a project
// that runs on Bun; elsewhere it is a Cloudflare Worker, which no load
// balancer pools connections to.
func TestBunDefaultExport(t *testing.T) {
	src := "import { Hono } from 'hono';\nconst app = new Hono();\nexport default {\n  port: 3000,\n  fetch: app.fetch,\n  idleTimeout: 255,\n};\n"
	for _, c := range []struct {
		name, pkg string
		hops      int
	}{
		{"bun project (types)", `{"name": "api", "devDependencies": {"@types/bun": "latest"}}`, 1},
		{"bun project (scripts)", `{"name": "api", "scripts": {"start": "bun run src/index.ts"}}`, 1},
		{"worker", `{"name": "edge", "devDependencies": {"wrangler": "3.0.0"}, "scripts": {"deploy": "wrangler deploy", "setup": "bun install"}}`, 0},
	} {
		c := c
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write := fileWriter(dir)
			write("package.json", c.pkg)
			write("src/index.ts", src)
			r, _ := runCheck(t, dir)
			var got []Hop
			for _, h := range r.Hops {
				if h.Role == App {
					got = append(got, h)
				}
			}
			if len(got) != c.hops {
				t.Fatalf("%d hops, want %d: %+v", len(got), c.hops, got)
			}
			if c.hops == 1 && (got[0].Kind != "bun" || got[0].Idle != 255*time.Second || got[0].Location.Line != 6) {
				t.Errorf("hop %+v", got[0])
			}
		})
	}
}

// Hono's documented way to run on Bun: export the app itself.
func TestBunDefaultExportedApp(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(dir)
	write("package.json", `{"name": "my-app", "scripts": {"start": "bun run --smol dist/index.js"}, "dependencies": {"hono": "^4.6.3"}}`)
	write("src/index.ts", "import { Hono } from 'hono'\n\nconst app = new Hono()\napp.get('/', (c) => c.text('Hello Hono!'))\n\nexport default app\n")
	r, _ := runCheck(t, dir)
	var bun []Hop
	for _, h := range r.Hops {
		if h.Kind == "bun" {
			bun = append(bun, h)
		}
	}
	if len(bun) != 1 || bun[0].Idle != 10*time.Second || bun[0].Location.Line != 6 {
		t.Fatalf("bun hops %+v", bun)
	}
}

// Bun serves the default export of the file it runs, not of every module:
// a Hono router exported from src/routers is no server.
func TestBunDefaultExportOnlyInTheEntry(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"package.json":          `{"name": "api", "scripts": {"dev": "bun --watch src/server.ts"}, "dependencies": {"hono": "^4.6.3"}}`,
		"src/server.ts":         "import { Hono } from 'hono'\nimport health from './routers/health'\nconst app = new Hono()\napp.route('/', health)\nexport default app\n",
		"src/routers/health.ts": "import { Hono } from 'hono'\nconst router = new Hono()\nrouter.get('/', (c) => c.text('ok'))\nexport default router\n",
	})
	wantHops(t, r, map[string]string{"bun src/server.ts:5": "10s"})
}
