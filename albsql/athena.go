package albsql

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go"

	"github.com/lbdoctor/lbdoctor/analysis"
	"github.com/lbdoctor/lbdoctor/classify"
)

// AthenaAPI is the part of the Athena client that Run uses; *athena.Client
// implements it.
type AthenaAPI interface {
	StartQueryExecution(context.Context, *athena.StartQueryExecutionInput, ...func(*athena.Options)) (*athena.StartQueryExecutionOutput, error)
	GetQueryExecution(context.Context, *athena.GetQueryExecutionInput, ...func(*athena.Options)) (*athena.GetQueryExecutionOutput, error)
	GetQueryResults(context.Context, *athena.GetQueryResultsInput, ...func(*athena.Options)) (*athena.GetQueryResultsOutput, error)
	StopQueryExecution(context.Context, *athena.StopQueryExecutionInput, ...func(*athena.Options)) (*athena.StopQueryExecutionOutput, error)
}

// RunOptions say where Athena runs the query.
type RunOptions struct {
	Workgroup string // default "primary"
	// Output is the S3 location for the results; empty uses the workgroup's.
	Output   string
	Database string // the database of the table, if the query does not name it
	Catalog  string // default AwsDataCatalog
	// Poll is how often the query's state is asked (default 1 s).
	Poll time.Duration
	// Progress, if set, is called after each poll.
	Progress func(Progress)
}

// Progress is the state of a running query.
type Progress struct {
	ExecutionID  string
	State        string
	Elapsed      time.Duration
	ScannedBytes int64
}

// CauseRow is one row of the causes query.
type CauseRow struct {
	Minute time.Time
	Target string
	Cause  classify.Cause
	Count  int64
}

// RunResult is what an Athena run returns.
type RunResult struct {
	ExecutionID  string
	ScannedBytes int64
	Elapsed      time.Duration
	Rows         []CauseRow
}

// QueryError is a query that Athena refused or that failed, with its
// execution ID (empty if it never started) and what it scanned.
type QueryError struct {
	ExecutionID  string
	State        string
	ScannedBytes int64
	Err          error
}

