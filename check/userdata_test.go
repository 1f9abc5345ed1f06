package check

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// userDataHopsOf lists the hops the user data of a launch template in
// main.tf gives, as "name idle line" ("?" when unknown).
func userDataHopsOf(t *testing.T, files map[string]string) []string {
	t.Helper()
	r, _ := checkFiles(t, files)
	var out []string
	for _, h := range r.Hops {
		if h.userData == nil {
			continue
		}
		idle := "?"
		if h.Known {
			idle = secs(h.Idle)
		}
		out = append(out, fmt.Sprintf("%s %s %s", h.Name, idle, h.Location))
	}
	return out
}

// A script given as user data: the web servers it installs from packages
// and starts, at their packages' idle timeouts unless it sets them; the
// servers its commands start when it installs none.
func TestUserDataScripts(t *testing.T) {
	lt := func(expr string) string {
		return "resource \"aws_launch_template\" \"web\" {\n  image_id = \"ami-1\"\n  user_data = " + expr + "\n}\n"
	}
	heredoc := func(lines ...string) string {
		return lt("base64encode(<<-EOF\n    #!/bin/bash\n    " + strings.Join(lines, "\n    ") + "\n  EOF\n  )")
	}
	cloud := func(lines ...string) string {
		return lt("base64encode(<<-EOF\n    #cloud-config\n    " + strings.Join(lines, "\n    ") + "\n  EOF\n  )")
	}
	const owner = "user data of aws_launch_template.web"
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"yum httpd started", map[string]string{"main.tf": heredoc("yum update -y", "yum install -y httpd", "systemctl start httpd", "systemctl enable httpd")},
			[]string{"Apache httpd (httpd, " + owner + ") 5s main.tf:6"}},
		{"apt apache2 starts itself", map[string]string{"main.tf": heredoc("apt-get update", "sudo apt-get install -y apache2 php libapache2-mod-php")},
			[]string{"Apache httpd (apache2, " + owner + ") 5s main.tf:6"}},
		{"an init script starts it", map[string]string{"main.tf": heredoc("yum install -y httpd", "/etc/init.d/httpd start")},
			[]string{"Apache httpd (httpd, " + owner + ") 5s main.tf:5"}},
		{"yum httpd never started", map[string]string{"main.tf": heredoc("yum install -y httpd")}, nil},
		{"tools only", map[string]string{"main.tf": heredoc("yum install -y httpd-tools jq", "apt-get install -y apache2-utils nginx-common", "systemctl start httpd")}, nil},
		{"a continued install", map[string]string{"main.tf": heredoc("dnf install -y \\", "  git \\", "  httpd", "systemctl enable --now httpd")},
			[]string{"Apache httpd (httpd, " + owner + ") 5s main.tf:5"}},
		{"KeepAliveTimeout set", map[string]string{"main.tf": heredoc("yum install -y httpd", "echo 'KeepAliveTimeout 75' > /etc/httpd/conf.d/keepalive.conf", "systemctl start httpd")},
			[]string{"Apache httpd (httpd, " + owner + ") 75s main.tf:6"}},
		{"KeepAliveTimeout in minutes", map[string]string{"main.tf": heredoc("yum install -y httpd", "echo 'KeepAliveTimeout 2min' > /etc/httpd/conf.d/keepalive.conf", "systemctl start httpd")},
			[]string{"Apache httpd (httpd, " + owner + ") 120s main.tf:6"}},
		{"KeepAliveTimeout in milliseconds", map[string]string{"main.tf": heredoc("yum install -y httpd", "echo 'KeepAliveTimeout 500ms' > /etc/httpd/conf.d/keepalive.conf", "systemctl start httpd")},
			[]string{"Apache httpd (httpd, " + owner + ") 500ms main.tf:6"}},
		{"nginx keepalive_timeout in minutes", map[string]string{"main.tf": heredoc("apt-get install -y nginx", "sed -i 's/keepalive_timeout 65;/keepalive_timeout 2m;/' /etc/nginx/nginx.conf")},
			[]string{"nginx (nginx, " + owner + ") 120s main.tf:6"}},
		{"KeepAliveTimeout by sed", map[string]string{"main.tf": heredoc("apt install -y apache2", "sed -i 's/KeepAliveTimeout 5/KeepAliveTimeout 65/' /etc/apache2/apache2.conf")},
			[]string{"Apache httpd (apache2, " + owner + ") 65s main.tf:6"}},
		{"KeepAlive Off", map[string]string{"main.tf": heredoc("yum install -y httpd", "cat > /etc/httpd/conf.d/ka.conf <<EOT", "KeepAlive Off", "EOT", "service httpd start")},
			[]string{"Apache httpd (httpd, " + owner + ") no keep-alive main.tf:7"}},
		{"a configuration copied in", map[string]string{"main.tf": heredoc("yum install -y httpd", "aws s3 cp s3://cfg/httpd.conf /etc/httpd/conf/httpd.conf", "systemctl start httpd")},
			[]string{"Apache httpd (httpd, " + owner + ") ? main.tf:6"}},
		{"a page written is no configuration", map[string]string{"main.tf": heredoc("yum install -y httpd", "echo hello > /var/www/html/index.html", "cp -r /tmp/site /var/www/html", "systemctl start httpd")},
			[]string{"Apache httpd (httpd, " + owner + ") 5s main.tf:5"}},
		{"nginx from amazon-linux-extras", map[string]string{"main.tf": heredoc("amazon-linux-extras install -y nginx1", "systemctl start nginx")},
			[]string{"nginx (nginx1, " + owner + ") 65s main.tf:5"}},
		{"nginx with its keepalive_timeout", map[string]string{"main.tf": heredoc("apt-get install -y nginx", "cat > /etc/nginx/conf.d/app.conf <<'EOT'", "server {", "  keepalive_timeout 30;", "  location / { proxy_pass http://127.0.0.1:8000; }", "}", "EOT", "gunicorn --keep-alive 2 app:app")},
			[]string{"nginx (nginx, " + owner + ") 30s main.tf:8"}},
		{"Tomcat from its package", map[string]string{"main.tf": heredoc("apt-get install -y tomcat9")},
			[]string{"Apache Tomcat (tomcat9, " + owner + ") 20s main.tf:5"}},
		{"Tomcat behind Apache", map[string]string{"main.tf": heredoc("apt-get install -y apache2 tomcat9", "a2enmod proxy_http")},
			[]string{"Apache httpd (apache2, " + owner + ") 5s main.tf:5"}},
		{"an application server alone", map[string]string{"main.tf": heredoc("pip install gunicorn flask", "gunicorn --worker-class gthread --keep-alive 5 -b 0.0.0.0:80 app:app")},
			[]string{"gunicorn (" + owner + ") 5s main.tf:6"}},
		{"official images run by docker", map[string]string{"main.tf": heredoc("apt-get install -y docker.io", "docker run -dit --name web -p 80:80 httpd:2.4", "docker run -d -p 8080:8080 --restart always tomcat:9")},
			[]string{"Apache httpd (image httpd:2.4) 5s main.tf:6", "Apache Tomcat (image tomcat:9) 20s main.tf:7"}},
		{"images with their own configuration or command", map[string]string{"main.tf": heredoc("docker run -d -v /srv/conf:/usr/local/apache2/conf httpd", "docker run -d tomcat:9 catalina.sh jpda run", "docker run -d -p 80:80 myorg/httpd")}, nil},
		{"cloud-config packages and runcmd", map[string]string{"main.tf": lt("<<EOF\n#cloud-config\npackage_upgrade: false\npackages:\n- httpd\n- python2-pip\nruncmd:\n- 'cp /usr/share/httpd/noindex/index.html /var/www/html'\n- 'systemctl start httpd'\nEOF")},
			[]string{"Apache httpd (httpd, " + owner + ") 5s main.tf:7"}},
		{"cloud-config files", map[string]string{"main.tf": cloud("packages: [apache2]", "write_files:", "  - path: /etc/apache2/conf-enabled/keepalive.conf", "    content: |", "      KeepAlive On", "      KeepAliveTimeout 70")},
			[]string{"Apache httpd (apache2, " + owner + ") 70s main.tf:10"}},
		{"cloud-config httpd never started", map[string]string{"main.tf": cloud("packages:", "  - httpd")}, nil},
		{"cloud-config runs a server", map[string]string{"main.tf": cloud("runcmd:", "  - [gunicorn, --threads, '4', --keep-alive, '3', app:app]")},
			[]string{"gunicorn (" + owner + ") 3s main.tf:6"}},
		{"a commented install", map[string]string{"main.tf": heredoc("# yum install -y httpd", "# systemctl start httpd")}, nil},
		{"a quoted string", map[string]string{"main.tf": lt(`"#!/bin/bash\nyum install -y httpd\nsystemctl start httpd\n"`)},
			[]string{"Apache httpd (httpd, " + owner + ") 5s main.tf:3"}},
		{"a script file", map[string]string{
			"infra/main.tf":        lt(`filebase64("${path.module}/scripts/web.sh")`),
			"infra/scripts/web.sh": "#!/bin/bash\napt-get update\napt-get install -y apache2\n"},
			[]string{"Apache httpd (apache2, " + owner + ") 5s infra/scripts/web.sh:3"}},
		{"a template, and its command lines read once", map[string]string{
			"main.tf":          lt(`base64encode(templatefile("user-data.sh", { port = 8000 }))`),
			"user-data.sh":     "#!/bin/bash\nexec gunicorn --keep-alive 4 --threads 4 -b 0.0.0.0:${port} app:app\n",
			"other/service.sh": "exec gunicorn --keep-alive 3 --threads 2 app:app\n"},
			[]string{"gunicorn (" + owner + ") 4s user-data.sh:2"}},
		{"a local value", map[string]string{"main.tf": "locals {\n  user_data = <<-EOF\n    #!/bin/bash\n    yum install -y httpd\n    systemctl start httpd\n  EOF\n}\n" + lt("base64encode(local.user_data)")},
			[]string{"Apache httpd (httpd, " + owner + ") 5s main.tf:4"}},
		{"a template_file data source", map[string]string{"main.tf": "data \"template_file\" \"init\" {\n  template = file(\"init.sh\")\n}\n" + lt("data.template_file.init.rendered"),
			"init.sh": "apt install apache2 -y\n"},
			[]string{"Apache httpd (apache2, " + owner + ") 5s init.sh:1"}},
		{"a cloudinit_config part", map[string]string{"main.tf": "data \"cloudinit_config\" \"init\" {\n  part {\n    content_type = \"text/x-shellscript\"\n    content = <<-EOT\n      apt-get install -y nginx\n    EOT\n  }\n}\n" + lt("data.cloudinit_config.init.rendered")},
			[]string{"nginx (nginx, " + owner + ") 65s main.tf:5"}},
		{"a variable", map[string]string{"main.tf": lt("var.user_data") + "variable \"user_data\" {\n  default = \"\"\n}\n"}, nil},
		{"path.root from a module", map[string]string{
			"main.tf":            "module \"lt\" {\n  source = \"./modules/lt\"\n}\n",
			"install.sh":         "yum install -y httpd\nsystemctl start httpd\n",
			"modules/lt/main.tf": lt(`filebase64("${path.root}/install.sh")`)},
			[]string{"Apache httpd (httpd, " + owner + ") 5s install.sh:1"}},
		{"a file outside the repository", map[string]string{"main.tf": lt(`file("/etc/user-data.sh")`)}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := userDataHopsOf(t, tt.files); !slices.Equal(got, tt.want) {
				t.Errorf("hops %q, want %q", got, tt.want)
			}
		})
	}
}

