package check

import (
	"strings"
	"testing"
	"time"
)

// A CDK program's load balancer fronts the images it builds from its
// directories: fromAsset with a path from __dirname, a plain one (where
// the CDK CLI runs, the directory of cdk.json), Python's from_asset and
// Go's ContainerImage_FromAsset; options after the path are not part of it.
func TestCDKAssetDirs(t *testing.T) {
	have := map[string]bool{"infra/cdk.json": true, "infra/app": true, "infra/lib/local-image": true, "svc": true, "pinger": true}
	exists := func(p string) bool { return have[p] }
	for _, tt := range []struct {
		file, src string
		want      []string
	}{
		{"infra/lib/stack.ts", "image: ecs.ContainerImage.fromAsset(path.resolve(__dirname, 'local-image')),", []string{"infra/lib/local-image"}},
		{"infra/lib/stack.ts", "image: ecs.ContainerImage.fromAsset('app', { file: 'Dockerfile.prod' }),", []string{"infra/app"}},
		{"infra/lib/stack.ts", "image: ecs.ContainerImage.fromAsset(path.join(__dirname, '..', '..', 'svc')),", []string{"svc"}},
		{"app.py", "image=aws_ecs.ContainerImage.from_asset(\"pinger\"),", []string{"pinger"}},
		{"main.go", "Image: awsecs.ContainerImage_FromAsset(jsii.String(\"svc\"), &awsecs.AssetImageProps{}),", []string{"svc"}},
		{"infra/lib/stack.ts", "ecs.ContainerImage.fromAsset(dir)", nil},
		{"infra/lib/stack.ts", "ecs.ContainerImage.fromAsset('missing')", nil},
		{"infra/lib/stack.ts", "ecs.ContainerImage.fromAsset(path.join(__dirname, '../../..', 'outside'))", nil},
		{"x.ts", "ecs.ContainerImage.fromRegistry('nginx:1.27')", nil},
	} {
		got := cdkAssetDirs(tt.file, []byte(tt.src), exists)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s %q: %q, want %q", tt.file, tt.src, got, tt.want)
		}
	}

	// End to end: the program's ALB is in front of the asset's server, so
	// the finding is an error; another program's ALB of the same name in
	// the repository is not.
	r, _ := checkFiles(t, map[string]string{
		"a/cdk.json":             "{\"app\": \"npx ts-node bin/a.ts\"}",
		"a/lib/stack.ts":         "import * as ecs_patterns from 'aws-cdk-lib/aws-ecs-patterns';\nnew ecs_patterns.ApplicationLoadBalancedFargateService(this, 'S', {\n  taskImageOptions: { image: ecs.ContainerImage.fromAsset(path.resolve(__dirname, 'image')) },\n});\n",
		"a/lib/image/Dockerfile": "FROM node:20\nCOPY server.js .\nCMD node server.js\n",
		"a/lib/image/server.js":  "const http = require('http');\nconst server = http.createServer(app);\nserver.listen(80);\n",
		"b/cdk.json":             "{}",
		"b/lib/stack.ts":         "import * as ecs_patterns from 'aws-cdk-lib/aws-ecs-patterns';\nnew ecs_patterns.ApplicationLoadBalancedFargateService(this, 'S', { idleTimeout: Duration.seconds(4) });\n",
	})
	got := findingsOf(r)
	if len(got) != 1 || !strings.HasPrefix(got[0], "a/lib/image/server.js:2 error LBD001 CDK ApplicationLoadBalancedFargateService 60s") {
		t.Errorf("findings: %q", got)
	}

	// A proxy elsewhere in the repository (another example's nginx) does
	// not hide the asset's server from its load balancer; a proxy in the
	// image does.
	for _, inImage := range []bool{false, true} {
		conf := "other/nginx.conf"
		if inImage {
			conf = "a/lib/image/nginx.conf"
		}
		r, _ = checkFiles(t, map[string]string{
			"a/cdk.json":             "{}",
			"a/lib/stack.ts":         "import * as ecs_patterns from 'aws-cdk-lib/aws-ecs-patterns';\nnew ecs_patterns.ApplicationLoadBalancedFargateService(this, 'S', {\n  taskImageOptions: { image: ecs.ContainerImage.fromAsset(path.resolve(__dirname, 'image')) },\n});\n",
			"a/lib/image/Dockerfile": "FROM node:20\nCOPY . .\nCMD node server.js\n",
			"a/lib/image/server.js":  "const http = require('http');\nconst server = http.createServer(app);\nserver.listen(3000);\n",
			conf:                     "events {}\nhttp {\n  keepalive_timeout 65;\n  server {\n    listen 80;\n    location / { proxy_pass http://localhost:3000; }\n  }\n}\n",
		})
		server := false
		for _, f := range findingsOf(r) {
			server = server || strings.HasPrefix(f, "a/lib/image/server.js:2 error LBD001")
		}
		if server == inImage {
			t.Errorf("nginx at %s: findings %q", conf, findingsOf(r))
		}
	}
}

