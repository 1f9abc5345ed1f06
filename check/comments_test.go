package check

import (
	"strings"
	"testing"
)

// A setting commented out in program source is not read: Java's Tomcat
// customizer, Python's uvicorn.run argument, Rust's actix keep_alive.
func TestCommentedOutSettings(t *testing.T) {
	pom := `<project><parent><artifactId>spring-boot-starter-parent</artifactId><version>3.2.0</version></parent><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>`
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"Java", map[string]string{"pom.xml": pom, "src/main/resources/application.properties": "spring.application.name=x\n",
			"src/main/java/x/C.java": "package x;\nimport org.springframework.boot.web.embedded.tomcat.TomcatConnectorCustomizer;\nclass C implements TomcatConnectorCustomizer {\n  public void customize(Connector c) {\n    // ((AbstractHttp11Protocol<?>) c.getProtocolHandler()).setKeepAliveTimeout(70000);\n    /* c.setProperty(\"keepAliveTimeout\", \"70000\"); */\n  }\n}\n"},
			"60s Tomcat's default (60 s)"},
		{"Python", map[string]string{"requirements.txt": "uvicorn\n",
			"main.py": "import uvicorn\nuvicorn.run(app, host=\"0.0.0.0\",\n    # timeout_keep_alive=75,\n    port=8000)\n"},
			"5s uvicorn.run() without timeout_keep_alive"},
		{"Python, a # in a string", map[string]string{"requirements.txt": "uvicorn\n",
			"main.py": "import uvicorn\nuvicorn.run(app, host=\"#0\", timeout_keep_alive=75)\n"},
			"75s uvicorn.run(timeout_keep_alive=75)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := checkFiles(t, tt.files)
			if len(r.Hops) != 1 {
				t.Fatalf("hops %+v", r.Hops)
			}
			if got := secs(r.Hops[0].Idle) + " " + r.Hops[0].Source; !strings.HasPrefix(got, tt.want) {
				t.Errorf("%q, want %q", got, tt.want)
			}
		})
	}
	if got := string(pyBlankComments([]byte("a = '#x'  # c\nb = 1 # d"))); got != "a = '#x'     \nb = 1    " {
		t.Errorf("%q", got)
	}
}
