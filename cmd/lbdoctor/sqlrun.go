package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/lbdoctor/lbdoctor/albsql"
	"github.com/lbdoctor/lbdoctor/internal/awserr"
	"github.com/lbdoctor/lbdoctor/report"
)

const sqlRunUsage = `Usage: lbdoctor sql run --workgroup W [--output s3://…] [flags]

Runs lbdoctor's causes query on Athena over the table that lbdoctor sql ddl
made, waits for it (one live line on a terminal), pages the results and prints
the report as lbdoctor logs does: causes, targets, timeline. The query's
execution ID and the data it scanned (what Athena bills) go to stderr.

Credentials and region come from the AWS SDK's default chain (environment,
profiles, SSO, IMDS); --endpoint-url selects another Athena endpoint.

Examples:
  lbdoctor sql run --workgroup primary --output s3://my-athena-results/ --table logs.alb_logs --since 24h
  lbdoctor sql run --workgroup analysts --table logs.alb_logs --lb shop-prod --since 2024-05-01T00:00:00Z --format json

Exit status: 0 the report is printed; 2 the query could not run or failed;
130 interrupted (the query is stopped on Athena too).
`

func runSQLRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("sql run", sqlRunUsage, stderr)
	f := addCausesFlags(fs, false)
	var o albsql.RunOptions
	fs.StringVar(&o.Workgroup, "workgroup", "primary", "the Athena workgroup")
	fs.StringVar(&o.Output, "output", "", "the S3 location for the query results (default: the workgroup's)")
	fs.StringVar(&o.Database, "database", "", "the database, if --table does not name it")
	fs.StringVar(&o.Catalog, "catalog", "", "the data catalog (default AwsDataCatalog)")
	region := fs.String("region", "", "the AWS region of Athena (default: from the AWS configuration)")
	profile := fs.String("profile", "", "the AWS shared config profile")
	endpoint := fs.String("endpoint-url", "", "another Athena endpoint (a local test server)")
	format := fs.String("format", "text", "text, json or html")
	poll := fs.Duration("poll", time.Second, "how often to ask for the query's state")
	quiet := fs.Bool("quiet", false, "no progress line on stderr")
	if code, ok := parseFlagsOnly(fs, args, stderr, ""); !ok {
		return code
	}
	fail := func(err error) int {
		// Athena's reasons can quote values from the logs: escaped, as all log content.
		fmt.Fprintf(stderr, "lbdoctor sql run: %s\n", report.Safe(err.Error()))
		return exitUsage
	}
	switch *format {
	case "text", "json", "html":
	default:
		return fail(fmt.Errorf("--format must be text, json or html, not %q", *format))
	}
	qo, err := f.options(time.Now())
	if err != nil {
		return fail(err)
	}
	qo.Dialect = albsql.Athena
	query, err := albsql.CausesQuery(qo)
	if err != nil {
		return fail(err)
	}
	o.Poll = *poll
	var opts []func(*config.LoadOptions) error
	if *region != "" {
		opts = append(opts, config.WithRegion(*region))
	}
	if *profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(*profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fail(fmt.Errorf("AWS configuration: %w", err))
	}
	if cfg.Region == "" {
		return fail(errors.New("no AWS region: give --region or set AWS_REGION"))
	}
	client := athena.NewFromConfig(cfg, func(ao *athena.Options) {
		if *endpoint != "" {
			ao.BaseEndpoint = aws.String(*endpoint)
		}
	})
	live := !*quiet && isTerminal(stderr)
	if live {
		o.Progress = func(p albsql.Progress) {
			fmt.Fprintf(stderr, "\r\033[Kquery %s: %s, %s, %s scanned", p.ExecutionID, p.State,
				p.Elapsed.Round(100*time.Millisecond), albsql.FormatBytes(p.ScannedBytes))
		}
	}
	res, err := albsql.RunCauses(ctx, client, query, o)
	if live {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		var qe *albsql.QueryError
		if errors.As(err, &qe) && qe.ExecutionID == "" {
			switch awserr.Classify(err) {
			case awserr.NoCredentials:
				return fail(errors.New("no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login"))
			case awserr.Unreachable:
				return fail(fmt.Errorf("cannot reach Athena in %s: %v", cfg.Region, awserr.LastCause(err)))
			}
		}
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "lbdoctor sql run: %s\n", report.Safe(err.Error()))
			return exitInterrupted
		}
		return fail(err)
	}
	fmt.Fprintf(stderr, "lbdoctor sql run: query %s succeeded in %s; data scanned: %s; %d rows\n",
		res.ExecutionID, res.Elapsed.Round(100*time.Millisecond), albsql.FormatBytes(res.ScannedBytes), len(res.Rows))
	sum := albsql.Summary(res.Rows)
	ro := report.LogsOptions{CausesOnly: true,
		Header: fmt.Sprintf("lbdoctor sql run: Athena query %s, %s scanned, %d rows", res.ExecutionID, albsql.FormatBytes(res.ScannedBytes), len(res.Rows))}
	switch *format {
	case "json":
		err = report.JSON(stdout, sum)
	case "html":
		err = report.HTMLWith(stdout, sum, ro)
	default:
		err = report.LogsText(stdout, sum, ro)
	}
	if err != nil {
		fmt.Fprintf(stderr, "lbdoctor sql run: writing report: %v\n", err)
		return exitUsage
	}
	return exitOK
}
