package check

import (
	"testing"
	"time"
)

// Spring Boot properties set outside the property files win over them:
// environment variables in a Dockerfile, a Kubernetes Deployment or an ECS
// task definition, -D system properties, --arguments.
func TestSpringOverrides(t *testing.T) {
	const pom = `<project><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.3.4</version></parent>
<dependencies><dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>
`
	const props = "spring.application.name=orders\n"
	cases := []struct {
		name  string
		files map[string]string
		want  map[string]time.Duration // application.properties -> idle (0: unknown)
	}{
		{"Dockerfile ENV", map[string]string{"orders/pom.xml": pom, "orders/src/main/resources/application.properties": props,
			"orders/Dockerfile": "FROM eclipse-temurin:21\nENV SERVER_TOMCAT_KEEPALIVETIMEOUT=70000\nCMD [\"java\", \"-jar\", \"app.jar\"]\n"},
			map[string]time.Duration{"orders": 70 * time.Second}},
		{"Kubernetes env of the named Deployment", map[string]string{"orders/pom.xml": pom, "orders/src/main/resources/application.properties": props,
			"carts/pom.xml": pom, "carts/src/main/resources/application.properties": "spring.application.name=carts\n",
			"k8s/orders.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  template:\n    spec:\n      containers:\n        - name: orders\n          image: shop/orders:1.0\n          env:\n            - name: SERVER_TOMCAT_KEEPALIVETIMEOUT\n              value: \"75s\"\n"},
			map[string]time.Duration{"orders": 75 * time.Second, "carts": 60 * time.Second}},
		{"ECS task definition in Terraform", map[string]string{"orders/pom.xml": pom, "orders/src/main/resources/application.properties": props,
			"infra/ecs.tf": "resource \"aws_ecs_task_definition\" \"orders\" {\n  family = \"orders\"\n  container_definitions = jsonencode([{\n    name = \"orders\"\n    environment = [\n      { \"name\": \"SERVER_TOMCAT_KEEPALIVETIMEOUT\", \"value\": \"65000\" }\n    ]\n  }])\n}\n"},
			map[string]time.Duration{"orders": 65 * time.Second}},
		{"ECS container definitions rendered from a Terraform template", map[string]string{"orders/pom.xml": pom, "orders/src/main/resources/application.properties": props,
			"infra/templates/orders.json.tpl": "[\n  {\n    \"name\": \"orders\",\n    \"image\": \"${image}\",\n    \"cpu\": ${cpu},\n    \"environment\": [\n      {\"name\": \"SERVER_TOMCAT_KEEPALIVETIMEOUT\", \"value\": \"65000\"}\n    ]\n  }\n]\n"},
			map[string]time.Duration{"orders": 65 * time.Second}},
		{"-D system property", map[string]string{"orders/pom.xml": pom, "orders/src/main/resources/application.properties": props,
			"orders/entrypoint.sh": "#!/bin/sh\nexec java -Dserver.tomcat.keep-alive-timeout=90s -jar /app.jar\n"},
			map[string]time.Duration{"orders": 90 * time.Second}},
		{"connection-timeout does not beat the file's keep-alive", map[string]string{"orders/pom.xml": pom,
			"orders/src/main/resources/application.properties": "server.tomcat.keep-alive-timeout=80s\n",
			"orders/Dockerfile": "ENV SERVER_TOMCAT_CONNECTIONTIMEOUT=20000\n"},
			map[string]time.Duration{"orders": 80 * time.Second}},
		{"values that disagree", map[string]string{"orders/pom.xml": pom, "orders/src/main/resources/application.properties": props,
			"orders/docker-compose.yml": "services:\n  orders:\n    environment:\n      SERVER_TOMCAT_KEEPALIVETIMEOUT: 70000\n",
			"orders/Dockerfile":         "ENV SERVER_TOMCAT_KEEPALIVETIMEOUT=5000\n"},
			map[string]time.Duration{"orders": 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, dir := checkFiles(t, c.files)
			got := map[string]Hop{}
			for _, h := range r.Hops {
				if h.Kind == "spring-boot-tomcat" {
					got[projectName(dir, h.Location.File)] = h
				}
			}
			wantIdles(t, got, c.want)
		})
	}
}

// A property set by a placeholder with a default is the default, and says
// that the variable may change it.
func TestSpringPlaceholderDefault(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"pom.xml":                            "<project><parent><artifactId>spring-boot-starter-parent</artifactId><version>3.3.5</version></parent><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>\n",
		"src/main/resources/application.yml": "server:\n  tomcat:\n    keep-alive-timeout: ${SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT:20000}\n",
	})
	wantHops(t, r, map[string]string{
		"spring-boot-tomcat src/main/resources/application.yml:3": "20s server.tomcat.keep-alive-timeout=${SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT:20000} (its default: unless SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT is set where the application runs)",
	})
	if len(r.Findings) != 1 || r.Findings[0].Rule.ID != "LBD001" {
		t.Errorf("findings %+v, want LBD001 (20 s behind the assumed 60 s)", r.Findings)
	}
}

// An application.yml is Spring's when a build file or the Gradle version
// catalog names Spring; with a build that names none (Micronaut, Ktor) it
// is not read.
func TestApplicationYmlOwner(t *testing.T) {
	yml := "server:\n  port: 8080\n"
	r, _ := checkFiles(t, map[string]string{
		"catalog/build.gradle.kts":                     "plugins {\n    alias(libs.plugins.spring.boot)\n}\n",
		"catalog/gradle/libs.versions.toml":            "[plugins]\nspring-boot = { id = \"org.springframework.boot\", version = \"3.3.5\" }\n",
		"catalog/src/main/resources/application.yml":   yml,
		"micronaut/build.gradle":                       "plugins { id(\"io.micronaut.application\") version \"4.4.0\" }\n",
		"micronaut/src/main/resources/application.yml": yml,
	})
	var kinds []string
	for _, h := range r.Hops {
		kinds = append(kinds, h.Kind+" "+h.Location.File)
	}
	if len(kinds) != 1 || kinds[0] != "spring-boot catalog/src/main/resources/application.yml" {
		t.Errorf("hops %v, want one for the catalog's Spring application (its server unknown), none for Micronaut", kinds)
	}
}

// wantIdles checks the hops got, by key, against the idle timeouts want
// (0: unknown).
func wantIdles(t *testing.T, got map[string]Hop, want map[string]time.Duration) {
	t.Helper()
	for key, w := range want {
		h, ok := got[key]
		switch {
		case !ok:
			t.Errorf("%s: no hop in %+v", key, got)
		case w == 0 && h.Known:
			t.Errorf("%s: %s (%s), want unknown", key, h.Idle, h.Source)
		case w != 0 && (!h.Known || h.Idle != w):
			t.Errorf("%s: %s known=%v (%s), want %s", key, h.Idle, h.Known, h.Source, w)
		}
	}
}
