package main

import (
	"context"
	"fmt"
	"io"

	"github.com/lbdoctor/lbdoctor/albsql"
)

const sqlUsage = `Usage: lbdoctor sql ddl [flags]

Prints the table definition of ALB access logs for a SQL engine, with a column
for every field lbdoctor's parser knows (later fields in extra):

- athena (the default): CREATE EXTERNAL TABLE with RegexSerDe over the logs'
  S3 location, the day a projected partition (WHERE day = '2024/05/01' reads
  only that day's objects);
- duckdb: CREATE VIEW over read_csv of --path (a file, a glob or an s3:// URL;
  .gz is read as gzip).

Examples:
  lbdoctor sql ddl --bucket my-alb-logs --prefix prod --account 123456789012 --region eu-west-1
  lbdoctor sql ddl --dialect duckdb --path 'alb-logs/**/*.log.gz'
`

func runSQL(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("sql ddl", sqlUsage, stderr)
	dialect := fs.String("dialect", "athena", "athena or duckdb")
	var o albsql.AthenaOptions
	fs.StringVar(&o.Bucket, "bucket", "", "athena: the bucket ALB writes the logs to")
	fs.StringVar(&o.Prefix, "prefix", "", "athena: the prefix set on the load balancer, if any")
	fs.StringVar(&o.Account, "account", "", "athena: the load balancer's AWS account ID")
	fs.StringVar(&o.Region, "region", "", "athena: the load balancer's region")
	fs.StringVar(&o.Database, "database", "", "athena: the database to create the table in")
	fs.StringVar(&o.From, "from", "2022/01/01", "athena: the first day partition projection offers (yyyy/MM/dd)")
	table := fs.String("table", "alb_logs", "the table (or view) name")
	path := fs.String("path", "", "duckdb: the log files: a file, a glob or an s3:// URL")
	if len(args) > 0 && args[0] == "ddl" {
		args = args[1:]
	} else if len(args) == 0 || !isHelpArg(args[0]) {
		fmt.Fprintln(stderr, "lbdoctor sql: the subcommand is ddl")
		fs.Usage()
		return exitUsage
	}
	if code, ok := parseFlagsOnly(fs, args, stderr, ""); !ok {
		return code
	}
	o.Table = *table
	var ddl string
	var err error
	switch *dialect {
	case "athena":
		ddl, err = albsql.AthenaDDL(o)
	case "duckdb":
		ddl, err = albsql.DuckDBDDL(*path, *table)
	default:
		err = fmt.Errorf("--dialect must be athena or duckdb, not %q", *dialect)
	}
	if err != nil {
		fmt.Fprintf(stderr, "lbdoctor sql ddl: %v\n", err)
		return exitUsage
	}
	fmt.Fprint(stdout, ddl)
	return exitOK
}

func isHelpArg(a string) bool { return a == "-h" || a == "-help" || a == "--help" }
