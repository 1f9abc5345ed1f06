package check

import "testing"

// nginx configurations kept as templates that envsubst renders at start
// (the official image's /etc/nginx/templates/*.conf.template, or a .tpl an
// entrypoint renders, as UF-CSU/club-portal-backend's proxy does) are read
// as nginx; templates of other formats and other programs are not.
func TestNginxTemplates(t *testing.T) {
	server := "upstream app {\n  server ${APP_HOST}:${APP_PORT};\n  keepalive 16;\n}\nserver {\n  listen ${LISTEN_PORT};\n  keepalive_timeout 75s;\n  location / {\n    proxy_pass http://app;\n  }\n}\n"
	for _, c := range []struct {
		name  string
		files map[string]string
		want  map[string]string
	}{
		{"the official image's templates", map[string]string{"proxy/templates/default.conf.template": server},
			map[string]string{"nginx proxy/templates/default.conf.template:7": "75s keepalive_timeout 75s"}},
		{"a .tpl outside any nginx directory", map[string]string{"deploy/proxy/default.conf.tpl": server},
			map[string]string{"nginx deploy/proxy/default.conf.tpl:7": "75s keepalive_timeout 75s"}},
		{"nginx.conf.template is a whole configuration", map[string]string{"nginx.conf.template": "events {}\nhttp {\n  keepalive_timeout 30;\n  server {\n    listen 80;\n    location / { proxy_pass http://app:8000; }\n  }\n}\n"},
			map[string]string{"nginx nginx.conf.template:3": "30s keepalive_timeout 30"}},
		{"Jinja is not nginx's syntax", map[string]string{"roles/web/templates/site.conf.j2": "server {\n  listen {{ port }};\n  keepalive_timeout {{ ka }};\n}\n"}, map[string]string{}},
		{"a .conf.tpl of another program", map[string]string{"deploy/supervisord.conf.tpl": "[program:app]\ncommand=/app/run\n"}, map[string]string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			wantHops(t, r, c.want)
		})
	}
}
