package check

import (
	"path/filepath"
	"slices"
	"testing"
)

// `lbdoctor check FILE` reads that file alone, from its repository's
// checkout (or its project's directory), so that what it refers to is
// found and its path reads as in the repository; a Terraform file comes
// with the other files of its module.
func TestCheckOneFile(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(dir)
	write(".git/HEAD", "ref: refs/heads/main\n")
	write(".gitignore", "local/\n")
	write("pom.xml", springTestPom)
	write("src/main/resources/application.properties", "server.tomcat.keep-alive-timeout=20s\n")
	write("deploy/nginx.conf", "http {\n  keepalive_timeout 30s;\n  server { listen 80; }\n}\n")
	write("deploy/other.conf", "http {\n  keepalive_timeout 10s;\n  server { listen 81; }\n}\n")
	write("infra/main.tf", "resource \"aws_lb\" \"main\" {\n  load_balancer_type = \"application\"\n  idle_timeout = var.idle\n}\n")
	write("infra/variables.tf", "variable \"idle\" {\n  type = number\n}\n")
	write("infra/prod.tfvars", "")
	write("infra/terraform.tfvars", "idle = 90\n")
	write("local/nginx.conf", "http {\n  keepalive_timeout 15s;\n  server { listen 82; }\n}\n")
	cases := []struct {
		file string
		want []string // hops as "kind file:line idle"
	}{
		{"deploy/nginx.conf", []string{"nginx deploy/nginx.conf:2 30s"}},
		{"src/main/resources/application.properties", []string{"spring-boot-tomcat src/main/resources/application.properties:1 20s"}},
		{"infra/main.tf", []string{"aws_lb infra/main.tf:3 90s"}},
		{"local/nginx.conf", []string{"nginx local/nginx.conf:2 15s"}}, // named, so read though .gitignore leaves it out
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			r, _ := runCheck(t, filepath.Join(dir, filepath.FromSlash(c.file)))
			var got []string
			for _, h := range r.Hops {
				got = append(got, h.Kind+" "+h.Location.String()+" "+secs(h.Idle))
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("hops %q, want %q", got, c.want)
			}
			if filepath.Clean(r.Dir) != filepath.Clean(dir) {
				t.Errorf("checked from %s, want the checkout %s", r.Dir, dir)
			}
		})
	}
	// The Spring application's version comes from the pom above it.
	r, _ := runCheck(t, filepath.Join(dir, "src/main/resources/application.properties"))
	if len(r.Hops) != 1 || r.Hops[0].Name != "Spring Boot 3.3.4 (embedded Tomcat)" {
		t.Errorf("hops %+v, want Spring Boot 3.3.4", r.Hops)
	}
}