// Error says what happened to the query, with its execution ID and the data
// it scanned when it started.
func (e *QueryError) Error() string {
	var b strings.Builder
	if e.ExecutionID != "" {
		fmt.Fprintf(&b, "query %s %s", e.ExecutionID, strings.ToLower(e.State))
	} else {
		b.WriteString("query not started")
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if e.ExecutionID != "" {
		fmt.Fprintf(&b, " (data scanned: %s)", FormatBytes(e.ScannedBytes))
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *QueryError) Unwrap() error { return e.Err }

// RunCauses submits the causes query to Athena, waits for it, and reads its
// rows, page by page. On ctx's end it stops the query, so that Athena does
// not go on scanning (and billing) for nobody.
func RunCauses(ctx context.Context, c AthenaAPI, query string, o RunOptions) (*RunResult, error) {
	if o.Workgroup == "" {
		o.Workgroup = "primary"
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	in := &athena.StartQueryExecutionInput{QueryString: aws.String(query), WorkGroup: aws.String(o.Workgroup)}
	if o.Output != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(o.Output)}
	}
	if o.Database != "" || o.Catalog != "" {
		in.QueryExecutionContext = &types.QueryExecutionContext{}
		if o.Database != "" {
			in.QueryExecutionContext.Database = aws.String(o.Database)
		}
		if o.Catalog != "" {
			in.QueryExecutionContext.Catalog = aws.String(o.Catalog)
		}
	}
	began := time.Now()
	start, err := c.StartQueryExecution(ctx, in)
	if err != nil {
		return nil, &QueryError{Err: explainAthena(err, "athena:StartQueryExecution")}
	}
	id := aws.ToString(start.QueryExecutionId)
	res := &RunResult{ExecutionID: id}
	stop := func() {
		// A fresh context: ctx is over, and the query must still be stopped.
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.StopQueryExecution(sctx, &athena.StopQueryExecutionInput{QueryExecutionId: aws.String(id)})
	}
	for {
		out, err := c.GetQueryExecution(ctx, &athena.GetQueryExecutionInput{QueryExecutionId: aws.String(id)})
		if err != nil {
			if ctx.Err() != nil {
				stop()
				return nil, &QueryError{ExecutionID: id, State: "CANCELLED", ScannedBytes: res.ScannedBytes, Err: ctx.Err()}
			}
			return nil, &QueryError{ExecutionID: id, State: "UNKNOWN", ScannedBytes: res.ScannedBytes, Err: explainAthena(err, "athena:GetQueryExecution")}
		}
		qe := out.QueryExecution
		var state types.QueryExecutionState
		var reason string
		if qe != nil && qe.Status != nil {
			state, reason = qe.Status.State, aws.ToString(qe.Status.StateChangeReason)
		}
		if qe != nil && qe.Statistics != nil {
			res.ScannedBytes = aws.ToInt64(qe.Statistics.DataScannedInBytes)
		}
		res.Elapsed = time.Since(began)
		if o.Progress != nil {
			o.Progress(Progress{ExecutionID: id, State: string(state), Elapsed: res.Elapsed, ScannedBytes: res.ScannedBytes})
		}
		switch state {
		case types.QueryExecutionStateSucceeded:
			rows, err := readRows(ctx, c, id)
			if err != nil {
				return nil, &QueryError{ExecutionID: id, State: string(state), ScannedBytes: res.ScannedBytes, Err: err}
			}
			res.Rows = rows
			return res, nil
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			if reason == "" {
				reason = "no reason given"
			}
			return nil, &QueryError{ExecutionID: id, State: string(state), ScannedBytes: res.ScannedBytes, Err: errors.New(reason)}
		}
		select {
		case <-ctx.Done():
			stop()
			return nil, &QueryError{ExecutionID: id, State: "CANCELLED", ScannedBytes: res.ScannedBytes, Err: ctx.Err()}
		case <-time.After(o.Poll):
		}
	}
}

// readRows pages through the results. Athena's first row of a SELECT's
// results is the header: it names the columns, which are found by name.
func readRows(ctx context.Context, c AthenaAPI, id string) ([]CauseRow, error) {
	var rows []CauseRow
	col := map[string]int{}
	in := &athena.GetQueryResultsInput{QueryExecutionId: aws.String(id), MaxResults: aws.Int32(1000)}
	header := true
	for page := 1; ; page++ {
		out, err := c.GetQueryResults(ctx, in)
		if err != nil {
			return nil, explainAthena(err, "athena:GetQueryResults")
		}
		if out.ResultSet == nil {
			return nil, fmt.Errorf("results page %d has no result set", page)
		}
		for _, r := range out.ResultSet.Rows {
			vals := make([]string, len(r.Data))
			for i, d := range r.Data {
				vals[i] = aws.ToString(d.VarCharValue)
			}
			if header {
				header = false
				for i, v := range vals {
					col[v] = i
				}
				for _, name := range []string{"minute", "target", "cause", "count"} {
					if _, ok := col[name]; !ok {
						return nil, fmt.Errorf("the results have no column %q (columns %v): is this lbdoctor's causes query?", name, vals)
					}
				}
				continue
			}
			row, err := parseCauseRow(vals, col)
			if err != nil {
				return nil, fmt.Errorf("results page %d: %w", page, err)
			}
			rows = append(rows, row)
		}
		if aws.ToString(out.NextToken) == "" {
			return rows, nil
		}
		in.NextToken = out.NextToken
	}
}

func parseCauseRow(vals []string, col map[string]int) (CauseRow, error) {
	get := func(name string) string {
		if i := col[name]; i < len(vals) {
			return vals[i]
		}
		return ""
	}
	var r CauseRow
	// Athena prints a timestamp as "2024-05-01 10:00:00.000" (with " UTC"
	// for one with a time zone).
	m := strings.TrimSuffix(get("minute"), " UTC")
	var err error
	for _, layout := range []string{"2006-01-02 15:04:05.000", "2006-01-02 15:04:05", time.RFC3339Nano} {
		if r.Minute, err = time.Parse(layout, m); err == nil {
			break
		}
	}
	if err != nil {
		return r, fmt.Errorf("minute %q is not a timestamp", get("minute"))
	}
	r.Target, r.Cause = get("target"), classify.Cause(get("cause"))
	if _, ok := classify.Lookup(r.Cause); !ok {
		return r, fmt.Errorf("unknown cause %q", r.Cause)
	}
	if r.Count, err = strconv.ParseInt(get("count"), 10, 64); err != nil || r.Count < 0 {
		return r, fmt.Errorf("count %q is not a count", get("count"))
	}
	return r, nil
}

// explainAthena turns the errors a user can fix into one sentence.
func explainAthena(err error, action string) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDeniedException":
			return fmt.Errorf("access denied to %s: %s (the caller needs athena:StartQueryExecution, athena:GetQueryExecution, athena:GetQueryResults, athena:StopQueryExecution, glue:GetTable on the table, s3:GetObject and s3:ListBucket on the logs, s3:PutObject on the results location)", action, ae.ErrorMessage())
		case "InvalidRequestException":
			return fmt.Errorf("Athena refused the query: %s", ae.ErrorMessage())
		case "TooManyRequestsException":
			return fmt.Errorf("Athena is throttling %s: %s", action, ae.ErrorMessage())
		}
		return fmt.Errorf("%s: %s: %s", action, ae.ErrorCode(), ae.ErrorMessage())
	}
	return fmt.Errorf("%s: %w", action, err)
}

