package check

import (
	"slices"
	"testing"
)

// An instance whose user data runs java -jar runs the repository's Spring
// Boot application of that artifact (or its only one), behind the load
// balancer that routes to the instance: this project's origin story, in
// Terraform.
func TestUserDataRunsJar(t *testing.T) {
	var tfPort func(script, port string) string
	pom := func(artifact string) string {
		return `<project><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.2.0</version></parent>
<artifactId>` + artifact + `</artifactId><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>
`
	}
	tf := func(script string) string {
		return tfPort(script, "8080")
	}
	tfPort = func(script, port string) string {
		return `resource "aws_lb" "main" {
  load_balancer_type = "application"
}
resource "aws_lb_target_group" "app" {
  port = ` + port + `
}
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}
resource "aws_instance" "app" {
  user_data = <<-EOT
` + script + `  EOT
}
resource "aws_lb_target_group_attachment" "app" {
  target_group_arn = aws_lb_target_group.app.arn
  target_id        = aws_instance.app.id
}
`
	}
	const props = "/src/main/resources/application.properties"
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"the jar of an artifact, among two applications", map[string]string{
			"infra/main.tf":  tf("    #!/bin/bash\n    aws s3 cp s3://artifacts/orders-api-0.0.1-SNAPSHOT.jar /opt/\n    nohup java -Xmx512m -jar /opt/orders-api-0.0.1-SNAPSHOT.jar &\n"),
			"orders/pom.xml": pom("orders-api"), "orders" + props: "server.tomcat.connection-timeout=20000\n",
			"carts/pom.xml": pom("carts-api"), "carts" + props: "server.tomcat.connection-timeout=20000\n",
		}, []string{"LBD001 warning carts/src/main/resources/application.properties:1", "LBD001 error orders/src/main/resources/application.properties:1"}},
		{"app.jar, the only application", map[string]string{
			"infra/main.tf":   tf("    #!/bin/bash\n    java -jar /opt/app.jar\n"),
			"service/pom.xml": pom("orders-api"), "service" + props: "server.tomcat.keep-alive-timeout=60s\n",
		}, []string{"LBD002 error service/src/main/resources/application.properties:1"}},
		{"a jar named at run time, the only application", map[string]string{
			"infra/main.tf":   tf("    #!/bin/bash\n    APP=$(aws s3 ls s3://bucket | awk '{print $4}')\n    java -jar /opt/$APP\n"),
			"service/pom.xml": pom("orders-api"), "service" + props: "server.tomcat.connection-timeout=20s\n",
		}, []string{"LBD001 error service/src/main/resources/application.properties:1"}},
		{"a jar named at run time, two applications", map[string]string{
			"infra/main.tf":  tf("    #!/bin/bash\n    java -jar /opt/*.jar\n"),
			"orders/pom.xml": pom("orders-api"), "orders" + props: "server.tomcat.connection-timeout=20000\n",
			"carts/pom.xml": pom("carts-api"), "carts" + props: "server.tomcat.connection-timeout=20000\n",
		}, []string{"LBD001 warning carts/src/main/resources/application.properties:1", "LBD001 warning orders/src/main/resources/application.properties:1"}},
		{"behind the nginx the script installs (on the target group's port)", map[string]string{
			"infra/main.tf":   tfPort("    #!/bin/bash\n    apt-get install -y nginx\n    java -jar /opt/app.jar\n", "80"),
			"service/pom.xml": pom("orders-api"), "service" + props: "server.tomcat.keep-alive-timeout=60s\n",
		}, []string{"LBD002 warning service/src/main/resources/application.properties:1"}},
		{"a Node backend is not the jar", map[string]string{
			"infra/main.tf":    tf("    #!/bin/bash\n    java -jar /opt/app.jar\n"),
			"web/package.json": `{"dependencies":{"express":"^4"}}`, "web/server.js": "const express = require('express')\nconst server = express().listen(3000)\nserver.keepAliveTimeout = 20000\n",
		}, []string{"LBD001 warning web/server.js:3"}},
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
