package check

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// An application wrapped for AWS Lambda (serverless-http, Mangum ...) runs
// as a function: a load balancer in front invokes it, with no connection to
// keep alive. (Firebase's Cloud Functions, functions.https.onRequest(app),
// likewise.) Its server call (app.listen, uvicorn.run) serves local runs,
// and is not judged.

// lambdaAdapters are the Node modules that wrap an HTTP application for
// Lambda (and Firebase's Cloud Functions).
var lambdaAdapters = []string{"serverless-http", "@vendia/serverless-express", "aws-serverless-express", "@codegenie/serverless-express",
	"@fastify/aws-lambda", "aws-lambda-fastify", "@h4ad/serverless-adapter", "hono/aws-lambda", "@as-integrations/aws-lambda", "firebase-functions"}

// lambdaAdapterRe finds, in JavaScript or TypeScript, the loading of one of
// lambdaAdapters (or of a path inside it: firebase-functions/v2/https).
var lambdaAdapterRe = regexp.MustCompile(`(?:require\s*\(\s*|from\s+|import\s*\(\s*)['"]((?:` + strings.Join(quoteAll(lambdaAdapters), "|") + `)(?:/[\w/]+)?)['"]`)

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = regexp.QuoteMeta(s)
	}
	return out
}

// pyLambdaAdapterRe finds the same in Python: Mangum for ASGI, and the WSGI
// adapters (serverless-wsgi, apig-wsgi, aws-wsgi).
var pyLambdaAdapterRe = regexp.MustCompile(`(?m)^\s*(?:from\s+(mangum|serverless_wsgi|apig_wsgi|awsgi)\b|import\s+(mangum|serverless_wsgi|apig_wsgi|awsgi)\b)`)

// lambdaAdapter names the Lambda adapter a source file loads, or "".
func lambdaAdapter(src []byte, python bool) string {
	re := lambdaAdapterRe
	if python {
		re = pyLambdaAdapterRe
	}
	m := re.FindSubmatch(src)
	if m == nil {
		return ""
	}
	for _, g := range m[1:] {
		if len(g) > 0 {
			return string(g)
		}
	}
	return ""
}

// lambdaNote says why a file's server is not judged.
func lambdaNote(file, adapter string) string {
	return fmt.Sprintf("%s: the application is wrapped for AWS Lambda (%s), which a load balancer invokes with no connection to keep alive; its server call is for local runs and is not judged", file, adapter)
}

// deployedAsServer reports whether a project's directory holds what runs it
// as a server: a Dockerfile, a compose file or a Procfile.
func deployedAsServer(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (isDockerfileName(n) || isComposeFile(n) || n == "Procfile") {
			return true
		}
	}
	return false
}

// A Node application deployed to Vercel runs as functions: Vercel builds
// the exported app (module.exports = app) of a file vercel.json names, or of
// the project's api/ directory, with no server of its own. Netlify needs an
// adapter (serverless-http) for that, which lambdaAdapters covers.

// vercelHost reports whether the Node file (relative to root) of the
// project in projDir is deployed to Vercel: the project's own vercel.json
// (not a monorepo's at the top, which may be its front end's), which names
// the file, or the file is in the project's api/ directory. It returns
// where vercel.json is.
func vercelHost(root, projDir, file string) (string, bool) {
	conf := filepath.Join(projDir, "vercel.json")
	src, err := readCapped(conf)
	if err != nil {
		return "", false
	}
	relToProj, err := filepath.Rel(projDir, filepath.Join(root, filepath.FromSlash(file)))
	if err != nil {
		return "", false
	}
	relToProj = filepath.ToSlash(relToProj)
	if strings.HasPrefix(relToProj, "api/") || bytes.Contains(src, []byte(relToProj)) || apiImports(projDir, relToProj) {
		return rel(root, conf), true
	}
	return "", false
}

// relImportRe finds a relative require or import: require('../server'),
// from '../src/index.js'.
var relImportRe = regexp.MustCompile(`(?:require\s*\(\s*|from\s+)['"](\.\.?/[^'"]+)['"]`)

// apiImports reports whether a file of the project's api/ directory (its
// Vercel functions) imports file (relative to the project): the function
// re-exports the application that file builds.
func apiImports(projDir, file string) bool {
	entries, err := os.ReadDir(filepath.Join(projDir, "api"))
	if err != nil {
		return false
	}
	want := strings.TrimSuffix(file, path.Ext(file))
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		src, err := readCapped(filepath.Join(projDir, "api", e.Name()))
		if err != nil {
			continue
		}
		for _, m := range relImportRe.FindAllSubmatch(src, -1) {
			target := path.Clean(path.Join("api", string(m[1])))
			if strings.TrimSuffix(target, path.Ext(target)) == want || target == want {
				return true
			}
		}
	}
	return false
}

// vercelNote says why a file's server is not judged.
func vercelNote(file, conf string) string {
	return fmt.Sprintf("%s: deployed to Vercel (%s), which runs the exported application as functions with no connection of a load balancer to keep alive; its server call is for local runs and is not judged", file, conf)
}
