package check

import (
	"testing"
	"time"
)

// A WebServerFactoryCustomizer that sets the connector's keep-alive in code
// (the fix most answers to this 502 give) wins over the properties and the
// environment.
func TestSpringTomcatCustomizer(t *testing.T) {
	const res = "src/main/resources/application.properties"
	customizer := func(call string) string {
		return `package com.acme;

import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;

@Configuration
public class TomcatConfig {
    private static final int KEEP_ALIVE_MS = 75_000;

    @Bean
    public WebServerFactoryCustomizer<TomcatServletWebServerFactory> keepAlive() {
        return factory -> factory.addConnectorCustomizers(connector -> {
            AbstractHttp11Protocol<?> protocol = (AbstractHttp11Protocol<?>) connector.getProtocolHandler();
            protocol.` + call + `;
        });
    }
}
`
	}
	const file = "src/main/java/com/acme/TomcatConfig.java"
	cases := []struct {
		name  string
		files map[string]string
		want  time.Duration // 0: unknown
	}{
		{"a literal", map[string]string{res: "", file: customizer("setKeepAliveTimeout(70000)")}, 70 * time.Second},
		{"a constant", map[string]string{res: "", file: customizer("setKeepAliveTimeout(KEEP_ALIVE_MS)")}, 75 * time.Second},
		{"a Duration", map[string]string{res: "", file: customizer("setKeepAliveTimeout((int) Duration.ofSeconds(80).toMillis())")}, 80 * time.Second},
		{"code wins over the properties and the environment", map[string]string{res: "server.tomcat.keep-alive-timeout=20s\n",
			"Dockerfile": "ENV SERVER_TOMCAT_KEEPALIVETIMEOUT=30000\n", file: customizer("setKeepAliveTimeout(70 * 1000)")}, 70 * time.Second},
		{"code wins over a config/application.yml outside the jar", map[string]string{res: "", "config/application.yml": "server:\n  tomcat:\n    keep-alive-timeout: 20s\n",
			file: customizer("setKeepAliveTimeout(80000)")}, 80 * time.Second},
		{"setConnectionTimeout, no keep-alive set", map[string]string{res: "", file: customizer("setConnectionTimeout(20000)")}, 20 * time.Second},
		{"setConnectionTimeout under a keep-alive property", map[string]string{res: "server.tomcat.keep-alive-timeout=90s\n", file: customizer("setConnectionTimeout(20000)")}, 90 * time.Second},
		{"setProperty on the connector", map[string]string{res: "", file: customizer("setKeepAliveTimeout(x)") + "\nclass B { void c(Connector connector) { connector.setProperty(\"keepAliveTimeout\", \"65000\"); } }\n"}, 0},
		{"setProperty alone", map[string]string{res: "", file: "import org.springframework.boot.web.embedded.tomcat.TomcatConnectorCustomizer;\nclass C implements TomcatConnectorCustomizer {\n  public void customize(Connector connector) { connector.setProperty(\"keepAliveTimeout\", \"65000\"); }\n}\n"}, 65 * time.Second},
		{"HTTP/2's keep-alive is not HTTP/1.1's", map[string]string{res: "", file: customizer("setMaxKeepAliveRequests(100)") + "\nclass H { void h(Object u) { ((Http2Protocol) u).setKeepAliveTimeout(5000); } }\n"}, 60 * time.Second},
		{"a value read at run time", map[string]string{res: "", file: customizer("setKeepAliveTimeout(props.getKeepAlive())")}, 0},
		{"0 is no limit", map[string]string{res: "", file: customizer("setKeepAliveTimeout(0)")}, Infinite},
		{"a test's customizer does not count", map[string]string{res: "", "src/test/java/com/acme/TomcatConfig.java": customizer("setKeepAliveTimeout(70000)")}, 60 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.files["pom.xml"] = springTestPom
			r, _ := checkFiles(t, c.files)
			got := map[string]Hop{}
			for _, h := range r.Hops {
				if h.Kind == "spring-boot-tomcat" {
					got["app"] = h
				}
			}
			wantIdles(t, got, map[string]time.Duration{"app": c.want})
		})
	}
}
