package check

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Pulumi programs in each language Pulumi's AWS examples use.
func TestPulumi(t *testing.T) {
	cases := []struct {
		name, file, src string
		idle            time.Duration // 0: no load balancer; -1: unknown
		line            int
	}{
		{"TypeScript default", "index.ts", "import * as aws from \"@pulumi/aws\";\n\nconst alb = new aws.lb.LoadBalancer(\"web\", {\n    internal: false,\n    securityGroups: [sg.id],\n    subnets: vpc.publicSubnetIds,\n});\n",
			60 * time.Second, 3},
		{"TypeScript idleTimeout", "index.ts", "import * as aws from \"@pulumi/aws\";\nconst alb = new aws.lb.LoadBalancer(\"web\", {\n    loadBalancerType: \"application\",\n    idleTimeout: 120,\n});\n",
			120 * time.Second, 4},
		{"awsx", "index.ts", "import * as awsx from \"@pulumi/awsx\";\nconst lb = new awsx.lb.ApplicationLoadBalancer(\"lb\", {});\n", 60 * time.Second, 2},
		{"Python", "__main__.py", "import pulumi\nimport pulumi_aws as aws\n\nalb = aws.lb.LoadBalancer(\"app-lb\",\n    load_balancer_type=\"application\",\n    idle_timeout=300,\n    subnets=subnet_ids)\n",
			300 * time.Second, 6},
		{"Go", "main.go", "package main\n\nimport (\n\t\"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb\"\n\t\"github.com/pulumi/pulumi/sdk/v3/go/pulumi\"\n)\n\nfunc main() {\n\tpulumi.Run(func(ctx *pulumi.Context) error {\n\t\t_, err := lb.NewLoadBalancer(ctx, \"web\", &lb.LoadBalancerArgs{\n\t\t\tIdleTimeout: pulumi.Int(90),\n\t\t})\n\t\treturn err\n\t})\n}\n",
			90 * time.Second, 11},
		{"a constant", "index.ts", "import * as aws from \"@pulumi/aws\";\nconst IDLE_SECONDS = 75;\nconst alb = new aws.lb.LoadBalancer(\"web\", {\n    idleTimeout: IDLE_SECONDS,\n});\n",
			75 * time.Second, 4},
		{"Python constant", "__main__.py", "import pulumi_aws as aws\nIDLE = 150\nalb = aws.lb.LoadBalancer(\"lb\", idle_timeout=IDLE)\n", 150 * time.Second, 3},
		{"configuration: unknown", "index.ts", "import * as aws from \"@pulumi/aws\";\nconst alb = new aws.lb.LoadBalancer(\"web\", {\n    idleTimeout: config.requireNumber(\"idle\"),\n});\n",
			-1, 3},
		{"network load balancer", "index.ts", "import * as aws from \"@pulumi/aws\";\nconst nlb = new aws.lb.LoadBalancer(\"nlb\", { loadBalancerType: \"network\" });\n", 0, 0},
		{"not Pulumi", "lb.ts", "class LoadBalancer {}\nconst aws = { lb: { LoadBalancer } };\nnew aws.lb.LoadBalancer();\n", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, map[string]string{c.file: c.src})
			var lbs []Hop
			for _, h := range r.Hops {
				if h.Role == LB {
					lbs = append(lbs, h)
				}
			}
			if c.idle == 0 {
				if len(lbs) != 0 {
					t.Fatalf("load balancers %+v, want none", lbs)
				}
				return
			}
			if c.idle < 0 { // unknown
				if len(lbs) != 1 || lbs[0].Known || lbs[0].Location.Line != c.line {
					t.Fatalf("load balancers %+v, want an unknown one at line %d", lbs, c.line)
				}
				return
			}
			if len(lbs) != 1 || lbs[0].Idle != c.idle || lbs[0].Location.Line != c.line {
				t.Fatalf("load balancers %+v, want %s at line %d", lbs, c.idle, c.line)
			}
		})
	}
}

// A repository of independent examples: each backend is judged against the
// load balancer of its own example, one finding each, and a backend whose
// example has none against the assumed ALB, not against another example's.
func TestNearestFronts(t *testing.T) {
	lb := func(idle int) string {
		return "import * as aws from \"@pulumi/aws\";\nconst alb = new aws.lb.LoadBalancer(\"web\", { idleTimeout: " + strconv.Itoa(idle) + " });\n"
	}
	node := "const express = require('express');\nexpress().listen(3000);\n"
	r, _ := checkFiles(t, map[string]string{
		"aws-a/index.ts": lb(120), "aws-a/app/package.json": `{"dependencies": {"express": "4"}}`, "aws-a/app/index.js": node,
		"aws-b/index.ts": lb(30), "aws-b/app/package.json": `{"dependencies": {"express": "4"}}`, "aws-b/app/index.js": node,
		"azure-c/app/package.json": `{"dependencies": {"express": "4"}}`, "azure-c/app/index.js": node,
	})
	got := map[string]string{}
	for _, f := range r.Findings {
		got[f.Location.File] += f.Chain + "; "
	}
	want := map[string]string{
		"aws-a/app/index.js":   "Pulumi aws.lb.LoadBalancer 120s",
		"aws-b/app/index.js":   "Pulumi aws.lb.LoadBalancer 30s",
		"azure-c/app/index.js": "load balancer (assumed: ALB default 60s",
	}
	if len(got) != len(want) || len(r.Findings) != len(want) {
		t.Fatalf("findings %v", got)
	}
	for file, prefix := range want {
		if !strings.HasPrefix(got[file], prefix) {
			t.Errorf("%s: %q, want it to start with %q", file, got[file], prefix)
		}
	}
}
