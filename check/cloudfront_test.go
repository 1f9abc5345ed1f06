package check

import (
	"slices"
	"testing"
)

// CloudFront keeps idle connections to a custom origin for its keep-alive
// timeout: one that is not shorter than the load balancer's idle timeout
// races it.
func TestCloudFrontInFrontOfALoadBalancer(t *testing.T) {
	tf := func(idle, keepalive string) string {
		s := "resource \"aws_lb\" \"main\" {\n  load_balancer_type = \"application\"\n" + idle + "}\n" +
			"resource \"aws_cloudfront_distribution\" \"cdn\" {\n  origin {\n    domain_name = aws_lb.main.dns_name\n    origin_id   = \"alb\"\n    custom_origin_config {\n      http_port = 80\n      https_port = 443\n      origin_protocol_policy = \"https-only\"\n      origin_ssl_protocols = [\"TLSv1.2\"]\n" + keepalive + "    }\n  }\n}\n"
		return s
	}
	cfn := func(keepalive string) string {
		return "Resources:\n  LB:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Properties:\n      LoadBalancerAttributes:\n        - Key: idle_timeout.timeout_seconds\n          Value: \"30\"\n  CDN:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Origins:\n          - Id: alb\n            DomainName: !GetAtt LB.DNSName\n            CustomOriginConfig:\n              OriginProtocolPolicy: https-only\n" + keepalive
	}
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"Terraform, 60 s against the default 60 s", map[string]string{"main.tf": tf("", "      origin_keepalive_timeout = 60\n")}, []string{"LBD008 warning main.tf:13"}},
		{"Terraform, 30 s against 60 s", map[string]string{"main.tf": tf("", "      origin_keepalive_timeout = 30\n")}, nil},
		{"Terraform, the default 5 s against 5 s", map[string]string{"main.tf": tf("  idle_timeout = 5\n", "")}, []string{"LBD008 warning main.tf:9"}},
		{"CloudFormation, 45 s against 30 s", map[string]string{"t.yaml": cfn("              OriginKeepaliveTimeout: 45\n")}, []string{"LBD008 warning t.yaml:17"}},
		{"Terraform, a VPC origin", map[string]string{"main.tf": "resource \"aws_lb\" \"internal\" {\n  internal = true\n  idle_timeout = 30\n}\nresource \"aws_cloudfront_distribution\" \"cdn\" {\n  origin {\n    domain_name = aws_lb.internal.dns_name\n    vpc_origin_config {\n      vpc_origin_id = aws_cloudfront_vpc_origin.alb.id\n      origin_keepalive_timeout = 30\n    }\n  }\n}\n"}, []string{"LBD008 warning main.tf:10"}},
		{"CDK, 60 s against the construct's 60 s", map[string]string{"lib/stack.ts": "import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';\nimport * as origins from 'aws-cdk-lib/aws-cloudfront-origins';\nconst lb = new elbv2.ApplicationLoadBalancer(this, 'LB', { vpc, internetFacing: true });\nnew cloudfront.Distribution(this, 'CDN', {\n  defaultBehavior: { origin: new origins.LoadBalancerV2Origin(lb, {\n    keepaliveTimeout: Duration.seconds(60),\n  }) },\n});\n"}, []string{"LBD008 warning lib/stack.ts:6"}},
		{"CDK, the default 5 s", map[string]string{"lib/stack.ts": "import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';\nconst lb = new elbv2.ApplicationLoadBalancer(this, 'LB', { vpc });\nnew cloudfront.Distribution(this, 'CDN', { defaultBehavior: { origin: new origins.LoadBalancerV2Origin(lb) } });\n"}, nil},
		{"CloudFormation, the default 5 s against 30 s", map[string]string{"t.yaml": cfn("")}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			if got := findingList(r); !slices.Equal(got, c.want) {
				t.Errorf("findings %q, want %q", got, c.want)
			}
		})
	}
}
