package check

import (
	"testing"
)

// An idle timeout given as a template parameter is that parameter's default,
// as a stack created without the parameter gets; one without a default is
// unknown (LBD005).
func TestCloudFormationIdleParameter(t *testing.T) {
	const lb = "Resources:\n  LB:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Properties:\n      LoadBalancerAttributes:\n        - Key: idle_timeout.timeout_seconds\n          Value: !Ref Idle\n"
	cases := []struct {
		name, template string
		want           map[string]string
	}{
		{"YAML, a default", "Parameters:\n  Idle:\n    Type: Number\n    Default: 120\n" + lb,
			map[string]string{"cloudformation-alb t.yaml:11": "120s idle timeout 120 (the default of parameter Idle"}},
		{"no default", "Parameters:\n  Idle:\n    Type: Number\n" + lb,
			map[string]string{"cloudformation-alb t.yaml:10": "60s an intrinsic function or parameter"}},
		{"Classic, JSON", `{"Parameters":{"Idle":{"Type":"Number","Default":"30"}},"Resources":{"ELB":{"Type":"AWS::ElasticLoadBalancing::LoadBalancer","Properties":{"ConnectionSettings":{"IdleTimeout":{"Ref":"Idle"}},"Listeners":[{"Protocol":"HTTP","LoadBalancerPort":"80","InstancePort":"80"}]}}}}`,
			map[string]string{"cloudformation-elb t.yaml:1": "30s idle timeout 30 (the default of parameter Idle"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, map[string]string{"t.yaml": c.template})
			wantHops(t, r, c.want)
		})
	}
}