// FormatBytes prints a byte count as Athena's console does (and bills it).
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.2f TB", float64(n)/(1<<40))
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// Summary turns the causes query's rows into the report lbdoctor logs
// prints: causes, targets and timeline. What the query does not return
// (requests, status counts, examples, the idle timeouts) stays empty.
func Summary(rows []CauseRow) *analysis.Summary {
	s := &analysis.Summary{
		StatusCounts: map[string]int64{}, Causes: []analysis.CauseSummary{}, Targets: []analysis.TargetSummary{},
		Timeline: []analysis.MinuteSummary{}, Errors: []analysis.ErrorItem{},
	}
	causes := map[classify.Cause]*analysis.CauseSummary{}
	causeTargets := map[classify.Cause]map[string]int64{}
	targets := map[string]*analysis.TargetSummary{}
	minutes := map[time.Time]*analysis.MinuteSummary{}
	for _, r := range rows {
		cs := causes[r.Cause]
		if cs == nil {
			info, _ := classify.Lookup(r.Cause)
			origin := "lb"
			if r.Cause == classify.TargetError {
				origin = "target"
			}
			cs = &analysis.CauseSummary{ID: r.Cause, Origin: origin, Status: info.Status, StatusCounts: map[string]int64{},
				Explanation: info.Explanation, NextStep: info.NextStep, Link: info.Link,
				Confidence: map[string]int64{}, Evidence: []analysis.NameCount{}, Examples: []analysis.Example{}}
			causes[r.Cause] = cs
			causeTargets[r.Cause] = map[string]int64{}
		}
		cs.Count += r.Count
		causeTargets[r.Cause][r.Target] += r.Count
		m := r.Minute.UTC().Format("2006-01-02T15:04:05.000000Z")
		if cs.FirstSeen == "" || m < cs.FirstSeen {
			cs.FirstSeen = m
		}
		if m > cs.LastSeen {
			cs.LastSeen = m
		}
		ts := targets[r.Target]
		if ts == nil {
			ts = &analysis.TargetSummary{Target: r.Target, Causes: map[string]int64{}}
			targets[r.Target] = ts
		}
		ms := minutes[r.Minute]
		if ms == nil {
			ms = &analysis.MinuteSummary{Minute: m, Causes: map[string]int64{}}
			minutes[r.Minute] = ms
		}
		ts.Causes[string(r.Cause)] += r.Count
		ms.Causes[string(r.Cause)] += r.Count
		if r.Cause == classify.TargetError {
			ts.TargetErrors += r.Count
			ms.TargetErrors += r.Count
			s.TargetErrors += r.Count
		} else {
			ts.ELBErrors += r.Count
			ms.ELBErrors += r.Count
			s.ELBErrors += r.Count
		}
	}
	for id, cs := range causes {
		cs.Targets = analysis.SortedCounts(causeTargets[id])
		s.Causes = append(s.Causes, *cs)
	}
	for _, ts := range targets {
		s.Targets = append(s.Targets, *ts)
	}
	for _, ms := range minutes {
		s.Timeline = append(s.Timeline, *ms)
	}
	s.Sort()
	if len(s.Timeline) > 0 {
		s.FirstSeen, s.LastSeen = s.Timeline[0].Minute, s.Timeline[len(s.Timeline)-1].Minute
	}
	return s
}
