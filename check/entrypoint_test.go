package check

import (
	"testing"
)

// An exec-form ENTRYPOINT that starts a server takes its arguments from the
// stage's CMD, as Docker runs them; an ENTRYPOINT script leaves the CMD the
// command.
func TestDockerfileEntrypointAndCmd(t *testing.T) {
	cases := []struct {
		name, dockerfile string
		want             map[string]string
	}{
		{"uvicorn with arguments from CMD", "FROM python:3.12\nENTRYPOINT [\"uvicorn\"]\nCMD [\"main:app\", \"--host\", \"0.0.0.0\", \"--timeout-keep-alive\", \"70\"]\n",
			map[string]string{"uvicorn Dockerfile:2": "70s --timeout-keep-alive 70"}},
		{"uvicorn at its default", "FROM python:3.12\nENTRYPOINT [\"uvicorn\"]\nCMD [\"main:app\", \"--port\", \"80\"]\n",
			map[string]string{"uvicorn Dockerfile:2": "5s uvicorn's default"}},
		{"gunicorn's worker in ENTRYPOINT, keep-alive in CMD", "FROM python:3.12\nENTRYPOINT [\"gunicorn\", \"-k\", \"uvicorn.workers.UvicornWorker\"]\nCMD [\"main:app\", \"--keep-alive\", \"75\"]\n",
			map[string]string{"gunicorn Dockerfile:2": "75s keepalive 75 with the uvicorn worker"}},
		{"python -m uvicorn", "FROM python:3.12\nENTRYPOINT [\"python\", \"-m\", \"uvicorn\"]\nCMD [\"main:app\", \"--timeout-keep-alive\", \"65\"]\n",
			map[string]string{"uvicorn Dockerfile:2": "65s"}},
		{"an entrypoint script runs the CMD", "FROM python:3.12\nENTRYPOINT [\"/docker-entrypoint.sh\"]\nCMD [\"gunicorn\", \"app:app\", \"--threads\", \"4\"]\n",
			map[string]string{"gunicorn Dockerfile:3": "2s gunicorn's default keepalive (2 s) with the gthread worker"}},
		{"a CMD continued over lines, a health check after it", "FROM python:3.12\nENTRYPOINT [\"uvicorn\"]\nCMD [\"app:create_app\", \\\n     \"--factory\", \\\n     \"--timeout-keep-alive\", \"75\"]\nHEALTHCHECK --interval=30s \\\n  CMD [\"curl\", \"-f\", \"http://localhost:8000/\"]\n",
			map[string]string{"uvicorn Dockerfile:2": "75s"}},
		{"the CMD of another stage", "FROM python:3.12 AS build\nENTRYPOINT [\"uvicorn\"]\nFROM python:3.12\nCMD [\"main:app\"]\n",
			map[string]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, map[string]string{"Dockerfile": c.dockerfile, "requirements.txt": "fastapi\n"})
			wantHops(t, r, c.want)
		})
	}
}
