// Package albsql carries lbdoctor's reading of ALB access logs to SQL
// engines: the table definition for Athena/Trino (a RegexSerDe table with
// partition projection over ALB's S3 key layout) and for DuckDB (a view over
// read_csv). Every field the Go parser (package alblog) knows is a column,
// named as in the AWS documentation (client:port, which holds ip:port, is
// client; target:port_list is target_port_list), and
// later fields AWS may add are kept in one column, extra.
package albsql

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/lbdoctor/lbdoctor/alblog"
)

// Column is one column of the table: the log field it holds and its type.
type Column struct {
	Field int // alblog field number; 0 for extra
	Name  string
	// Type is the column's SQL type: string for text, which the classification
	// queries cast where they compare numbers.
	Type string
	// Quoted says the field is written between double quotes.
	Quoted bool
}

// quoted lists the fields ALB writes between double quotes.
var quoted = map[int]bool{
	alblog.FieldRequest: true, alblog.FieldUserAgent: true, alblog.FieldTraceID: true,
	alblog.FieldDomainName: true, alblog.FieldChosenCertARN: true, alblog.FieldActionsExecuted: true,
	alblog.FieldRedirectURL: true, alblog.FieldErrorReason: true, alblog.FieldTargetPortList: true,
	alblog.FieldTargetStatusCodeList: true, alblog.FieldClassification: true,
	alblog.FieldClassificationReason: true,
}

// Columns returns the table's columns in field order, then extra.
func Columns() []Column {
	var cols []Column
	for n := 1; n <= alblog.NumFields; n++ {
		// client:port and target:port hold "ip:port": name them client and
		// target; target:port_list becomes target_port_list.
		name := strings.ReplaceAll(strings.TrimSuffix(alblog.FieldName(n), ":port"), ":", "_")
		cols = append(cols, Column{Field: n, Name: name, Type: "string", Quoted: quoted[n]})
	}
	return append(cols, Column{Name: "extra", Type: "string"})
}

// Field patterns. A quoted field holds any byte but an unescaped quote; a
// backslash escapes the next byte, as the Go parser reads it. The patterns
// are the subset of regular expressions that RE2 (Go) and java.util.regex
// (Athena's RegexSerDe) read alike.
//
// One known difference: before 2019 ALB wrote target:port_list and
// target_status_code_list without quotes, which the Go parser accepts and this
// regex does not (one capturing group per column leaves no room for both
// forms): RegexSerDe gives such lines NULL in every column.
const (
	plainField  = `([^ ]*)`
	quotedField = `"((?:[^"\\]|\\.)*)"`
)

// Regex returns the regular expression that splits a line into the columns'
// groups, in order. The first alblog.MinFields fields are required; each later
// one is optional only if all after it are absent (older log formats end
// early), and anything after the known fields goes to extra.
func Regex() string {
	var b strings.Builder
	optional := 0
	for _, c := range Columns() {
		if c.Field == 0 {
			continue // extra, below
		}
		if c.Field > 1 {
			if c.Field > alblog.MinFields {
				b.WriteString(`(?:`)
				optional++
			}
			b.WriteByte(' ')
		}
		if c.Quoted {
			b.WriteString(quotedField)
		} else {
			b.WriteString(plainField)
		}
	}
	// extra sits inside the innermost optional group: only after them all.
	b.WriteString(`(?: (.*))?`)
	b.WriteString(strings.Repeat(`)?`, optional))
	return b.String()
}

// CompiledRegex is Regex compiled for Go, anchored to the whole line as
// RegexSerDe matches it.
func CompiledRegex() *regexp.Regexp { return regexp.MustCompile(`^` + Regex() + `$`) }

// AthenaOptions say where the logs are and what to call the table.
type AthenaOptions struct {
	Bucket, Prefix  string
	Account, Region string
	Database, Table string
	// From is the first day partition projection offers (yyyy/MM/dd).
	From string
}

