package awsaudit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lbdoctor/lbdoctor/internal/awserr"
)

// explain turns an API error into one line naming the call, the region and
// the likely fix: never a stack of wrapped SDK errors.
func explain(err error, action, region string) error {
	where := action + " in " + region
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
			return fmt.Errorf("%s: access denied: add %s to the caller's policy (see the README's IAM policy)", where, action)
		case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
			return fmt.Errorf("%s: the credentials have expired (%s): refresh them (aws sso login, or new keys)", where, ae.ErrorCode())
		case "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidAccessKeyId", "AuthFailure":
			return fmt.Errorf("%s: the credentials were refused (%s): check AWS_PROFILE/--profile or the access keys, and that the region is enabled", where, ae.ErrorCode())
		case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
			return fmt.Errorf("%s: still throttled after retries (%s): try again later or with fewer --region/--lb", where, ae.ErrorCode())
		}
		return fmt.Errorf("%s: %s: %s", where, ae.ErrorCode(), ae.ErrorMessage())
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.HTTPStatusCode() > 0 {
		// An answer that is not the service's: a proxy, or the wrong endpoint.
		return fmt.Errorf("%s: unexpected answer (HTTP %d) from the API endpoint: %v", where, re.HTTPStatusCode(), awserr.LastCause(err))
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: interrupted", where)
	}
	switch awserr.Classify(err) {
	case awserr.NoCredentials:
		return fmt.Errorf("%s: no AWS credentials found: set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", where)
	case awserr.Unreachable:
		return fmt.Errorf("%s: cannot reach the API endpoint: %v", where, awserr.LastCause(err))
	}
	return fmt.Errorf("%s: %v", where, awserr.LastCause(err))
}

// fatal reports whether an error means nothing else can work either: no or
// refused credentials, or no endpoint.
func fatal(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId",
			"UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidAccessKeyId":
			return true
		}
		return false
	}
	return awserr.Classify(err) != awserr.Other
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// LogLocation asks ELBv2 where a load balancer writes its access logs, so
// that `lbdoctor logs --lb NAME` needs no path. It returns s3://bucket[/prefix]
// and the load balancer's region.
func LogLocation(ctx context.Context, o Options, name string) (url, region string, err error) {
	cfg, err := loadConfig(ctx, o.Profile, o.HTTPClient)
	if err != nil {
		return "", "", err
	}
	if len(o.Regions) > 0 {
		cfg.Region = o.Regions[0]
	}
	if cfg.Region == "" {
		return "", "", errors.New("no region: pass --region, or set AWS_REGION or a profile's region")
	}
	c := elb.NewFromConfig(cfg, func(eo *elb.Options) {
		if o.EndpointURL != "" {
			eo.BaseEndpoint = aws.String(o.EndpointURL)
		}
	})
	in := &elb.DescribeLoadBalancersInput{Names: []string{name}}
	if strings.HasPrefix(name, "arn:") {
		in = &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{name}}
	}
	out, err := c.DescribeLoadBalancers(ctx, in)
	if err != nil {
		if isCode(err, "LoadBalancerNotFound") {
			return "", "", fmt.Errorf("load balancer %q not found in %s (use --region)", name, cfg.Region)
		}
		return "", "", explain(err, "elasticloadbalancing:DescribeLoadBalancers", cfg.Region)
	}
	if len(out.LoadBalancers) == 0 {
		return "", "", fmt.Errorf("load balancer %q not found in %s (use --region)", name, cfg.Region)
	}
	attrs, err := c.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: out.LoadBalancers[0].LoadBalancerArn})
	if err != nil {
		return "", "", explain(err, "elasticloadbalancing:DescribeLoadBalancerAttributes", cfg.Region)
	}
	var ls LogSetting
	for _, a := range attrs.Attributes {
		switch aws.ToString(a.Key) {
		case "access_logs.s3.enabled":
			ls.Enabled = aws.ToString(a.Value) == "true"
		case "access_logs.s3.bucket":
			ls.Bucket = aws.ToString(a.Value)
		case "access_logs.s3.prefix":
			ls.Prefix = aws.ToString(a.Value)
		}
	}
	if !ls.Enabled || ls.Bucket == "" {
		return "", "", fmt.Errorf("load balancer %q has access logs turned off: enable access_logs.s3 (lbdoctor aws --lb %s shows how), or pass the logs' path", name, name)
	}
	return ls.URL(), cfg.Region, nil
}
