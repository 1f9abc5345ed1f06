package s3logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/internal/awserr"
	"github.com/lbdoctor/lbdoctor/logscan"
)

// Options configure where and what to read.
type Options struct {
	// Region, Profile: as the AWS CLI's; empty means the default chain
	// (environment, shared config, SSO, web identity, IMDS).
	Region, Profile string
	// EndpointURL selects an S3-compatible server (path-style requests).
	EndpointURL string
	// Since and Until bound the entries wanted (zero: unbounded): only
	// objects that can hold entries in range are fetched.
	Since, Until time.Time
	// LB keeps only that load balancer's objects (its name in the key).
	LB string
	// HTTPClient, when set, sends the requests (tests count them).
	HTTPClient *http.Client
	// Warn receives notes said once per run (e.g. keys outside the layout).
	Warn func(string)
	// RangedMin overrides the object size from which ranged parts are
	// fetched in parallel (0: RangedMin).
	RangedMin int64
}

// Source lists and opens ALB log objects. It is safe for concurrent use.
type Source struct {
	opts Options
	cfg  aws.Config

	mu      sync.Mutex
	clients map[string]*s3.Client // by region
	warned  bool
	// down is set once the endpoint stopped answering: the objects left
	// fail at once instead of each waiting out its retries.
	down      error
	connFails int // connection failures in a row
	// Listed counts the objects listed and kept, for progress and tests.
	listed, kept int
}

// New loads the AWS configuration (credentials are resolved lazily, on the
// first request).
func New(ctx context.Context, o Options) (*Source, error) {
	var opts []func(*config.LoadOptions) error
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	// Keep a connection per object in flight: the SDK's default keeps 10
	// idle per host, and more downloads at once would reconnect each time.
	opts = append(opts, config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConnsPerHost = 256
	})))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // only for the first request; the bucket's region is then followed
	}
	return &Source{opts: o, cfg: cfg, clients: map[string]*s3.Client{}}, nil
}

// Counts returns how many objects were listed and how many kept.
func (s *Source) Counts() (listed, kept int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listed, s.kept
}

func (s *Source) client(region string) *s3.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[region]; ok {
		return c
	}
	c := s3.NewFromConfig(s.cfg, func(o *s3.Options) {
		o.Region = region
		// The report is the output: no SDK notes about checksums that
		// S3-compatible servers do not send (gzip's CRC checks the data).
		o.DisableLogOutputChecksumValidationSkipped = true
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		if s.opts.EndpointURL != "" {
			o.BaseEndpoint = aws.String(s.opts.EndpointURL)
			o.UsePathStyle = true
		}
		if s.opts.HTTPClient != nil {
			o.HTTPClient = s.opts.HTTPClient
		}
	})
	s.clients[region] = c
	return c
}

// bucketClient returns a client for the bucket's own region: S3 answers a
// request in the wrong region with a redirect naming the right one.
func (s *Source) bucketClient(ctx context.Context, bucket string) (*s3.Client, error) {
	c := s.client(s.cfg.Region)
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if err == nil {
		return c, nil
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if r := re.Response.Header.Get("X-Amz-Bucket-Region"); r != "" && r != s.cfg.Region {
			return s.client(r), nil
		}
	}
	return nil, explain(err, bucket, "")
}

