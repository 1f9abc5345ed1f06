package alblog

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// Lines from the AWS documentation.
const (
	docHTTP    = `http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90`
	docHTTPS   = `https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90`
	docLambda  = `http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - 0.000 0.001 0.000 502 - 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-11-30T22:22:48.364000Z "forward" "-" "LambdaInvalidResponse" "-" "-" "-" "-" TID_1234abcd5678ef90`
	docOldList = `h2 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337327-72bd00b0343d75b906739c42" "-" "-" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" 10.0.0.66:9000 200 "-" "-"`
)

func mustParse(t *testing.T, line string) *Entry {
	t.Helper()
	var e Entry
	if err := Parse([]byte(line), &e); err != nil {
		t.Fatalf("Parse(%.60q): %v", line, err)
	}
	return &e
}

func TestParseEveryField(t *testing.T) {
	e := mustParse(t, docHTTPS)
	want := map[string]string{
		"type": "https", "elb": "app/my-loadbalancer/50dc6c495c0c9188", "client": "192.168.131.39:2817",
		"target": "10.0.0.1:80", "request": "GET https://www.example.com:443/ HTTP/1.1", "user_agent": "curl/7.46.0",
		"ssl_cipher": "ECDHE-RSA-AES128-GCM-SHA256", "ssl_protocol": "TLSv1.2",
		"target_group_arn": "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067",
		"trace_id":         "Root=1-58337281-1d84f3d73c47ec4e58577259", "domain_name": "www.example.com",
		"chosen_cert_arn":       "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012",
		"matched_rule_priority": "1", "actions_executed": "authenticate,forward", "redirect_url": "-",
		"error_reason": "-", "target_port_list": "10.0.0.1:80", "target_status_code_list": "200",
		"classification": "-", "classification_reason": "-", "conn_trace_id": "TID_1234abcd5678ef90",
	}
	got := map[string]string{
		"type": string(e.Type), "elb": string(e.ELB), "client": string(e.Client), "target": string(e.Target),
		"request": string(e.Request), "user_agent": string(e.UserAgent), "ssl_cipher": string(e.SSLCipher),
		"ssl_protocol": string(e.SSLProtocol), "target_group_arn": string(e.TargetGroupARN),
		"trace_id": string(e.TraceID), "domain_name": string(e.DomainName), "chosen_cert_arn": string(e.ChosenCertARN),
		"matched_rule_priority": string(e.MatchedRulePriority), "actions_executed": string(e.ActionsExecuted),
		"redirect_url": string(e.RedirectURL), "error_reason": string(e.ErrorReason),
		"target_port_list": string(e.TargetPortList), "target_status_code_list": string(e.TargetStatusCodeList),
		"classification": string(e.Classification), "classification_reason": string(e.ClassificationReason),
		"conn_trace_id": string(e.ConnTraceID),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if e.RequestProcessingTime != 86000 || e.TargetProcessingTime != 48000 || e.ResponseProcessingTime != 37000 {
		t.Errorf("processing times = %d %d %d", e.RequestProcessingTime, e.TargetProcessingTime, e.ResponseProcessingTime)
	}
	if e.ELBStatusCode != 200 || e.TargetStatusCode != 200 || e.ReceivedBytes != 0 || e.SentBytes != 57 {
		t.Errorf("status/bytes = %d %d %d %d", e.ELBStatusCode, e.TargetStatusCode, e.ReceivedBytes, e.SentBytes)
	}
	if want := int64(1530570180186641); e.Time != want {
		t.Errorf("Time = %d, want %d", e.Time, want)
	}
	if el, ok := e.Elapsed(); !ok || el != 11822641 {
		t.Errorf("Elapsed = %d, %v", el, ok)
	}
	if e.Fields != 30 || len(e.Extra) != 0 {
		t.Errorf("Fields = %d, Extra = %q", e.Fields, e.Extra)
	}
}

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		fields int
		check  func(*Entry) bool
	}{
		{"doc http", docHTTP, 30, func(e *Entry) bool { return e.TargetStatusCode == 200 }},
		{"lambda no target", docLambda, 30, func(e *Entry) bool {
			return !e.HasTarget() && e.TargetStatusCode == Missing && string(e.ErrorReason) == "LambdaInvalidResponse"
		}},
		{"old doc: unquoted lists, ends at classification_reason", docOldList, 29, func(e *Entry) bool {
			return string(e.TargetPortList) == "10.0.0.66:9000" && string(e.TargetStatusCodeList) == "200" && e.ConnTraceID == nil
		}},
		{"ends after error_reason", cut(docHTTP, 25), 25, func(e *Entry) bool { return e.TargetPortList == nil && string(e.ErrorReason) == "-" }},
		{"ends after sent_bytes", cut(docHTTP, 12), 12, func(e *Entry) bool { return e.Request == nil && e.RequestCreationTime == 0 }},
		{"newer trailing fields kept", docHTTP + ` "transformed.example.com" "/new/uri" "TransformSuccess"`, 33, func(e *Entry) bool {
			return string(e.Extra) == `"transformed.example.com" "/new/uri" "TransformSuccess"`
		}},
		{"CRLF", docHTTP + "\r", 30, func(e *Entry) bool { return string(e.ConnTraceID) == "TID_1234abcd5678ef90" }},
		{"all -1 times", strings.Replace(docHTTP, "0.000 0.001 0.000 200 200", "-1 -1 -1 502 -", 1), 30, func(e *Entry) bool {
			return e.RequestProcessingTime == Missing && e.TargetProcessingTime == Missing && e.ResponseProcessingTime == Missing && e.ELBStatusCode == 502 && e.TargetStatusCode == Missing
		}},
		{"escaped quote in user agent", strings.Replace(docHTTP, `"curl/7.46.0"`, `"evil \"agent\" \\ x"`, 1), 30, func(e *Entry) bool {
			return Unquote(e.UserAgent) == `evil "agent" \ x`
		}},
		{"malformed request", strings.Replace(docHTTP, `"GET http://www.example.com:80/ HTTP/1.1"`, `"- - -"`, 1), 30, func(e *Entry) bool { return string(e.Request) == "- - -" }},
		{"several targets in lists", strings.Replace(docHTTP, `"10.0.0.1:80" "200"`, `"10.0.0.1:80 10.0.0.2:80" "502 200"`, 1), 30, func(e *Entry) bool {
			return string(e.TargetPortList) == "10.0.0.1:80 10.0.0.2:80" && string(e.TargetStatusCodeList) == "502 200"
		}},
		{"IPv6 client", strings.Replace(docHTTP, "192.168.131.39:2817", "2001:db8::1:2817", 1), 30, func(e *Entry) bool { return string(e.Client) == "2001:db8::1:2817" }},
		{"desync fields", strings.Replace(docHTTP, `"-" "-" TID_`, `"Ambiguous" "SpaceInUri" TID_`, 1), 30, func(e *Entry) bool {
			return string(e.Classification) == "Ambiguous" && string(e.ClassificationReason) == "SpaceInUri"
		}},
		{"status dash", strings.Replace(docHTTP, "200 200 34", "- - 34", 1), 30, func(e *Entry) bool { return e.ELBStatusCode == Missing }},
		{"unknown type accepted", strings.Replace(docHTTP, "http ", "grpcs ", 1), 30, func(e *Entry) bool { return string(e.Type) == "grpcs" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustParse(t, tt.line)
			if e.Fields != tt.fields {
				t.Errorf("Fields = %d, want %d", e.Fields, tt.fields)
			}
			if !tt.check(e) {
				t.Errorf("check failed: %+v", e)
			}
		})
	}
}

