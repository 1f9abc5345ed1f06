package check

import (
	"testing"
)

// gunicorn's GUNICORN_CMD_ARGS and uvicorn's UVICORN_TIMEOUT_KEEP_ALIVE set
// where the container runs (a compose service, a Kubernetes container) give
// the keep-alive of the command a Dockerfile runs without one of its own.
func TestServerEnvironmentElsewhere(t *testing.T) {
	const gunicornDockerfile = "FROM python:3.12\nCMD [\"gunicorn\", \"-k\", \"gthread\", \"--threads\", \"4\", \"app:app\"]\n"
	const uvicornDockerfile = "FROM python:3.12\nCMD [\"uvicorn\", \"main:app\", \"--host\", \"0.0.0.0\"]\n"
	cases := []struct {
		name  string
		files map[string]string
		want  map[string]string
	}{
		{"gunicorn, compose environment", map[string]string{"requirements.txt": "flask\n", "Dockerfile": gunicornDockerfile,
			"docker-compose.yml": "services:\n  web:\n    build: .\n    environment:\n      GUNICORN_CMD_ARGS: \"--workers 3 --keep-alive 75\"\n"},
			map[string]string{"gunicorn Dockerfile:2": "75s keepalive 75 with the gthread worker (GUNICORN_CMD_ARGS --keep-alive 75 at docker-compose.yml:5"}},
		{"uvicorn, a Kubernetes container's env", map[string]string{"requirements.txt": "fastapi\n", "Dockerfile": uvicornDockerfile,
			"k8s/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          env:\n            - name: UVICORN_TIMEOUT_KEEP_ALIVE\n              value: \"70\"\n"},
			map[string]string{"uvicorn Dockerfile:2": "70s UVICORN_TIMEOUT_KEEP_ALIVE=70 at k8s/deploy.yaml:11"}},
		{"the command line's own flag wins", map[string]string{"requirements.txt": "fastapi\n",
			"Dockerfile":         "FROM python:3.12\nCMD [\"uvicorn\", \"main:app\", \"--timeout-keep-alive\", \"30\"]\n",
			"docker-compose.yml": "services:\n  web:\n    build: .\n    environment:\n      - UVICORN_TIMEOUT_KEEP_ALIVE=75\n"},
			map[string]string{"uvicorn Dockerfile:2": "30s --timeout-keep-alive 30"}},
		{"over a gunicorn.conf.py (gunicorn reads the variable after the file)", map[string]string{"requirements.txt": "flask\n", "Dockerfile": gunicornDockerfile,
			"gunicorn.conf.py":   "keepalive = 2\nthreads = 4\n",
			"docker-compose.yml": "services:\n  web:\n    build: .\n    environment:\n      GUNICORN_CMD_ARGS: \"--keep-alive 75\"\n"},
			map[string]string{"gunicorn Dockerfile:2": "75s keepalive 75 with the gthread worker (GUNICORN_CMD_ARGS", "gunicorn gunicorn.conf.py:1": "75s keepalive 75"}},
		{"settings that disagree", map[string]string{"requirements.txt": "fastapi\n", "Dockerfile": uvicornDockerfile,
			"docker-compose.yml":      "services:\n  web:\n    build: .\n    environment:\n      - UVICORN_TIMEOUT_KEEP_ALIVE=75\n",
			"docker-compose.prod.yml": "services:\n  web:\n    environment:\n      - UVICORN_TIMEOUT_KEEP_ALIVE=3\n"},
			map[string]string{"uvicorn Dockerfile:2": "5s the keep-alive comes from the environment"}},
		{"another project's setting", map[string]string{"api/requirements.txt": "fastapi\n", "api/Dockerfile": uvicornDockerfile,
			"worker/requirements.txt": "fastapi\n", "worker/Dockerfile": uvicornDockerfile,
			"worker/docker-compose.yml": "services:\n  worker:\n    build: .\n    environment:\n      - UVICORN_TIMEOUT_KEEP_ALIVE=75\n"},
			map[string]string{"uvicorn api/Dockerfile:2": "5s uvicorn's default", "uvicorn worker/Dockerfile:2": "75s"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			wantHops(t, r, c.want)
		})
	}
}
