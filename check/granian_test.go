package check

import "testing"

func TestGranian(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"run/requirements.txt":  "django\ngranian[uvloop]==2.7.1\n",
		"run/Dockerfile":        "FROM python:3.12\nCMD [\"granian\", \"--interface\", \"asgi\", \"app:app\"]\n",
		"old/requirements.txt":  "granian==1.7.6\n",
		"old/Dockerfile":        "FROM python:3.12\nCMD granian --interface asgi app:app\n",
		"compat/pyproject.toml": "[project]\ndependencies = [\n  \"granian[uvloop]~=2.7.0\",\n]\n",
		"compat/start.sh":       "#!/bin/sh\nexec granian --interface asginl --ws --loop uvloop \"paperless.asgi:application\"\n",
		"flag/start.sh":         "#!/bin/sh\nexec granian --interface asgi --http1-header-read-timeout 60000 app:app\n",
		"eq/start.sh":           "#!/bin/sh\nexec granian --http1-header-read-timeout=45000 app:app\n",
		"off/Dockerfile":        "FROM python:3.12\nCMD [\"granian\", \"--no-http1-keep-alive\", \"app:app\"]\n",
		"env/Dockerfile":        "FROM python:3.12\nENV GRANIAN_HTTP1_HEADER_READ_TIMEOUT=50000\nCMD granian app:app\n",
		"envoff/Dockerfile":     "FROM python:3.12\nENV GRANIAN_HTTP1_KEEP_ALIVE=false\nCMD granian app:app\n",
		"flagwins/Dockerfile":   "FROM python:3.12\nENV GRANIAN_HTTP1_HEADER_READ_TIMEOUT=50000\nCMD granian --http1-header-read-timeout 20000 app:app\n",
		"h2/Procfile":           "web: granian --http 2 app:app\n",
		"uvrun/Dockerfile":      "FROM python:3.12\nCMD [\"uv\", \"run\", \"granian\", \"--interface\", \"asgi\", \"main:app\"]\n",
		"args/entrypoint.sh":    "#!/bin/sh\nexec granian \"$@\"\n",
		"sibling/Dockerfile":    "FROM python:3.12\nCMD granian app:app\n",
		"sibling/.env":          "GRANIAN_HTTP1_HEADER_READ_TIMEOUT=40000\n",
		"pip/Dockerfile":        "FROM python:3.12\nRUN pip install granian\n# CMD granian app:app\n",
		"var/start.sh":          "#!/bin/sh\nexec granian --http1-header-read-timeout $TIMEOUT app:app\n",
	})
	wantHops(t, r, map[string]string{
		"granian run/Dockerfile:2":      "30s Granian's default --http1-header-read-timeout (30000 ms)",
		"granian old/Dockerfile:2":      "no limit Granian before 2.0 (old/requirements.txt: granian==1.7.6): no idle timeout",
		"granian compat/start.sh:2":     "30s Granian's default",
		"granian flag/start.sh:2":       "60s --http1-header-read-timeout 60000 (milliseconds)",
		"granian eq/start.sh:2":         "45s --http1-header-read-timeout=45000 (milliseconds)",
		"granian off/Dockerfile:2":      "no keep-alive --no-http1-keep-alive: Connection: close on every response",
		"granian env/Dockerfile:3":      "50s GRANIAN_HTTP1_HEADER_READ_TIMEOUT=50000 (milliseconds)",
		"granian envoff/Dockerfile:3":   "no keep-alive GRANIAN_HTTP1_KEEP_ALIVE=false",
		"granian flagwins/Dockerfile:3": "20s --http1-header-read-timeout 20000",
		"granian h2/Procfile:1":         "0s --http 2: HTTP/2 only",
		"granian uvrun/Dockerfile:2":    "30s Granian's default",
		"granian args/entrypoint.sh:2":  "0s its command takes more arguments at run time",
		"granian sibling/Dockerfile:2":  "40s GRANIAN_HTTP1_HEADER_READ_TIMEOUT=40000 (milliseconds; sibling/.env:1)",
		"granian var/start.sh:2":        "0s --http1-header-read-timeout $TIMEOUT (not a number",
	})
	// The default races an ALB at 60 s, and so does the most Granian takes;
	// the fix has to go through the load balancer.
	byFile := map[string]Finding{}
	for _, f := range r.Findings {
		byFile[f.Location.File] = f
	}
	if f := byFile["run/Dockerfile"]; f.Rule != RuleShorter || f.Fix == "" {
		t.Errorf("run/Dockerfile: %+v, want LBD001 with a fix", f)
	}
	if f := byFile["flag/start.sh"]; f.Rule != RuleEqual {
		t.Errorf("flag/start.sh: %+v, want LBD002", f)
	}
	if f := byFile["off/Dockerfile"]; f.Rule != RuleNoKeepalive {
		t.Errorf("off/Dockerfile: %+v, want LBD007", f)
	}
	if _, ok := byFile["old/Dockerfile"]; ok {
		t.Errorf("old/Dockerfile: a finding for a Granian with no idle timeout")
	}
}
