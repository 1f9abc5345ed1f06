package alblog

import (
	"strings"
	"time"
)

// FileInterval is how long ALB collects entries into one log file per node.
const FileInterval = 5 * time.Minute

// FileName reads the name of an ALB log file (a path or S3 key ending in
// ACCOUNT_elasticloadbalancing_REGION_app.NAME.ID_YYYYMMDDTHHMMZ_IP_RANDOM.log.gz):
// the end of the interval its entries belong to, and the load balancer's
// name. ok is false for other names.
func FileName(path string) (end time.Time, lb string, ok bool) {
	name := path[strings.LastIndexAny(path, `/\`)+1:]
	parts := strings.Split(name, "_")
	// ACCOUNT elasticloadbalancing REGION app.NAME.ID TIME IP RANDOM.log.gz
	if len(parts) < 7 || parts[1] != "elasticloadbalancing" {
		return time.Time{}, "", false
	}
	t, err := time.Parse("20060102T1504Z", parts[4])
	if err != nil {
		return time.Time{}, "", false
	}
	lb = parts[3]
	for _, kind := range []string{"app.", "net.", "gwy."} {
		lb = strings.TrimPrefix(lb, kind)
	}
	if i := strings.LastIndexByte(lb, '.'); i > 0 {
		lb = lb[:i] // drop the ID
	}
	return t, lb, true
}
