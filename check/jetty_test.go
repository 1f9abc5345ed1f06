package check

import "testing"

// Javalin and embedded Jetty keep Jetty's 30 s connector idle timeout unless
// the code sets a connector's; a database pool's or a client's idle timeout
// in the same file is not the server's.
func TestJetty(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"api/src/main/java/app/Main.java": `package app;

import io.javalin.Javalin;
import com.zaxxer.hikari.HikariConfig;

public class Main {
    public static void main(String[] args) {
        HikariConfig db = new HikariConfig();
        db.setIdleTimeout(10000);
        Javalin app = Javalin.create().start(7070);
    }
}
`,
		"kt/src/main/kotlin/Main.kt": `import io.javalin.Javalin
import org.eclipse.jetty.server.ServerConnector

fun main() {
    val app = Javalin.create { config ->
        config.jetty.addConnector { server, _ ->
            ServerConnector(server).apply {
                port = 7070
                idleTimeout = 75_000
            }
        }
    }.start()
}
`,
		"embedded/src/main/java/Server.java": `import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class Main {
    public static void main(String[] args) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(8080);
        connector.setIdleTimeout(idle);
        server.addConnector(connector);
        server.start();
    }
}
`,
		// Javalin's own sources: a log message and a doc comment show how
		// to start a server; they start none.
		"lib/src/main/java/io/javalin/jetty/JettyServer.kt": `package io.javalin.jetty

class JettyServer {
    fun hint() = log("Try: Javalin app = Javalin.create().start();")
}
`,
	})
	wantHops(t, r, map[string]string{
		"jetty api/src/main/java/app/Main.java:10":   "30s Jetty's default connector idleTimeout",
		"jetty kt/src/main/kotlin/Main.kt:9":         "75s idleTimeout 75_000 ms",
		"jetty embedded/src/main/java/Server.java:9": "0s idleTimeout idle is not a literal",
	})
}
