package check

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The AWS Load Balancer Controller reads the annotation
// alb.ingress.kubernetes.io/load-balancer-attributes as a string map:
// key=value pairs separated by commas, each key and value trimmed of
// spaces, a comma escaped with a backslash inside a value (its
// pkg/annotations/parser.go, ParseStringMapAnnotation and
// splitKeyValuePairs). A pair without "=" makes the whole annotation an
// error: the controller does not reconcile that Ingress, so no idle timeout
// from it reaches the load balancer.

// albAttributes parses the annotation's value as the controller does.
func albAttributes(v string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range splitALBPairs(v) {
		key, value, ok := strings.Cut(pair, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return nil, fmt.Errorf("%q is not a key=value pair", pair)
		}
		out[key] = value
	}
	return out, nil
}

// splitALBPairs splits the annotation at the commas that start a new pair
// (one followed by text with an "="), as the controller does; a backslash
// keeps the next character as it is. Text after a comma with no "=" after
// it is a pair of its own, which albAttributes then refuses.
func splitALBPairs(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			cur.WriteByte(s[i+1])
			i++
		case s[i] == ',':
			rest := strings.TrimSpace(s[i+1:])
			switch {
			case strings.Contains(rest, "="):
				out = append(out, strings.TrimSpace(cur.String()))
				cur.Reset()
			case rest != "":
				return append(out, strings.TrimSpace(cur.String()), rest)
			default:
				cur.WriteByte(',')
			}
		default:
			cur.WriteByte(s[i])
		}
	}
	if cur.Len() > 0 {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

// albAttributesIdle reads the idle timeout from the annotation's value:
// set says whether it names one (or could not be read: then known is false
// and source says why).
func albAttributesIdle(v string) (idle time.Duration, source string, set, known bool) {
	attrs, err := albAttributes(v)
	if err != nil {
		return 0, fmt.Sprintf("annotation load-balancer-attributes %q: the controller refuses it (%v) and does not reconcile the Ingress", v, err), true, false
	}
	val, ok := attrs["idle_timeout.timeout_seconds"]
	if !ok {
		return 0, "", false, true
	}
	n, err := strconv.Atoi(val)
	if err != nil || n < 1 {
		return 0, "annotation idle_timeout.timeout_seconds=" + val + ": not a number of seconds", true, false
	}
	return time.Duration(n) * time.Second, "annotation idle_timeout.timeout_seconds=" + val, true, true
}