// cut keeps the first n fields of a line with no spaces inside quotes past field 14.
func cut(line string, n int) string {
	var e Entry
	if err := Parse([]byte(line), &e); err != nil {
		panic(err)
	}
	out := AppendEntry(nil, &e)
	// Re-split the formatted line quote-aware and keep n fields.
	b := out[:len(out)-1]
	pos, count := 0, 0
	for pos < len(b) && count < n {
		pos = skipSpaces(b, pos)
		if b[pos] == '"' {
			end, _ := closingQuote(b, pos+1)
			pos = end + 1
		} else if i := bytes.IndexByte(b[pos:], ' '); i >= 0 {
			pos += i
		} else {
			pos = len(b)
		}
		count++
	}
	return string(b[:pos])
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		line  string
		field int
		err   error
	}{
		{"garbage", "garbage line here", FieldTime, ErrBadTime},
		{"too few fields", "http 2018-07-02T22:23:00.186641Z app/x 1.2.3.4:5 -", FieldRequestProcessingTime, ErrTooFewFields},
		{"bad time", strings.Replace(docHTTP, "2018-07-02T22:23:00.186641Z", "2018-13-02T22:23:00Z", 1), FieldTime, ErrBadTime},
		{"bad number", strings.Replace(docHTTP, "0.000 0.001", "0.000 abc", 1), FieldTargetProcessingTime, ErrBadNumber},
		{"bad status", strings.Replace(docHTTP, "200 200 34", "200 2x0 34", 1), FieldTargetStatusCode, ErrBadStatus},
		{"unterminated quote", strings.Replace(docHTTP, ` TID_1234abcd5678ef90`, ` "TID_1234abcd5678ef90`, 1), FieldConnTraceID, ErrUnterminated},
		{"quote closes early", strings.Replace(docHTTP, `"curl/7.46.0" -`, `"curl/7.46.0 -`, 1), FieldUserAgent, ErrBadQuote},
		{"request not quoted", strings.Replace(docHTTP, `"GET http://www.example.com:80/ HTTP/1.1"`, `GET`, 1), FieldRequest, ErrNotQuoted},
		{"classic ELB line", `2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -`, FieldType, ErrClassicELB},
		{"bad client", strings.Replace(docHTTP, "192.168.131.39:2817", "nonsense", 1), FieldClient, ErrBadAddress},
		{"junk after quote", strings.Replace(docHTTP, `"curl/7.46.0" -`, `"curl/7.46.0"x -`, 1), FieldUserAgent, ErrBadQuote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e Entry
			err := Parse([]byte(tt.line), &e)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field || !errors.Is(err, tt.err) {
				t.Errorf("got field %d err %v, want field %d (%s) err %v", fe.Field, err, tt.field, FieldName(tt.field), tt.err)
			}
			if fe.Column < 1 || fe.Column > len(tt.line)+1 {
				t.Errorf("column %d out of range", fe.Column)
			}
			pe := &ParseError{File: "f.log", Line: 7, Err: err}
			if !strings.HasPrefix(pe.Error(), "f.log:7: field ") {
				t.Errorf("ParseError = %q", pe.Error())
			}
		})
	}
}