// The blocks that put an instance behind a load balancer link the two;
// an instance nothing routes to is not judged.
func TestUserDataLinks(t *testing.T) {
	const apache = "user_data = <<-EOF\n    #!/bin/bash\n    yum install -y httpd\n    systemctl start httpd\n  EOF\n"
	const alb = `resource "aws_lb" "web" {
  load_balancer_type = "application"
}
resource "aws_lb_target_group" "web" {
  port = 80
}
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}
`
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  []string
		note  string
	}{
		{"an Auto Scaling group's target groups", map[string]string{
			"lb.tf": alb,
			"asg.tf": "resource \"aws_launch_template\" \"web\" {\n  " + apache + "}\n" +
				"resource \"aws_autoscaling_group\" \"web\" {\n  target_group_arns = [aws_lb_target_group.web.arn]\n  launch_template {\n    id = aws_launch_template.web.id\n  }\n}\n"},
			[]string{"asg.tf:4 error LBD001 aws_lb.web 60s (default idle_timeout (60 s))"}, ""},
		{"a target group attachment, to a rule's target group", map[string]string{
			"lb.tf": alb + "resource \"aws_lb_target_group\" \"api\" {\n  port = 80\n}\n" +
				"resource \"aws_lb_listener_rule\" \"api\" {\n  listener_arn = aws_lb_listener.http.arn\n  action {\n    target_group_arn = aws_lb_target_group.api.arn\n  }\n}\n" +
				"resource \"aws_lb\" \"other\" {\n  idle_timeout = 4\n}\n",
			"ec2.tf": "resource \"aws_instance\" \"api\" {\n  count = 2\n  " + apache + "}\n" +
				"resource \"aws_lb_target_group_attachment\" \"api\" {\n  count            = 2\n  target_group_arn = aws_lb_target_group.api.arn\n  target_id        = aws_instance.api[count.index].id\n}\n"},
			[]string{"ec2.tf:5 error LBD001 aws_lb.web 60s (default idle_timeout (60 s))"}, ""},
		{"a target group on another port than the web server's", map[string]string{
			"lb.tf": strings.Replace(alb, "port = 80", "port = 3000", 1),
			"asg.tf": "resource \"aws_launch_template\" \"web\" {\n  user_data = <<-EOF\n    yum install -y httpd\n    systemctl start httpd\n    gunicorn --threads 4 -b 0.0.0.0:3000 app:app\n  EOF\n}\n" +
				"resource \"aws_autoscaling_group\" \"web\" {\n  target_group_arns = [aws_lb_target_group.web.arn]\n  launch_template {\n    id = aws_launch_template.web.id\n  }\n}\n"},
			[]string{"asg.tf:5 error LBD001 aws_lb.web 60s (default idle_timeout (60 s))"}, ""},
		{"a web server moved to the target group's port", map[string]string{
			"lb.tf": strings.Replace(alb, "port = 80", "port = 8080", 1),
			"asg.tf": "resource \"aws_launch_template\" \"web\" {\n  user_data = <<-EOF\n    yum install -y httpd\n    sed -i 's/^Listen 80$/Listen 8080/' /etc/httpd/conf/httpd.conf\n    systemctl start httpd\n    docker run -d -p 9000:80 httpd:2.4\n  EOF\n}\n" +
				"resource \"aws_autoscaling_group\" \"web\" {\n  target_group_arns = [aws_lb_target_group.web.arn]\n  launch_template {\n    id = aws_launch_template.web.id\n  }\n}\n"},
			[]string{"asg.tf:3 error LBD001 aws_lb.web 60s (default idle_timeout (60 s))"}, ""},
		{"one script for two instances, one of them routed", map[string]string{
			"lb.tf": alb,
			"ec2.tf": "locals {\n  web = <<-EOF\n    apt-get install -y apache2\n  EOF\n}\n" +
				"resource \"aws_instance\" \"web\" {\n  user_data = local.web\n}\nresource \"aws_instance\" \"spare\" {\n  user_data = local.web\n}\n" +
				"resource \"aws_lb_target_group_attachment\" \"web\" {\n  target_group_arn = aws_lb_target_group.web.arn\n  target_id = aws_instance.web.id\n}\n"},
			[]string{"ec2.tf:3 error LBD001 aws_lb.web 60s (default idle_timeout (60 s))"}, "ec2.tf: no load balancer or target group of the repository routes to aws_instance.spare, so its servers are not judged"},
		{"a Classic Load Balancer's instances", map[string]string{
			"main.tf": "resource \"aws_elb\" \"web\" {\n  idle_timeout = 120\n  instances = [aws_instance.web.id]\n  listener {\n    instance_port = 80\n    instance_protocol = \"http\"\n    lb_port = 80\n    lb_protocol = \"http\"\n  }\n}\n" +
				"resource \"aws_instance\" \"web\" {\n  " + apache + "}\n"},
			[]string{"main.tf:14 error LBD001 aws_elb.web 120s (idle_timeout = 120)"}, ""},
		{"an instance nothing routes to", map[string]string{
			"lb.tf":  alb,
			"ec2.tf": "resource \"aws_instance\" \"bastion\" {\n  " + apache + "}\n"},
			nil, "ec2.tf: no load balancer or target group of the repository routes to aws_instance.bastion, so its servers are not judged"},
		{"behind a Network Load Balancer", map[string]string{
			"nlb.tf": "resource \"aws_lb\" \"relay\" {\n  load_balancer_type = \"network\"\n}\n" +
				"resource \"aws_lb_target_group\" \"relay\" {\n  port = 80\n  protocol = \"TCP\"\n}\n" +
				"resource \"aws_lb_listener\" \"relay\" {\n  load_balancer_arn = aws_lb.relay.arn\n  default_action {\n    target_group_arn = aws_lb_target_group.relay.arn\n  }\n}\n" +
				"resource \"aws_lb_target_group_attachment\" \"relay\" {\n  target_group_arn = aws_lb_target_group.relay.arn\n  target_id = aws_instance.relay.private_ip\n}\n",
			"ec2.tf": "resource \"aws_instance\" \"relay\" {\n  " + apache + "}\n"},
			nil, "ec2.tf: aws_instance.relay is behind aws_lb.relay, which passes connections through (a Network Load Balancer) and reuses none, so its servers are not judged"},
		{"a TCP target group whose load balancer is elsewhere", map[string]string{
			"ec2.tf": "resource \"aws_lb_target_group\" \"t\" {\n  protocol = \"TCP\"\n}\nresource \"aws_instance\" \"relay\" {\n  " + apache + "}\n" +
				"resource \"aws_lb_target_group_attachment\" \"relay\" {\n  target_group_arn = aws_lb_target_group.t.arn\n  target_id = aws_instance.relay.id\n}\n"},
			nil, "ec2.tf: aws_instance.relay is behind aws_lb_target_group.t, which passes connections through (a Network Load Balancer) and reuses none, so its servers are not judged"},
		{"target groups from a variable", map[string]string{
			"modules/asg/main.tf": "variable \"target_group_arns\" {}\nresource \"aws_launch_template\" \"lt\" {\n  " + apache + "}\n" +
				"resource \"aws_autoscaling_group\" \"asg\" {\n  target_group_arns = var.target_group_arns\n  launch_template {\n    id = aws_launch_template.lt.id\n  }\n}\n"},
			[]string{"modules/asg/main.tf:5 warning LBD001 load balancer (assumed: ALB default 60s, --lb-idle) 60s (no load balancer configuration found)"}, ""},
		{"the same names in another directory", map[string]string{
			"a/lb.tf": alb,
			"a/asg.tf": "resource \"aws_launch_template\" \"web\" {\n  " + apache + "}\n" +
				"resource \"aws_autoscaling_group\" \"web\" {\n  target_group_arns = [aws_lb_target_group.web.arn]\n  launch_template {\n    id = aws_launch_template.web.id\n  }\n}\n",
			"b/lb.tf": strings.Replace(alb, "load_balancer_type = \"application\"", "idle_timeout = 3", 1)},
			[]string{"a/asg.tf:4 error LBD001 aws_lb.web 60s (default idle_timeout (60 s))"}, ""},
		{"a proxy elsewhere in the repository", map[string]string{
			"lb.tf": alb,
			"asg.tf": "resource \"aws_launch_template\" \"web\" {\n  " + apache + "}\n" +
				"resource \"aws_autoscaling_group\" \"web\" {\n  target_group_arns = [aws_lb_target_group.web.arn]\n  launch_template {\n    id = aws_launch_template.web.id\n  }\n}\n",
			"docker/nginx.conf": "events {}\nhttp {\n  keepalive_timeout 65;\n  server {\n    listen 80;\n  }\n}\n"},
			[]string{"asg.tf:4 error LBD001 aws_lb.web 60s (default idle_timeout (60 s))"}, ""},
		{"an Auto Scaling module given the ALB module's target groups", map[string]string{
			"main.tf": "module \"alb\" {\n  source = \"terraform-aws-modules/alb/aws\"\n  idle_timeout = 90\n}\n" +
				"module \"asg\" {\n  source = \"terraform-aws-modules/autoscaling/aws\"\n  target_group_arns = module.alb.target_group_arns\n  user_data = base64encode(<<-EOF\n    #!/bin/bash\n    apt-get install -y nginx\n  EOF\n  )\n}\n"},
			[]string{"main.tf:10 error LBD001 module.alb (terraform-aws-modules/alb/aws) 90s (idle_timeout = 90)"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := checkFiles(t, tt.files)
			if got := findingsOf(r); !slices.Equal(got, tt.want) {
				t.Errorf("findings %q, want %q", got, tt.want)
			}
			if tt.note != "" && !slices.Contains(r.Notes, tt.note) {
				t.Errorf("notes %q, want %q", r.Notes, tt.note)
			}
		})
	}
}

