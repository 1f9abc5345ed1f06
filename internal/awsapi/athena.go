package awsapi

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Athena answers Athena's API in its wire protocol (JSON 1.1: POST / with
// X-Amz-Target: AmazonAthena.<Operation>) on loopback, for tests of the real
// SDK client: StartQueryExecution, GetQueryExecution (QUEUED, RUNNING, then
// the end state, one per poll), GetQueryResults (paged, the header row first
// as Athena sends it) and StopQueryExecution.
type Athena struct {
	// Execute returns a query's result rows, the header row first, or an
	// error that the query then fails with (StateChangeReason).
	Execute func(query string) ([][]string, error)
	// ScannedBytes is what every query reports as scanned.
	ScannedBytes int64
	// PageSize is the rows per results page (default 1000, Athena's maximum).
	PageSize int
	// Deny, when set, answers every call with AccessDeniedException.
	Deny string
	// Hang keeps queries RUNNING until they are stopped.
	Hang bool

	mu      sync.Mutex
	execs   map[string]*athenaExec
	queries []string // as received, in order
	stopped []string
	srv     *http.Server
	URL     string
}

type athenaExec struct {
	query  string
	polls  int
	rows   [][]string
	err    error
	state  string
	params startParams
}

type startParams struct {
	QueryString           string
	WorkGroup             string
	ResultConfiguration   *struct{ OutputLocation string }
	QueryExecutionContext *struct{ Database, Catalog string }
}

// StartAthena serves a on a loopback port.
func StartAthena(a *Athena) (*Athena, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a.execs = map[string]*athenaExec{}
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	a.URL = "http://" + l.Addr().String()
	go a.srv.Serve(l)
	return a, nil
}

// Close stops the server.
func (a *Athena) Close() error { return a.srv.Close() }

// Queries returns the queries received, in order.
func (a *Athena) Queries() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.queries...)
}

// Stopped returns the IDs of the queries the client stopped.
func (a *Athena) Stopped() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.stopped...)
}

// LastStart returns the workgroup, output location and database of the last
// query started.
func (a *Athena) LastStart() (workgroup, output, database string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	last := a.execs[execID(len(a.queries))]
	if last == nil {
		return "", "", ""
	}
	p := last.params
	if p.ResultConfiguration != nil {
		output = p.ResultConfiguration.OutputLocation
	}
	if p.QueryExecutionContext != nil {
		database = p.QueryExecutionContext.Database
	}
	return p.WorkGroup, output, database
}

func execID(n int) string { return fmt.Sprintf("5b6e4c1a-0000-4000-8000-%012d", n) }

// ServeHTTP answers one Athena API call.
func (a *Athena) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonAthena.")
	if r.Method != http.MethodPost || !ok || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		athenaError(w, http.StatusBadRequest, "UnknownOperationException", "not an Athena JSON 1.1 request")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		athenaError(w, http.StatusBadRequest, "MissingAuthenticationTokenException", "Request is missing Authentication Token")
		return
	}
	if a.Deny != "" {
		athenaError(w, http.StatusBadRequest, "AccessDeniedException", a.Deny)
		return
	}
	var in struct {
		startParams
		QueryExecutionId string
		NextToken        string
		MaxResults       int
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		athenaError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch op {
	case "StartQueryExecution":
		if strings.TrimSpace(in.QueryString) == "" {
			athenaError(w, http.StatusBadRequest, "InvalidRequestException", "QueryString is required")
			return
		}
		a.queries = append(a.queries, in.QueryString)
		id := execID(len(a.queries))
		a.execs[id] = &athenaExec{query: in.QueryString, state: "QUEUED", params: in.startParams}
		athenaJSON(w, map[string]any{"QueryExecutionId": id})
	case "GetQueryExecution":
		e := a.execs[in.QueryExecutionId]
		if e == nil {
			athenaError(w, http.StatusBadRequest, "InvalidRequestException", "QueryExecution "+in.QueryExecutionId+" was not found")
			return
		}
		e.polls++
		switch {
		case e.state == "CANCELLED":
		case e.polls == 2 || e.polls > 2 && a.Hang:
			e.state = "RUNNING"
		case e.polls > 2 && e.state != "SUCCEEDED" && e.state != "FAILED":
			e.rows, e.err = a.Execute(e.query)
			e.state = "SUCCEEDED"
			if e.err != nil {
				e.state = "FAILED"
			}
		}
		status := map[string]any{"State": e.state, "SubmissionDateTime": float64(time.Now().Unix())}
		if e.err != nil {
			status["StateChangeReason"] = e.err.Error()
			status["AthenaError"] = map[string]any{"ErrorCategory": 2, "ErrorType": 1006, "Retryable": false, "ErrorMessage": e.err.Error()}
		}
		athenaJSON(w, map[string]any{"QueryExecution": map[string]any{
			"QueryExecutionId": in.QueryExecutionId, "Query": e.query, "StatementType": "DML", "Status": status,
			"Statistics": map[string]any{"DataScannedInBytes": a.ScannedBytes, "EngineExecutionTimeInMillis": 1200},
		}})
	case "GetQueryResults":
		e := a.execs[in.QueryExecutionId]
		if e == nil || e.state != "SUCCEEDED" {
			athenaError(w, http.StatusBadRequest, "InvalidRequestException", "Query has not yet finished. Current state: "+stateOf(e))
			return
		}
		size := a.PageSize
		if size <= 0 {
			size = 1000
		}
		if in.MaxResults > 0 && in.MaxResults < size {
			size = in.MaxResults
		}
		from := 0
		if in.NextToken != "" {
			var err error
			if from, err = strconv.Atoi(in.NextToken); err != nil || from < 0 || from > len(e.rows) {
				athenaError(w, http.StatusBadRequest, "InvalidRequestException", "invalid NextToken")
				return
			}
		}
		to := min(from+size, len(e.rows))
		var rows []any
		for _, r := range e.rows[from:to] {
			var data []any
			for _, v := range r {
				data = append(data, map[string]any{"VarCharValue": v})
			}
			rows = append(rows, map[string]any{"Data": data})
		}
		var cols []any
		if len(e.rows) > 0 {
			for _, name := range e.rows[0] {
				cols = append(cols, map[string]any{"Name": name, "Label": name, "Type": "varchar"})
			}
		}
		out := map[string]any{"ResultSet": map[string]any{"Rows": rows, "ResultSetMetadata": map[string]any{"ColumnInfo": cols}}}
		if to < len(e.rows) {
			out["NextToken"] = strconv.Itoa(to)
		}
		athenaJSON(w, out)
	case "StopQueryExecution":
		if e := a.execs[in.QueryExecutionId]; e != nil {
			e.state = "CANCELLED"
			e.err = fmt.Errorf("Query cancelled by user")
		}
		a.stopped = append(a.stopped, in.QueryExecutionId)
		athenaJSON(w, map[string]any{})
	default:
		athenaError(w, http.StatusBadRequest, "UnknownOperationException", op)
	}
}

func stateOf(e *athenaExec) string {
	if e == nil {
		return "UNKNOWN"
	}
	return e.state
}

func athenaJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(v)
}

func athenaError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"__type": code, "Message": msg})
}
