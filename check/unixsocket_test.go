package check

import (
	"strings"
	"testing"
)

// A server that listens only on a unix socket (the Django-on-EC2 layout:
// gunicorn --bind unix:/run/app.sock behind the host's nginx; uvicorn
// --uds; Puma's bind "unix://") is reached through a proxy on its host,
// never by a load balancer: it is not judged against one, and a note says
// why. A TCP listener beside the socket is reachable.
func TestUnixSocketOnly(t *testing.T) {
	for _, c := range []struct {
		name   string
		files  map[string]string
		judged bool // whether a finding is made against the load balancer
	}{
		{"gunicorn on a socket", map[string]string{"Dockerfile": "FROM python:3.12\nCMD [\"gunicorn\", \"-k\", \"gthread\", \"--bind\", \"unix:/run/app.sock\", \"app.wsgi:application\"]\n"}, false},
		{"gunicorn on a socket and a port", map[string]string{"Dockerfile": "FROM python:3.12\nCMD gunicorn -k gthread -b unix:/run/a.sock -b 0.0.0.0:8000 app:app\n"}, true},
		{"gunicorn.conf.py's bind", map[string]string{"gunicorn.conf.py": "bind = 'unix:/run/gunicorn.sock'\nworker_class = 'gthread'\n"}, false},
		{"uvicorn --uds", map[string]string{"app.service": "[Service]\nExecStart=/srv/venv/bin/uvicorn main:app --uds /tmp/uvicorn.sock\n"}, false},
		{"uvicorn on a port", map[string]string{"app.service": "[Service]\nExecStart=/srv/venv/bin/uvicorn main:app --port 8000\n"}, true},
		{"Puma on a socket", map[string]string{"Gemfile": "gem 'puma'\n", "config/puma.rb": "threads 5, 5\nbind \"unix://#{Rails.root}/tmp/sockets/puma.sock\"\n"}, false},
		{"Puma on a socket and a port", map[string]string{"Gemfile": "gem 'puma'\n", "config/puma.rb": "port 3000\nbind 'unix:///tmp/puma.sock'\n"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			noted := false
			for _, n := range r.Notes {
				noted = noted || strings.Contains(n, "listens only on the unix socket")
			}
			if judged := len(r.Findings) > 0; judged != c.judged || noted == c.judged {
				t.Errorf("findings %v, notes %q; want judged %v", r.Findings, r.Notes, c.judged)
			}
		})
	}
}
