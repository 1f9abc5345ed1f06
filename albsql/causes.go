package albsql

import (
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/lbdoctor/lbdoctor/analysis"
	"github.com/lbdoctor/lbdoctor/classify"
)

// Dialects the queries are written for.
const (
	Athena = "athena" // Athena engine 3, which is Trino
	Trino  = "trino"
	DuckDB = "duckdb"
)

// CausesOptions select what the classification query reads.
type CausesOptions struct {
	Dialect string // Athena (default), Trino or DuckDB
	Table   string // default alb_logs
	// Since and Until bound the entries' time, inclusive; zero is unbounded.
	// On Athena and Trino they also bound the day partition, so the query
	// reads only those days' objects.
	Since, Until time.Time
	// LB keeps only the load balancer of that name (the NAME in app/NAME/ID).
	LB string
	// LBIdle is the load balancers' idle timeout, if known (--lb-idle);
	// zero infers it from the 504s as lbdoctor logs does.
	LBIdle time.Duration
	// Status, if set, counts only errors with these elb_status_code values
	// (--status); other entries still tell what their target did.
	Status *analysis.StatusSet
}

// dialect writes the few expressions that differ between engines.
type dialect struct {
	name string
}

// div is integer division of non-negative numbers.
func (d dialect) div(a, b string) string {
	if d.name == DuckDB {
		return "(" + a + ") // " + b
	}
	return "(" + a + ") / " + b
}

// minuteOut turns minutes since the epoch into a UTC timestamp.
func (d dialect) minuteOut(m string) string {
	if d.name == DuckDB {
		return "make_timestamp(" + m + " * 60000000)"
	}
	return "from_unixtime(" + m + " * 60)"
}

// matches is a regular expression test (RE2 and Java syntax alike).
func (d dialect) matches(col, re string) string {
	if d.name == DuckDB {
		return fmt.Sprintf("regexp_matches(%s, '%s')", col, re)
	}
	return fmt.Sprintf("regexp_like(%s, '%s')", col, re)
}

// micros turns the text of an ISO 8601 UTC time (YYYY-MM-DDTHH:MM:SS.ffffffZ,
// as ALB writes time and request_creation_time) into microseconds since the
// epoch, exactly as the Go parser does: digits past the sixth are dropped.
// Other text, or a time that does not exist, gives NULL.
func (d dialect) micros(col string) string {
	part := func(from, n int) string {
		return fmt.Sprintf("try_cast(substr(%s, %d, %d) AS BIGINT)", col, from, n)
	}
	// The exact shape is checked once per line by validLine; here the parts
	// that must exist as a date and a time of day.
	return fmt.Sprintf(`CASE WHEN %[1]s LIKE '____-__-__T__:__:__%%Z'
      AND substr(%[1]s, 1, 4) >= '1970' AND substr(%[1]s, 12, 2) < '24' AND substr(%[1]s, 15, 2) < '60' AND substr(%[1]s, 18, 2) < '61' THEN
      ((date_diff('day', DATE '1970-01-01', try_cast(substr(%[1]s, 1, 10) AS DATE)) * 24 + %[2]s) * 60 + %[3]s) * 60000000
      + %[4]s * 1000000 + %[5]s END`, col, part(12, 2), part(15, 2), part(18, 2), fraction(col, `\.([0-9]+)Z$`))
}

// validLine is what the Go parser checks of the fields the query reads, so
// that a line it refuses (and reports) is not counted here either: the entry
// type is a word, the times are ALB's UTC timestamps (request_creation_time
// may be "-"), the client and the target are host:port (or the target "-"),
// processing times are numbers or negative (absent), byte counts are digits,
// and the line has the fields up to sent_bytes. (The Go parser also reads
// other RFC 3339 forms, which ALB does not write.) Statuses are checked where
// they are read, and micros refuses dates and times that do not exist.
func (d dialect) validLine() []string {
	// One regular expression over the fields joined by spaces costs one
	// match per line instead of ten. Unquoted fields hold no spaces.
	stamp := `[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z`
	hostPort := `[^ ]+:[0-9]+` // as alblog's hasPort: something, a colon, digits
	secs := `(-[0-9][^ ]*|[0-9]+(\.[0-9]*)?)`
	count := `(-|[0-9]{1,18})`
	var parts []string
	for _, c := range []string{"type_text", "time_text", "client_text", "target", "request_time_text", "target_time_text",
		"response_time_text", "received_text", "sent_text", "created_text"} {
		fallback := "''"
		if c == "target" || c == "created_text" {
			fallback = "'-'" // absent
		}
		parts = append(parts, fmt.Sprintf("coalesce(%s, %s)", c, fallback))
	}
	joined := "concat(" + strings.Join(parts, ", ' ', ") + ")"
	pattern := "^" + strings.Join([]string{`[A-Za-z_-][A-Za-z0-9_-]{0,15}`, stamp, hostPort, "(-|" + hostPort + ")",
		secs, secs, secs, count, count, "(-|" + stamp + ")"}, " ") + "$"
	return []string{d.matches(joined, pattern), "(created_text IS NULL OR created_text IN ('', '-') OR created_us IS NOT NULL)"}
}

