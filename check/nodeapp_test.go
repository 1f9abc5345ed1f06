package check

import (
	"strings"
	"testing"
)

// keepAliveTimeout assigned to a framework's application object is never
// read by the server (Express 4 on Node 20, measured: idle connections still
// closed after 6 s), so the server keeps its default. Assigned to the server
// itself, by whatever name, it counts as before.
func TestNodeKeepAliveOnTheApp(t *testing.T) {
	express := `{"name": "x", "dependencies": {"express": "4.19.0"}}`
	cases := []struct {
		name, pkg, src string
		want           string // the hop, as wantHops reads it
	}{
		{"express app", express,
			"const express = require(\"express\");\nconst app = express();\napp.keepAliveTimeout = 65000; // above the ALB's 60 s\napp.headersTimeout = 66000;\napp.listen(3000);\n",
			"5s Node's default keepAliveTimeout (5 s; read by pattern matching): app.keepAliveTimeout = 65000 is set on the Express application, which the http.Server never reads (set it on the server app.listen returns)"},
		{"required and called at once", express,
			"var app = require('express')();\napp.listen(80);\napp.keepAliveTimeout = 61 * 1000;\n", "5s Node's default"},
		{"TypeScript, an ES import with named imports", express,
			"import express, { Request, Response } from 'express';\nconst app: express.Express = express();\napp.keepAliveTimeout = 120 * 1000;\napp.listen(8000);\n", "5s Node's default"},
		{"in the listen callback", express,
			"const express = require('express');\nconst app = express();\napp.listen('3000', function() {\n  app.keepAliveTimeout = 0;\n});\n", "5s Node's default"},
		{"Koa", `{"dependencies": {"koa": "2.15.0"}}`,
			"const Koa = require('koa');\nconst app = new Koa();\napp.keepAliveTimeout = 65000;\napp.listen(3000);\n", "5s Node's default keepAliveTimeout (5 s; read by pattern matching): app.keepAliveTimeout = 65000 is set on the Koa application"},
		{"NestJS", `{"dependencies": {"@nestjs/core": "10.0.0", "@nestjs/platform-express": "10.0.0"}}`,
			"import { NestFactory } from '@nestjs/core';\nasync function bootstrap() {\n  const app = await NestFactory.create<NestExpressApplication>(AppModule);\n  app.keepAliveTimeout = 65000;\n  await app.listen(3000);\n}\n",
			"5s Node's default keepAliveTimeout (5 s; read by pattern matching): app.keepAliveTimeout = 65000 is set on the NestJS application, which the http.Server never reads (set it on app.getHttpServer())"},
		{"NestJS's Express instance", `{"dependencies": {"@nestjs/core": "10.0.0", "@nestjs/platform-express": "10.0.0"}}`,
			"import { NestFactory } from '@nestjs/core';\nasync function bootstrap() {\n  const app = await NestFactory.create(AuthModule);\n  app.getHttpAdapter().getInstance().keepAliveTimeout = 65000;\n  app.getHttpAdapter().getInstance().headersTimeout = 66000;\n  await app.listen(3001);\n}\n",
			"5s Node's default keepAliveTimeout (5 s; read by pattern matching): app.getHttpAdapter().getInstance().keepAliveTimeout = 65000 is set on the Express or Fastify application NestJS wraps, which the http.Server never reads (set it on app.getHttpServer())"},
		{"Fastify's instance", `{"dependencies": {"fastify": "4.26.0"}}`,
			"import Fastify from 'fastify';\nconst fastify = Fastify({ logger: true });\nfastify.keepAliveTimeout = 65000;\nawait fastify.listen({ port: 3000 });\n", "72s Fastify's default keepAliveTimeout (72 s): fastify.keepAliveTimeout = 65000 is set on the Fastify application"},
		{"hapi's server object", `{"dependencies": {"@hapi/hapi": "21.3.0"}}`,
			"const Hapi = require('@hapi/hapi');\nconst server = Hapi.server({ port: 3000 });\nserver.keepAliveTimeout = 70000;\nawait server.start();\n", "5s Node's default keepAliveTimeout (5 s; read by pattern matching): server.keepAliveTimeout = 70000 is set on the hapi application, which the http.Server never reads (set it on server.listener)"},

		{"a server that never listens", express,
			"import dotenv from 'dotenv';\nimport http from 'http';\nimport app from './app';\nconst server = http.createServer(app);\nserver.headersTimeout = Number(process.env.HEADERS_TIMEOUT_MS || 66000);\nserver.keepAliveTimeout = Number(process.env.KEEPALIVE_TIMEOUT_MS || 65000);\napp.listen(3000, () => console.log('up'));\n",
			"5s Node's default keepAliveTimeout (5 s; read by pattern matching): server.keepAliveTimeout = Number(process.env.KEEPALIVE_TIMEOUT_MS || 65000) is set on a server that never listens: app.listen(...) starts another one, with the default (call server.listen(...) instead)"},

		{"an undici Agent's option", `{"dependencies": {"express": "4.19.0", "undici": "6.0.0"}}`,
			"const express = require('express');\nconst { Agent, setGlobalDispatcher } = require('undici');\nsetGlobalDispatcher(new Agent({ keepAliveTimeout: 65000, keepAliveMaxTimeout: 600000 }));\nconst app = express();\napp.listen(3000);\n",
			"5s Node's default keepAliveTimeout (5 s; read by pattern matching)"},
		{"an undici Pool's option on its own lines", `{"dependencies": {"express": "4.19.0", "undici": "6.0.0"}}`,
			"const express = require('express');\nconst { Pool } = require('undici');\nconst pool = new Pool('http://backend', {\n  connections: 10,\n  keepAliveTimeout: 65_000,\n});\nexpress().listen(3000);\n",
			"5s Node's default keepAliveTimeout (5 s; read by pattern matching)"},

		// Still the server's.
		{"createServer's option", express,
			"const http = require('http');\nconst app = require('express')();\nconst server = http.createServer({ keepAliveTimeout: 65000 }, app);\nserver.listen(3000);\n", "65s keepAliveTimeout = 65000"},
		{"an options object", express,
			"const http = require('http');\nconst opts = {\n  keepAliveTimeout: 65000,\n};\nhttp.createServer(opts, require('./app')).listen(3000);\n", "65s keepAliveTimeout = 65000"},
		{"the server created listens", express,
			"const http = require('http');\nconst app = require('./app');\nconst server = http.createServer(app);\nserver.keepAliveTimeout = 65000;\nserver.listen(3000);\n", "65s keepAliveTimeout = 65000"},
		{"the server created is passed on", express,
			"const http = require('http');\nconst { Server } = require('socket.io');\nconst app = require('./app');\nconst server = http.createServer(app);\nserver.keepAliveTimeout = 65000;\nconst io = new Server(server);\napp.listen(3000);\n", "65s keepAliveTimeout = 65000"},
		{"the server created is exported", express,
			"const http = require('http');\nconst app = require('./app');\nconst server = http.createServer(app);\nserver.keepAliveTimeout = 65000;\nmodule.exports = { server };\napp.listen(3000);\n", "65s keepAliveTimeout = 65000"},
		{"the server listen returns", express,
			"const express = require('express');\nconst app = express();\nconst server = app.listen(3000);\nserver.keepAliveTimeout = 65000;\n", "65s keepAliveTimeout = 65000"},
		{"the app's and then the server's", express,
			"const express = require('express');\nconst app = express();\napp.keepAliveTimeout = 65000;\nconst server = app.listen(3000);\nserver.keepAliveTimeout = 70000;\n", "70s keepAliveTimeout = 70000"},
		{"a server named app", express,
			"const http = require('http');\nconst app = http.createServer(require('./handler'));\napp.keepAliveTimeout = 65000;\napp.listen(3000);\n", "65s keepAliveTimeout = 65000"},
		{"app made a server later", express,
			"const express = require('express');\nlet app = express();\napp = app.listen(3000);\napp.keepAliveTimeout = 65000;\n", "65s keepAliveTimeout = 65000"},
		{"this in the listen callback", express,
			"const express = require('express');\nconst app = express();\napp.listen(3000, function () { this.keepAliveTimeout = 65000; });\n", "65s keepAliveTimeout = 65000"},
		{"Fastify's server", `{"dependencies": {"fastify": "4.26.0"}}`,
			"import Fastify from 'fastify';\nconst fastify = Fastify();\nfastify.server.keepAliveTimeout = 65000;\nawait fastify.listen({ port: 3000 });\n", "65s keepAliveTimeout = 65000"},
		{"Fastify's option", `{"dependencies": {"fastify": "4.26.0"}}`,
			"import Fastify from 'fastify';\nconst fastify = Fastify({ keepAliveTimeout: 65000 });\nawait fastify.listen({ port: 3000 });\n", "65s keepAliveTimeout = 65000"},
		{"NestJS's server", `{"dependencies": {"@nestjs/core": "10.0.0"}}`,
			"import { NestFactory } from '@nestjs/core';\nconst app = await NestFactory.create(AppModule);\napp.getHttpServer().keepAliveTimeout = 65000;\nawait app.listen(3000);\n", "65s keepAliveTimeout = 65000"},
		{"an app from a function of the project", express,
			"const { makeApp } = require('./app');\nconst app = makeApp();\napp.keepAliveTimeout = 65000;\napp.listen(3000);\n", "65s keepAliveTimeout = 65000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, map[string]string{"package.json": c.pkg, "index.js": c.src})
			if len(r.Hops) != 1 {
				t.Fatalf("hops %+v", r.Hops)
			}
			h := r.Hops[0]
			if got := secs(h.Idle) + " " + h.Source; !strings.HasPrefix(got, c.want) {
				t.Errorf("got %q, want it to start with %q", got, c.want)
			}
		})
	}
}

