package check

import (
	"testing"
)

// A keep-alive setting of 0 means different things to different servers,
// each measured here on loopback: Node keeps the connection open for ever
// (no limit); nginx and gunicorn's own workers answer Connection: close
// (no keep-alive); uvicorn, also as gunicorn's uvicorn worker, closes right
// after the response without saying so (0 s); Next.js leaves 0 unset (Node's
// 5 s); Tomcat times out no connection at 0 (no limit).
func TestZeroKeepAlive(t *testing.T) {
	const express = `{"dependencies":{"express":"^4"}}`
	cases := []struct {
		name  string
		files map[string]string
		want  map[string]string
	}{
		{"Node keepAliveTimeout = 0", map[string]string{"package.json": express,
			"index.js": "const express = require('express');\nconst server = express().listen(3000);\nserver.keepAliveTimeout = 0;\n"},
			map[string]string{"node index.js:3": "no limit keepAliveTimeout = 0: 0 turns the idle timeout off"}},
		{"nginx keepalive_timeout 0", map[string]string{"nginx.conf": "http {\n  keepalive_timeout 0;\n  server { listen 80; }\n}\n"},
			map[string]string{"nginx nginx.conf:2": "no keep-alive keepalive_timeout 0"}},
		{"nginx: a location's 0 does not stand for the server", map[string]string{"nginx.conf": "http {\n  keepalive_timeout 30s;\n  server {\n    listen 80;\n    location /dl { keepalive_timeout 0; }\n  }\n}\n"},
			map[string]string{"nginx nginx.conf:2": "30s keepalive_timeout 30s"}},
		{"gunicorn gthread --keep-alive 0", map[string]string{"requirements.txt": "flask\n",
			"Dockerfile": "FROM python:3.12\nCMD [\"gunicorn\", \"-k\", \"gthread\", \"--keep-alive\", \"0\", \"app:app\"]\n"},
			map[string]string{"gunicorn Dockerfile:2": "no keep-alive keepalive 0 with the gthread worker"}},
		{"gunicorn's uvicorn worker --keep-alive 0", map[string]string{"requirements.txt": "fastapi\n",
			"Dockerfile": "FROM python:3.12\nCMD [\"gunicorn\", \"-k\", \"uvicorn.workers.UvicornWorker\", \"--keep-alive\", \"0\", \"main:app\"]\n"},
			map[string]string{"gunicorn Dockerfile:2": "0s keepalive 0 with the uvicorn worker"}},
		{"Tomcat keepAliveTimeout=\"0\"", map[string]string{"conf/server.xml": "<Server port=\"8005\">\n <Service name=\"Catalina\">\n  <Connector port=\"8080\" protocol=\"HTTP/1.1\" connectionTimeout=\"20000\" keepAliveTimeout=\"0\" />\n </Service>\n</Server>\n"},
			map[string]string{"tomcat conf/server.xml:3": "no limit"}},
		{"Spring Boot keep-alive-timeout=0", map[string]string{"pom.xml": springTestPom, "src/main/resources/application.properties": "server.tomcat.keep-alive-timeout=0\n"},
			map[string]string{"spring-boot-tomcat src/main/resources/application.properties:1": "no limit"}},
		{"next start --keepAliveTimeout 0", map[string]string{"Dockerfile": "FROM node:20\nCMD [\"npm\", \"start\"]\n",
			"package.json": `{"scripts":{"start":"next start --keepAliveTimeout 0"},"dependencies":{"next":"14.2.0"}}`},
			map[string]string{"node package.json:1": "5s next start --keepAliveTimeout 0: Next.js leaves 0 unset"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			wantHops(t, r, c.want)
		})
	}
}
