package albsql

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/analysis"
	"github.com/lbdoctor/lbdoctor/classify"
	"github.com/lbdoctor/lbdoctor/demo"
	"github.com/lbdoctor/lbdoctor/logscan"
	"github.com/lbdoctor/lbdoctor/synth"
)

// counts are a report's error counts by cause, by target and cause, and by
// minute and cause: what lbdoctor logs --format json says and what the
// rows of the causes query must add up to.
type counts struct {
	causes  map[string]int64
	targets map[string]int64 // "target cause"
	minutes map[string]int64 // "minute cause"
}

func newCounts() counts {
	return counts{causes: map[string]int64{}, targets: map[string]int64{}, minutes: map[string]int64{}}
}

// goCounts runs the Go engine (lbdoctor logs) over paths.
func goCounts(t *testing.T, paths []string, o analysis.Options) (counts, *analysis.Summary) {
	t.Helper()
	in, errs := (&logscan.Expander{}).Expand(context.Background(), paths)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	s, err := analysis.Analyze(context.Background(), in, o)
	if err != nil {
		t.Fatal(err)
	}
	c := newCounts()
	for _, cs := range s.Causes {
		c.causes[string(cs.ID)] += cs.Count
	}
	for _, ts := range s.Targets {
		for id, n := range ts.Causes {
			if n != 0 {
				c.targets[ts.Target+" "+id] += n
			}
		}
	}
	for _, ms := range s.Timeline {
		for id, n := range ms.Causes {
			if n != 0 {
				c.minutes[ms.Minute+" "+id] += n
			}
		}
	}
	return c, s
}

// sqlCounts runs the DuckDB view over glob and the causes query on a real
// DuckDB, and sums its rows.
func sqlCounts(t *testing.T, glob string, o CausesOptions) counts {
	t.Helper()
	ddl, err := DuckDBDDL(glob, "alb_logs")
	if err != nil {
		t.Fatal(err)
	}
	o.Dialect = DuckDB
	q, err := CausesQuery(o)
	if err != nil {
		t.Fatal(err)
	}
	rows := duckdb(t, ddl, fmt.Sprintf(
		"SELECT strftime(minute, '%%Y-%%m-%%dT%%H:%%M:%%S.000000Z') AS m, target, cause, count FROM (%s) q", q))
	c := newCounts()
	for _, r := range rows {
		m, _ := r["m"].(string)
		target, _ := r["target"].(string)
		cause, _ := r["cause"].(string)
		n, err := strconv.ParseInt(fmt.Sprint(r["count"]), 10, 64)
		if err != nil || m == "" || cause == "" || n <= 0 {
			t.Fatalf("bad row %v", r)
		}
		c.causes[cause] += n
		c.targets[target+" "+cause] += n
		c.minutes[m+" "+cause] += n
	}
	return c
}

func diffCounts(t *testing.T, what string, want, got map[string]int64) {
	t.Helper()
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	bad := 0
	for _, k := range keys {
		if want[k] != got[k] {
			if bad++; bad <= 10 {
				t.Errorf("%s %q: lbdoctor logs %d, SQL %d", what, k, want[k], got[k])
			}
		}
	}
	if bad > 10 {
		t.Errorf("%s: %d more differences", what, bad-10)
	}
}

