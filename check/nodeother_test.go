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
