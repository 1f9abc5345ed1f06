package report

import (
	"strings"
	"testing"

	"github.com/lbdoctor/lbdoctor/analysis"
)

// A run that read no entry (a Classic Load Balancer's log, say) says so
// where the load balancers would be listed, rather than leaving it blank.
func TestLogsTextNoEntries(t *testing.T) {
	var b strings.Builder
	if err := LogsText(&b, &analysis.Summary{}, LogsOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "load balancers: none (no entry was read)\n") {
		t.Errorf("no load balancers not said:\n%s", b.String())
	}
}