// Lines of the other logs load balancers write, as elastic/integrations'
// test-alb.log mixes them with access log lines, are named for what they are.
func TestOtherLoadBalancerLogs(t *testing.T) {
	tests := []struct {
		line string
		err  error
	}{
		{`tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 192.168.131.39:2817 10.0.0.1:80 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com - - - 2018-12-20T02:59:30`, ErrNLBLog},
		{`2024-10-04T17:05:15.514108Z 192.168.131.39 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4.036 "CN=amazondomains.com,O=endEntity,L=Seattle,ST=Washington,C=US" NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z FEF257372D5C14D4 Success`, ErrConnectionLog},
		{`2024-11-29T13:45:24.599544Z 172.31.43.26 58206 80 - - - "-" - - - TID_16132ed0b4112148`, ErrConnectionLog},
		{`2024-11-29T13:45:24.599544Z 2001:db8::1 58206 443 - - - "-" - - - TID_16132ed0b4112148`, ErrConnectionLog},
		{`2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -`, ErrClassicELB},
	}
	for _, tt := range tests {
		var e Entry
		err := Parse([]byte(tt.line), &e)
		if !errors.Is(err, tt.err) {
			t.Errorf("%.40s...: err %v, want %v", tt.line, err, tt.err)
		}
	}
}

func TestFormatRoundTrip(t *testing.T) {
	for _, line := range []string{docHTTP, docHTTPS, docLambda} {
		e := mustParse(t, line)
		out := AppendEntry(nil, e)
		if string(out) != line+"\n" {
			t.Errorf("round trip changed the line:\n got %s\nwant %s", out, line)
		}
	}
}

func TestFormatEscapesHostileValues(t *testing.T) {
	e := mustParse(t, docHTTP)
	e.UserAgent = []byte("a \"quoted\" \\ \x1b[31mred\n")
	e.ELB = []byte("app/my lb/1")
	out := AppendEntry(nil, e)
	if bytes.Count(out, []byte("\n")) != 1 {
		t.Fatalf("formatted line has a raw newline: %q", out)
	}
	var back Entry
	if err := Parse(out[:len(out)-1], &back); err != nil {
		t.Fatalf("formatted line does not parse: %v\n%s", err, out)
	}
	if got := Unquote(back.UserAgent); got != "a \"quoted\" \\ \x1b[31mred\n" {
		t.Errorf("user agent = %q", got)
	}
	if back.Fields != 30 {
		t.Errorf("Fields = %d: a space in an unquoted field split it", back.Fields)
	}
}