// TestCausesQueryEqualsGoEngine runs the DuckDB dialect of the causes query
// on a real DuckDB over generated corpora (races, an outage, response
// timeouts to infer the idle timeout from, fast 504s, two load balancers, a
// long idle timeout that widens the context), the lab's real logs and the
// documented and fixture lines, and asserts that its counts per cause, per
// target and per minute are exactly those of the Go engine.
func TestCausesQueryEqualsGoEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs DuckDB")
	}
	gen := func(t *testing.T, edit func(*synth.Config)) string {
		cfg := synth.DefaultConfig()
		cfg.Duration, cfg.Rate, cfg.Targets, cfg.RaceEvery = 3*time.Hour, 2, 6, 500
		cfg.Outage, cfg.TimeoutEvery = 5*time.Minute, 700
		edit(&cfg)
		dir := t.TempDir()
		if _, err := synth.WriteDir(dir, cfg, true, 2); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	since := time.Date(2024, 5, 1, 0, 40, 30, 0, time.UTC)
	until := time.Date(2024, 5, 1, 1, 50, 0, 0, time.UTC)
	tests := []struct {
		name string
		dir  func(t *testing.T) string
		o    analysis.Options
		q    CausesOptions
	}{
		{name: "generator, two load balancers", dir: func(t *testing.T) string {
			return gen(t, func(c *synth.Config) { c.LBs = 2; c.Targets = 8 })
		}},
		{name: "generator, 300 s idle timeout, sparse traffic", dir: func(t *testing.T) string {
			return gen(t, func(c *synth.Config) {
				c.IdleTimeout, c.Rate, c.Outage, c.TimeoutEvery, c.RaceEvery = 300*time.Second, 0.3, 20*time.Minute, 150, 200
			})
		}},
		{name: "generator, 504s too fast to be idle timeouts", dir: func(t *testing.T) string {
			return gen(t, func(c *synth.Config) { c.TimeoutElapsed = 300 * time.Millisecond })
		}},
		{name: "generator, declared idle timeout and a time range", dir: func(t *testing.T) string {
			return gen(t, func(c *synth.Config) { c.Seed = 7 })
		}, o: analysis.Options{LBIdle: 120 * time.Second, Filter: analysis.Filter{Since: since.UnixMicro(), Until: until.UnixMicro()}},
			q: CausesOptions{LBIdle: 120 * time.Second, Since: since, Until: until}},
		{name: "generator, only 5xx and 460 counted (--status)", dir: func(t *testing.T) string {
			return gen(t, func(c *synth.Config) { c.Seed = 11 })
		}, o: analysis.Options{Filter: analysis.Filter{Status: statusSet(t, "502,5xx,460")}}, q: CausesOptions{Status: statusSet(t, "502,5xx,460")}},
		{name: "generator, churning targets", dir: func(t *testing.T) string {
			return gen(t, func(c *synth.Config) { c.Churn = 40 * time.Minute; c.Rate = 5 })
		}},
		{name: "documented lines and fixture", dir: func(t *testing.T) string {
			dir := t.TempDir()
			doc, err := os.ReadFile("testdata/lines.log")
			if err != nil {
				t.Fatal(err)
			}
			var keep []string
			for _, l := range strings.Split(strings.TrimSpace(string(doc)), "\n") {
				if !strings.Contains(l, `"new field" 42`) { // see DuckDBDDL: DuckDB keeps one extra field
					keep = append(keep, l)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "doc.log"), []byte(strings.Join(keep, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			copyTree(t, "../cmd/lbdoctor/testdata/alb", filepath.Join(dir, "alb"))
			return dir
		}},
		{name: "lab logs", dir: labLogs},
		{name: "malformed lines: 1 in 7 broken as the parser refuses", dir: malformedLogs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := tt.dir(t)
			want, s := goCounts(t, []string{dir}, tt.o)
			if len(want.causes) < 2 && !strings.HasPrefix(tt.name, "documented") {
				t.Fatalf("corpus too plain to compare: causes %v", want.causes)
			}
			got := sqlCounts(t, filepath.Join(dir, "**", "*.log*"), tt.q)
			diffCounts(t, "cause", want.causes, got.causes)
			diffCounts(t, "target", want.targets, got.targets)
			diffCounts(t, "minute", want.minutes, got.minutes)
			t.Logf("%d entries; causes %v; idle %+v", s.Entries, want.causes, s.Inferred.IdleTimeouts)
		})
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// labLogs runs the lab load balancer (2 s idle timeout) in front of two Go
// backends that close idle connections after 0.7 s (keep-alive races), a
// closed port (unreachable) and a backend that answers every fourth request
// after the idle timeout (504s to infer it from), and returns its log
// directory.
func labLogs(t *testing.T) string {
	var targets []string
	for i := 0; i < 2; i++ {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"ok":true}`)
		}))
		srv.Config.IdleTimeout = 700 * time.Millisecond
		srv.Start()
		t.Cleanup(srv.Close)
		targets = append(targets, srv.URL)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	targets = append(targets, closed.URL)
	closed.Close()
	var n atomic.Int64
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%4 == 0 {
			select {
			case <-time.After(2500 * time.Millisecond):
			case <-r.Context().Done():
			}
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(slow.Close)
	targets = append(targets, slow.URL)

	cfg := demo.Default()
	cfg.LBIdle, cfg.Requests, cfg.Targets = 2*time.Second, 64, len(targets)
	dir := t.TempDir()
	if _, err := demo.RunAgainst(context.Background(), cfg, targets, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// contextLine writes one ALB entry: at minute m (from 10:00) and second s,
// from load balancer lb to target, of kind "ok" (200 from the target),
// "fast" (a 502 in 2 ms with no response: context decides), "dash" (a
// target's 200 with elb_status_code "-") or a 504 that took elapsed.
func contextLine(b *strings.Builder, lb string, m, s int, target, kind string, elapsed time.Duration) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	created := at.Add(-2 * time.Millisecond)
	times, status := "0.000 0.004 0.000", "200 200"
	switch kind {
	case "fast":
		times, status = "-1 -1 -1", "502 -"
	case "504":
		times, status, created = "-1 -1 -1", "504 -", at.Add(-elapsed)
	case "dash": // the target answered; elb_status_code is "-"
		status = "- 200"
	}
	ts := strings.Fields(status)[1]
	const layout = "2006-01-02T15:04:05.000000Z"
	fmt.Fprintf(b, `http %s app/%s/50dc6c495c0c9188 81.2.3.4:51234 %s %s %s 210 277 "GET http://shop.example.com:80/api HTTP/1.1" "curl/8.5.0" - - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg/73e2d6bc24d8a067 "Root=1-66321c0a-aaaaaaaaaaaaaaaaaaaaaaaa" "-" "-" 1 %s "forward" "-" "-" "%s" "%s" "-" "-" TID_1`+"\n",
		at.Format(layout), lb, target, times, status, created.Format(layout), target, ts)
}

// TestCausesQueryContextRules builds, target by target, the traffic that
// makes each context rule decide, checks that the Go engine used every rule,
// and that the SQL query gives the same counts: a slip in one rule's SQL
// shows here even where generated traffic rarely reaches that rule.
func TestCausesQueryContextRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs DuckDB")
	}
	var b strings.Builder
	n := func(lb string, m int, target, kind string, count int) {
		for i := 0; i < count; i++ {
			contextLine(&b, lb, m, 5+i%50, target, kind, 0)
		}
	}
	// LB "short" has a 60 s idle timeout (three 504s after 60 s, one after
	// 45 s: unexplained): the context is 1 minute on each side.
	for _, e := range []time.Duration{60 * time.Second, 60200 * time.Millisecond, 61 * time.Second, 45 * time.Second} {
		contextLine(&b, "short", 30, 10, "10.0.0.99:80", "504", e)
	}
	n("short", 10, "10.0.0.1:80", "fast", 1) // served nothing
	n("short", 10, "10.0.0.2:80", "ok", 5)   // burst
	n("short", 10, "10.0.0.2:80", "fast", 6)
	n("short", 10, "10.0.0.3:80", "ok", 10) // edge of a burst in the next minute
	n("short", 10, "10.0.0.3:80", "fast", 2)
	n("short", 11, "10.0.0.3:80", "ok", 1)
	n("short", 11, "10.0.0.3:80", "fast", 4)
	n("short", 9, "10.0.0.4:80", "ok", 5) // failures in a row over two minutes
	n("short", 10, "10.0.0.4:80", "fast", 2)
	n("short", 11, "10.0.0.4:80", "fast", 2)
	n("short", 12, "10.0.0.4:80", "ok", 5)
	n("short", 9, "10.0.0.6:80", "ok", 10) // isolated, busy: race, high confidence
	n("short", 10, "10.0.0.6:80", "ok", 20)
	n("short", 10, "10.0.0.6:80", "fast", 1)
	n("short", 11, "10.0.0.6:80", "ok", 10)
	n("short", 9, "10.0.0.8:80", "ok", 10) // a neighbour with 3 failures is no burst if it served more
	n("short", 10, "10.0.0.8:80", "ok", 10)
	n("short", 10, "10.0.0.8:80", "fast", 1)
	n("short", 11, "10.0.0.8:80", "ok", 10)
	n("short", 11, "10.0.0.8:80", "fast", 3)
	n("short", 10, "10.0.0.7:80", "ok", 2) // isolated, quiet: race, medium confidence
	n("short", 10, "10.0.0.7:80", "fast", 1)
	// A target answer logged with elb_status_code "-" still counts as the
	// target serving (the Go parser keeps the entry): a race, not unreachable.
	n("short", 10, "10.0.0.9:80", "fast", 1)
	contextLine(&b, "short", 11, 30, "10.0.0.9:80", "dash", 0)
	// LB "long" has a 300 s idle timeout: the context is 5 minutes.
	for i := 0; i < 3; i++ {
		contextLine(&b, "long", 40, 10+i, "10.0.1.99:80", "504", 300*time.Second)
	}
	n("long", 20, "10.0.1.1:80", "fast", 1) // nothing served for 5 minutes
	for _, m := range []int{13, 15, 17} {   // sparse failures outnumber successes
		n("long", m, "10.0.1.5:80", "ok", 1)
	}
	for _, m := range []int{12, 14, 16, 18, 19} {
		n("long", m, "10.0.1.5:80", "fast", 1)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "context.log"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	want, s := goCounts(t, []string{dir}, analysis.Options{})
	used := map[string]bool{}
	for _, c := range s.Causes {
		for _, e := range c.Evidence {
			used[e.Name] = true
		}
	}
	for _, r := range classify.ContextRules() {
		found := false
		for ev := range used {
			found = found || strings.HasSuffix(ev, "; "+r.Text)
		}
		if !found {
			t.Errorf("no entry was decided by the context rule %q", r.Text)
		}
	}
	got := sqlCounts(t, filepath.Join(dir, "*.log"), CausesOptions{})
	diffCounts(t, "cause", want.causes, got.causes)
	diffCounts(t, "target", want.targets, got.targets)
	diffCounts(t, "minute", want.minutes, got.minutes)
}

func statusSet(t *testing.T, s string) *analysis.StatusSet {
	set, err := analysis.ParseStatusSet(s)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// malformedLogs writes generated lines, some of them broken in the ways the
// Go parser refuses, and returns the directory.
func malformedLogs(t *testing.T) string {
	cfg := synth.DefaultConfig()
	cfg.Duration, cfg.Rate, cfg.Targets, cfg.RaceEvery, cfg.TimeoutEvery = time.Hour, 2, 3, 40, 60
	g := synth.New(cfg)
	var b strings.Builder
	breakers := []func(f []string) []string{
		func(f []string) []string { f[5] = "abc"; return f },                  // request_processing_time
		func(f []string) []string { f[3] = "1.2.3.4"; return f },              // client without port
		func(f []string) []string { f[0] = "ht/tp"; return f },                // type
		func(f []string) []string { f[10] = "x"; return f },                   // received_bytes
		func(f []string) []string { f[8] = "0502"; return f },                 // elb_status_code
		func(f []string) []string { f[4] = "10.0.0.1"; return f },             // target without port
		func(f []string) []string { f[1] = "2024-05-01T25:00:00Z"; return f }, // time
		func(f []string) []string { return f[:10] },                           // too few fields
		func(f []string) []string { return f[:12] },                           // not broken: the oldest format ends at sent_bytes
		func(f []string) []string { // request_creation_time
			for j := 12; j < len(f); j++ {
				if strings.HasPrefix(f[j], "2024-") {
					f[j] = "yesterday"
				}
			}
			return f
		},
	}
	for i := int64(0); i < 3000; i++ {
		e, _ := g.Next(0, cfg.Start.UnixMicro()+i*1_000_000)
		line := strings.TrimSuffix(string(alblog.AppendEntry(nil, e)), "\n")
		if i%7 == 3 {
			f := strings.Split(line, " ")
			if len(f) > 12 {
				line = strings.Join(breakers[int(i/7)%len(breakers)](f), " ")
			}
		}
		b.WriteString(line + "\n")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.log"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