// An Express application module that sets keepAliveTimeout on itself and is
// served by another file (express-generator's bin/www) does not make that
// server's default unknown: the setting is not the server's.
func TestNodeKeepAliveOnTheAppElsewhere(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"package.json": `{"name": "x", "dependencies": {"express": "4.19.0"}}`,
		"app.js":       "const express = require('express');\nconst app = express();\napp.headersTimeout = 65 * 1000;\napp.keepAliveTimeout = 61 * 1000;\nmodule.exports = app;\n",
		"bin/www":      "#!/usr/bin/env node\nvar app = require('../app');\nvar http = require('http');\nvar server = http.createServer(app);\nserver.listen(3000);\n",
	})
	wantHops(t, r, map[string]string{"node bin/www:4": "5s Node's default keepAliveTimeout"})
	if !r.Hops[0].Known {
		t.Errorf("the server's timeout is known: %+v", r.Hops[0])
	}
}

// Commented-out settings are not the server's (two of the first public
// NestJS main.ts files found keep "// server.keepAliveTimeout = 30000").
func TestNodeCommentsBlanked(t *testing.T) {
	src := "const re = /^https?:\\/\\//; server.keepAliveTimeout = 4;\nconst url = 'http://x'; // server.keepAliveTimeout = 1\n/* a\n server.keepAliveTimeout = 2 */ const s = `//${a}`;\nconst t = \"/*\"; s.keepAliveTimeout = 3; // end"
	got := string(jsBlankComments([]byte(src)))
	if len(got) != len(src) || strings.Count(got, "\n") != strings.Count(src, "\n") {
		t.Fatalf("offsets moved: %q", got)
	}
	for _, gone := range []string{"= 1", "= 2", "// end"} {
		if strings.Contains(got, gone) {
			t.Errorf("%q still in %q", gone, got)
		}
	}
	for _, kept := range []string{"server.keepAliveTimeout = 4;", "'http://x'", "`//${a}`", "\"/*\"", "s.keepAliveTimeout = 3;"} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q lost from %q", kept, got)
		}
	}
	r, _ := checkFiles(t, map[string]string{
		"package.json": `{"dependencies": {"@nestjs/core": "10.0.0", "@nestjs/platform-express": "10.0.0"}}`,
		"src/main.ts":  "import { NestFactory } from '@nestjs/core';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  const server = app.getHttpServer();\n  // server.keepAliveTimeout = 65000\n  await app.listen(3000);\n}\n",
	})
	wantHops(t, r, map[string]string{"node src/main.ts:6": "5s Node's default keepAliveTimeout"})
}
