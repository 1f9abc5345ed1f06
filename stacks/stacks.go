// Package stacks knows, for common servers and frameworks, their default idle
// keep-alive timeout, how to recognise them on the wire, and the exact setting
// that changes the timeout. It is the one table that probe, logs and check
// read. Each default names the versions it holds for and where it comes from
// (the project's documentation or source); the README lists them.
package stacks

import (
	"fmt"
	"strings"
	"time"
)

// Special values of Stack.DefaultIdle.
const (
	// NoKeepalive: the server closes the connection after each response.
	NoKeepalive time.Duration = -1
	// Never: the server never closes an idle connection by default.
	Never time.Duration = 1<<63 - 1
	// Unknown: no documented default; measure it with lbdoctor probe.
	Unknown time.Duration = 0
)

// Stack is one server or framework.
type Stack struct {
	// ID is a stable identifier, e.g. "tomcat".
	ID string
	// Name is for people, e.g. "Apache Tomcat (server.xml)".
	Name string
	// Default describes the default idle keep-alive timeout in words.
	Default string
	// DefaultIdle is that default as a value (or NoKeepalive, Never, Unknown).
	DefaultIdle time.Duration
	// CloseLag is how much later than its timeout the server may close an
	// idle connection (a coarse timer, or a deliberate buffer).
	CloseLag time.Duration
	// Source says where the default was checked.
	Source string
	// Headers are lower-case substrings of the Server or X-Powered-By
	// response header that identify the stack.
	Headers []string
	// setting renders the setting for a timeout.
	setting func(d time.Duration) string
}

// Setting returns the exact configuration that sets the idle keep-alive
// timeout to d, in the stack's own syntax.
func (s Stack) Setting(d time.Duration) string { return s.setting(d) }

func secs(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }
func ms(d time.Duration) int64   { return d.Milliseconds() }

