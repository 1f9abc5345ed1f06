package check

import (
	"testing"
	"time"
)

// Next.js applications: counted where the repository runs them, with
// Node's 5 s unless --keepAliveTimeout (next start) or KEEP_ALIVE_TIMEOUT
// (the standalone server) says otherwise.
func TestNextApps(t *testing.T) {
	const pkg = `{
  "name": "web",
  "scripts": {
    "dev": "next dev",
    "build": "next build",
    "start": "next start -p 3000"
  },
  "dependencies": {"next": "14.2.3", "react": "18.3.1"}
}
`
	cases := []struct {
		name  string
		files map[string]string
		idle  time.Duration // 0: no hop
		file  string
		line  int
	}{
		{"next start in a container", map[string]string{"package.json": pkg, "Dockerfile": "FROM node:20\nCMD [\"npm\", \"start\"]\n"},
			5 * time.Second, "package.json", 6},
		{"next start, deployed elsewhere (no container file)", map[string]string{"package.json": pkg}, 0, "", 0},
		{"next start with vercel.json", map[string]string{"package.json": pkg, "Dockerfile": "FROM node:20\n", "vercel.json": "{}"}, 0, "", 0},
		{"next start --keepAliveTimeout", map[string]string{"package.json": `{"scripts": {"start": "next start --keepAliveTimeout 65000"}, "dependencies": {"next": "14.2.3"}}`},
			65 * time.Second, "package.json", 1},
		{"standalone without KEEP_ALIVE_TIMEOUT", map[string]string{"package.json": pkg,
			"next.config.mjs": "/** @type {import('next').NextConfig} */\nconst nextConfig = {\n  output: 'standalone',\n};\nexport default nextConfig;\n",
			"Dockerfile":      "FROM node:20-alpine\nCOPY .next/standalone ./\nCMD [\"node\", \"server.js\"]\n"},
			5 * time.Second, "next.config.mjs", 3},
		{"standalone with KEEP_ALIVE_TIMEOUT", map[string]string{"package.json": pkg,
			"next.config.js": "module.exports = {\n  output: \"standalone\",\n}\n",
			"Dockerfile":     "FROM node:20-alpine\nENV NODE_ENV=production\nENV KEEP_ALIVE_TIMEOUT=65000\nCMD [\"node\", \"server.js\"]\n"},
			65 * time.Second, "Dockerfile", 3},
		{"monorepo app built by the root Dockerfile", map[string]string{"apps/web/package.json": pkg, "apps/api/package.json": `{"name": "api"}`,
			"Dockerfile": "FROM node:20 AS build\nCOPY apps/web ./apps/web\nRUN npm run build -w apps/web\n"},
			5 * time.Second, "apps/web/package.json", 6},
		{"sample app beside another project's Dockerfile", map[string]string{"sample_apps/movies/package.json": pkg, "Dockerfile": "FROM python:3.12\nCOPY chromadb ./chromadb\n"},
			0, "", 0},
		{"monorepo app with its own Dockerfile", map[string]string{"apps/web/package.json": pkg, "apps/web/Dockerfile": "FROM node:20\n", "apps/docs/package.json": pkg},
			5 * time.Second, "apps/web/package.json", 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			var next []Hop
			for _, h := range r.Hops {
				if h.Role == App {
					next = append(next, h)
				}
			}
			if c.idle == 0 {
				if len(next) != 0 {
					t.Fatalf("hops %+v, want none", next)
				}
				return
			}
			if len(next) != 1 {
				t.Fatalf("hops %+v, want 1", next)
			}
			h := next[0]
			if h.Idle != c.idle || h.Location.File != c.file || h.Location.Line != c.line {
				t.Errorf("%s at %s (%s), want %s at %s:%d", h.Idle, h.Location, h.Source, c.idle, c.file, c.line)
			}
		})
	}
}