// List expands s3://bucket/prefix into the ALB log objects to read.
func (s *Source) List(ctx context.Context, url string) ([]logscan.Input, error) {
	rest, ok := strings.CutPrefix(url, "s3://")
	if !ok || rest == "" {
		return nil, fmt.Errorf("want s3://bucket[/prefix]")
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	c, err := s.bucketClient(ctx, bucket)
	if err != nil {
		return nil, err
	}
	var keys []object
	regions, err := s.regionPrefixes(ctx, c, bucket, prefix)
	if err != nil {
		return nil, err
	}
	if len(regions) == 0 {
		// Not ALB's layout (or not yet at the region level): read it all.
		if keys, err = s.listAll(ctx, c, bucket, prefix); err != nil {
			return nil, err
		}
	}
	for _, rp := range regions {
		var more []object
		if s.opts.Since.IsZero() {
			lp := rp
			if strings.HasPrefix(prefix, rp) {
				lp = prefix // the user's prefix reaches below the region
			}
			more, err = s.listAll(ctx, c, bucket, lp)
		} else {
			until := s.opts.Until
			if until.IsZero() {
				until = time.Now().UTC()
			}
			for _, day := range days(s.opts.Since, until) {
				p := rp + day
				if !strings.HasPrefix(p, prefix) && !strings.HasPrefix(prefix, p) {
					continue // outside the prefix the user gave
				}
				if strings.HasPrefix(prefix, p) {
					p = prefix
				}
				var d []object
				if d, err = s.listAll(ctx, c, bucket, p); err != nil {
					break
				}
				more = append(more, d...)
			}
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, more...)
	}
	var inputs []logscan.Input
	for _, o := range s.keep(keys) {
		key, size := o.key, o.size
		inputs = append(inputs, logscan.Input{Name: "s3://" + bucket + "/" + key, Size: size,
			Open: func(ctx context.Context) (io.ReadCloser, error) {
				s.mu.Lock()
				down := s.down
				s.mu.Unlock()
				if down != nil {
					return nil, fmt.Errorf("s3://%s/%s: not read: %v", bucket, key, down)
				}
				rangedMin := s.opts.RangedMin
				if rangedMin <= 0 {
					rangedMin = RangedMin
				}
				if size >= rangedMin {
					return newRangedReader(ctx, c, bucket, key, size), nil
				}
				out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
				if err != nil {
					down := unreachable(err)
					err = explain(err, bucket, key)
					if down {
						s.mu.Lock()
						// Each GET has had the SDK's retries; three objects
						// in a row means the endpoint is gone.
						if s.connFails++; s.connFails >= 3 {
							s.down = errors.New("the S3 endpoint stopped answering")
						}
						s.mu.Unlock()
					}
					return nil, err
				}
				s.mu.Lock()
				s.connFails = 0
				s.mu.Unlock()
				return out.Body, nil
			}})
	}
	return inputs, nil
}

type object struct {
	key  string
	size int64
}

// keep filters objects by time and load balancer, in key order.
func (s *Source) keep(objs []object) []object {
	var out []object
	outside := 0
	others := map[string]int{} // other logs of the load balancer, by kind
	for _, o := range objs {
		if kind := alblog.OtherLogFile(o.key); kind != "" {
			others[kind]++
			continue
		}
		info, ok := parseKey(o.key)
		switch {
		case !ok:
			outside++
		case !inRange(info.end, s.opts.Since, s.opts.Until):
			continue
		case s.opts.LB != "" && info.lb != s.opts.LB:
			continue
		}
		if !ok && s.opts.LB != "" {
			continue // cannot tell its load balancer
		}
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	s.mu.Lock()
	s.listed += len(objs)
	s.kept += len(out)
	warn := outside > 0 && !s.warned && s.opts.Warn != nil
	s.warned = s.warned || warn
	s.mu.Unlock()
	if warn {
		s.opts.Warn(fmt.Sprintf("%d object(s) do not follow ALB's key layout: read without time pruning", outside))
	}
	if s.opts.Warn != nil {
		for _, kind := range slices.Sorted(maps.Keys(others)) {
			s.opts.Warn(fmt.Sprintf("%d %s object(s) skipped: ALB writes them beside its access logs; lbdoctor reads access logs", others[kind], kind))
		}
	}
	return out
}

// regionPrefixes finds ".../AWSLogs/ACCOUNT/elasticloadbalancing/REGION/"
// prefixes at or below prefix (none when the layout is not there).
func (s *Source) regionPrefixes(ctx context.Context, c *s3.Client, bucket, prefix string) ([]string, error) {
	base := prefix
	after := ""
	if i := strings.Index(prefix, "AWSLogs/"); i >= 0 {
		base, after = prefix[:i], prefix[i+len("AWSLogs/"):]
	} else if base != "" && !strings.HasSuffix(base, "/") {
		base += "/"
	}
	segs := strings.Split(after, "/")
	// Complete segments given after AWSLogs/: account, "elasticloadbalancing", region.
	var given []string
	for i, sgm := range segs {
		if i < len(segs)-1 && sgm != "" {
			given = append(given, sgm)
		}
	}
	if len(given) >= 3 {
		return []string{base + "AWSLogs/" + strings.Join(given[:3], "/") + "/"}, nil
	}
	level := []string{base + "AWSLogs/"}
	for depth := 0; depth < 3; depth++ {
		var next []string
		for _, p := range level {
			if depth < len(given) {
				next = append(next, p+given[depth]+"/")
				continue
			}
			dirs, err := s.listDirs(ctx, c, bucket, p)
			if err != nil {
				return nil, err
			}
			for _, d := range dirs {
				if depth == 1 && d != p+"elasticloadbalancing/" {
					continue
				}
				next = append(next, d)
			}
		}
		level = next
	}
	return level, nil
}

func (s *Source) listDirs(ctx context.Context, c *s3.Client, bucket, prefix string) ([]string, error) {
	var out []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, explain(err, bucket, prefix)
		}
		for _, cp := range page.CommonPrefixes {
			out = append(out, aws.ToString(cp.Prefix))
		}
	}
	return out, nil
}

func (s *Source) listAll(ctx context.Context, c *s3.Client, bucket, prefix string) ([]object, error) {
	var out []object
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, explain(err, bucket, prefix)
		}
		for _, o := range page.Contents {
			if k := aws.ToString(o.Key); !strings.HasSuffix(k, "/") {
				out = append(out, object{k, aws.ToInt64(o.Size)})
			}
		}
	}
	return out, nil
}

// explain turns an S3 error into one line that names the bucket and the
// likely fix.
func explain(err error, bucket, key string) error {
	where := "s3://" + bucket + "/" + key
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchBucket", "NotFound":
			if key == "" {
				return fmt.Errorf("bucket %s does not exist (or is not visible to these credentials)", bucket)
			}
			return fmt.Errorf("%s: not found", where)
		case "NoSuchKey":
			return fmt.Errorf("%s: not found", where)
		case "AccessDenied", "Forbidden", "AllAccessDisabled":
			return fmt.Errorf("%s: access denied: the credentials are wrong, or lack s3:ListBucket on the bucket (prefix) and s3:GetObject on the objects", where)
		case "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken":
			return fmt.Errorf("%s: the credentials were refused (%s): check AWS_PROFILE/--profile or the access keys", where, ae.ErrorCode())
		}
		return fmt.Errorf("%s: %s: %s", where, ae.ErrorCode(), ae.ErrorMessage())
	}
	switch awserr.Classify(err) {
	case awserr.NoCredentials:
		return fmt.Errorf("%s: no AWS credentials found: set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", where)
	case awserr.Unreachable:
		return fmt.Errorf("%s: cannot reach the S3 endpoint: %v", where, awserr.LastCause(err))
	}
	return fmt.Errorf("%s: %w", where, err)
}

// unreachable reports whether err is a failure to reach the endpoint (not an
// answer from it).
func unreachable(err error) bool {
	var ae smithy.APIError
	return !errors.As(err, &ae) && awserr.Classify(err) == awserr.Unreachable
}