// AthenaDDL returns the CREATE EXTERNAL TABLE statement for Athena (Trino
// engine): RegexSerDe over the ALB key layout, with the day as a projected
// partition so a query for some days reads only their objects.
func AthenaDDL(o AthenaOptions) (string, error) {
	location, err := o.check()
	if err != nil {
		return "", err
	}
	name := "`" + o.Table + "`"
	if o.Database != "" {
		name = "`" + strings.ReplaceAll(o.Database, ".", "`.`") + "`.`" + o.Table + "`"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS %s (\n", name)
	cols := Columns()
	for i, c := range cols {
		sep := ","
		if i == len(cols)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  `%s` %s%s\n", c.Name, c.Type, sep)
	}
	fmt.Fprintf(&b, `)
PARTITIONED BY (day string)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'
WITH SERDEPROPERTIES (
  'serialization.format' = '1',
  'input.regex' = '%s'
)
LOCATION '%s'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.day.type' = 'date',
  'projection.day.range' = '%s,NOW',
  'projection.day.format' = 'yyyy/MM/dd',
  'projection.day.interval' = '1',
  'projection.day.interval.unit' = 'DAYS',
  'storage.location.template' = '%s${day}'
);
`, sqlString(Regex()), sqlString(location), o.From, sqlString(location))
	return b.String(), nil
}

// TrinoDDL returns the CREATE TABLE statement for Trino's Hive connector:
// the REGEX format over the logs' S3 location (the same regex as Athena's
// RegexSerDe), with the day as a projected partition (Trino reads Athena's
// partition projection properties). Database is the schema, optionally
// qualified by its catalog (hive.logs).
func TrinoDDL(o AthenaOptions) (string, error) {
	location, err := o.check()
	if err != nil {
		return "", err
	}
	name := o.Table
	if o.Database != "" {
		name = o.Database + "." + o.Table
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n", name)
	for _, c := range Columns() {
		fmt.Fprintf(&b, "  \"%s\" varchar,\n", c.Name)
	}
	fmt.Fprintf(&b, `  "day" varchar WITH (
    partition_projection_type = 'DATE',
    partition_projection_format = 'yyyy/MM/dd',
    partition_projection_range = ARRAY['%s', 'NOW'],
    partition_projection_interval = 1,
    partition_projection_interval_unit = 'DAYS'
  )
)
WITH (
  format = 'REGEX',
  regex = '%s',
  external_location = '%s',
  partitioned_by = ARRAY['day'],
  partition_projection_enabled = true,
  partition_projection_location_template = '%s${day}'
);
`, o.From, sqlString(Regex()), sqlString(location), sqlString(location))
	return b.String(), nil
}

// check validates the options, fills in defaults and returns the logs' S3
// location: the prefix down to the region, above the day folders.
func (o *AthenaOptions) check() (string, error) {
	for _, f := range []struct{ name, v string }{{"bucket", o.Bucket}, {"account", o.Account}, {"region", o.Region}} {
		if f.v == "" {
			return "", fmt.Errorf("--%s is required", f.name)
		}
	}
	if o.Table == "" {
		o.Table = "alb_logs"
	}
	if o.From == "" {
		o.From = "2022/01/01"
	}
	if _, err := time.Parse("2006/01/02", o.From); err != nil {
		return "", fmt.Errorf("--from %q is not a day as yyyy/MM/dd", o.From)
	}
	if err := checkIdentifier(o.Table); err != nil {
		return "", err
	}
	for _, part := range strings.Split(o.Database, ".") {
		if err := checkIdentifier(part); o.Database != "" && err != nil {
			return "", err
		}
	}
	if strings.ContainsAny(o.Bucket+o.Prefix+o.Account+o.Region, "'\\ ") {
		return "", fmt.Errorf("bucket, prefix, account and region must not hold quotes, backslashes or spaces")
	}
	prefix := strings.Trim(o.Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return fmt.Sprintf("s3://%s/%sAWSLogs/%s/elasticloadbalancing/%s/", o.Bucket, prefix, o.Account, o.Region), nil
}

// identifier is a name that needs no quoting in any of the dialects.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkIdentifier refuses table and database names that would need quoting:
// they are written into the statements as they are.
func checkIdentifier(id string) error {
	if !identifier.MatchString(id) {
		return fmt.Errorf("%q is not a plain SQL identifier", id)
	}
	return nil
}

// sqlString escapes s for a single-quoted SQL literal.
func sqlString(s string) string { return strings.ReplaceAll(s, "'", "''") }

// DuckDBDDL returns the statement that makes table a view over the ALB log
// files that path names: a file, a glob or an s3:// URL that DuckDB reads
// (gzipped or not, by extension). read_csv splits on single spaces and
// unquotes quoted fields (backslash escapes the next byte); every column is
// text, as in the Athena table. Lines with more than the known fields keep
// only the first extra field in extra (the Go parser and Athena keep the
// rest of the line).
func DuckDBDDL(path, table string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("path is required")
	}
	if table == "" {
		table = "alb_logs"
	}
	if err := checkIdentifier(table); err != nil {
		return "", err
	}
	cols := Columns()
	var sel, types []string
	for i, c := range cols {
		sel = append(sel, fmt.Sprintf("  c%02d AS \"%s\"", i+1, c.Name))
		types = append(types, fmt.Sprintf("'c%02d': 'VARCHAR'", i+1))
	}
	return fmt.Sprintf(`CREATE OR REPLACE VIEW %s AS
SELECT
%s
FROM read_csv('%s',
  delim = ' ', quote = '"', escape = '\', header = false, auto_detect = false,
  columns = {%s},
  null_padding = true, ignore_errors = true, strict_mode = false);
`, table, strings.Join(sel, ",\n"), sqlString(path), strings.Join(types, ", ")), nil
}
