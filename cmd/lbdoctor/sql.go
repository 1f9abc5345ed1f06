package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/albsql"
	"github.com/lbdoctor/lbdoctor/analysis"
)

const sqlUsage = `Usage: lbdoctor sql ddl|causes|run [flags]

Carries lbdoctor's diagnosis to SQL engines, for logs too big for one machine:

  ddl     the table of ALB access logs, a column for every field lbdoctor's
          parser knows (later fields in extra):
            athena (default): CREATE EXTERNAL TABLE with RegexSerDe over the
              logs' S3 location, the day a projected partition;
            trino: CREATE TABLE for Trino's Hive connector (REGEX format);
            duckdb: CREATE VIEW over read_csv of --path (a file, a glob or an
              s3:// URL; .gz is read as gzip).
  causes  the classification query: one row per (minute, target, cause) with
          errors and its count, by the same rules as lbdoctor logs (read from
          the same rule tables), for athena, trino or duckdb.
  run     runs the causes query on Athena and prints the report as lbdoctor
          logs does (see lbdoctor sql run -h).

Examples:
  lbdoctor sql ddl --bucket my-alb-logs --prefix prod --account 123456789012 --region eu-west-1
  lbdoctor sql causes --since 2024-05-01T00:00:00Z --until 2024-05-02T00:00:00Z --lb shop-prod
  lbdoctor sql ddl --dialect duckdb --path 'alb-logs/**/*.log.gz'
`

func runSQL(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		// Help lists every subcommand's flags, which completion offers too.
		fmt.Fprint(stderr, sqlUsage)
		for _, sub := range []string{"ddl", "causes", "run"} {
			var help bytes.Buffer
			runSQL(ctx, []string{sub, "--help"}, stdin, stdout, &help)
			if _, flags, ok := strings.Cut(help.String(), "\nFlags:\n"); ok {
				fmt.Fprintf(stderr, "\nFlags of lbdoctor sql %s:\n%s", sub, flags)
			}
		}
		if len(args) > 0 && isHelpArg(args[0]) {
			return exitOK
		}
		if len(args) > 0 {
			fmt.Fprintf(stderr, "\nlbdoctor sql: the subcommand (ddl, causes or run) comes before %s\n", args[0])
		}
		return exitUsage
	}
	switch args[0] {
	case "ddl":
		return runSQLDDL(args[1:], stdout, stderr)
	case "causes":
		return runSQLCauses(args[1:], stdout, stderr)
	case "run":
		return runSQLRun(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "lbdoctor sql: unknown subcommand %q (ddl, causes or run)\n", args[0])
	return exitUsage
}

const sqlDDLUsage = `Usage: lbdoctor sql ddl [--dialect athena|trino|duckdb] [flags]

Prints the table of ALB access logs for Athena, Trino or DuckDB.

Examples:
  lbdoctor sql ddl --bucket my-alb-logs --prefix prod --account 123456789012 --region eu-west-1 --database logs
  lbdoctor sql ddl --dialect trino --bucket my-alb-logs --account 123456789012 --region eu-west-1 --database hive.logs
  lbdoctor sql ddl --dialect duckdb --path 'alb-logs/**/*.log.gz'
`

const sqlCausesUsage = `Usage: lbdoctor sql causes [--dialect athena|trino|duckdb] [flags]

Prints the classification query: one row per (minute, target, cause) with
errors, with its count. Its rules are lbdoctor logs' rules, read from the same
tables; its counts per cause, target and minute are those of lbdoctor logs.
On Athena and Trino, --since/--until also bound the day partition.

Examples:
  lbdoctor sql causes --table logs.alb_logs --since 2024-05-01T00:00:00Z --until 2024-05-02T00:00:00Z --lb shop-prod
  lbdoctor sql causes --dialect duckdb --lb-idle 120s
`