// The fix for a packaged server names the file its distribution reads.
func TestUserDataFix(t *testing.T) {
	for _, tt := range []struct{ pkg, want string }{
		{"httpd", "KeepAliveTimeout 65  (in the user data: echo 'KeepAliveTimeout 65' > /etc/httpd/conf.d/keepalive.conf)"},
		{"apache2", "KeepAliveTimeout 65  (in the user data: echo 'KeepAliveTimeout 65' > /etc/apache2/conf-enabled/keepalive.conf)"},
	} {
		if got := packagedServers[0].setting(tt.pkg, 65*time.Second); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.pkg, got, tt.want)
		}
	}
}

// CloudFormation's user data: a literal block under Fn::Base64 and !Sub,
// and a JSON template's Fn::Join of lines, linked through an Auto Scaling
// group's target groups and the listener that forwards to them, or a
// target group's Targets.
func TestCloudFormationUserData(t *testing.T) {
	const yamlTemplate = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  WebLB:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Subnets: [a, b]
  WebTG:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      Port: 80
  Listener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref WebLB
      DefaultActions:
        - Type: forward
          TargetGroupArn: !Ref WebTG
  WebLaunchTemplate:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        UserData:
          Fn::Base64: !Sub |
            #!/bin/bash
            apt-get update -y
            apt-get install -y apache2
            echo "it works" > /var/www/html/index.html
  WebGroup:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      LaunchTemplate:
        LaunchTemplateId: !Ref WebLaunchTemplate
        Version: !GetAtt WebLaunchTemplate.LatestVersionNumber
      TargetGroupARNs:
        - !Ref WebTG
  Bastion:
    Type: AWS::EC2::Instance
    Properties:
      UserData: !Base64 |
        #!/bin/bash
        yum install -y httpd
        systemctl start httpd
`
	r, _ := checkFiles(t, map[string]string{"infra/servers.yml": yamlTemplate})
	if got, want := findingsOf(r), []string{"infra/servers.yml:26 error LBD001 WebLB 60s (default idle_timeout.timeout_seconds (60 s))"}; !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	if want := "infra/servers.yml: no load balancer or target group of the repository routes to Bastion, so its servers are not judged"; !slices.Contains(r.Notes, want) {
		t.Errorf("notes %q, want %q", r.Notes, want)
	}

	// Behind a Network Load Balancer: not judged.
	nlb := strings.NewReplacer("    Properties:\n      Subnets: [a, b]", "    Properties:\n      Type: network\n      Subnets: [a, b]").Replace(yamlTemplate)
	r, _ = checkFiles(t, map[string]string{"infra/servers.yml": nlb})
	if got := findingsOf(r); len(got) != 0 {
		t.Errorf("behind an NLB: findings %q", got)
	}
	if want := "infra/servers.yml: WebLaunchTemplate is behind WebLB, which passes connections through (a Network Load Balancer) and reuses none, so its servers are not judged"; !slices.Contains(r.Notes, want) {
		t.Errorf("behind an NLB: notes %q, want %q", r.Notes, want)
	}

	const jsonTemplate = `{
  "Resources": {
    "ELB": {
      "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
      "Properties": {"LoadBalancerAttributes": [{"Key": "idle_timeout.timeout_seconds", "Value": "120"}]}
    },
    "TG": {
      "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
      "Properties": {"Targets": [{"Id": {"Ref": "Web"}}]}
    },
    "Rule": {
      "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
      "Properties": {"ListenerArn": {"Ref": "HTTP"}, "Actions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TG"}}]}
    },
    "HTTP": {
      "Type": "AWS::ElasticLoadBalancingV2::Listener",
      "Properties": {"LoadBalancerArn": {"Ref": "ELB"}}
    },
    "Web": {
      "Type": "AWS::EC2::Instance",
      "Properties": {
        "UserData": {"Fn::Base64": {"Fn::Join": ["", [
          "#!/bin/bash -xe\n",
          "yum install -y ", {"Ref": "Packages"}, " nginx\n",
          "echo 'keepalive_timeout 100s;' > /etc/nginx/conf.d/ka.conf\n",
          "service nginx start\n"
        ]]}}
      }
    }
  }
}
`
	r, _ = checkFiles(t, map[string]string{"stack.json": jsonTemplate})
	if got, want := findingsOf(r), []string{"stack.json:25 error LBD001 ELB 120s (idle timeout 120)"}; !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	var names []string
	for _, h := range r.Hops {
		if h.userData != nil {
			names = append(names, fmt.Sprintf("%s %s %s", h.Name, secs(h.Idle), h.Location))
		}
	}
	if want := []string{"nginx (nginx, user data of Web) 100s stack.json:25"}; !slices.Equal(names, want) {
		t.Errorf("hops %q, want %q", names, want)
	}
}

// cfn-init: the packages and services of AWS::CloudFormation::Init, of the
// resource the user data's cfn-init names, behind a Classic Load Balancer
// that lists the instances; a load balancer whose type is a parameter
// defaulting to network is not one that pools.
func TestCloudFormationInit(t *testing.T) {
	const template = `Parameters:
  LBType:
    Type: String
    Default: network
