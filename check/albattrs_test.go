package check

import (
	"strings"
	"testing"
	"time"
)

// The load-balancer-attributes annotation is read as the AWS Load Balancer
// Controller reads it (pkg/annotations/parser.go): pairs trimmed of spaces,
// a backslash escaping a comma, and a pair without "=" refused whole.
func TestALBAttributesAnnotation(t *testing.T) {
	for _, tt := range []struct {
		value      string
		idle       time.Duration
		set, known bool
		source     string
	}{
		{"idle_timeout.timeout_seconds=300", 300 * time.Second, true, true, "annotation idle_timeout.timeout_seconds=300"},
		{"idle_timeout.timeout_seconds = 300", 300 * time.Second, true, true, ""},
		{"routing.http2.enabled=true, idle_timeout.timeout_seconds=120", 120 * time.Second, true, true, ""},
		{"access_logs.s3.prefix=a\\,b,idle_timeout.timeout_seconds=90", 90 * time.Second, true, true, ""},
		{"routing.http2.enabled=true", 0, false, true, ""},
		{"idle_timeout.timeout_seconds: 300", 0, true, false, "the controller refuses it"},
		{"idle_timeout.timeout_seconds=300, deletion_protection.enabled", 0, true, false, "the controller refuses it"},
		{"idle_timeout.timeout_seconds=${var.idle}", 0, true, false, "not a number of seconds"},
	} {
		idle, source, set, known := albAttributesIdle(tt.value)
		if idle != tt.idle || set != tt.set || known != tt.known || !strings.Contains(source, tt.source) {
			t.Errorf("%q: %v %q set %v known %v, want %v %q set %v known %v", tt.value, idle, source, set, known, tt.idle, tt.source, tt.set, tt.known)
		}
	}
}

// A Terraform Ingress whose load-balancer-attributes annotation does not
// evaluate (a variable without a default) is unknown when it may set the
// idle timeout, not the 60 s default.
func TestTerraformIngressAttributesUnread(t *testing.T) {
	for value, want := range map[string]string{
		`"idle_timeout.timeout_seconds=${var.idle}"`: "unknown",
		`var.attributes`:                            "unknown",
		`"routing.http2.enabled=${var.h2}"`:         "60s",
		`"idle_timeout.timeout_seconds=${var.set}"`: "300s",
	} {
		src := "variable \"idle\" {}\nvariable \"attributes\" {}\nvariable \"h2\" {}\nvariable \"set\" {\n  default = 300\n}\n" +
			"resource \"kubernetes_ingress_v1\" \"app\" {\n  metadata {\n    name = \"app\"\n    annotations = {\n      \"alb.ingress.kubernetes.io/load-balancer-attributes\" = " + value + "\n    }\n  }\n  spec {\n    ingress_class_name = \"alb\"\n  }\n}\n"
		r, _ := checkFiles(t, map[string]string{"main.tf": src})
		if len(r.Hops) != 1 {
			t.Fatalf("%s: hops %+v", value, r.Hops)
		}
		got := secs(r.Hops[0].Idle)
		if !r.Hops[0].Known {
			got = "unknown"
		}
		if got != want {
			t.Errorf("%s: %s (%s), want %s", value, got, r.Hops[0].Source, want)
		}
	}
}
