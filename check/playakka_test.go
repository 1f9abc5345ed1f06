package check

import (
	"testing"
	"time"
)

// Play, Akka HTTP and Pekko HTTP services in one repository: each project's
// own configuration decides, a -D property on its container's command line
// wins, a project that only uses the HTTP client gets no hop, and Play's
// 75 s default is safe where Akka's and Pekko's 60 s race.
func TestPlayAkkaPekko(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		// Play: the sbt plugin; its idle timeout raised by -D in the Dockerfile.
		"web/project/plugins.sbt":   `addSbtPlugin("com.typesafe.play" % "sbt-plugin" % "2.9.4")` + "\n",
		"web/build.sbt":             "lazy val web = (project in file(\".\")).enablePlugins(PlayScala)\nPlayKeys.devSettings += \"play.server.http.idleTimeout\" -> \"1 second\"\n",
		"web/conf/application.conf": "play.server.http.idleTimeout = 30 seconds\n",
		"web/conf/logback.conf":     "level = INFO\n",
		"web/Dockerfile":            "FROM eclipse-temurin:17\nCMD [\"bin/web\", \"-Dplay.server.http.idleTimeout=90s\"]\n",
		// Akka HTTP: a server, its configuration nested.
		"api/build.sbt":                           `libraryDependencies += "com.typesafe.akka" %% "akka-http" % "10.5.3"` + "\n",
		"api/src/main/scala/Main.scala":           "import akka.http.scaladsl.Http\nobject Main extends App { Http().newServerAt(\"0.0.0.0\", 8080).bind(routes) }\n",
		"api/src/main/resources/application.conf": "akka {\n  http {\n    server {\n      idle-timeout = 120 s\n    }\n  }\n}\n",
		"api/src/test/resources/application.conf": "akka.http.server.idle-timeout = 1 s\n",
		"api/src/test/scala/MainSpec.scala":       "import akka.http.scaladsl.Http\nclass MainSpec { Http().newServerAt(\"localhost\", 0) }\n",
		// Pekko HTTP with Maven and no configuration: its 60 s default.
		"events/pom.xml": "<project><dependencies><dependency><artifactId>pekko-http_3</artifactId></dependency></dependencies></project>\n",
		"events/src/main/java/events/Server.java": "import org.apache.pekko.http.javadsl.Http;\nclass Server { void run() { Http.get(system).newServerAt(\"0.0.0.0\", 8080).bind(routes); } }\n",
		// Akka HTTP as a client only.
		"billing/build.sbt":                   `libraryDependencies += "com.typesafe.akka" %% "akka-http" % "10.5.3"` + "\n",
		"billing/src/main/scala/Client.scala": "import akka.http.scaladsl.Http\nobject Client { Http().singleRequest(req) }\n",
	})
	wantHops(t, r, map[string]string{
		"play web/conf/application.conf:1":                    "90s -Dplay.server.http.idleTimeout=90s at web/Dockerfile:2",
		"akka-http api/src/main/resources/application.conf:4": "120s akka.http.server.idle-timeout = 120 s",
		"pekko-http events/pom.xml:1":                         "60s Pekko HTTP's default (60s)",
	})
	if len(r.Findings) != 1 || r.Findings[0].Rule.ID != "LBD002" || r.Findings[0].Location.File != "events/pom.xml" {
		t.Errorf("findings %+v, want LBD002 for Pekko's 60 s default", r.Findings)
	}
	for _, h := range r.Hops {
		if h.Kind == "play" && h.Idle != 90*time.Second {
			t.Errorf("Play: %v", h.Idle)
		}
	}
}

func TestJVMServerOfBuild(t *testing.T) {
	for src, want := range map[string]string{
		`addSbtPlugin("org.playframework" % "sbt-plugin" % "3.0.5")`:                        "play",
		`lazy val root = (project in file(".")).enablePlugins(PlayJava, LauncherJarPlugin)`: "play",
		`"com.typesafe.akka" %% "akka-http" % "10.5.3"`:                                     "akka-http",
		`implementation("org.apache.pekko:pekko-http_2.13:1.1.0")`:                          "pekko-http",
		`libraryDependencies += "org.typelevel" %% "cats-core" % "2.10.0"`:                  "",
	} {
		srv, _, ok := jvmServerOfBuild([]byte(src))
		if srv.id != want || ok != (want != "") {
			t.Errorf("%s: %q, want %q", src, srv.id, want)
		}
	}
}
