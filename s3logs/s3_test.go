package s3logs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lbdoctor/lbdoctor/internal/realserver"
	"github.com/lbdoctor/lbdoctor/synth"
)

func TestParseKey(t *testing.T) {
	k := "prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2024/05/01/123456789012_elasticloadbalancing_eu-west-1_app.shop-prod.50dc6c495c0c9188_20240501T0005Z_172.160.000.001_600e7c43.log.gz"
	info, ok := parseKey(k)
	if !ok || info.lb != "shop-prod" || !info.end.Equal(time.Date(2024, 5, 1, 0, 5, 0, 0, time.UTC)) {
		t.Errorf("parseKey: %+v %v", info, ok)
	}
	if _, ok := parseKey("prod/other/file.log.gz"); ok {
		t.Error("a key outside the layout parsed")
	}
	since := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	until := since.Add(time.Hour)
	for _, tt := range []struct {
		end  time.Time
		want bool
	}{
		{since.Add(-time.Minute), false}, {since, true}, {until, true}, {until.Add(10 * time.Minute), true}, {until.Add(11 * time.Minute), false},
	} {
		if got := inRange(tt.end, since, until); got != tt.want {
			t.Errorf("inRange(%s) = %v", tt.end, got)
		}
	}
	if d := days(time.Date(2024, 5, 1, 23, 0, 0, 0, time.UTC), time.Date(2024, 5, 1, 23, 55, 0, 0, time.UTC)); len(d) != 2 || d[1] != "2024/05/02/" {
		t.Errorf("days near midnight: %v", d)
	}
}

