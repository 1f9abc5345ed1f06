package check

import "testing"

// Node frameworks' built servers run with node: Nitro's .output (Nuxt),
// SvelteKit's adapter-node build, Astro's standalone entry. Each keeps
// Node's 5 s; SvelteKit's reads KEEP_ALIVE_TIMEOUT in seconds from
// adapter-node 5.5.0. node build in a project without adapter-node is not
// SvelteKit's.
func TestNodeFrameworkBuilds(t *testing.T) {
	nuxt := `{"name":"web","scripts":{"build":"nuxt build","start":"node .output/server/index.mjs"},"dependencies":{"nuxt":"^3.12.0"}}`
	svelte := func(v string) string {
		return `{"name":"web","scripts":{"build":"vite build"},"devDependencies":{"@sveltejs/adapter-node":"` + v + `","@sveltejs/kit":"^2"}}`
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		want  map[string]string
	}{
		{"Nuxt run by its Dockerfile", map[string]string{"package.json": nuxt,
			"Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"node\", \".output/server/index.mjs\"]\n"},
			map[string]string{"node Dockerfile:5": "5s Node's default keepAliveTimeout (5 s): the framework's server sets none (node .output/server/index.mjs)"}},
		{"Nuxt run by npm start", map[string]string{"package.json": nuxt,
			"Dockerfile": "FROM node:20\nCOPY . .\nCMD [\"npm\", \"start\"]\n"},
			map[string]string{"node package.json:1": "5s Node's default keepAliveTimeout (5 s): the framework's server sets none (package.json start script: node .output/server/index.mjs)"}},
		{"Nuxt 3 run by nuxt start", map[string]string{"package.json": `{"name":"web","scripts":{"build":"nuxt build","start":"nuxt start"},"dependencies":{"nuxt":"^3.8.0"}}`,
			"Dockerfile": "FROM node:20\nCOPY . .\nCMD [\"npm\", \"start\"]\n"},
			map[string]string{"node package.json:1": "5s Node's default keepAliveTimeout (5 s): nuxt start runs Nitro's node-server, which sets none"}},
		{"Nuxt 2's nuxt start is its own server", map[string]string{"package.json": `{"name":"web","scripts":{"start":"nuxt start"},"dependencies":{"nuxt":"^2.15.8"}}`,
			"Dockerfile": "FROM node:16\nCOPY . .\nCMD [\"npm\", \"start\"]\n"}, map[string]string{}},
		{"Nuxt deployed elsewhere", map[string]string{"package.json": nuxt, "vercel.json": "{}"}, map[string]string{}},
		{"SvelteKit with KEEP_ALIVE_TIMEOUT", map[string]string{"package.json": svelte("^5.5.2"),
			"Dockerfile": "FROM node:20\nENV KEEP_ALIVE_TIMEOUT=65\nCMD [\"node\", \"build\"]\n"},
			map[string]string{"node Dockerfile:2": "65s KEEP_ALIVE_TIMEOUT=65 (seconds; adapter-node 5.5.0+)"}},
		{"SvelteKit too old for KEEP_ALIVE_TIMEOUT", map[string]string{"package.json": svelte("~5.2.0"),
			"Dockerfile": "FROM node:20\nENV KEEP_ALIVE_TIMEOUT=65\nCMD [\"node\", \"build\"]\n"},
			map[string]string{"node Dockerfile:3": "5s Node's default keepAliveTimeout (5 s): the framework's server sets none (node build); KEEP_ALIVE_TIMEOUT=65 (Dockerfile:2) is read only from @sveltejs/adapter-node 5.5.0, and package.json asks for ~5.2"}},
		{"node build without adapter-node", map[string]string{"package.json": `{"name":"tool","dependencies":{"vite":"^5"}}`,
			"Dockerfile": "FROM node:20\nCMD [\"node\", \"build\"]\n"}, map[string]string{}},
		{"Astro standalone", map[string]string{"package.json": `{"name":"web","dependencies":{"astro":"^4","@astrojs/node":"^8"}}`,
			"Dockerfile": "FROM node:20\nCOPY . .\nCMD node ./dist/server/entry.mjs\n"},
			map[string]string{"node Dockerfile:3": "5s Node's default keepAliveTimeout (5 s): the framework's server sets none (node ./dist/server/entry.mjs)"}},
		// Dockerfiles that copy .output elsewhere (a3318375/inyaa-sakura-nuxt-antdv,
		// chris-paganon/vue-ai-tools, ThePragmaticFox/website).
		{"Nitro's output copied to output/", map[string]string{"Dockerfile": "FROM node:latest\nWORKDIR /home\nADD .output output\nCMD [\"node\", \"output/server/index.mjs\"]\n"},
			map[string]string{"node Dockerfile:4": "5s Node's default keepAliveTimeout (5 s): the framework's server sets none (node output/server/index.mjs)"}},
		{"Nitro's server directory as the working directory", map[string]string{"Dockerfile": "FROM node:20\nCOPY ./.output.${APP_ENV} /opt/nuxter/.output\nWORKDIR /opt/nuxter/.output/server\nCMD [\"node\", \"index.mjs\"]\n"},
			map[string]string{"node Dockerfile:4": "5s Node's default keepAliveTimeout (5 s): the framework's server sets none (node index.mjs)"}},
		{"server/index.mjs without .output", map[string]string{"Dockerfile": "FROM node:20\nCOPY server/ /srv/\nCMD [\"node\", \"/srv/server/index.mjs\"]\n"}, map[string]string{}},
		{"other scripts", map[string]string{"package.json": `{"name":"web","dependencies":{"@sveltejs/adapter-node":"^5"}}`,
			"Dockerfile": "FROM node:20\nRUN node build.js\nCMD [\"node\", \"server/index.mjs\"]\n"}, map[string]string{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			wantHops(t, r, c.want)
		})
	}
}