// A CDK load balancer's idleTimeout in the forms CDK programs write it: any
// Duration unit, a constant of the file; an expression lbdoctor cannot read
// is unknown (it was the 60 s default), and a props type's field is no value.
func TestCDKIdleTimeoutForms(t *testing.T) {
	head := "import * as cdk from 'aws-cdk-lib';\nimport { Duration } from 'aws-cdk-lib';\nimport * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';\ninterface Props { idleTimeout: cdk.Duration; }\nconst IDLE_SECONDS = 120;\n"
	for _, tt := range []struct {
		expr  string
		idle  time.Duration
		known bool
	}{
		{"Duration.seconds(65)", 65 * time.Second, true},
		{"cdk.Duration.minutes(5)", 5 * time.Minute, true},
		{"Duration.millis(90000)", 90 * time.Second, true},
		{"Duration.seconds(IDLE_SECONDS)", 120 * time.Second, true},
		{"props.idleTimeout", 0, false},
		{"Duration.seconds(props.idle)", 0, false},
	} {
		src := head + "new elbv2.ApplicationLoadBalancer(this, 'LB', { vpc, idleTimeout: " + tt.expr + " });\n"
		hops := parseCDK("lib/stack.ts", []byte(src))
		if len(hops) != 1 || hops[0].Idle != tt.idle || hops[0].Known != tt.known || hops[0].Location.Line != 6 {
			t.Errorf("%s: %+v, want %v known %v at line 6", tt.expr, hops, tt.idle, tt.known)
		}
	}
	// Python and Java spellings.
	for src, want := range map[string]time.Duration{
		"import aws_cdk as cdk\nfrom aws_cdk import Duration, aws_elasticloadbalancingv2 as elbv2\nelbv2.ApplicationLoadBalancer(self, 'LB', vpc=vpc, idle_timeout=Duration.seconds(90))\n": 90 * time.Second,
		"import software.amazon.awscdk.Duration;\nApplicationLoadBalancer.Builder.create(this, \"LB\").vpc(vpc).idleTimeout(Duration.minutes(2)).build();\n":                                2 * time.Minute,
	} {
		if hops := parseCDK("stack", []byte(src)); len(hops) != 1 || hops[0].Idle != want {
			t.Errorf("%q: %+v, want %v", src, hops, want)
		}
	}
}

// A CDK app that builds a service's image in one file and defines its load
// balancer in another (icebreakerone/perseus-demo-energy: service.py with
// from_asset("../"), loadbalancer.py) links the image to it, so a proxy the
// repository runs in front of the same image locally (compose with nginx)
// does not hide it. Load balancers of the app that disagree on the idle
// timeout make no link (which one fronts the service is unknown): the
// image is then judged behind the nginx, which pools nothing.
func TestCDKAppLinksAcrossFiles(t *testing.T) {
	lb := func(name, idle string) string {
		return "from aws_cdk import aws_elasticloadbalancingv2 as elbv2\n\nclass LB:\n    def __init__(self, scope, vpc):\n        self.lb = elbv2.ApplicationLoadBalancer(scope, \"" + name + "\", vpc=vpc, internet_facing=True" + idle + ")\n"
	}
	for _, c := range []struct {
		name   string
		second string // a second load balancer's file, if any
		want   Severity
	}{
		{"one load balancer", "", Error},
		{"two that agree", lb("B", ""), Error},
		{"two that disagree", lb("B", ", idle_timeout=Duration.seconds(120)"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{
				"api/Dockerfile":                     "FROM python:3.12\nCOPY . .\nCMD [\"uvicorn\", \"main:app\", \"--host\", \"0.0.0.0\", \"--port\", \"8080\"]\n",
				"api/cdk/cdk.json":                   `{"app": "python3 app.py"}`,
				"api/cdk/deployment/service.py":      "from aws_cdk import aws_ecs as ecs\n\nclass Service:\n    def __init__(self, scope, task_def):\n        task_def.add_container(\"Api\", image=ecs.ContainerImage.from_asset(\"../\"))\n",
				"api/cdk/deployment/loadbalancer.py": lb("A", ""),
				"compose.yml":                        "services:\n  proxy:\n    image: nginx\n    volumes:\n      - ./nginx:/etc/nginx/templates\n  api:\n    build: api\n",
				"nginx/default.conf.template":        "server {\n  listen 80;\n  location / {\n    proxy_pass http://api:8080;\n  }\n}\n",
			}
			if c.second != "" {
				files["api/cdk/deployment/public_lb.py"] = c.second
			}
			r, _ := checkFiles(t, files)
			var got []string
			for _, f := range r.Findings {
				if f.Location.File == "api/Dockerfile" {
					got = append(got, string(f.Level()))
				}
			}
			if c.want == "" && len(got) != 0 || c.want != "" && (len(got) != 1 || got[0] != string(c.want)) {
				t.Errorf("api/Dockerfile's findings: %v, want %q", got, c.want)
			}
		})
	}
}
