package check

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// fileWriter returns a function that writes a file under dir, making its
// directories: the repositories these tests check are built file by file.
func fileWriter(dir string) func(p, s string) {
	return func(p, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644)
	}
}

// checkFiles writes files (path: content) into a new directory and checks
// it as runCheck does.
func checkFiles(t *testing.T, files map[string]string) (*Report, string) {
	t.Helper()
	dir := t.TempDir()
	write := fileWriter(dir)
	for p, s := range files {
		write(p, s)
	}
	r, _ := runCheck(t, dir)
	return r, dir
}

// checkFilesWith is checkFiles with other options (the default margin and
// front unless set).
func checkFilesWith(t *testing.T, o Options, files map[string]string) (*Report, string) {
	t.Helper()
	dir := t.TempDir()
	write := fileWriter(dir)
	for p, s := range files {
		write(p, s)
	}
	r, err := Run(context.Background(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return r, dir
}

// runCheck checks dir with the default front (60 s) and margin (5 s) and
// returns the report and its load balancers.
func runCheck(t *testing.T, dir string) (*Report, []Hop) {
	t.Helper()
	r, err := Run(context.Background(), dir, Options{Margin: 5 * time.Second, LBIdle: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var lbs []Hop
	for _, h := range r.Hops {
		if h.Role == LB {
			lbs = append(lbs, h)
		}
	}
	return r, lbs
}

// An ALB Ingress written with Terraform's kubernetes provider, as public
// EKS repositories write it: the annotation's idle timeout, a name built
// from a variable, and a backend Service whose project is in the repository.
func TestTerraformKubernetesIngress(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(dir)
	write("infra/ingress.tf", `locals {
  ingress_class_name = "alb"
}

resource "kubernetes_ingress_v1" "ingress_alb" {
  metadata {
    name      = "${var.prefix_env}-ingress-alb"
    namespace = "default"
    annotations = {
      "alb.ingress.kubernetes.io/scheme"                   = "internet-facing"
      "alb.ingress.kubernetes.io/listen-ports"             = "[{\"HTTP\": 80}]"
      "alb.ingress.kubernetes.io/load-balancer-attributes" = "idle_timeout.timeout_seconds=120"
      "alb.ingress.kubernetes.io/tags"                     = "Env=${var.prefix_env}"
    }
  }
  spec {
    ingress_class_name = local.ingress_class_name
    rule {
      http {
        path {
          path = "/"
          backend {
            service {
              name = "web"
              port {
                number = 80
              }
            }
          }
        }
      }
    }
  }
}

resource "kubernetes_ingress_v1" "nginx" {
  metadata {
    name = "internal"
  }
  spec {
    ingress_class_name = "nginx"
  }
}

variable "prefix_env" {}
`)
	write("web/Dockerfile", "FROM python:3.12\nCMD gunicorn app:app -k gthread --keep-alive 75\n")
	r, lbs := runCheck(t, dir)
	if len(lbs) != 1 || lbs[0].Name != "kubernetes_ingress_v1.ingress_alb" || lbs[0].Idle != 120*time.Second || lbs[0].Location.Line != 12 {
		t.Fatalf("load balancers %+v, want the ALB ingress at 120 s (line 12), not the nginx one", lbs)
	}
	// Its class alone (from a local) makes it an ALB, at the 60 s default.
	hop, _, ok := terraformIngress("i.tf", newTFFile("i.tf", []byte("resource \"kubernetes_ingress_v1\" \"x\" {\n  spec {\n    ingress_class_name = local.c\n  }\n}\n")).body.Blocks[0],
		&hcl.EvalContext{Variables: map[string]cty.Value{"local": cty.ObjectVal(map[string]cty.Value{"c": cty.StringVal("alb")})}})
	if !ok || hop.Idle != 60*time.Second {
		t.Errorf("class from a local: %+v %v", hop, ok)
	}
	// Linked through its backend Service "web": an error, not a warning.
	if len(r.Findings) != 1 || r.Findings[0].Rule.ID != "LBD001" || r.Findings[0].Severity != "" || r.Findings[0].Location.File != "web/Dockerfile" {
		t.Errorf("findings %+v, want one linked LBD001 on web/Dockerfile", r.Findings)
	}
}

// A Service of type LoadBalancer with HTTP listeners is a Classic Load
// Balancer that pools connections to the pods it selects; with TCP
// listeners (the default) or as an NLB it is not a hop.
func TestServiceClassicELB(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(dir)
	write("k8s/web.yaml", `apiVersion: v1
kind: Service
metadata:
  name: storefront
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-backend-protocol: http
    service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout: "120"
spec:
  type: LoadBalancer
  selector:
    app: shop
  ports:
    - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: tcp-passthrough
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout: "3600"
spec:
  type: LoadBalancer
  selector:
    app: other
---
apiVersion: v1
kind: Service
metadata:
  name: nlb
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-type: nlb
    service.beta.kubernetes.io/aws-load-balancer-backend-protocol: http
spec:
  type: LoadBalancer
---
apiVersion: v1
kind: Service
metadata:
  name: lbc-nlb
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-backend-protocol: http
spec:
  type: LoadBalancer
  loadBalancerClass: service.k8s.aws/nlb
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  template:
    metadata:
      labels:
        app: shop
    spec:
      containers:
        - name: app
          image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:1.4
`)
	write("web/Dockerfile", "FROM python:3.12\nCMD gunicorn app:app -k gthread --keep-alive 75\n")
	r, lbs := runCheck(t, dir)
	if len(lbs) != 1 || lbs[0].Idle != 120*time.Second || lbs[0].Location.Line != 7 {
		t.Fatalf("load balancers %+v, want only storefront's Classic ELB at 120 s (line 7)", lbs)
	}
	if len(r.Findings) != 1 || r.Findings[0].Rule.ID != "LBD001" || r.Findings[0].Severity != "" || r.Findings[0].Location.File != "web/Dockerfile" {
		t.Errorf("findings %+v, want one linked LBD001 on web/Dockerfile (Service -> Deployment -> image .../web)", r.Findings)
	}
}

// A Classic Load Balancer whose listeners all pass TCP or SSL through keeps
// no pool of connections to its instances, so it is not a hop; one HTTP
// listener, or a protocol lbdoctor cannot read, keeps it.
func TestClassicListeners(t *testing.T) {
	tf := func(protocols ...string) string {
		s := "resource \"aws_elb\" \"web\" {\n"
		for _, p := range protocols {
			s += "  listener {\n    instance_port = 80\n    instance_protocol = " + p + "\n    lb_port = 80\n    lb_protocol = \"tcp\"\n  }\n"
		}
		return s + "}\n"
	}
	for _, tt := range []struct {
		src  string
		want bool
	}{
		{tf(`"tcp"`), false},
		{tf(`"TCP"`, `"ssl"`), false},
		{tf(`"tcp"`, `"http"`), true},
		{tf(`var.protocol`), true},
		{"resource \"aws_elb\" \"web\" {\n  idle_timeout = 30\n}\n", true},
	} {
		body := newTFFile("elb.tf", []byte(tt.src)).body
		if _, _, ok := terraformLB("elb.tf", body.Blocks[0]); ok != tt.want {
			t.Errorf("%s: hop %v, want %v", tt.src, ok, tt.want)
		}
	}
	cfn := func(listeners string) string {
		return "Resources:\n  LB:\n    Type: AWS::ElasticLoadBalancing::LoadBalancer\n    Properties:\n      Listeners:\n" + listeners
	}
	for _, tt := range []struct {
		src  string
		want int
	}{
		{cfn("        - {LoadBalancerPort: '443', InstancePort: '80', Protocol: SSL}\n"), 0},
		{cfn("        - {LoadBalancerPort: '443', InstancePort: '80', Protocol: HTTPS}\n"), 1},
		{cfn("        - {LoadBalancerPort: '443', InstancePort: '80', Protocol: SSL, InstanceProtocol: HTTP}\n"), 1},
		{cfn("        - {LoadBalancerPort: '80', InstancePort: '80', Protocol: !Ref Proto}\n"), 1},
	} {
		hops, _, _, err := parseCloudFormation("t.yaml", []byte(tt.src))
		if err != nil || len(hops) != tt.want {
			t.Errorf("%s: %d hops (%v), want %d", tt.src, len(hops), err, tt.want)
		}
	}
}
