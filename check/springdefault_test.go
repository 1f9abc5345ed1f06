package check

import "testing"

// A Spring Boot application with no property file of its own still runs
// Tomcat at its 60 s default, unless its settings may come from elsewhere.
func TestSpringDefaultHops(t *testing.T) {
	pom := func(starter string) string {
		return "<project><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.3.0</version></parent>\n" +
			"<dependencies><dependency><groupId>org.springframework.boot</groupId><artifactId>" + starter + "</artifactId></dependency></dependencies></project>\n"
	}
	main := "package demo;\n\nimport org.springframework.boot.autoconfigure.SpringBootApplication;\n\n@SpringBootApplication\npublic class App {}\n"
	r, _ := checkFiles(t, map[string]string{
		"plain/pom.xml":                                   pom("spring-boot-starter-web"),
		"plain/src/main/java/demo/App.java":               main,
		"jetty/pom.xml":                                   pom("spring-boot-starter-jetty"),
		"jetty/src/main/kotlin/demo/App.kt":               "package demo\n\n@SpringBootApplication\nclass App\n",
		"props/pom.xml":                                   pom("spring-boot-starter-web"),
		"props/src/main/java/demo/App.java":               main,
		"props/src/main/resources/application.properties": "server.tomcat.keep-alive-timeout=75s\n",
		"cloud/pom.xml":                                   pom("spring-boot-starter-web"),
		"cloud/src/main/java/demo/App.java":               main,
		"cloud/src/main/resources/bootstrap.yml":          "spring:\n  cloud:\n    config:\n      uri: http://config:8888\n",
		"secret/pom.xml":                                  pom("spring-boot-starter-web"),
		"secret/.gitignore":                               "src/main/resources/application*.yml\n",
		"secret/src/main/java/demo/App.java":              main,
		"batch/pom.xml":                                   pom("spring-boot-starter-batch"),
		"batch/src/main/java/demo/App.java":               main,
		"tested/pom.xml":                                  pom("spring-boot-starter-web"),
		"tested/src/test/java/demo/App.java":              main,
		// A config server's resources hold other services' files: not its own.
		"config/pom.xml":                                   pom("spring-cloud-config-server"),
		"config/src/main/java/demo/App.java":               main,
		"config/src/main/resources/shared/application.yml": "server:\n  port: 8080\n",
	})
	wantHops(t, r, map[string]string{
		"spring-boot-tomcat plain/src/main/java/demo/App.java:5":               "60s Tomcat's default (60 s): Spring Boot sets no keep-alive timeout (plain/pom.xml: Tomcat); no application.properties or application.yml in plain/src/main/resources/",
		"spring-boot-jetty jetty/src/main/kotlin/demo/App.kt:3":                "30s server.jetty.connection-idle-timeout is not set",
		"spring-boot-tomcat props/src/main/resources/application.properties:1": "75s server.tomcat.keep-alive-timeout=75s",
		"spring-boot-tomcat cloud/src/main/java/demo/App.java:5":               "0s no application.properties or application.yml, and cloud/src/main/resources/bootstrap.yml",
		"spring-boot-tomcat secret/src/main/java/demo/App.java:5":              "0s no application.properties or application.yml in the repository, and .gitignore excludes secret/src/main/resources/application.yml",
		"spring-boot-tomcat config/src/main/java/demo/App.java:5":              "60s Tomcat's default (60 s)",
	})

	// A library module's property file may be on the application's class
	// path: the application's value is not known.
	r, _ = checkFiles(t, map[string]string{
		"app/pom.xml":                     pom("spring-boot-starter-web"),
		"app/src/main/java/demo/App.java": main,
		"common/pom.xml":                  "<project><artifactId>common</artifactId></project>\n",
		"common/src/main/resources/application.properties": "server.tomcat.keep-alive-timeout=75s\n",
	})
	wantHops(t, r, map[string]string{
		"spring-boot-tomcat app/src/main/java/demo/App.java:5": "0s no application.properties or application.yml in app/src/main/resources/; common/src/main/resources/application.properties sets a keep-alive setting",
	})
}
