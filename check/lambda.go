package check

import (
	"fmt"
	"os"
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