func runSQLDDL(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sql ddl", sqlDDLUsage, stderr)
	dialect := fs.String("dialect", "athena", "athena, trino or duckdb")
	var o albsql.AthenaOptions
	fs.StringVar(&o.Bucket, "bucket", "", "athena, trino: the bucket ALB writes the logs to")
	fs.StringVar(&o.Prefix, "prefix", "", "athena, trino: the prefix set on the load balancer, if any")
	fs.StringVar(&o.Account, "account", "", "athena, trino: the load balancer's AWS account ID")
	fs.StringVar(&o.Region, "region", "", "athena, trino: the load balancer's region")
	fs.StringVar(&o.Database, "database", "", "athena, trino: the database (trino: schema or catalog.schema) to create the table in")
	fs.StringVar(&o.From, "from", "2022/01/01", "athena, trino: the first day partition projection offers (yyyy/MM/dd)")
	table := fs.String("table", "alb_logs", "the table (or view) name")
	path := fs.String("path", "", "duckdb: the log files: a file, a glob or an s3:// URL")
	if code, ok := parseFlagsOnly(fs, args, stderr, ""); !ok {
		return code
	}
	o.Table = *table
	var ddl string
	var err error
	switch *dialect {
	case albsql.Athena:
		ddl, err = albsql.AthenaDDL(o)
	case albsql.Trino:
		ddl, err = albsql.TrinoDDL(o)
	case albsql.DuckDB:
		ddl, err = albsql.DuckDBDDL(*path, *table)
	default:
		err = fmt.Errorf("--dialect must be athena, trino or duckdb, not %q", *dialect)
	}
	if err != nil {
		fmt.Fprintf(stderr, "lbdoctor sql ddl: %v\n", err)
		return exitUsage
	}
	fmt.Fprint(stdout, ddl)
	return exitOK
}

// causesFlags are the flags that shape the causes query (sql causes, sql run).
type causesFlags struct {
	since, until, lb, table, dialect, status *string
	lbIdle                                   *time.Duration
}

func addCausesFlags(fs *flag.FlagSet, dialects bool) causesFlags {
	f := causesFlags{
		since:  fs.String("since", "", "only entries at or after this time: RFC 3339, or a duration back from now (e.g. 6h)"),
		until:  fs.String("until", "", "only entries at or before this time: RFC 3339, or a duration back from now"),
		lb:     fs.String("lb", "", "only this load balancer (its name, as in app/NAME/ID)"),
		table:  fs.String("table", "alb_logs", "the table (database.table on Athena and Trino) made by lbdoctor sql ddl"),
		lbIdle: fs.Duration("lb-idle", 0, "the load balancers' idle timeout, if you know it (default: inferred from 504s, else ALB's 60s)"),
		status: fs.String("status", "", "only count errors with these elb_status_code values, e.g. 502,504 or 5xx"),
	}
	if dialects {
		f.dialect = fs.String("dialect", "athena", "athena, trino or duckdb")
	}
	return f
}

// options turns the flags into query options; now anchors relative times.
func (f causesFlags) options(now time.Time) (albsql.CausesOptions, error) {
	o := albsql.CausesOptions{Table: *f.table, LB: *f.lb, LBIdle: *f.lbIdle}
	if f.dialect != nil {
		o.Dialect = *f.dialect
	}
	for _, b := range []struct {
		name, v string
		t       *time.Time
	}{{"--since", *f.since, &o.Since}, {"--until", *f.until, &o.Until}} {
		abs, rel, err := parseTimeBound(b.v)
		if err != nil {
			return o, fmt.Errorf("%s: %v", b.name, err)
		}
		switch {
		case rel > 0:
			*b.t = now.Add(-rel).UTC().Truncate(time.Second)
		case abs != 0:
			*b.t = time.UnixMicro(abs).UTC()
		}
	}
	if *f.status != "" {
		var err error
		if o.Status, err = analysis.ParseStatusSet(*f.status); err != nil {
			return o, fmt.Errorf("--status: %v", err)
		}
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && o.Until.Before(o.Since) {
		return o, fmt.Errorf("--until is before --since")
	}
	return o, nil
}

func runSQLCauses(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sql causes", sqlCausesUsage, stderr)
	f := addCausesFlags(fs, true)
	if code, ok := parseFlagsOnly(fs, args, stderr, ""); !ok {
		return code
	}
	o, err := f.options(time.Now())
	if err == nil {
		var q string
		if q, err = albsql.CausesQuery(o); err == nil {
			fmt.Fprint(stdout, q)
			return exitOK
		}
	}
	fmt.Fprintf(stderr, "lbdoctor sql causes: %v\n", err)
	return exitUsage
}

func isHelpArg(a string) bool { return a == "-h" || a == "-help" || a == "--help" }
