package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lbdoctor/lbdoctor/internal/awsapi"
	"github.com/lbdoctor/lbdoctor/internal/realserver"
	"github.com/lbdoctor/lbdoctor/synth"
)

// TestLogsFromS3 runs lbdoctor logs on s3:// against a real S3 server
// (versitygw) and on the same files on disk: the JSON reports must be the
// same but for the input names; a corrupt object is reported by key and the
// rest still counts.
func TestLogsFromS3(t *testing.T) {
	srv := realserver.S3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Secret)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	dir := t.TempDir()
	cfg := synth.DefaultConfig()
	cfg.Duration, cfg.Rate, cfg.Nodes = 3*time.Hour, 2, 2
	if _, err := synth.WriteDir(filepath.Join(dir, "prod"), cfg, true, 2); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(srv.Region))
	if err != nil {
		t.Fatal(err)
	}
	c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.BaseEndpoint, o.UsePathStyle = aws.String(srv.Endpoint), true })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("alb-logs")}); err != nil {
		t.Fatal(err)
	}
	put := func(key string, body []byte) {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("alb-logs"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			body, _ := os.ReadFile(p)
			key, _ := filepath.Rel(dir, p)
			put(filepath.ToSlash(key), body)
		}
		return nil
	})
	s3args := []string{"logs", "--format", "json", "--endpoint-url", srv.Endpoint, "--region", srv.Region}
	norm := func(out, prefix string) string {
		var doc map[string]any
		if err := json.Unmarshal([]byte(strings.ReplaceAll(out, prefix, "INPUT/")), &doc); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		delete(doc, "inputs") // sizes and order of discovery differ
		b, _ := json.MarshalIndent(doc, "", " ")
		return string(b)
	}
	code, local, stderr := runCLI(t, "", "logs", "--format", "json", filepath.Join(dir, "prod"))
	if code != exitOK {
		t.Fatalf("local: exit %d %s", code, stderr)
	}
	code, remote, stderr := runCLI(t, "", append(s3args, "s3://alb-logs/prod")...)
	if code != exitOK || stderr != "" {
		t.Fatalf("s3: exit %d, stderr %q (want nothing: not a terminal)", code, stderr)
	}
	if a, b := norm(local, filepath.Join(dir, "prod")+"/"), norm(remote, "s3://alb-logs/prod/"); a != b {
		t.Errorf("the S3 report differs from the local one\nlocal:\n%.2000s\ns3:\n%.2000s", a, b)
	}
	// --since and --until prune the listing and the report alike.
	code, hour, _ := runCLI(t, "", append(s3args, "--since", "2024-05-01T01:00:00Z", "--until", "2024-05-01T01:59:59Z", "s3://alb-logs/prod")...)
	var h struct {
		Inputs   []struct{ Name string } `json:"inputs"`
		Requests int64                   `json:"requests"`
	}
	json.Unmarshal([]byte(hour), &h)
	if code != exitOK || len(h.Inputs) == 0 || len(h.Inputs) > 2*15 || h.Requests == 0 {
		t.Errorf("one hour: exit %d, %d objects, %d requests", code, len(h.Inputs), h.Requests)
	}
	// A corrupt object: reported by key, the others still count, exit 1.
	put("prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2024/05/01/123456789012_elasticloadbalancing_eu-west-1_app.shop-prod.50dc6c495c0c9188_20240501T0210Z_172.160.000.009_deadbeef.log.gz",
		[]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00garbage"))
	code, out, _ := runCLI(t, "", append(s3args, "s3://alb-logs/prod")...)
	if code != exitProblem || !strings.Contains(out, "s3://alb-logs/prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2024/05/01/123456789012_elasticloadbalancing_eu-west-1_app.shop-prod.50dc6c495c0c9188_20240501T0210Z_172.160.000.009_deadbeef.log.gz") {
		t.Errorf("corrupt object: exit %d", code)
	}
	// --lb and no path: the ELBv2 API (the local stand-in) says where
	// shop-prod writes its logs, and they are read from S3 as above.
	api, err := awsapi.Start(&awsapi.Scenario{Account: "123456789012", Regions: map[string]*awsapi.Region{srv.Region: {LBs: []*awsapi.LB{{
		Name: "shop-prod", ID: "50dc6c495c0c9188", Type: "application", Scheme: "internet-facing",
		Attributes: map[string]string{"access_logs.s3.enabled": "true", "access_logs.s3.bucket": "alb-logs", "access_logs.s3.prefix": "prod"},
	}}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	t.Setenv("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", api.URL)
	_, byPath, _ := runCLI(t, "", append(s3args, "--lb", "shop-prod", "s3://alb-logs/prod")...)
	code, byName, stderr := runCLI(t, "", append(s3args, "--lb", "shop-prod")...)
	if code != exitProblem || byName != byPath || !strings.Contains(stderr, "shop-prod writes its access logs to s3://alb-logs/prod") {
		t.Errorf("--lb without a path: exit %d, stderr %q, same report: %v", code, stderr, byName == byPath)
	}
	code, _, stderr = runCLI(t, "", append(s3args, "--lb", "nope")...)
	if code != exitUsage || !strings.Contains(stderr, `load balancer "nope" not found in eu-west-1`) {
		t.Errorf("--lb unknown: exit %d, %q", code, stderr)
	}

	// A missing bucket: one clear line, exit 2.
	code, _, stderr = runCLI(t, "", append(s3args, "s3://no-such-bucket/prod")...)
	if code != exitUsage || !strings.Contains(stderr, "no-such-bucket does not exist") {
		t.Errorf("missing bucket: exit %d, %q", code, stderr)
	}
}
