// Package s3logs reads ALB access logs where ALB writes them: S3. It knows
// ALB's key layout, so a query for an hour of a year-old bucket lists the
// day prefixes in range and fetches only the objects that can hold entries
// in range; objects stream into logscan's pipeline with no temporary files.
package s3logs

import (
	"time"

	"github.com/lbdoctor/lbdoctor/alblog"
)

// Key layout of ALB access logs:
//
//	PREFIX/AWSLogs/ACCOUNT/elasticloadbalancing/REGION/YYYY/MM/DD/
//	  ACCOUNT_elasticloadbalancing_REGION_app.NAME.ID_YYYYMMDDTHHMMZ_IP_RANDOM.log.gz
//
// The time in the name is when the file was closed: its entries end then and
// begin about five minutes before (Interval), a little more when ALB is late.

// Interval is how often ALB closes a log file per node.
const Interval = 5 * time.Minute

// slack allows for entries that reach a file late.
const slack = 5 * time.Minute

// keyInfo is what an object's name says, when it follows the layout.
type keyInfo struct {
	end time.Time // the file's end time
	lb  string    // the load balancer's name, e.g. "shop-prod"
}

// parseKey reads an object key; ok is false when it does not follow ALB's layout.
func parseKey(key string) (keyInfo, bool) {
	end, lb, ok := alblog.FileName(key)
	return keyInfo{end: end, lb: lb}, ok
}

// inRange reports whether a file ending at end can hold entries in
// [since, until] (zero times: unbounded).
func inRange(end, since, until time.Time) bool {
	if !since.IsZero() && end.Before(since) {
		return false
	}
	if !until.IsZero() && end.After(until.Add(Interval+slack)) {
		return false
	}
	return true
}

// days lists the UTC day prefixes ("2024/05/01/") that files holding
// entries in [since, until] can be under.
func days(since, until time.Time) []string {
	from := since.UTC().Truncate(24 * time.Hour)
	to := until.UTC().Add(Interval + slack)
	var out []string
	for d := from; !d.After(to); d = d.Add(24 * time.Hour) {
		out = append(out, d.Format("2006/01/02/"))
		if len(out) > 3660 {
			break // ten years: a bound, not a use case
		}
	}
	return out
}