Resources:
  ELB:
    Type: AWS::ElasticLoadBalancing::LoadBalancer
    Properties:
      Instances: [!Ref Web1, !Ref Web2]
      Listeners:
        - LoadBalancerPort: "80"
          InstancePort: "80"
          Protocol: HTTP
  NLB:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Type: !Ref LBType
  Web1:
    Type: AWS::EC2::Instance
    Metadata:
      AWS::CloudFormation::Init:
        config:
          packages:
            yum:
              httpd: []
          services:
            sysvinit:
              httpd:
                enabled: true
                ensureRunning: true
    Properties:
      UserData: !Base64
        Fn::Sub: |
          #!/bin/bash -xe
          /opt/aws/bin/cfn-init -v --stack ${AWS::StackName} --resource Web1 --region ${AWS::Region}
  Web2:
    Type: AWS::EC2::Instance
    Properties:
      UserData: !Base64
        Fn::Sub: |
          #!/bin/bash -xe
          /opt/aws/bin/cfn-init -v --stack ${AWS::StackName} \
                   --resource Web1 \
                   --region ${AWS::Region}
`
	r, _ := checkFiles(t, map[string]string{"elb.yaml": template})
	want := []string{"elb.yaml:25 error LBD001 ELB 60s (default ConnectionSettings.IdleTimeout (60 s))", "elb.yaml:25 error LBD001 ELB 60s (default ConnectionSettings.IdleTimeout (60 s))"}
	if got := findingsOf(r); !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	for _, h := range r.Hops {
		if h.Name == "NLB" {
			t.Errorf("a network load balancer (by its parameter's default) listed: %+v", h)
		}
	}
	// Without a running service, cfn-init only installs the package.
	r, _ = checkFiles(t, map[string]string{"elb.yaml": strings.ReplaceAll(template, "true", "false")})
	if got := findingsOf(r); len(got) != 0 {
		t.Errorf("httpd not started: findings %q", got)
	}
}
