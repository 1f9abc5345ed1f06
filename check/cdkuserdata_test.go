package check

import (
	"slices"
	"testing"
)

// A CDK program's user data: strings given to addUserData or addCommands
// (a variable's too, a script file read with readFileSync or open), linked
// to the program's load balancer by a listener's addTargets.
func TestCDKUserData(t *testing.T) {
	const python = `from aws_cdk import core
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
import textwrap

data = textwrap.dedent("""
    #!/usr/bin/env bash
    yum install httpd -y
    systemctl enable --now httpd
    """)

class DemoStack(core.Stack):
    def __init__(self, scope, id, **kwargs):
        asg = autoscaling.AutoScalingGroup(self, "ASG", vpc=vpc)
        asg.add_user_data(data)
        lb = elbv2.ApplicationLoadBalancer(self, "LB", vpc=vpc, internet_facing=True)
        listener = lb.add_listener("Listener", port=80)
        listener.add_targets("Target", port=80, targets=[asg])
`
	const typescript = `import * as cdk from 'aws-cdk-lib';
import { readFileSync } from 'fs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

export class WebStack extends cdk.Stack {
  constructor(scope: cdk.App, id: string) {
    super(scope, id);
    const userData = ec2.UserData.forLinux();
    userData.addCommands(readFileSync('./scripts/web.sh', 'utf8'));
    const asg = new autoscaling.AutoScalingGroup(this, 'ASG', { vpc, userData });
    const alb = new elbv2.ApplicationLoadBalancer(this, 'ALB', { vpc, internetFacing: true, idleTimeout: cdk.Duration.seconds(120) });
    alb.addListener('Web', { port: 80 }).addTargets('Fleet', { port: 80, targets: [asg] });
  }
}
`
	const inline = `import * as cdk from 'aws-cdk-lib';
const instance = new ec2.Instance(this, 'Web', { vpc });
instance.addUserData('apt-get update', 'apt-get install -y nginx');
`
	r, _ := checkFiles(t, map[string]string{
		"py/demo_stack.py":  python,
		"ts/cdk.json":       "{}",
		"ts/lib/stack.ts":   typescript,
		"ts/scripts/web.sh": "#!/bin/bash\ndnf install -y httpd\nsystemctl start httpd\n",
		"plain/stack.ts":    inline,
		"lab/lab_stack.py":  "from aws_cdk import aws_ec2 as ec2\nuser_data = ec2.UserData.for_linux().add_commands(\"yum install httpd -y\", \"systemctl enable --now httpd\")\nlb = elbv2.ApplicationLoadBalancer(self, 'LB', vpc=vpc)\nlb.add_listener('L', port=80).add_targets('T', port=80, targets=[asg])\n",
	})
	want := []string{
		"lab/lab_stack.py:2 error LBD001 CDK ApplicationLoadBalancer 60s (the construct's default idle timeout (60 s))",
		"py/demo_stack.py:8 error LBD001 CDK ApplicationLoadBalancer 60s (the construct's default idle timeout (60 s))",
		"ts/scripts/web.sh:2 error LBD001 CDK ApplicationLoadBalancer 120s (idleTimeout 120s)",
	}
	if got := findingsOf(r); !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	var hops []string
	for _, h := range r.Hops {
		if h.userData != nil {
			hops = append(hops, h.Name+" "+h.Location.String())
		}
	}
	slices.Sort(hops)
	wantHops := []string{
		"Apache httpd (httpd, user data of UserData) lab/lab_stack.py:2",
		"Apache httpd (httpd, user data of asg) py/demo_stack.py:8",
		"Apache httpd (httpd, user data of userData) ts/scripts/web.sh:2",
		"nginx (nginx, user data of instance) plain/stack.ts:3",
	}
	if !slices.Equal(hops, wantHops) {
		t.Errorf("hops %q, want %q", hops, wantHops)
	}
	if want := "plain/stack.ts: no load balancer or target group of the repository routes to instance, so its servers are not judged"; !slices.Contains(r.Notes, want) {
		t.Errorf("notes %q, want %q", r.Notes, want)
	}
}
