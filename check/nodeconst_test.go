package check

import (
	"testing"
)

// Node's keepAliveTimeout given by a constant of the same file.
func TestNodeKeepAliveConstant(t *testing.T) {
	const pkg = `{"dependencies":{"express":"^4"}}`
	cases := []struct {
		name, src string
		want      map[string]string
	}{
		{"a constant", "const express = require('express');\nconst KEEP_ALIVE_MS = 65 * 1000;\nconst server = express().listen(3000);\nserver.keepAliveTimeout = KEEP_ALIVE_MS;\n",
			map[string]string{"node index.js:4": "65s keepAliveTimeout = KEEP_ALIVE_MS (KEEP_ALIVE_MS = 65 * 1000)"}},
		{"a TypeScript constant with its type", "import express from 'express';\nconst keepAlive: number = 20_000;\nconst server = express().listen(3000);\nserver.keepAliveTimeout = keepAlive;\n",
			map[string]string{"node index.js:4": "20s keepAliveTimeout = keepAlive"}},
		{"declared twice", "const express = require('express');\nlet t = 5000;\nif (process.env.X) { let t = 70000; }\nconst server = express().listen(3000);\nserver.keepAliveTimeout = t;\n",
			map[string]string{"node index.js:5": "5s keepAliveTimeout = t: an expression lbdoctor cannot read"}},
		// A call's other arguments are part of the value: the fallback
		// after them applies, and an unread expression is named whole.
		{"parseInt with a radix and a fallback", "const express = require('express');\nconst server = express().listen(3000);\nserver.keepAliveTimeout = parseInt(process.env.KEEP_ALIVE_TIMEOUT, 10) || 65000;\n",
			map[string]string{"node index.js:3": "65s keepAliveTimeout = parseInt(process.env.KEEP_ALIVE_TIMEOUT, 10) || 65000 (the fallback when the variable is not set)"}},
		{"a call of two arguments", "const express = require('express');\nconst server = express().listen(3000);\nserver.keepAliveTimeout = Math.max(parseInt(x, 10), 1000);\n",
			map[string]string{"node index.js:3": "5s keepAliveTimeout = Math.max(parseInt(x, 10), 1000): an expression lbdoctor cannot read"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, map[string]string{"package.json": pkg, "index.js": c.src})
			wantHops(t, r, c.want)
		})
	}
}
