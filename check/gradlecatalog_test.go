package check

import (
	"testing"
)

// A Gradle build that names its dependencies and plugins through a version
// catalog; a pom that takes Spring Boot's version from a property.
func TestSpringBuildIndirections(t *testing.T) {
	const props = "src/main/resources/application.properties"
	const catalog = `# the catalog
[versions]
springBoot = "3.3.2"
jetty = "12.0.1"

[libraries]
spring-boot-starter-web = { module = "org.springframework.boot:spring-boot-starter-web" }
spring-boot-starter-jetty = { group = "org.springframework.boot", name = "spring-boot-starter-jetty" }
spring-boot-starter-undertow = "org.springframework.boot:spring-boot-starter-undertow:3.3.2"
jackson = { module = "com.fasterxml.jackson.core:jackson-databind", version.ref = "jetty" }

[bundles]
web = ["spring-boot-starter-web", "jackson"]

[plugins]
spring-boot = { id = "org.springframework.boot", version.ref = "springBoot" }
boot-short = "org.springframework.boot:2.7.18"
`
	cases := []struct {
		name  string
		files map[string]string
		want  map[string]string
	}{
		{"library and plugin", map[string]string{"gradle/libs.versions.toml": catalog,
			"build.gradle.kts": "plugins {\n  alias(libs.plugins.spring.boot)\n}\ndependencies {\n  implementation(libs.spring.boot.starter.web)\n}\n", props: ""},
			map[string]string{"spring-boot-tomcat " + props + ":1": "60s Tomcat's default"}},
		{"a bundle", map[string]string{"gradle/libs.versions.toml": catalog,
			"build.gradle": "plugins {\n  alias libs.plugins.spring.boot\n}\ndependencies {\n  implementation libs.bundles.web\n}\n", props: "server.tomcat.keep-alive-timeout=75s\n"},
			map[string]string{"spring-boot-tomcat " + props + ":1": "75s"}},
		{"group and name; a module of the build", map[string]string{"gradle/libs.versions.toml": catalog, "settings.gradle": "include 'api'\n",
			"api/build.gradle.kts": "dependencies {\n  implementation(libs.spring.boot.starter.jetty)\n}\n", "api/" + props: ""},
			map[string]string{"spring-boot-jetty api/" + props + ":1": "30s"}},
		{"library and plugin as strings", map[string]string{"gradle/libs.versions.toml": catalog,
			"build.gradle.kts": "plugins {\n  alias(libs.plugins.boot.short)\n}\ndependencies {\n  implementation(libs.spring.boot.starter.undertow)\n}\n", props: ""},
			map[string]string{"spring-boot-undertow " + props + ":1": "60s"}},
		{"constraints name no dependency", map[string]string{
			"build.gradle.kts": "dependencies {\n  implementation(\"org.springframework.boot:spring-boot-starter-webflux\")\n  constraints {\n    implementation(\"org.springframework.boot:spring-boot-starter-web:3.3.4\") { because(\"x\") }\n  }\n}\n", props: ""},
			map[string]string{"reactor-netty " + props + ":1": "no limit"}},
		{"a pom's version property", map[string]string{
			"pom.xml": "<project><properties><spring-boot.version>2.4.13</spring-boot.version></properties><dependencyManagement><dependencies><dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-dependencies</artifactId><version>${spring-boot.version}</version><type>pom</type><scope>import</scope></dependency></dependencies></dependencyManagement><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>\n",
			props:     "server.tomcat.keep-alive-timeout=75s\n"},
			map[string]string{"spring-boot-tomcat " + props + ":1": "60s Tomcat's default"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			wantHops(t, r, c.want)
		})
	}
	// The versions: 3.3.2 from the plugin's version.ref, 2.7.18 from the
	// string form, and 2.4.13 from the pom's property, in which
	// server.tomcat.keep-alive-timeout (2.5+) does not exist (LBD006).
	for _, c := range []struct {
		files map[string]string
		name  string
	}{
		{cases[0].files, "Spring Boot 3.3.2 (embedded Tomcat)"},
		{cases[3].files, "Spring Boot 2.7.18 (embedded Undertow)"},
		{cases[5].files, "Spring Boot 2.4.13 (embedded Tomcat)"},
	} {
		r, _ := checkFiles(t, c.files)
		if len(r.Hops) != 1 || r.Hops[0].Name != c.name {
			t.Errorf("hops %+v, want %s", r.Hops, c.name)
		}
	}
	r, _ := checkFiles(t, cases[5].files)
	if len(r.Findings) == 0 || r.Findings[0].Rule.ID != "LBD006" {
		t.Errorf("findings %+v, want LBD006 first", r.Findings)
	}
}