func TestParseTime(t *testing.T) {
	for _, s := range []string{"2018-07-02T22:23:00.186641Z", "2024-02-29T00:00:00Z", "1999-12-31T23:59:59.5Z", "2024-05-01T10:00:00.123456789Z"} {
		got, err := ParseTime([]byte(s))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		back := string(AppendTime(nil, got))
		if back[:19] != s[:19] {
			t.Errorf("%s -> %d -> %s", s, got, back)
		}
	}
	for _, s := range []string{"2023-02-29T00:00:00Z", "2018-07-02 22:23:00Z", "2018-07-02T22:23:00.Z", "x"} {
		if _, err := ParseTime([]byte(s)); err == nil {
			t.Errorf("%s: no error", s)
		}
	}
	// Offsets take the slow path but are still understood.
	got, err := ParseTime([]byte("2018-07-02T23:23:00+01:00"))
	if err != nil || got != 1530570180000000 {
		t.Errorf("offset: %d, %v", got, err)
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	line := []byte(docHTTPS)
	var e Entry
	allocs := testing.AllocsPerRun(100, func() {
		if err := Parse(line, &e); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Parse allocates %.1f times per line", allocs)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{docHTTP, docHTTPS, docLambda, docOldList, "", "\"", `http "`, "http 2018-07-02T22:23:00Z a b:1 - -1 -1 -1 502 - 1 2 \"\\"} {
		f.Add([]byte(s))
	}
	var p Parser
	f.Fuzz(func(t *testing.T, line []byte) {
		// The fast scan, the general one, ParseHead then Complete, and a
		// field-by-field reading all agree, on a Parser reused throughout.
		checkParsers(t, &p, line)
		var e Entry
		if err := Parse(line, &e); err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if e.Fields < MinFields {
			t.Fatalf("accepted %d fields", e.Fields)
		}
		// What we accept, we can write back, and that parses again to the same times.
		out := AppendEntry(nil, &e)
		var again Entry
		if err := Parse(out[:len(out)-1], &again); err != nil {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
		if again.Time != e.Time || again.ELBStatusCode != e.ELBStatusCode && e.ELBStatusCode > 0 {
			t.Fatalf("round trip changed time or status: %q", out)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	line := []byte(docHTTPS)
	var e Entry
	b.SetBytes(int64(len(line) + 1))
	b.ReportAllocs()
	for b.Loop() {
		if err := Parse(line, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParser(b *testing.B) {
	line := []byte(docHTTPS)
	var p Parser
	var e Entry
	b.SetBytes(int64(len(line) + 1))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Parse(line, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func TestOtherLogFile(t *testing.T) {
	access := "123456789012_elasticloadbalancing_eu-central-1_app.web.5ede558f4b0e97a9_20240207T0955Z_10.43.1.2_b38hdhc6.log.gz"
	for _, tt := range []struct{ path, want string }{
		{access, ""},
		{"logs/2024/02/07/conn_log_" + access, "connection log"},
		{`C:\logs\health_check_log_` + access, "health check log"},
		{"conn_log_notes.txt", ""}, // not ALB's layout after the prefix
		{"health_check_log_", ""},
	} {
		if got := OtherLogFile(tt.path); got != tt.want {
			t.Errorf("OtherLogFile(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestParseSecond: the 8-bytes-at-once path agrees with the byte-at-a-time
// one on ALB's form and on every near miss of it.
func TestParseSecond(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"00.000000", 0, true}, {"05.123456", 5_123_456, true}, {"59.999999", 59_999_999, true},
		{"60.000001", 60_000_001, true}, {"61.000000", 0, false}, {"5.1234567", 0, false}, {"05.1234567", 5_123_456, true},
		{"05,123456", 0, false}, {"05.12345a", 0, false}, {"05.1234:6", 0, false}, {"/5.123456", 0, false},
	} {
		got, ok := parseSecond([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("%q: %d %v, want %d %v", c.in, got, ok, c.want, c.ok)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("0123456789.:/ Z-\x00\xff")
	b := make([]byte, 9)
	for range 500_000 {
		copy(b, "05.123456")
		for range 1 + r.IntN(3) { // one to three bytes changed
			b[r.IntN(9)] = alphabet[r.IntN(len(alphabet))]
		}
		got, ok := parseSecond(b)
		want, wok := parseSecondSlow(b)
		if got != want || ok != wok {
			t.Fatalf("%q: %d %v, byte at a time %d %v", b, got, ok, want, wok)
		}
	}
}