// seconds turns a processing time in seconds (0.001, or -1 when absent) into
// microseconds, Missing (-1) for any negative value, as the Go parser does.
func seconds(col string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s LIKE '-%%' THEN -1 ELSE try_cast(split_part(%[1]s, '.', 1) AS BIGINT) * 1000000 + %[2]s END`,
		col, fraction(col, `\.([0-9]+)$`))
}

// fraction is the six first digits after the point (padded with zeros) that
// pattern's group captures, as a number.
func fraction(col, pattern string) string {
	return fmt.Sprintf("CAST(rpad(coalesce(regexp_extract(%s, '%s', 1), ''), 6, '0') AS BIGINT)", col, pattern)
}

// fieldSQL is the column or expression of the entries CTE that holds a field.
var fieldSQL = map[classify.Field]string{
	classify.Status: "status", classify.TargetStatus: "target_status",
	classify.ErrorReason: "error_reason", classify.Actions: "actions", classify.Classification: "classification",
	classify.TargetAddr: "target", classify.RequestTime: "request_time", classify.TargetTime: "target_time",
	classify.ResponseTime: "response_time", classify.Elapsed: "elapsed",
}

// testSQL translates one test of an entry rule. Numbers are -1 where Missing
// and Elapsed is NULL where unknown, so that comparisons mean what they mean
// in Go.
func testSQL(t classify.Test) (string, error) {
	col, ok := fieldSQL[t.Field]
	if !ok {
		return "", fmt.Errorf("rule tests unknown field %d", t.Field)
	}
	if t.Field.IsText() {
		switch t.Op {
		case classify.Absent:
			return fmt.Sprintf("(%s IS NULL OR %[1]s IN ('', '-'))", col), nil
		case classify.Present:
			return fmt.Sprintf("(%s IS NOT NULL AND %[1]s NOT IN ('', '-'))", col), nil
		case classify.In:
			return fmt.Sprintf("%s IN (%s)", col, stringList(t.Strs)), nil
		case classify.Prefix:
			var alt []string
			for _, s := range t.Strs {
				alt = append(alt, fmt.Sprintf("substr(%s, 1, %d) = %s", col, len(s), literal(s)))
			}
			return "(" + strings.Join(alt, " OR ") + ")", nil
		case classify.Contains:
			return fmt.Sprintf("strpos(',' || %s || ',', %s) > 0", col, literal(","+t.Strs[0]+",")), nil
		case classify.Last:
			item := "," + t.Strs[0]
			return fmt.Sprintf("substr(',' || %s, -%d) = %s", col, len(item), literal(item)), nil
		}
		return "", fmt.Errorf("text field %s: unknown op %d", col, t.Op)
	}
	missing := fmt.Sprintf("%s = -1", col)
	if t.Field == classify.Elapsed {
		missing = col + " IS NULL"
	}
	switch t.Op {
	case classify.Absent:
		return missing, nil
	case classify.Present:
		return "NOT (" + missing + ")", nil
	case classify.In:
		var vs []string
		for _, v := range t.Ints {
			vs = append(vs, strconv.FormatInt(v, 10))
		}
		return fmt.Sprintf("%s IN (%s)", col, strings.Join(vs, ", ")), nil
	case classify.Less:
		return fmt.Sprintf("%s < %d", col, t.Ints[0]), nil
	case classify.AtLeast:
		return fmt.Sprintf("%s >= %d", col, t.Ints[0]), nil
	}
	return "", fmt.Errorf("number field %s: unknown op %d", col, t.Op)
}

func literal(s string) string { return "'" + sqlString(s) + "'" }

func stringList(ss []string) string {
	var q []string
	for _, s := range ss {
		q = append(q, literal(s))
	}
	return strings.Join(q, ", ")
}

// quantitySQL is the column of the windows CTE that holds a context quantity.
var quantitySQL = map[classify.Quantity]string{
	classify.Zero: "0", classify.Served: "served", classify.ServedBefore: "served_before",
	classify.ServedAfter: "served_after", classify.ServedMinute: "served_minute",
	classify.FailedMinute: "failed_minute", classify.FailedWindow: "failed_window",
	classify.ServedAround: "(served - served_minute)", classify.FailedAround: "(failed_window - failed_minute)",
	classify.NeighborBurst: "neighbor_burst", classify.Run: "run", classify.Minutes: "minutes",
}

var cmpSQL = map[classify.CmpOp]string{classify.EQ: "=", classify.GT: ">", classify.GE: ">=", classify.LE: "<="}

func condSQL(c classify.Cmp) (string, error) {
	a, okA := quantitySQL[c.A]
	b, okB := quantitySQL[c.B]
	op, okOp := cmpSQL[c.Op]
	if !okA || !okB || !okOp {
		return "", fmt.Errorf("context rule: unknown quantity or comparison %+v", c)
	}
	if c.Mul != 0 && c.Mul != 1 {
		a = fmt.Sprintf("%d * %s", c.Mul, a)
	}
	switch {
	case c.K != 0 && b == "0":
		b = strconv.FormatInt(c.K, 10)
	case c.K != 0:
		b = fmt.Sprintf("%s + %d", b, c.K)
	}
	return fmt.Sprintf("%s %s %s", a, op, b), nil
}

// Outcome kinds of the rules CTE (causesTemplate spells them out too; the
// golden files and the DuckDB tests catch a mismatch).
const (
	kindSuccess = "success" // below 400, or a target's own non-error answer
	kindCause   = "cause"   // decided on its own
	kindPending = "pending" // a fast 502: the context decides
	kindTimeout = "timeout" // a 504 after >= 1 s: the idle timeout decides
)

// causesTemplate is the causes query. Its parts that come from the rule
// tables, the options and the dialect are filled in by CausesQuery.
var causesTemplate = template.Must(template.New("causes").Parse(`-- lbdoctor sql causes: the causes of ALB errors by minute and target, by the rules of lbdoctor logs.
-- Generated from lbdoctor's rule tables; do not edit by hand.
WITH
fields AS (
  SELECT "elb" AS elb, "target" AS target,
    coalesce(try_cast("elb_status_code" AS INTEGER), -1) AS status,
    coalesce(try_cast("target_status_code" AS INTEGER), -1) AS target_status,
    "elb_status_code" AS status_text, "target_status_code" AS target_status_text,
    "type" AS type_text, "time" AS time_text, "client" AS client_text, "received_bytes" AS received_text, "sent_bytes" AS sent_text,
    "request_processing_time" AS request_time_text, "target_processing_time" AS target_time_text,
    "response_processing_time" AS response_time_text, "request_creation_time" AS created_text,
    "error_reason" AS error_reason, "actions_executed" AS actions, "classification" AS classification,
    {{.RequestTime}} AS request_time,
    {{.TargetTime}} AS target_time,
    {{.ResponseTime}} AS response_time,
    {{.Time}} AS time_us,
    {{.Created}} AS created_us
  FROM {{.Table}}{{.Partition}}
),
-- An entry: a line that the Go parser reads (it reports the others): its
-- time parses, its statuses are "-" (kept as -1) or three digits from 100,
-- and the other fields read are well-formed.
entries AS (
  SELECT fields.*, {{.Minute}} AS minute,
    CASE WHEN created_us IS NULL OR created_us = 0 OR time_us = 0 THEN NULL ELSE time_us - created_us END AS elapsed
  FROM fields
  WHERE time_us IS NOT NULL
    AND (status_text = '-' OR length(status_text) = 3 AND status >= 100)
    AND (target_status_text = '-' OR length(target_status_text) = 3 AND target_status >= 100)
    AND {{.Valid}}{{.Where}}
),
-- classify.EntryRules: the first rule whose tests hold decides.
rules (rule, kind, cause) AS (
  VALUES {{.RuleRows}}
),
ruled AS (
  SELECT elb, target, minute, elapsed, target_status,
    CASE
      {{.RuleCase}}
    END AS rule
  FROM entries
),
decided AS (
  SELECT ruled.*, rules.kind, rules.cause FROM ruled JOIN rules ON rules.rule = ruled.rule
),
-- What each target did in each minute, per load balancer: requests it
-- answered itself (any target status) and fast 502s still to decide.
minutes AS (
  SELECT elb, target, minute,
    sum(CASE WHEN target_status <> -1 THEN 1 ELSE 0 END) AS served,
    sum(CASE WHEN kind = 'pending' THEN 1 ELSE 0 END) AS failed
  FROM decided GROUP BY elb, target, minute
),
-- Each load balancer's idle timeout: the largest group of 504s after >= 1 s
-- whose whole seconds agree within 1 s or 2 %, if it has at least {{.MinSamples}} of them,
-- more than half of all, and is at most 4000 s.
slow AS (
  SELECT elb, {{.Secs}} AS secs, count(*) AS n
  FROM decided WHERE kind = 'timeout' GROUP BY elb, {{.Secs}}
),
agree AS (
  SELECT a.elb, a.secs, sum(o.n) AS n
  FROM slow a JOIN slow o ON o.elb = a.elb AND abs(o.secs - a.secs) <= {{.TolA}}
  GROUP BY a.elb, a.secs
),
best AS (
  SELECT elb, secs, n, row_number() OVER (PARTITION BY elb ORDER BY n DESC, secs) AS pick FROM agree
),
total AS (SELECT elb, sum(n) AS n FROM slow GROUP BY elb),
idle AS (
  SELECT l.elb, {{.Idle}} AS secs
  FROM (SELECT DISTINCT elb FROM entries) l
  LEFT JOIN best b ON b.elb = l.elb AND b.pick = 1
  LEFT JOIN total t ON t.elb = l.elb
),
-- The context of a fast 502 reaches the idle timeout (60 s when unknown) on
-- each side, in whole minutes from 1 to {{.MaxSpan}}. island numbers a target's minutes
-- so that minutes with no success between them share one: a run of failures.
numbered AS (
  SELECT m.*, least(greatest(1, {{.Span}}), {{.MaxSpan}}) AS span,
    sum(CASE WHEN m.served > 0 THEN 1 ELSE 0 END)
      OVER (PARTITION BY m.elb, m.target ORDER BY m.minute ROWS UNBOUNDED PRECEDING) AS island
  FROM minutes m JOIN idle i ON i.elb = m.elb
),
windows AS (
  SELECT p.elb, p.target, p.minute, p.span AS minutes, p.served AS served_minute, p.failed AS failed_minute,
    sum(n.served) AS served,
    sum(n.failed) AS failed_window,
    sum(CASE WHEN n.minute < p.minute THEN n.served ELSE 0 END) AS served_before,
    sum(CASE WHEN n.minute > p.minute THEN n.served ELSE 0 END) AS served_after,
    max(CASE WHEN abs(n.minute - p.minute) = 1 AND n.failed >= {{.BurstMin}} AND n.failed > n.served THEN 1 ELSE 0 END) AS neighbor_burst,
    CASE WHEN p.served = 0
      THEN sum(CASE WHEN n.island = p.island AND n.served = 0 THEN n.failed ELSE 0 END) ELSE 0 END AS run
  FROM numbered p
  JOIN numbered n ON n.elb = p.elb AND n.target = p.target
    AND n.minute BETWEEN p.minute - p.span AND p.minute + p.span
  WHERE p.failed > 0
  GROUP BY p.elb, p.target, p.minute, p.span, p.served, p.failed, p.island
),
-- classify.ContextRules: a keep-alive race or an unreachable target.
resolved AS (
  SELECT minute, target, failed_minute AS n,
    CASE
      {{.ContextCase}}
    END AS cause
  FROM windows
),
-- A 504 after >= 1 s is a response timeout if it took the idle timeout (or
-- the idle timeout is unknown), and unexplained if not.
timeouts AS (
  SELECT x.minute, x.target,
    CASE WHEN i.secs IS NULL OR abs({{.SecsX}} - i.secs) <= {{.TolI}}
      THEN '{{.ResponseTimeout}}' ELSE '{{.Unexplained}}' END AS cause
  FROM decided x JOIN idle i ON i.elb = x.elb
  WHERE x.kind = 'timeout'
),
counted AS (
  SELECT minute, target, cause, count(*) AS n FROM decided WHERE kind = 'cause' GROUP BY minute, target, cause
  UNION ALL SELECT minute, target, cause, n FROM resolved
  UNION ALL SELECT minute, target, cause, count(*) AS n FROM timeouts GROUP BY minute, target, cause
)
SELECT {{.MinuteOut}} AS minute, c.target, c.cause, sum(c.n) AS count
FROM counted c
GROUP BY c.minute, c.target, c.cause
ORDER BY c.minute, c.target, c.cause
`))

// causesData fills causesTemplate.
type causesData struct {
	Table, Partition, Where, Valid        string
	RequestTime, TargetTime, ResponseTime string
	Time, Created, Minute, MinuteOut      string
	RuleRows, RuleCase, ContextCase       string
	Secs, SecsX, TolA, TolI, Idle, Span   string
	MinSamples, MaxSpan, BurstMin         int64
	ResponseTimeout, Unexplained          classify.Cause
}

// CausesQuery returns the classification query: one row per (minute,
// target, cause) with errors, with the columns minute (UTC, truncated to the
// minute), target (ip:port, or "-") and cause (the cause ID) and count. It
// applies the same rules as lbdoctor logs, read from the same tables
// (classify.EntryRules, classify.ContextRules), and the same idle timeout
// inference, so that the per-cause, per-target and per-minute counts of
// lbdoctor logs --format json follow from its rows exactly.
func CausesQuery(o CausesOptions) (string, error) {
	d := dialect{name: o.Dialect}
	switch d.name {
	case "":
		d.name = Athena
	case Athena, Trino, DuckDB:
	default:
		return "", fmt.Errorf("unknown dialect %q (athena, trino or duckdb)", o.Dialect)
	}
	if o.Table == "" {
		o.Table = "alb_logs"
	}
	for _, part := range strings.Split(o.Table, ".") {
		if err := checkIdentifier(part); err != nil {
			return "", err
		}
	}
	if o.LBIdle != 0 && (o.LBIdle%time.Second != 0 || o.LBIdle < time.Second || o.LBIdle > 4000*time.Second) {
		return "", fmt.Errorf("the idle timeout %s is not a whole number of seconds from 1 to 4000", o.LBIdle)
	}
	ruleRows, ruleCase, err := entryRulesSQL(o.Status)
	if err != nil {
		return "", err
	}
	ctxCase, err := contextRulesSQL()
	if err != nil {
		return "", err
	}
	tol := func(idle string) string {
		return fmt.Sprintf("greatest(%d, %s)", classify.IdleToleranceMin,
			d.div(fmt.Sprintf("%s * %d + 50", idle, classify.IdleTolerancePercent), "100"))
	}
	data := causesData{
		Table: o.Table, Partition: whereClause(partitionFilter(d, o)), Where: andClause(entryFilter(o)),
		Valid:        strings.Join(d.validLine(), "\n    AND "),
		RequestTime:  seconds(`"request_processing_time"`),
		TargetTime:   seconds(`"target_processing_time"`),
		ResponseTime: seconds(`"response_processing_time"`),
		Time:         d.micros(`"time"`), Created: d.micros(`"request_creation_time"`),
		Minute: d.div("time_us", "60000000"), MinuteOut: d.minuteOut("c.minute"),
		RuleRows: strings.Join(ruleRows, ",\n    "), RuleCase: strings.Join(ruleCase, "\n      "),
		ContextCase: strings.Join(ctxCase, "\n      "),
		Secs:        d.div("elapsed + 500000", "1000000"), SecsX: d.div("x.elapsed + 500000", "1000000"),
		TolA: tol("a.secs"), TolI: tol("i.secs"),
		Idle: fmt.Sprintf("CASE WHEN b.n >= %d AND b.n * 2 > t.n AND b.secs <= %d THEN b.secs END",
			analysis.MinIdleSamples, classify.MaxIdleTimeout/1_000_000),
		Span:       d.div(fmt.Sprintf("coalesce(i.secs, %d) + 59", int64(analysis.DefaultIdleTimeout/time.Second)), "60"),
		MinSamples: analysis.MinIdleSamples, MaxSpan: analysis.MaxContextMinutes, BurstMin: classify.BurstMin,
		ResponseTimeout: classify.TargetResponseTimeout, Unexplained: classify.LBTimeoutUnexplained,
	}
	if o.LBIdle > 0 {
		data.Idle = strconv.FormatInt(int64(o.LBIdle/time.Second), 10)
	}
	var b strings.Builder
	if err := causesTemplate.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// entryRulesSQL translates the entry table: the rows of the rules CTE (number,
// kind, cause) and the WHEN clauses of the CASE that gives each entry its
// rule's number. With a status set, errors of other statuses are successes.
func entryRulesSQL(status *analysis.StatusSet) (rows, whens []string, err error) {
	rules := classify.EntryRules()
	if status != nil {
		// An error of a status not asked for is, like a success, only context:
		// the first rule (below 400) says so.
		if r := rules[0]; r.Origin != classify.Success || r.Cause != "" {
			return nil, nil, fmt.Errorf("the entry table's first rule is not the success rule")
		}
		var in []string
		if codes := status.Codes(); len(codes) > 0 {
			var cs []string
			for _, c := range codes {
				cs = append(cs, strconv.Itoa(c))
			}
			in = append(in, "status IN ("+strings.Join(cs, ", ")+")")
		}
		for _, c := range status.Classes() {
			in = append(in, fmt.Sprintf("status BETWEEN %d AND %d", c*100, c*100+99))
		}
		whens = append(whens, fmt.Sprintf("WHEN NOT (%s) THEN 1", strings.Join(in, " OR ")))
	}
	for i, r := range rules {
		var conds []string
		for _, t := range r.Tests {
			s, err := testSQL(t)
			if err != nil {
				return nil, nil, err
			}
			conds = append(conds, s)
		}
		kind := kindCause
		switch {
		case r.Outcome == classify.Pending:
			kind = kindPending
		case r.Outcome == classify.Timeout:
			kind = kindTimeout
		case r.Cause == "":
			kind = kindSuccess
		}
		rows = append(rows, fmt.Sprintf("(%d, '%s', '%s')", i+1, kind, r.Cause))
		if len(conds) == 0 {
			whens = append(whens, fmt.Sprintf("ELSE %d", i+1))
			break // the rule without tests is the last one tried
		}
		whens = append(whens, fmt.Sprintf("WHEN %s THEN %d", strings.Join(conds, " AND "), i+1))
	}
	return rows, whens, nil
}

// contextRulesSQL translates the context table into the WHEN clauses of the
// CASE that gives each pending minute its cause.
func contextRulesSQL() ([]string, error) {
	var whens []string
	for _, r := range classify.ContextRules() {
		var conds []string
		for _, c := range r.When {
			s, err := condSQL(c)
			if err != nil {
				return nil, err
			}
			conds = append(conds, s)
		}
		if len(conds) == 0 {
			whens = append(whens, fmt.Sprintf("ELSE '%s'", r.Cause))
			break
		}
		whens = append(whens, fmt.Sprintf("WHEN %s THEN '%s'", strings.Join(conds, " AND "), r.Cause))
	}
	return whens, nil
}

// entryFilter is what --since, --until and --lb keep.
func entryFilter(o CausesOptions) []string {
	var where []string
	if !o.Since.IsZero() {
		where = append(where, fmt.Sprintf("time_us >= %d", o.Since.UnixMicro()))
	}
	if !o.Until.IsZero() {
		where = append(where, fmt.Sprintf("time_us <= %d", o.Until.UnixMicro()))
	}
	if o.LB != "" {
		where = append(where, fmt.Sprintf("split_part(elb, '/', 2) = %s", literal(o.LB)))
	}
	return where
}

// partitionFilter bounds the day partition (Athena and Trino) so that only
// the days asked for are read. An entry is in the object of the 5-minute
// interval it ends in, which for the last minutes of a day is the next day's
// first object.
func partitionFilter(d dialect, o CausesOptions) []string {
	if d.name == DuckDB {
		return nil
	}
	var days []string
	if !o.Since.IsZero() {
		days = append(days, fmt.Sprintf("day >= '%s'", o.Since.UTC().Format("2006/01/02")))
	}
	if !o.Until.IsZero() {
		days = append(days, fmt.Sprintf("day <= '%s'", o.Until.UTC().Add(24*time.Hour).Format("2006/01/02")))
	}
	return days
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return "\n  WHERE " + strings.Join(conds, " AND ")
}

func andClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " AND " + strings.Join(conds, " AND ")
}
