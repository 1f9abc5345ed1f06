package check

import (
	"testing"
	"time"
)

// axum and hyper servers: whether idle connections are closed depends on the
// versions of axum and hyper (Cargo.lock, else Cargo.toml) and on a timer.
func TestHyperServers(t *testing.T) {
	cargo := func(deps string) string {
		return "[package]\nname = \"api\"\n\n[dependencies]\n" + deps + "tokio = \"1\"\n"
	}
	lock := func(pkgs ...string) string {
		s := "version = 3\n\n"
		for i := 0; i < len(pkgs); i += 2 {
			s += "[[package]]\nname = \"" + pkgs[i] + "\"\nversion = \"" + pkgs[i+1] + "\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n"
		}
		return s
	}
	serve := "use axum::{routing::get, Router};\n\n#[tokio::main]\nasync fn main() {\n    let app = Router::new().route(\"/\", get(|| async { \"ok\" }));\n    let listener = tokio::net::TcpListener::bind(\"0.0.0.0:3000\").await.unwrap();\n    axum::serve(listener, app).await.unwrap();\n}\n"
	imported := "use axum::{serve, Router};\n\nasync fn run(app: Router, listener: tokio::net::TcpListener) {\n    serve(listener, app).await.unwrap();\n}\n"
	builder := func(extra string) string {
		return "use hyper::server::conn::http1;\nuse hyper_util::rt::{TokioIo, TokioTimer};\n\nasync fn run(stream: tokio::net::TcpStream) {\n    http1::Builder::new()\n" + extra + "        .serve_connection(TokioIo::new(stream), service_fn(hello))\n        .await;\n}\n"
	}
	r, _ := checkFiles(t, map[string]string{
		// axum 0.8 (Cargo.toml only): no timer, idle connections stay open.
		"a08/Cargo.toml":     cargo("axum = \"0.8\"\n"),
		"a08/src/main.rs":    serve,
		"a07/Cargo.toml":     cargo("axum = { version = \"0.7.5\", features = [\"macros\"] }\n"),
		"a07/src/main.rs":    imported,
		"a09/Cargo.toml":     cargo("axum = \"0.9\"\n"),
		"a09/Cargo.lock":     lock("axum", "0.9.0", "hyper", "1.7.0"),
		"a09/src/main.rs":    serve,
		"a09old/Cargo.toml":  cargo("axum = \"0.9\"\n"),
		"a09old/Cargo.lock":  lock("axum", "0.9.0", "hyper", "1.5.2"),
		"a09old/src/main.rs": serve,
		// The lock wins over the requirement.
		"locked/Cargo.toml":  cargo("axum = \"0.8\"\n"),
		"locked/Cargo.lock":  lock("axum", "0.6.20", "axum", "0.8.4", "hyper", "1.6.0"),
		"locked/src/main.rs": serve,
		// A workspace member: the version is in the workspace's Cargo.toml.
		"Cargo.toml":         "[workspace]\nmembers = [\"ws/api\"]\n\n[workspace.dependencies]\naxum = { version = \"0.9.1\" }\n",
		"ws/api/Cargo.toml":  cargo("axum.workspace = true\n"),
		"ws/api/src/main.rs": serve,
		"h014/Cargo.toml":    cargo("axum = \"0.6\"\n"),
		"h014/src/main.rs":   "use axum::Router;\n\n#[tokio::main]\nasync fn main() {\n    axum::Server::bind(&\"0.0.0.0:3000\".parse().unwrap()).serve(app.into_make_service()).await.unwrap();\n}\n",
		"b1/Cargo.toml":      cargo("hyper = { version = \"1\", features = [\"server\", \"http1\"] }\n"),
		"b1/src/main.rs":     builder(""),
		"b2/Cargo.toml":      cargo("hyper = \"1.6\"\n"),
		"b2/src/main.rs":     builder("        .timer(TokioTimer::new())\n"),
		"b3/Cargo.toml":      cargo("hyper = \"1.6\"\n"),
		"b3/src/main.rs":     builder("        .timer(TokioTimer::new())\n        .header_read_timeout(Duration::from_secs(75))\n"),
		"b4/Cargo.toml":      cargo("hyper = \"1.6\"\n"),
		"b4/src/main.rs":     builder("        .timer(TokioTimer::new())\n        .header_read_timeout(None)\n"),
		// A constant of the same file; a timer only for HTTP/2.
		"b5/Cargo.toml":  cargo("hyper = \"1.6\"\n"),
		"b5/src/main.rs": "use hyper_util::server::conn::auto;\nconst IO_TIMEOUT: Duration = Duration::from_secs(60);\n\nasync fn run() {\n    let mut builder = auto::Builder::new(TokioExecutor::new());\n    builder\n        .http1()\n        .timer(TokioTimer::new())\n        .header_read_timeout(IO_TIMEOUT);\n    builder.serve_connection_with_upgrades(stream, svc).await;\n}\n",
		"b6/Cargo.toml":  cargo("hyper = \"1.6\"\n"),
		"b6/src/main.rs": "use hyper_util::server::conn::auto;\nasync fn run() {\n    let mut builder = auto::Builder::new(TokioExecutor::new());\n    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Duration::from_secs(20));\n    builder.serve_connection(stream, svc).await;\n}\n",
		// Not servers: a client's builder, an example, a test, a comment.
		"client/Cargo.toml":    cargo("hyper = \"1\"\n"),
		"client/src/main.rs":   "let (sender, conn) = hyper::client::conn::http1::Builder::new().handshake(io).await?;\n// conn.serve_connection(io)\n",
		"a08/examples/demo.rs": serve,
		"a08/src/lib.rs":       "pub fn app() {}\n#[cfg(test)]\nmod tests {\n    async fn t() { axum::serve(listener, app()).await.unwrap(); }\n}\n",
		"a07/src/doc.rs":       "// axum::serve(listener, app)\n",
	})
	wantHops(t, r, map[string]string{
		"axum a08/src/main.rs:7":    "no limit axum::serve (axum \"0.8\" in a08/Cargo.toml) installs no timer",
		"axum a07/src/main.rs:4":    "no limit axum::serve (axum \"0.7.5\" in a07/Cargo.toml) installs no timer",
		"axum a09/src/main.rs:7":    "30s axum::serve (axum 0.9.0 in a09/Cargo.lock) installs a timer",
		"axum a09old/src/main.rs:7": "no limit axum::serve (axum 0.9.0 in a09old/Cargo.lock) installs a timer, but hyper 1.5.2 in a09old/Cargo.lock starts",
		"axum locked/src/main.rs:7": "no limit axum::serve (axum 0.8.4 in locked/Cargo.lock) installs no timer",
		"axum ws/api/src/main.rs:7": "30s axum::serve (axum \"0.9.1\" in Cargo.toml) installs a timer",
		"hyper h014/src/main.rs:5":  "no limit hyper 0.14's Server has no idle timeout",
		"hyper b1/src/main.rs:5":    "no limit hyper server builder with no timer",
		"hyper b2/src/main.rs:5":    "30s hyper server builder with a timer",
		"hyper b3/src/main.rs:7":    "75s header_read_timeout(Duration::from_secs(75))",
		"hyper b4/src/main.rs:7":    "no limit header_read_timeout(None): off",
		"hyper b5/src/main.rs:9":    "60s header_read_timeout(IO_TIMEOUT = Duration::from_secs(60))",
		"hyper b6/src/main.rs:3":    "no limit hyper server builder with no timer",
	})
	for _, h := range r.Hops {
		if h.Idle == 30*time.Second && h.Setting(65*time.Second) == "" {
			t.Errorf("%s: no fix", h.Location)
		}
	}
}