// all is ordered so that the more specific header matches come first
// (openresty and Passenger before nginx, Coyote before Apache).
var all = []Stack{
	{ID: "spring-boot-tomcat", Name: "Spring Boot (embedded Tomcat)", DefaultIdle: 60 * time.Second,
		Default: "60 s (Tomcat's code default; equal to ALB's 60 s, so it races)",
		Source:  "Spring Boot leaves keepAliveTimeout unset; Tomcat then uses connectionTimeout, 60 s in code (Tomcat 9-11 Connector docs)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("server.tomcat.keep-alive-timeout=%dms  (application.properties, Spring Boot 2.5+)", ms(d))
		}},
	{ID: "tomcat", Name: "Apache Tomcat (server.xml)", DefaultIdle: 20 * time.Second, CloseLag: time.Second,
		Default: "connectionTimeout, 20 s in the stock server.xml (60 s when unset)", Headers: []string{"apache-coyote"},
		Source: "Tomcat 9-11 HTTP Connector docs: keepAliveTimeout defaults to connectionTimeout; stock conf/server.xml sets 20000",
		setting: func(d time.Duration) string {
			return fmt.Sprintf(`<Connector ... keepAliveTimeout="%d">`, ms(d))
		}},
	{ID: "spring-boot-jetty", Name: "Spring Boot (embedded Jetty)", DefaultIdle: 30 * time.Second,
		Default: "30 s (Jetty's connector default)", Source: "Jetty 9.4-12 ServerConnector idleTimeout default 30000 ms",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("server.jetty.connection-idle-timeout=%dms  (application.properties)", ms(d))
		}},
	{ID: "jetty", Name: "Eclipse Jetty", DefaultIdle: 30 * time.Second, Headers: []string{"jetty"},
		Default: "30 s", Source: "Jetty 9.4-12: jetty.http.idleTimeout=30000 (start.d/http.ini, ServerConnector default)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("jetty.http.idleTimeout=%d  (start.d/http.ini or start.ini)", ms(d))
		}},
	{ID: "dropwizard", Name: "Dropwizard (Jetty)", DefaultIdle: 30 * time.Second,
		Default: "30 s (each HTTP connector's idleTimeout)", Source: "Dropwizard 1.x-4.x HttpConnectorFactory: idleTimeout = Duration.seconds(30), set on Jetty's ServerConnector",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("idleTimeout: %d seconds  (on the HTTP connector: server.applicationConnectors, or server.connector of the simple server, in the configuration YAML)", secs(d))
		}},
	{ID: "play", Name: "Play Framework", DefaultIdle: 75 * time.Second,
		Default: "75 s (play.server.http.idleTimeout)", Source: "Play 2.6-3.x play-server reference.conf: play.server.http.idleTimeout = 75 seconds (the Akka/Pekko HTTP and Netty backends alike)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("play.server.http.idleTimeout = %d seconds  (conf/application.conf)", secs(d))
		}},
	{ID: "akka-http", Name: "Akka HTTP", DefaultIdle: 60 * time.Second,
		Default: "60 s (equal to ALB's 60 s, so it races)", Source: "akka-http-core reference.conf: akka.http.server.idle-timeout = 60 s",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("akka.http.server.idle-timeout = %d s  (application.conf)", secs(d))
		}},
	{ID: "pekko-http", Name: "Pekko HTTP", DefaultIdle: 60 * time.Second,
		Default: "60 s (equal to ALB's 60 s, so it races)", Source: "pekko-http-core reference.conf: pekko.http.server.idle-timeout = 60 s",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("pekko.http.server.idle-timeout = %d s  (application.conf)", secs(d))
		}},
	{ID: "quarkus", Name: "Quarkus (Vert.x HTTP)", DefaultIdle: 30 * time.Minute,
		Default: "30 min (quarkus.http.idle-timeout)", Source: "Quarkus 1.x-3.x vertx-http HttpConfiguration: idle-timeout defaultValue 30M, given to Vert.x's HttpServerOptions idle timeout",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("quarkus.http.idle-timeout=%ds  (application.properties, or QUARKUS_HTTP_IDLE_TIMEOUT=%ds)", secs(d), secs(d))
		}},
	{ID: "micronaut", Name: "Micronaut (Netty)", DefaultIdle: 5 * time.Minute,
		Default: "5 min (micronaut.server.idle-timeout)", Source: "micronaut-core HttpServerConfiguration: DEFAULT_IDLE_TIME_MINUTES = 5; the Netty pipeline closes a connection on ALL_IDLE (4.x HttpPipelineBuilder, PipeliningServerHandler)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("micronaut.server.idle-timeout: %ds  (application.yml, or MICRONAUT_SERVER_IDLE_TIMEOUT=%ds)", secs(d), secs(d))
		}},
	{ID: "ktor-cio", Name: "Ktor (CIO engine)", DefaultIdle: 45 * time.Second,
		Default: "45 s (connectionIdleTimeoutSeconds)", Source: "Ktor 1.x-3.x CIO: HttpServerSettings.connectionIdleTimeoutSeconds = 45; EngineMain reads ktor.deployment.connectionIdleTimeoutSeconds",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("connectionIdleTimeoutSeconds = %d  (embeddedServer(CIO, configure = { ... }), or ktor.deployment.connectionIdleTimeoutSeconds in application.conf)", secs(d))
		}},
	{ID: "actix-web", Name: "actix-web", DefaultIdle: 5 * time.Second,
		Default: "5 s (KeepAlive::Timeout)", Source: "actix-http 3.x keep_alive.rs: KeepAlive::default() = Timeout(5 s); actix-web 3 took seconds",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("HttpServer::new(...).keep_alive(Duration::from_secs(%d))", secs(d))
		}},
	{ID: "rocket", Name: "Rocket", DefaultIdle: 5 * time.Second,
		Default: "5 s (keep_alive; 0 disables)", Source: "Rocket 0.5 Config: keep_alive = 5 (Config::debug_default and release_default)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("keep_alive = %d  ([release] in Rocket.toml, or ROCKET_KEEP_ALIVE=%d)", secs(d), secs(d))
		}},
	{ID: "axum", Name: "axum (axum::serve, on hyper)", DefaultIdle: Never,
		Default: "none in axum 0.7 and 0.8; 30 s from axum 0.9 (hyper's header_read_timeout)",
		Source:  "axum serve/mod.rs: a TokioTimer on the HTTP/1 builder from axum 0.9 (tokio-rs/axum#3478), none before; hyper 1.x http1 header_read_timeout 30 s, applied only with a timer, and running while idle from hyper 1.6 (hyperium/hyper#3828)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("axum::serve has no setting for it: serve the Router with hyper_util::server::conn::auto::Builder and builder.http1().timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(%d))", secs(d))
		}},
	{ID: "hyper", Name: "hyper (Rust)", DefaultIdle: Never,
		Default: "none without a timer; 30 s (header_read_timeout) with one, from hyper 1.6",
		Source:  "hyper 0.14 Server: no idle timeout; hyper 1.x server/conn/http1.rs header_read_timeout default 30 s, needs Builder::timer, runs while the connection is idle from 1.6.0 (#3828)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("http1::Builder::new().timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(%d))  (hyper-util auto::Builder: .http1().timer(...).header_read_timeout(...))", secs(d))
		}},
	{ID: "sanic", Name: "Sanic", DefaultIdle: 120 * time.Second,
		Default: "120 s from Sanic 23.6, 5 s before (KEEP_ALIVE_TIMEOUT)", Source: "sanic/config.py DEFAULT_CONFIG: KEEP_ALIVE_TIMEOUT 5 until 23.3, 120 from 23.6 (sanic-org/sanic#2670)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("app.config.KEEP_ALIVE_TIMEOUT = %d  (or SANIC_KEEP_ALIVE_TIMEOUT=%d)", secs(d), secs(d))
		}},
	{ID: "liberty", Name: "Open Liberty / WebSphere Liberty", DefaultIdle: 30 * time.Second,
		Default: "30 s", Source: "httpOptions persistTimeout default (OpenLiberty/open-liberty#17040)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf(`<httpOptions id="defaultHttpOptions" persistTimeout="%ds"/>  (server.xml)`, secs(d))
		}},
	{ID: "spring-boot-undertow", Name: "Spring Boot (embedded Undertow)", DefaultIdle: 60 * time.Second,
		Default: "60 s (equal to ALB's 60 s, so it races)", Source: "Undertow.Builder sets NO_REQUEST_TIMEOUT to 60 s (Undertow 2.x source)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("server.undertow.no-request-timeout=%dms  (application.properties)", ms(d))
		}},
	{ID: "undertow", Name: "Undertow", DefaultIdle: 60 * time.Second,
		Default: "60 s (NO_REQUEST_TIMEOUT)", Source: "Undertow.Builder sets NO_REQUEST_TIMEOUT to 60 s (Undertow 2.x source)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("Undertow.builder().setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, %d)", ms(d))
		}},
	{ID: "reactor-netty", Name: "Reactor Netty (Spring WebFlux)", DefaultIdle: Never,
		Default: "none: idle connections are never closed", Source: "Reactor Netty HttpServer: idleTimeout unset means no timeout; Spring Boot server.netty.idle-timeout has no default",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("server.netty.idle-timeout=%ds  (application.properties; or HttpServer.idleTimeout(Duration.ofSeconds(%d)))", secs(d), secs(d))
		}},
	{ID: "kestrel", Name: "ASP.NET Core Kestrel", DefaultIdle: 130 * time.Second, Headers: []string{"kestrel"},
		Default: "130 s (2 min 10 s)", Source: "KestrelServerLimits.KeepAliveTimeout default, ASP.NET Core 2.0-9.0 docs",
		setting: func(d time.Duration) string {
			// Not appsettings.json's Kestrel:Limits: ASP.NET Core does not
			// bind Limits from configuration (dotnet/aspnetcore#4765).
			return fmt.Sprintf(`builder.WebHost.ConfigureKestrel(o => o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(%d));  (Program.cs; "Kestrel": {"Limits": {"KeepAliveTimeout": "%s"}} in appsettings.json counts only where the app binds that section: builder.Services.Configure<KestrelServerOptions>(builder.Configuration.GetSection("Kestrel")))`, secs(d), timespan(d))
		}},
	{ID: "nextjs", Name: "Next.js (next start)", DefaultIdle: 5 * time.Second, CloseLag: time.Second, Headers: []string{"next.js"},
		Default: "Node's 5 s (closes about 1 s later)", Source: "next start --keepAliveTimeout (Next.js 12.2+); otherwise Node's http default",
		setting: func(d time.Duration) string { return fmt.Sprintf("next start --keepAliveTimeout %d", ms(d)) }},
	{ID: "nitro", Name: "Nitro node-server (Nuxt, SolidStart, Analog)", DefaultIdle: 5 * time.Second, CloseLag: time.Second,
		Default: "Node's 5 s (closes about 1 s later); the preset has no setting",
		Source:  "nitropack 2.13.6 dist/presets/node/runtime/node-server.mjs: new http.Server(listener), keepAliveTimeout never set (nitrojs/nitro#2638)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("node-server cannot set it (nitrojs/nitro#2638): build with nitro: { preset: 'node-listener' } and serve the listener of .output/server/index.mjs from http.createServer(listener) with server.keepAliveTimeout = %d; server.headersTimeout = %d;", ms(d), ms(d)+1000)
		}},
	{ID: "sveltekit-node", Name: "SvelteKit adapter-node (node build)", DefaultIdle: 5 * time.Second, CloseLag: time.Second,
		Default: "Node's 5 s (closes about 1 s later)",
		Source:  "@sveltejs/adapter-node files/index.js: http.createServer(); KEEP_ALIVE_TIMEOUT and HEADERS_TIMEOUT (seconds) from 5.5.0 (sveltejs/kit#15125), none in 5.4.0",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("KEEP_ALIVE_TIMEOUT=%d HEADERS_TIMEOUT=%d  (environment of node build, in seconds; @sveltejs/adapter-node 5.5.0+)", secs(d), secs(d)+1)
		}},
	{ID: "astro-node", Name: "Astro @astrojs/node standalone", DefaultIdle: 5 * time.Second, CloseLag: time.Second,
		Default: "Node's 5 s (closes about 1 s later); the adapter has no setting",
		Source:  "@astrojs/node 11.1.6 dist/standalone.js: http.createServer(listener), keepAliveTimeout never set (withastro/astro#17883 proposes an option)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("standalone mode cannot set it: use node({ mode: 'middleware' }) and serve its handler from your own server with server.keepAliveTimeout = %d; server.headersTimeout = %d;", ms(d), ms(d)+1000)
		}},
	{ID: "fastify", Name: "Fastify (Node.js)", DefaultIdle: 72 * time.Second, CloseLag: time.Second,
		Default: "72 s", Source: "Fastify 1-5 server options: keepAliveTimeout default 72000",
		setting: func(d time.Duration) string { return fmt.Sprintf("fastify({ keepAliveTimeout: %d })", ms(d)) }},
	{ID: "node", Name: "Node.js http (Express, NestJS, Koa)", DefaultIdle: 5 * time.Second, CloseLag: time.Second, Headers: []string{"express"},
		Default: "5 s (closes about 1 s later)", Source: "Node.js 8-24 http docs: server.keepAliveTimeout 5000",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("server.keepAliveTimeout = %d; server.headersTimeout = %d;", ms(d), ms(d)+1000)
		}},
	{ID: "deno", Name: "Deno.serve", DefaultIdle: Unknown, Headers: []string{"deno"},
		Default: "not documented and, before the keepAliveTimeout option, not configurable (denoland/deno#32497)", Source: "denoland/deno#32497, #34172",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("Deno.serve({ keepAliveTimeout: %d }, handler)  (Deno versions with the option; otherwise put a proxy with a longer timeout in front)", secs(d))
		}},
	{ID: "bun", Name: "Bun.serve", DefaultIdle: 10 * time.Second, Headers: []string{"bun"},
		Default: "10 s (at most 255 s)", Source: "Bun docs, Bun.serve idleTimeout: default 10, maximum 255",
		setting: func(d time.Duration) string {
			if secs(d) > 255 {
				return "Bun.serve({ idleTimeout: 0 })  (no timeout: Bun allows at most 255 s)"
			}
			return fmt.Sprintf("Bun.serve({ idleTimeout: %d, fetch })", secs(d))
		}},
	{ID: "openresty", Name: "OpenResty", DefaultIdle: 75 * time.Second, Headers: []string{"openresty"},
		Default: "75 s (nginx's code default; 65 s in the shipped nginx.conf)", Source: "nginx keepalive_timeout default 75s",
		setting: func(d time.Duration) string { return fmt.Sprintf("keepalive_timeout %ds;", secs(d)) }},
	{ID: "passenger", Name: "Phusion Passenger", DefaultIdle: Unknown, Headers: []string{"phusion_passenger", "passenger"},
		Default: "that of the web server it runs in (nginx 75 s, Apache 5 s)", Source: "Passenger runs inside nginx or Apache, or Standalone on an nginx core",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("keepalive_timeout %ds; (nginx or Passenger Standalone's nginx template) or KeepAliveTimeout %d (Apache)", secs(d), secs(d))
		}},
	{ID: "nginx", Name: "nginx", DefaultIdle: 75 * time.Second, Headers: []string{"nginx"},
		Default: "75 s in code, 65 s in most shipped configs", Source: "nginx keepalive_timeout default 75s",
		setting: func(d time.Duration) string { return fmt.Sprintf("keepalive_timeout %ds;", secs(d)) }},
	{ID: "apache", Name: "Apache httpd", DefaultIdle: 5 * time.Second, Headers: []string{"apache"},
		Default: "5 s", Source: "Apache httpd 2.4 core docs: KeepAliveTimeout 5",
		setting: func(d time.Duration) string { return fmt.Sprintf("KeepAlive On\nKeepAliveTimeout %d", secs(d)) }},
	{ID: "haproxy", Name: "HAProxy", DefaultIdle: Unknown, Headers: []string{"haproxy"},
		Default: "timeout http-keep-alive, else timeout http-request, else timeout client", Source: "HAProxy 2.x configuration manual",
		setting: func(d time.Duration) string { return fmt.Sprintf("timeout http-keep-alive %ds", secs(d)) }},
	{ID: "caddy", Name: "Caddy", DefaultIdle: 5 * time.Minute, Headers: []string{"caddy"},
		Default: "5 min", Source: "Caddy 2 server timeouts: idle defaults to 5m",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("{\n  servers {\n    timeouts {\n      idle %ds\n    }\n  }\n}  (Caddyfile global options)", secs(d))
		}},
	{ID: "traefik", Name: "Traefik", DefaultIdle: 180 * time.Second, Headers: []string{"traefik"},
		Default: "180 s", Source: "Traefik 2-3 entryPoints transport.respondingTimeouts.idleTimeout default 180s",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("--entryPoints.web.transport.respondingTimeouts.idleTimeout=%ds", secs(d))
		}},
	{ID: "envoy", Name: "Envoy", DefaultIdle: time.Hour, Headers: []string{"envoy"},
		Default: "1 hour", Source: "Envoy HttpConnectionManager common_http_protocol_options.idle_timeout default 1h",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("common_http_protocol_options: { idle_timeout: %ds }  (HttpConnectionManager)", secs(d))
		}},
	{ID: "lighttpd", Name: "lighttpd", DefaultIdle: 5 * time.Second, CloseLag: 2 * time.Second, Headers: []string{"lighttpd"},
		Default: "5 s", Source: "lighttpd 1.4 server.max-keep-alive-idle default 5",
		setting: func(d time.Duration) string { return fmt.Sprintf("server.max-keep-alive-idle = %d", secs(d)) }},
	{ID: "gunicorn", Name: "gunicorn (gthread/gevent/eventlet workers)", DefaultIdle: 2 * time.Second, CloseLag: time.Second, Headers: []string{"gunicorn"},
		Default: "2 s (the sync worker does no keep-alive)", Source: "gunicorn 19-23 settings: keepalive 2",
		setting: func(d time.Duration) string { return fmt.Sprintf("--keep-alive %d", secs(d)) }},
	{ID: "uvicorn", Name: "uvicorn", DefaultIdle: 5 * time.Second, Headers: []string{"uvicorn"},
		Default: "5 s", Source: "uvicorn settings: --timeout-keep-alive 5",
		setting: func(d time.Duration) string { return fmt.Sprintf("--timeout-keep-alive %d", secs(d)) }},
	{ID: "hypercorn", Name: "Hypercorn", DefaultIdle: 5 * time.Second, Headers: []string{"hypercorn"},
		Default: "5 s; but Hypercorn 0.13 (Debian 12) never restarts the timer after a connection's first request, so idle connections stay open",
		Source:  "Hypercorn configuration: keep_alive_timeout 5; 0.13's asyncio tcp_server leaves the cancelled timer handle set (measured: no close in 75 s)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("--keep-alive %d  (or keep_alive_timeout = %d in the config)", secs(d), secs(d))
		}},
	{ID: "granian", Name: "Granian", DefaultIdle: 30 * time.Second, Headers: []string{"granian"},
		Default: "30 s: from 2.0, an idle HTTP/1 connection closes when --http1-header-read-timeout (30000 ms; at most 60000) passes",
		Source:  "Granian 2.0-2.8 source (HTTP1Settings.header_read_timeout = 30_000, the CLI's range 1-60000) on hyper 1.6+, which starts that timer when a connection goes idle (hyper#3828); read, not measured. It answers with Server: granian (src/http.rs)",
		setting: func(d time.Duration) string {
			if d > time.Minute {
				return fmt.Sprintf("--http1-header-read-timeout %d is more than Granian takes (60000 at most): set 60000 and the load balancer's idle timeout below 60 s, or --no-http1-keep-alive", ms(d))
			}
			return fmt.Sprintf("--http1-header-read-timeout %d  (or GRANIAN_HTTP1_HEADER_READ_TIMEOUT=%d)", ms(d), ms(d))
		}},
	{ID: "waitress", Name: "Waitress", DefaultIdle: 120 * time.Second, CloseLag: 30 * time.Second, Headers: []string{"waitress"},
		Default: "120 s, checked every 30 s (cleanup_interval)", Source: "Waitress 1-3 arguments: channel_timeout 120, cleanup_interval 30",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("--channel-timeout=%d  (or serve(app, channel_timeout=%d))", secs(d), secs(d))
		}},
	{ID: "uwsgi", Name: "uWSGI", DefaultIdle: time.Millisecond,
		Default: "http and http-socket close right after each response, without Connection: close; http-keepalive = 1: http-timeout (60 s); http-keepalive = N: N s; http11-socket: socket-timeout (4 s)",
		Source:  "uWSGI 2.0.21 (Debian 12) measured with lbdoctor probe: --http-keepalive=5 closed at 5.25 s, --http-keepalive with --http-timeout 10 at 9.25 s (60 s by default: 59.85 s), --http11-socket --socket-timeout 12 at 12.0 s; --http and --http-socket closed after each response; the router's timer ticks once a second, so it may close up to 1 s early (2 s: 1.25 s under load)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("--http-keepalive=%d  (with --http; in an ini: http-keepalive = %d)", secs(d), secs(d))
		}},
	{ID: "aiohttp", Name: "aiohttp (web.run_app, AppRunner)", DefaultIdle: 75 * time.Second, Headers: []string{"aiohttp"},
		Default: "75 s (keepalive_timeout)", Source: "aiohttp 3.x web.run_app and AppRunner: keepalive_timeout=75.0; measured on aiohttp 3.8.4 (Debian 12): keepalive_timeout=2 closed at 2.0 s",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("web.run_app(app, keepalive_timeout=%d)  (or web.AppRunner(app, keepalive_timeout=%d))", secs(d), secs(d))
		}},
	{ID: "daphne", Name: "Daphne (Django Channels)", DefaultIdle: 12 * time.Hour, Headers: []string{"daphne"},
		Default: "12 h (Twisted's HTTPFactory timeout)", Source: "Daphne builds on twisted.web.http.HTTPFactory, whose timeout is 12 h",
		setting: func(d time.Duration) string {
			return "nothing to raise: Daphne keeps idle connections 12 h, longer than any load balancer's idle timeout"
		}},
	{ID: "cowboy", Name: "Cowboy 2 (Phoenix, Plug)", DefaultIdle: 5 * time.Second, Headers: []string{"cowboy"},
		Default: "5 s (request_timeout: the wait for the next request on a kept-alive connection)",
		Source:  "Cowboy 2 cowboy_http(3) and cowboy_http.erl: request_timeout 5000 ms runs while no request is in progress; idle_timeout (60000) only during one",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("http: [protocol_options: [request_timeout: %d]]  (the Endpoint's config, e.g. config/runtime.exs)", ms(d))
		}},
	{ID: "bandit", Name: "Bandit (Phoenix 1.7.11+)", DefaultIdle: 60 * time.Second,
		Default: "60 s (Thousand Island's read_timeout; equal to ALB's 60 s, so it races)",
		Source:  "Thousand Island ServerConfig read_timeout 60_000 ms, which Bandit waits for the next request on a kept-alive connection",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("http: [thousand_island_options: [read_timeout: %d]]  (the Endpoint's config, e.g. config/runtime.exs)", ms(d))
		}},
	{ID: "puma", Name: "Puma (Rails)", DefaultIdle: 20 * time.Second, Headers: []string{"puma"},
		Default: "20 s up to 6.x, 65 s from 7.0", Source: "Puma DSL persistent_timeout: 20 (Puma 3-6), 65 (Puma 7)",
		setting: func(d time.Duration) string { return fmt.Sprintf("persistent_timeout %d  (config/puma.rb)", secs(d)) }},
	{ID: "thruster", Name: "Thruster (in front of a Rails server)", DefaultIdle: 60 * time.Second,
		Default: "60 s (HTTP_IDLE_TIMEOUT, whole seconds: equal to ALB's 60 s, so it races)", Source: "basecamp/thruster 0.1.x internal/config.go: defaultHttpIdleTimeout = 60 s, given to http.Server IdleTimeout; HTTP_IDLE_TIMEOUT or THRUSTER_HTTP_IDLE_TIMEOUT, an integer of seconds (anything else keeps 60); measured on 0.1.22: FIN at 60.0 s by default, 4.001 s with HTTP_IDLE_TIMEOUT=4, 7.0 s with THRUSTER_HTTP_IDLE_TIMEOUT=7, 60.0 s with HTTP_IDLE_TIMEOUT=4s",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("HTTP_IDLE_TIMEOUT=%d  (whole seconds; or THRUSTER_HTTP_IDLE_TIMEOUT)", secs(d))
		}},
	{ID: "thin", Name: "Thin (Ruby)", DefaultIdle: 30 * time.Second, Headers: []string{"thin"},
		Default: "30 s (--timeout)", Source: "Thin 1.x: --timeout default 30 (Thin::Server::DEFAULT_TIMEOUT)",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("thin start --timeout %d  (or timeout: %d in the config file)", secs(d), secs(d))
		}},
	{ID: "unicorn", Name: "Unicorn (Ruby)", DefaultIdle: NoKeepalive, Headers: []string{"unicorn"},
		Default: "no keep-alive: every response closes the connection", Source: "Unicorn's design: one request per connection (Connection: close)",
		setting: func(d time.Duration) string {
			return "nothing to change: Unicorn closes every connection after its response, so it cannot race"
		}},
	{ID: "go", Name: "Go net/http", DefaultIdle: Never,
		Default: "none (IdleTimeout, else ReadTimeout)", Source: "net/http Server docs: IdleTimeout falls back to ReadTimeout; zero means no timeout",
		setting: func(d time.Duration) string {
			return fmt.Sprintf("&http.Server{IdleTimeout: %d * time.Second}", secs(d))
		}},
}

