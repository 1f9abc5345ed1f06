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

// otherLogPrefixes name the other logs an ALB writes beside its access logs,
// under the same bucket and prefix when they share one: connection logs
// (conn_log_..., since 2023) and health check logs (health_check_log_...,
// since 2025). Their lines are not access log entries.
var otherLogPrefixes = []struct{ prefix, kind string }{
	{"conn_log_", "connection log"},
	{"health_check_log_", "health check log"},
}

// OtherLogFile reports which other log of an ALB a file is, by its name
// ("connection log", "health check log"), or "" for an access log or a name
// that is not ALB's.
func OtherLogFile(path string) string {
	name := path[strings.LastIndexAny(path, `/\`)+1:]
	for _, o := range otherLogPrefixes {
		if rest, ok := strings.CutPrefix(name, o.prefix); ok {
			if _, _, ok := FileName(rest); ok {
				return o.kind
			}
		}
	}
	return ""
}
