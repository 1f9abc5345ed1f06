package check

import "testing"

// In an Express project, a file that serves TCP, DNS or MQTT with its own
// module is not an HTTP server; one that only requires net for other uses
// and listens with the application is.
func TestNodeOtherProtocols(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"package.json":   `{"name": "app", "dependencies": {"express": "4.19.0", "dns2": "2.1.0", "aedes": "0.51.0"}}`,
		"dns-server.js":  "const dns2 = require(\"dns2\");\nconst server = dns2.createServer({ udp: true });\nserver.listen({ udp: 5300 });\n",
		"mqtt-server.js": "class S {\n  aedes = require(\"aedes\")();\n  server = require(\"net\").createServer(this.aedes.handle);\n  start() { this.server.listen(1883); }\n}\n",
		"tls-server.mjs": "import * as tls from \"node:tls\";\nconst s = tls.createServer({});\ns.listen(8443);\n",
		"server.js":      "const net = require(\"net\");\nconst app = require(\"./app\");\nif (net.isIP(host)) {}\napp.listen(3000);\n",
	})
	wantHops(t, r, map[string]string{"node server.js:4": "5s"})
}

// express-generator's bin/www has no extension: its #! line says Node runs
// it, and it creates the application's server.
func TestNodeScriptWithoutExtension(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"package.json": `{"name": "x", "dependencies": {"express": "~4.16.1"}, "scripts": {"start": "node ./bin/www"}}`,
		"app.js":       "var express = require(\"express\");\nvar app = express();\nmodule.exports = app;\n",
		"bin/www":      "#!/usr/bin/env node\nvar app = require(\"../app\");\nvar http = require(\"http\");\nvar server = http.createServer(app);\nserver.keepAliveTimeout = 65000;\nserver.listen(3000);\n",
		"bin/cli":      "#!/usr/bin/env node\nconsole.log(\"no server here\");\n",
		"bin/start":    "#!/bin/sh\nexec node bin/www\n",
	})
	wantHops(t, r, map[string]string{"node bin/www:5": "65s keepAliveTimeout = 65000"})
}

// A helper that sets keepAliveTimeout on the server it is given, in another
// file of the project, makes the server's default unknown rather than 5 s;
// an undici Agent's keepAliveTimeout option is a client's and does not.
func TestNodeKeepAliveSetElsewhere(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"api/package.json":  `{"name": "api", "dependencies": {"express": "4.19.0"}}`,
		"api/src/index.js":  "const app = require(\"express\")();\nconst server = app.listen(3000);\nrequire(\"./tune\")(server);\n",
		"api/src/tune.js":   "module.exports = (server) => {\n  server.keepAliveTimeout = 65000;\n  server.headersTimeout = 66000;\n};\n",
		"web/package.json":  `{"name": "web", "dependencies": {"express": "4.19.0", "undici": "6.0.0"}}`,
		"web/src/index.js":  "const app = require(\"express\")();\napp.listen(3000);\n",
		"web/src/client.js": "const { Agent } = require(\"undici\");\nmodule.exports = new Agent({ keepAliveTimeout: 10000 });\n",
	})
	wantHops(t, r, map[string]string{
		"node api/src/index.js:2": "5s no keepAliveTimeout here, but api/src/tune.js:2 sets one",
		"node web/src/index.js:2": "5s Node's default keepAliveTimeout",
	})
	for _, h := range r.Hops {
		if want := h.Location.File == "web/src/index.js"; h.Known != want {
			t.Errorf("%s: known %v", h.Location, h.Known)
		}
	}
}

// remix-serve and react-router-serve listen with Express and Node's 5 s,
// with no option to change it: where the repository runs them.
func TestRemixServe(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"shop/package.json": "{\n  \"name\": \"shop\",\n  \"scripts\": {\n    \"build\": \"remix vite:build\",\n    \"start\": \"remix-serve ./build/server/index.js\"\n  }\n}\n",
		"shop/Dockerfile":   "FROM node:20\nCMD [\"npm\", \"start\"]\n",
		"blog/package.json": "{\n  \"name\": \"blog\",\n  \"scripts\": {\n    \"start\": \"react-router-serve ./build/server/index.js\"\n  }\n}\n",
		"blog/vercel.json":  "{}\n",
		"admin/Dockerfile":  "FROM node:20\nCMD [\"npx\", \"react-router-serve\", \"./build/server/index.js\"]\n",
		"docs/README.sh":    "#!/bin/sh\necho remix-serve is not run here\n",
	})
	wantHops(t, r, map[string]string{
		"node shop/package.json:5": "5s remix-serve has no keep-alive option",
		"node admin/Dockerfile:2":  "5s react-router-serve has no keep-alive option",
	})
}

// @hono/node-server's serve() creates a Node http.Server.
func TestHonoNodeServer(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"package.json": `{"name": "api", "dependencies": {"hono": "4.6.0", "@hono/node-server": "1.13.0"}}`,
		"src/index.ts": "import { serve } from '@hono/node-server'\nimport { Hono } from 'hono'\n\nconst app = new Hono()\napp.get('/', (c) => c.text('ok'))\n\nserve({ fetch: app.fetch, port: 3000 })\n",
	})
	wantHops(t, r, map[string]string{"node src/index.ts:7": "5s Node's default keepAliveTimeout"})
}