// countingTransport counts the requests sent, by method and path.
type countingTransport struct {
	mu   sync.Mutex
	gets []string
	list int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if r.Method == http.MethodGet && r.URL.Query().Has("list-type") {
		c.list++
	} else if r.Method == http.MethodGet {
		c.gets = append(c.gets, r.URL.Path)
	}
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// seed writes three days of two load balancers' logs in ALB's layout into a
// bucket of a real S3 server, and returns the local copy.
func seed(t *testing.T, srv *realserver.S3Server, bucket string) string {
	t.Helper()
	dir := t.TempDir()
	for _, lb := range []string{"app/shop-prod/50dc6c495c0c9188", "app/admin/0123456789abcdef"} {
		cfg := synth.DefaultConfig()
		cfg.Duration, cfg.Rate, cfg.Nodes, cfg.LBName = 72*time.Hour, 0.05, 1, lb
		if _, err := synth.WriteDir(filepath.Join(dir, "prod"), cfg, true, 2); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	c := client(t, srv, nil)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		key, _ := filepath.Rel(dir, p)
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(filepath.ToSlash(key)), Body: bytes.NewReader(body)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func client(t *testing.T, srv *realserver.S3Server, hc *http.Client) *s3.Client {
	t.Setenv("AWS_ACCESS_KEY_ID", srv.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Secret)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	src, err := New(context.Background(), Options{Region: srv.Region, EndpointURL: srv.Endpoint, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	return src.client(srv.Region)
}

func TestListAndPrune(t *testing.T) {
	srv := realserver.S3(t)
	seed(t, srv, "alb-logs")
	ctx := context.Background()
	count := &countingTransport{}
	t.Setenv("AWS_ACCESS_KEY_ID", srv.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Secret)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	newSource := func(o Options) *Source {
		o.Region, o.EndpointURL, o.HTTPClient = srv.Region, srv.Endpoint, &http.Client{Transport: count}
		s, err := New(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	all, err := newSource(Options{}).List(ctx, "s3://alb-logs/prod")
	if err != nil {
		t.Fatal(err)
	}
	// One hour out of three days: that hour's objects plus the edge.
	since := time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC)
	count.list = 0
	hour, err := newSource(Options{Since: since, Until: since.Add(time.Hour)}).List(ctx, "s3://alb-logs/prod")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d objects in all; one hour: %d objects, %d LIST requests", len(all), len(hour), count.list)
	// 2 load balancers x 1 node x 15 files: the 12 that end inside the hour,
	// the one ending at its start, and two after its end (late entries).
	if len(hour) != 2*15 {
		t.Errorf("%d objects for one hour, want 30", len(hour))
	}
	for _, in := range hour {
		info, _ := parseKey(in.Name)
		if !inRange(info.end, since, since.Add(time.Hour)) {
			t.Errorf("%s is outside the hour", in.Name)
		}
	}
	if count.list > 10 {
		t.Errorf("%d LIST requests for one hour, want the day prefix and the discovery only", count.list)
	}
	lb, err := newSource(Options{Since: since, Until: since.Add(time.Hour), LB: "admin"}).List(ctx, "s3://alb-logs/prod")
	if err != nil || len(lb) != 15 || !strings.Contains(lb[0].Name, "app.admin.") {
		t.Errorf("--lb admin: %d objects (%v)", len(lb), err)
	}
	// Opening reads exactly the object asked for.
	count.gets = nil
	rc, err := hour[0].Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if len(count.gets) != 1 || !strings.HasSuffix(count.gets[0], strings.TrimPrefix(hour[0].Name, "s3://alb-logs")) {
		t.Errorf("GETs %v", count.gets)
	}
}

func TestErrors(t *testing.T) {
	srv := realserver.S3(t)
	ctx := context.Background()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", srv.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Secret)
	src, _ := New(ctx, Options{Region: srv.Region, EndpointURL: srv.Endpoint})
	if _, err := src.List(ctx, "s3://no-such-bucket/x"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing bucket: %v", err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	src, _ = New(ctx, Options{Region: srv.Region, EndpointURL: srv.Endpoint})
	began := time.Now()
	if _, err := src.List(ctx, "s3://alb-logs/x"); err == nil || time.Since(began) > 20*time.Second {
		t.Errorf("wrong credentials: %v after %s", err, time.Since(began))
	} else {
		t.Logf("wrong credentials: %v", err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Secret)
	src, _ = New(ctx, Options{Region: srv.Region, EndpointURL: "http://127.0.0.1:1"})
	if _, err := src.List(ctx, "s3://alb-logs/x"); err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("unreachable endpoint: %v", err)
	}
}

// TestServerGoneMidRun: the server dies after listing; reading ends at once
// with every object counted as failed, and no hang.
func TestServerGoneMidRun(t *testing.T) {
	srv := realserver.S3(t)
	seed(t, srv, "alb-logs")
	t.Setenv("AWS_ACCESS_KEY_ID", srv.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Secret)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx := context.Background()
	src, _ := New(ctx, Options{Region: srv.Region, EndpointURL: srv.Endpoint})
	inputs, err := src.List(ctx, "s3://alb-logs/prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2024/05/02/")
	if err != nil || len(inputs) != 2*288 {
		t.Fatalf("one day's prefix: %d objects (%v), want 576", len(inputs), err)
	}
	srv.Stop()
	began := time.Now()
	failed := 0
	for _, in := range inputs {
		if _, err := in.Open(ctx); err != nil {
			failed++
		}
	}
	took := time.Since(began)
	t.Logf("%d objects after the server died: %d failed in %s", len(inputs), failed, took)
	if failed != len(inputs) || took > 60*time.Second {
		t.Errorf("%d of %d failed in %s", failed, len(inputs), took)
	}
}

// TestBucketInAnotherRegion puts a proxy in front of the real S3 server that
// answers as AWS does for a request signed for the wrong region: 301 with
// X-Amz-Bucket-Region. The source starts in us-east-1 and must follow.
func TestBucketInAnotherRegion(t *testing.T) {
	srv := realserver.S3(t)
	seed(t, srv, "alb-logs")
	target, _ := url.Parse(srv.Endpoint)
	proxy := httputil.NewSingleHostReverseProxy(target)
	scope := regexp.MustCompile(`Credential=[^/]+/\d{8}/([a-z0-9-]+)/s3/`)
	var redirects atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := scope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil && m[1] != srv.Region {
			redirects.Add(1)
			w.Header().Set("X-Amz-Bucket-Region", srv.Region)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusMovedPermanently)
			if r.Method != http.MethodHead {
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Bucket>alb-logs</Bucket></Error>`)
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	ctx := context.Background()
	src, err := New(ctx, Options{Region: "us-east-1", EndpointURL: front.URL})
	if err != nil {
		t.Fatal(err)
	}
	inputs, err := src.List(ctx, "s3://alb-logs/prod")
	if err != nil {
		t.Fatalf("not followed: %v", err)
	}
	if len(inputs) == 0 || redirects.Load() != 1 {
		t.Fatalf("%d objects, %d redirects (want the one HeadBucket)", len(inputs), redirects.Load())
	}
	rc, err := inputs[0].Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if n, err := io.Copy(io.Discard, rc); err != nil || n == 0 {
		t.Errorf("read %d bytes: %v", n, err)
	}
}

// TestRangedParts reads a 20 MiB object in 8 MiB ranges on parallel
// connections: the bytes are the object's, in order, and the GETs are ranged.
func TestRangedParts(t *testing.T) {
	srv := realserver.S3(t)
	c := client(t, srv, nil)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("big")}); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 20<<20+12345)
	for i := range body {
		body[i] = byte(i*7 + i>>13)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("big"), Key: aws.String("logs/all.log"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	count := &countingTransport{}
	src, err := New(ctx, Options{Region: srv.Region, EndpointURL: srv.Endpoint, HTTPClient: &http.Client{Transport: count}, RangedMin: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	inputs, err := src.List(ctx, "s3://big/logs/")
	if err != nil || len(inputs) != 1 {
		t.Fatalf("%d inputs, %v", len(inputs), err)
	}
	count.gets = nil
	rc, err := inputs[0].Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read %d of %d bytes, equal %v, %v", len(got), len(body), bytes.Equal(got, body), err)
	}
	if len(count.gets) != 3 {
		t.Errorf("%d GETs, want 3 ranges", len(count.gets))
	}
	// Closing early stops the fetches (no hang, no leak of blocked senders).
	rc, _ = inputs[0].Open(ctx)
	buf := make([]byte, 1000)
	if _, err := io.ReadFull(rc, buf); err != nil || !bytes.Equal(buf, body[:1000]) {
		t.Errorf("first bytes: %v", err)
	}
	rc.Close()
}

// ALB's connection and health check logs share the access logs' prefix
// when they share a bucket: they are skipped, with one warning per kind.
func TestKeepSkipsOtherLogs(t *testing.T) {
	dir := "AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2024/05/01/"
	name := "123456789012_elasticloadbalancing_eu-west-1_app.shop.50dc6c495c0c9188_20240501T0005Z_10.0.0.1_600e7c43.log.gz"
	var warnings []string
	s := &Source{opts: Options{Warn: func(m string) { warnings = append(warnings, m) }}}
	kept := s.keep([]object{{key: dir + name}, {key: dir + "conn_log_" + name}, {key: dir + "conn_log_" + strings.Replace(name, "0005Z", "0010Z", 1)}, {key: dir + "health_check_log_" + name}})
	if len(kept) != 1 || kept[0].key != dir+name {
		t.Errorf("kept %v", kept)
	}
	want := []string{
		"2 connection log object(s) skipped: ALB writes them beside its access logs; lbdoctor reads access logs",
		"1 health check log object(s) skipped: ALB writes them beside its access logs; lbdoctor reads access logs",
	}
	if fmt.Sprint(warnings) != fmt.Sprint(want) {
		t.Errorf("warnings %q, want %q", warnings, want)
	}
}