func timespan(d time.Duration) string {
	s := secs(d)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// All returns every stack lbdoctor knows.
func All() []Stack { return append([]Stack(nil), all...) }

// Lookup returns the stack with the given ID.
func Lookup(id string) (Stack, bool) {
	for _, s := range all {
		if s.ID == id {
			return s, true
		}
	}
	return Stack{}, false
}

// Must returns the stack with the given ID; the ID must be in the table.
func Must(id string) Stack {
	s, ok := Lookup(id)
	if !ok {
		panic("stacks: no stack " + id)
	}
	return s
}

// Identify names the stack that Server and X-Powered-By response headers
// announce, if any. It compares product names ("nginx" in "nginx/1.22.1",
// "jetty" in "Jetty(9.4.57)"), never bare substrings: "Apache/2.4 (Ubuntu)"
// is not Bun.
func Identify(server, poweredBy string) (Stack, bool) {
	for _, h := range []string{server, poweredBy} {
		tokens := strings.FieldsFunc(strings.ToLower(h), func(r rune) bool {
			return r == ' ' || r == '(' || r == ')' || r == ',' || r == ';' || r == '\t'
		})
		for _, s := range all {
			for _, name := range s.Headers {
				for _, tok := range tokens {
					product, _, _ := strings.Cut(tok, "/")
					if product == name || strings.HasPrefix(product, name) && !isLetter(product[len(name)]) {
						return s, true
					}
				}
			}
		}
	}
	return Stack{}, false
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' }

// Recommended is the idle keep-alive timeout a backend needs behind a
// connection-reusing proxy whose idle timeout is lbIdle: strictly longer, by
// margin.
func Recommended(lbIdle, margin time.Duration) time.Duration { return lbIdle + margin }
