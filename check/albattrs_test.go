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
