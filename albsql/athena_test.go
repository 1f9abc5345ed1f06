package albsql

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/lbdoctor/lbdoctor/analysis"
	"github.com/lbdoctor/lbdoctor/internal/awsapi"
	"github.com/lbdoctor/lbdoctor/synth"
)

func athenaClient(t *testing.T, url string) *athena.Client {
	t.Helper()
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	return athena.NewFromConfig(cfg, func(o *athena.Options) { o.BaseEndpoint = aws.String(url) })
}

func startAthena(t *testing.T, a *awsapi.Athena) *awsapi.Athena {
	t.Helper()
	awsapi.Isolate(t)
	a, err := awsapi.StartAthena(a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// TestRunCausesOnAthena runs the Athena query through the real SDK client
// against a server that speaks Athena's wire protocol. The server checks
// that it received exactly the generated Athena query and computes its rows
// with the DuckDB dialect of the same query on a real DuckDB (no Trino runs
// here), sending them as Athena does: header row first, text values, pages
// of 40. The report built from the rows must count what lbdoctor logs
// counts, per cause, target and minute.
func TestRunCausesOnAthena(t *testing.T) {
	if testing.Short() {
		t.Skip("runs DuckDB")
	}
	cfg := synth.DefaultConfig()
	cfg.Duration, cfg.Rate, cfg.Targets, cfg.RaceEvery, cfg.TimeoutEvery, cfg.LBs = 2*time.Hour, 2, 6, 400, 600, 2
	dir := t.TempDir()
	if _, err := synth.WriteDir(dir, cfg, true, 2); err != nil {
		t.Fatal(err)
	}
	opts := CausesOptions{Table: "logs.alb_logs", Since: cfg.Start, Until: cfg.Start.Add(cfg.Duration)}
	want, err := CausesQuery(opts)
	if err != nil {
		t.Fatal(err)
	}
	a := startAthena(t, &awsapi.Athena{ScannedBytes: 123_456_789, PageSize: 40, Execute: func(q string) ([][]string, error) {
		if q != want {
			return nil, errors.New("the query is not the generated Athena causes query")
		}
		ddl, err := DuckDBDDL(filepath.Join(dir, "**", "*.log.gz"), "alb_logs")
		if err != nil {
			return nil, err
		}
		o := opts
		o.Dialect, o.Table = DuckDB, "alb_logs"
		dq, err := CausesQuery(o)
		if err != nil {
			return nil, err
		}
		rows := duckdb(t, ddl, fmt.Sprintf(
			"SELECT strftime(minute, '%%Y-%%m-%%d %%H:%%M:%%S.000') AS minute, target, cause, CAST(count AS VARCHAR) AS count FROM (%s) q", dq))
		out := [][]string{{"minute", "target", "cause", "count"}}
		for _, r := range rows {
			out = append(out, []string{fmt.Sprint(r["minute"]), fmt.Sprint(r["target"]), fmt.Sprint(r["cause"]), fmt.Sprint(r["count"])})
		}
		return out, nil
	}})
	var states []string
	res, err := RunCauses(context.Background(), athenaClient(t, a.URL), want, RunOptions{
		Workgroup: "analysts", Output: "s3://results/lbdoctor/", Poll: 10 * time.Millisecond,
		Progress: func(p Progress) { states = append(states, p.State) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ScannedBytes != 123_456_789 || !strings.HasPrefix(res.ExecutionID, "5b6e4c1a-") || len(res.Rows) < 40 {
		t.Errorf("result: id %s, scanned %d, %d rows", res.ExecutionID, res.ScannedBytes, len(res.Rows))
	}
	if strings.Join(states, " ") != "QUEUED RUNNING SUCCEEDED" {
		t.Errorf("progress states %v", states)
	}
	if wg, out, _ := a.LastStart(); wg != "analysts" || out != "s3://results/lbdoctor/" {
		t.Errorf("started in workgroup %q with output %q", wg, out)
	}
	goWant, _ := goCounts(t, []string{dir}, analysis.Options{Filter: analysis.Filter{Since: opts.Since.UnixMicro(), Until: opts.Until.UnixMicro()}})
	s := Summary(res.Rows)
	got := newCounts()
	for _, c := range s.Causes {
		got.causes[string(c.ID)] += c.Count
	}
	for _, ts := range s.Targets {
		for id, n := range ts.Causes {
			got.targets[ts.Target+" "+id] += n
		}
	}
	for _, ms := range s.Timeline {
		for id, n := range ms.Causes {
			got.minutes[ms.Minute+" "+id] += n
		}
	}
	diffCounts(t, "cause", goWant.causes, got.causes)
	diffCounts(t, "target", goWant.targets, got.targets)
	diffCounts(t, "minute", goWant.minutes, got.minutes)
}

// TestRunCausesFailures checks what a user sees when Athena refuses or the
// query fails or is interrupted: the execution ID, the data scanned, the
// reason, and a stopped query.
func TestRunCausesFailures(t *testing.T) {
	ctx := context.Background()
	fast := RunOptions{Poll: 5 * time.Millisecond}

	a := startAthena(t, &awsapi.Athena{Deny: "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: athena:StartQueryExecution"})
	_, err := RunCauses(ctx, athenaClient(t, a.URL), "SELECT 1", fast)
	if err == nil || !strings.Contains(err.Error(), "access denied") || !strings.Contains(err.Error(), "not authorized") || !strings.Contains(err.Error(), "athena:StartQueryExecution") {
		t.Errorf("access denied: %v", err)
	}

	a = startAthena(t, &awsapi.Athena{ScannedBytes: 5 << 30, Execute: func(string) ([][]string, error) {
		return nil, errors.New("TABLE_NOT_FOUND: line 22:8: Table 'awsdatacatalog.logs.alb_logs' does not exist")
	}})
	_, err = RunCauses(ctx, athenaClient(t, a.URL), "SELECT 1", fast)
	var qe *QueryError
	if !errors.As(err, &qe) || qe.State != "FAILED" || !strings.Contains(err.Error(), "TABLE_NOT_FOUND") ||
		!strings.Contains(err.Error(), qe.ExecutionID) || !strings.Contains(err.Error(), "5.00 GB") {
		t.Errorf("failed query: %v", err)
	}

	a = startAthena(t, &awsapi.Athena{Execute: func(string) ([][]string, error) {
		return [][]string{{"a", "b"}, {"1", "2"}}, nil
	}})
	if _, err = RunCauses(ctx, athenaClient(t, a.URL), "SELECT 1 AS a, 2 AS b", fast); err == nil || !strings.Contains(err.Error(), "no column \"minute\"") {
		t.Errorf("foreign results: %v", err)
	}

	a = startAthena(t, &awsapi.Athena{Hang: true})
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = RunCauses(cctx, athenaClient(t, a.URL), "SELECT 1", fast)
	if !errors.As(err, &qe) || qe.State != "CANCELLED" || len(a.Stopped()) != 1 || a.Stopped()[0] != qe.ExecutionID {
		t.Errorf("interrupted: %v; stopped %v", err, a.Stopped())
	}
}

// TestParseCauseRow: Athena's text values, and what is refused.
func TestParseCauseRow(t *testing.T) {
	col := map[string]int{"minute": 0, "target": 1, "cause": 2, "count": 3}
	for _, tt := range []struct {
		vals []string
		ok   bool
	}{
		{[]string{"2024-05-01 10:00:00.000", "10.0.0.1:80", "keepalive-race", "3"}, true},
		{[]string{"2024-05-01 10:00:00.000 UTC", "-", "no-targets", "1"}, true},
		{[]string{"2024-05-01T10:00:00Z", "10.0.0.1:80", "target-error", "0"}, true},
		{[]string{"yesterday", "10.0.0.1:80", "keepalive-race", "3"}, false},
		{[]string{"2024-05-01 10:00:00.000", "10.0.0.1:80", "gremlins", "3"}, false},
		{[]string{"2024-05-01 10:00:00.000", "10.0.0.1:80", "keepalive-race", "-3"}, false},
		{[]string{"2024-05-01 10:00:00.000", "10.0.0.1:80", "keepalive-race", "3.5"}, false},
		{[]string{"2024-05-01 10:00:00.000", "10.0.0.1:80"}, false},
	} {
		r, err := parseCauseRow(tt.vals, col)
		if (err == nil) != tt.ok {
			t.Errorf("%q: row %+v, error %v", tt.vals, r, err)
		}
		if tt.ok && (r.Minute.IsZero() || r.Target == "" || r.Cause == "") {
			t.Errorf("%q: row %+v", tt.vals, r)
		}
	}
}
