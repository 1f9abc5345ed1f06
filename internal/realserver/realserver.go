// Package realserver starts real HTTP servers installed from Debian packages
// (nginx, Apache httpd, HAProxy, Tomcat, gunicorn, uvicorn, Node) on 127.0.0.1,
// each with its own configuration in a temporary directory, for integration
// tests. Servers stop when the test ends. When a server is not installed the
// test is skipped, except under CI (CI=true), where that is a failure:
// scripts/install-test-deps must have installed it.
package realserver

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Server is a running server.
type Server struct {
	Name string
	Addr string // 127.0.0.1:port
	Dir  string
}

// URL returns the server's base URL.
func (s *Server) URL() string { return "http://" + s.Addr + "/" }

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
//
// It picks at random outside the ephemeral range (Linux's default is
// 32768-60999; see testPorts) rather than asking the kernel for port 0: the
// kernel tends to hand the same port out again as soon as it is closed, so two servers of tests running in parallel
// could get the same one while the first (a JVM takes seconds) has not yet
// bound it.
//
// Test binaries of several packages run at once (go test ./...), each with
// its own servers. A port is reserved with a file created exclusively in a
// shared directory until the test ends, so that two tests, in any process,
// never start servers on the same port: the second one's start-up check
// would otherwise see the first server accepting and measure the wrong one.
// A reservation older than ten minutes is a crashed run's, and is taken.
func FreePort(t testing.TB) int {
	t.Helper()
	return freePort(t, 5*time.Second)
}

// freePort is FreePort, waiting up to release for the port to stop
// accepting before it is released.
func freePort(t testing.TB, release time.Duration) int {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "lbdoctor-test-ports")
	os.MkdirAll(dir, 0o755)
	lo, hi := testPorts()
	for range 200 {
		port := lo + rand.IntN(hi-lo+1)
		lock := filepath.Join(dir, fmt.Sprint(port))
		if st, err := os.Stat(lock); err == nil && time.Since(st.ModTime()) > 10*time.Minute {
			os.Remove(lock)
		}
		f, err := os.OpenFile(lock, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			continue // another test holds it
		}
		f.Close()
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			os.Remove(lock)
			continue
		}
		l.Close()
		// Released only once nothing accepts there any more: a server's
		// child (a worker that outlives its master by a moment) can hold
		// the port after the server's cleanup, and the next test to take
		// it would find it answering. Still held after that wait, the
		// reservation stays, to expire with the others.
		t.Cleanup(func() {
			if !stillAccepting(port, release) {
				os.Remove(lock)
			}
		})
		return port
	}
	t.Fatalf("no free port found in %d-%d", lo, hi)
	return 0
}

// stillAccepting reports whether 127.0.0.1:port still accepts connections
// after waiting up to wait for it to stop.
func stillAccepting(port int, wait time.Duration) bool {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(wait); ; time.Sleep(100 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return false
		}
		c.Close()
		if time.Now().After(deadline) {
			return true
		}
	}
}

// testPorts returns the range FreePort picks from: 20000-31999, unless this
// machine's ephemeral range (which the kernel hands out for outgoing
// connections and port 0) overlaps it; then the larger of the ranges below
// and above it, so that a test server's port is never one a connection of
// some other test may be using.
func testPorts() (lo, hi int) {
	lo, hi = 20000, 31999
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return lo, hi
	}
	var elo, ehi int
	if _, err := fmt.Sscan(string(b), &elo, &ehi); err != nil || ehi < lo || elo > hi {
		return lo, hi
	}
	below, above := [2]int{1024, elo - 1}, [2]int{ehi + 1, 65535}
	if below[1]-below[0] >= above[1]-above[0] {
		return below[0], below[1]
	}
	return above[0], above[1]
}

func need(t testing.TB, bin string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed: scripts/install-test-deps should have installed it", bin)
		}
		t.Skipf("%s is not installed (run scripts/install-test-deps)", bin)
	}
	return p
}

// start runs cmd, waits until addr accepts connections and stops it at cleanup.
func start(t testing.TB, name, dir, addr string, cmd *exec.Cmd, startup time.Duration) *Server {
	t.Helper()
	logf, err := os.Create(filepath.Join(dir, "server.out"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = dir
	// Something else answering there would pass the start-up check below.
	// Seen once in many runs on a loaded machine: a listener on a port
	// FreePort had just reserved and found free, gone a moment later. So a
	// listener that goes away within a few seconds is waited out; one that
	// stays fails the test.
	for deadline := time.Now().Add(3 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		self := c.LocalAddr().String() == c.RemoteAddr().String()
		c.Close()
		// A TCP self-connect (the dial's own source port was addr's, possible
		// where the ephemeral range covers FreePort's) is not a server.
		if self {
			break
		}
		if time.Now().After(deadline) {
			ports, _ := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
			t.Fatalf("start %s: %s already accepts connections before the server starts (ephemeral ports here: %s)",
				name, addr, strings.TrimSpace(string(ports)))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	// exited is closed when the process ends (waitErr is then set), so that
	// both the start-up check and the cleanup can see it.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		logf.Close()
	})
	deadline := time.Now().Add(startup)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			out, _ := os.ReadFile(filepath.Join(dir, "server.out"))
			t.Fatalf("%s exited at start: %v\n%s", name, waitErr, out)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return &Server{Name: name, Addr: addr, Dir: dir}
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := os.ReadFile(filepath.Join(dir, "server.out"))
	t.Fatalf("%s did not listen on %s within %s\n%s", name, addr, startup, out)
	return nil
}

// warm sends one request and waits for its answer (up to a minute): a JVM
// server accepts connections before its first answer, which can take
// seconds on a loaded machine and would eat into a measurement.
func warm(t testing.TB, s *Server) *Server {
	t.Helper()
	c := &http.Client{Timeout: time.Minute}
	resp, err := c.Get(s.URL())
	if err != nil {
		t.Fatalf("%s did not answer its first request: %v", s.Name, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	c.CloseIdleConnections()
	return s
}

func write(t testing.TB, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Nginx starts nginx with the given http-level directives (e.g.
// "keepalive_timeout 2s;") answering 200 "ok" on every path.
func Nginx(t testing.TB, directives string) *Server {
	bin := need(t, "nginx")
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	write(t, filepath.Join(dir, "nginx.conf"), fmt.Sprintf(`worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path %[1]s/body; proxy_temp_path %[1]s/proxy; fastcgi_temp_path %[1]s/fcgi;
  uwsgi_temp_path %[1]s/uwsgi; scgi_temp_path %[1]s/scgi;
  %[3]s
  server { listen %[2]s; location / { return 200 "ok\n"; } }
}
`, dir, addr, directives))
	return start(t, "nginx", dir, addr, exec.Command(bin, "-c", filepath.Join(dir, "nginx.conf"), "-p", dir, "-g", "daemon off;"), 10*time.Second)
}

// Apache starts Apache httpd (mpm_event) with the given directives.
func Apache(t testing.TB, directives string) *Server {
	bin := need(t, "apache2")
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	write(t, filepath.Join(dir, "www", "index.html"), "ok\n")
	user := ""
	if os.Geteuid() == 0 {
		user = "User www-data\nGroup www-data\n"
	}
	write(t, filepath.Join(dir, "httpd.conf"), fmt.Sprintf(`ServerRoot /usr/lib/apache2
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
TypesConfig /etc/mime.types
%sPidFile %[2]s/httpd.pid
ErrorLog %[2]s/error.log
Mutex file:%[2]s
Listen %[3]s
ServerName localhost
DocumentRoot %[2]s/www
<Directory %[2]s/www>
  Require all granted
</Directory>
%[4]s
`, user, dir, addr, directives))
	os.Chmod(dir, 0o755)
	return start(t, "apache", dir, addr, exec.Command(bin, "-f", filepath.Join(dir, "httpd.conf"), "-DFOREGROUND"), 10*time.Second)
}

// HAProxy starts HAProxy answering 200 itself, with extra defaults lines.
func HAProxy(t testing.TB, defaults string) *Server {
	bin := need(t, "haproxy")
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	write(t, filepath.Join(dir, "haproxy.cfg"), fmt.Sprintf(`defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  %s
frontend fe
  bind %s
  http-request return status 200 content-type text/plain string ok
`, defaults, addr))
	return start(t, "haproxy", dir, addr, exec.Command(bin, "-f", filepath.Join(dir, "haproxy.cfg"), "-db"), 10*time.Second)
}

// Tomcat starts Tomcat 10 from the Debian package's stock configuration, with
// the HTTP connector's attributes replaced by attrs (e.g.
// `connectionTimeout="3000"`). It takes a few seconds to start.
func Tomcat(t testing.TB, attrs string) *Server {
	home := "/usr/share/tomcat10"
	need(t, filepath.Join(home, "bin", "catalina.sh"))
	if _, err := os.Stat("/etc/tomcat10/server.xml"); err != nil {
		t.Fatalf("tomcat10 configuration missing: %v", err)
	}
	dir := t.TempDir()
	port := FreePort(t)
	for _, f := range []string{"server.xml", "web.xml", "context.xml", "catalina.properties", "logging.properties", "tomcat-users.xml"} {
		b, err := os.ReadFile(filepath.Join("/etc/tomcat10", f))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if f == "server.xml" {
			s = strings.Replace(s, `<Server port="8005"`, `<Server port="-1"`, 1)
			re := regexp.MustCompile(`(?s)<Connector port="8080"[^>]*?/>`)
			s = re.ReplaceAllString(s, fmt.Sprintf(`<Connector port="%d" address="127.0.0.1" protocol="HTTP/1.1" %s />`, port, attrs))
		}
		write(t, filepath.Join(dir, "conf", f), s)
	}
	for _, d := range []string{"logs", "temp", "work"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	write(t, filepath.Join(dir, "webapps", "ROOT", "index.html"), "ok\n")
	cmd := exec.Command(filepath.Join(home, "bin", "catalina.sh"), "run")
	cmd.Env = append(os.Environ(), "CATALINA_BASE="+dir, "CATALINA_HOME="+home, "CATALINA_TMPDIR="+filepath.Join(dir, "temp"))
	return warm(t, start(t, "tomcat", dir, fmt.Sprintf("127.0.0.1:%d", port), cmd, 60*time.Second))
}

const wsgiApp = `def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', '3')])
    return [b'ok\n']

async def asgi(scope, receive, send):
    if scope['type'] != 'http':
        return
    # Read the request first: Hypercorn closes the connection after the
    # response when the application did not.
    while (await receive()).get('more_body'):
        pass
    await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-type', b'text/plain'), (b'content-length', b'3')]})
    await send({'type': 'http.response.body', 'body': b'ok\n'})
`

// Gunicorn starts gunicorn with the given extra arguments (e.g. "-k gthread
// --threads 2 --keep-alive 2").
func Gunicorn(t testing.TB, args ...string) *Server {
	bin := need(t, "gunicorn")
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	write(t, filepath.Join(dir, "app.py"), wsgiApp)
	return start(t, "gunicorn", dir, addr, exec.Command(bin, append([]string{"--chdir", dir, "-b", addr}, append(args, "app:app")...)...), 20*time.Second)
}

// GunicornUvicorn starts gunicorn with uvicorn's worker (Debian's
// python3-uvicorn) on the ASGI test app, configured as tiangolo's
// uvicorn-gunicorn images configure it: a gunicorn config file that takes
// keepalive from the KEEP_ALIVE variable, set here to keepAlive seconds.
func GunicornUvicorn(t testing.TB, keepAlive int) *Server {
	bin := need(t, "gunicorn")
	if _, err := os.Stat("/usr/lib/python3/dist-packages/uvicorn"); err != nil && os.Getenv("CI") != "true" {
		t.Skip("python3-uvicorn is not installed")
	}
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	write(t, filepath.Join(dir, "app.py"), wsgiApp)
	write(t, filepath.Join(dir, "conf.py"), "import os\nkeepalive = int(os.getenv('KEEP_ALIVE', '5'))\n")
	cmd := exec.Command(bin, "--chdir", dir, "-b", addr, "-k", "uvicorn.workers.UvicornWorker", "-c", filepath.Join(dir, "conf.py"), "app:asgi")
	cmd.Env = append(os.Environ(), fmt.Sprintf("KEEP_ALIVE=%d", keepAlive))
	return start(t, "gunicorn", dir, addr, cmd, 20*time.Second)
}

// UWSGI starts uWSGI (Debian's uwsgi-core with its python3 and http
// plugins) on the WSGI test app. mode is "http" (the router), "http-socket"
// or "http11-socket"; args are more options (--http-keepalive=2).
func UWSGI(t testing.TB, mode string, args ...string) *Server {
	bin := need(t, "uwsgi")
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	write(t, filepath.Join(dir, "app.py"), wsgiApp)
	base := []string{"--plugin", "python3,http", "--" + mode, addr, "--chdir", dir, "--wsgi-file", filepath.Join(dir, "app.py"),
		"--callable", "app", "--master", "--processes", "1", "--disable-logging"}
	return start(t, "uwsgi", dir, addr, exec.Command(bin, append(base, args...)...), 20*time.Second)
}

// Uvicorn starts uvicorn (Debian's python3-uvicorn) with the given keep-alive timeout in seconds.
func Uvicorn(t testing.TB, keepAlive int) *Server {
	need(t, "/usr/bin/python3")
	if _, err := os.Stat("/usr/lib/python3/dist-packages/uvicorn"); err != nil && os.Getenv("CI") != "true" {
		t.Skip("python3-uvicorn is not installed")
	}
	dir := t.TempDir()
	port := FreePort(t)
	write(t, filepath.Join(dir, "app.py"), wsgiApp)
	cmd := exec.Command("/usr/bin/python3", "-m", "uvicorn", "--app-dir", dir, "--host", "127.0.0.1", "--port", fmt.Sprint(port),
		"--timeout-keep-alive", fmt.Sprint(keepAlive), "--no-access-log", "app:asgi")
	return start(t, "uvicorn", dir, fmt.Sprintf("127.0.0.1:%d", port), cmd, 20*time.Second)
}

// Node starts a Node http server with server.keepAliveTimeout = ms.
func Node(t testing.TB, keepAliveMS int) *Server {
	bin := need(t, "node")
	dir := t.TempDir()
	port := FreePort(t)
	js := fmt.Sprintf(`const s=require('http').createServer((q,r)=>r.end('ok'));s.keepAliveTimeout=%d;s.listen(%d,'127.0.0.1')`, keepAliveMS, port)
	return start(t, "node", dir, fmt.Sprintf("127.0.0.1:%d", port), exec.Command(bin, "-e", js), 10*time.Second)
}

// Lighttpd starts lighttpd serving "ok" with the given extra directives
// (e.g. "server.max-keep-alive-idle = 2").
func Lighttpd(t testing.TB, directives string) *Server {
	bin := need(t, "lighttpd")
	dir := t.TempDir()
	port := FreePort(t)
	write(t, filepath.Join(dir, "www", "index.html"), "ok\n")
	// No server.username: as www-data it could not read the test's private
	// temporary directory.
	write(t, filepath.Join(dir, "lighttpd.conf"), fmt.Sprintf(`server.document-root = "%[1]s/www"
server.bind = "127.0.0.1"
server.port = %[2]d
server.errorlog = "%[1]s/error.log"
index-file.names = ("index.html")
%[3]s
`, dir, port, directives))
	return start(t, "lighttpd", dir, fmt.Sprintf("127.0.0.1:%d", port), exec.Command(bin, "-D", "-f", filepath.Join(dir, "lighttpd.conf")), 10*time.Second)
}

// Caddy starts Caddy answering "ok", with the given server idle timeout
// (empty: Caddy's default).
func Caddy(t testing.TB, idle string) *Server {
	bin := need(t, "caddy")
	dir := t.TempDir()
	port := FreePort(t)
	timeouts := ""
	if idle != "" {
		timeouts = fmt.Sprintf("servers {\n    timeouts {\n      idle %s\n    }\n  }", idle)
	}
	write(t, filepath.Join(dir, "Caddyfile"), fmt.Sprintf(`{
  admin off
  auto_https off
  %s
}
http://127.0.0.1:%d {
  respond "ok"
}
`, timeouts, port))
	cmd := exec.Command(bin, "run", "--config", filepath.Join(dir, "Caddyfile"), "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	return start(t, "caddy", dir, fmt.Sprintf("127.0.0.1:%d", port), cmd, 20*time.Second)
}

// python runs a Debian Python module (waitress, hypercorn, daphne) on the
// WSGI/ASGI test app.
func python(t testing.TB, name, module string, args func(dir string, port int) []string) *Server {
	need(t, "/usr/bin/python3")
	if _, err := os.Stat("/usr/lib/python3/dist-packages/" + module); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3-%s is not installed: scripts/install-test-deps should have installed it", module)
		}
		t.Skipf("python3-%s is not installed", module)
	}
	dir := t.TempDir()
	port := FreePort(t)
	write(t, filepath.Join(dir, "app.py"), wsgiApp)
	cmd := exec.Command("/usr/bin/python3", append([]string{"-m", module}, args(dir, port)...)...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir)
	return start(t, name, dir, fmt.Sprintf("127.0.0.1:%d", port), cmd, 20*time.Second)
}

// Waitress starts Waitress with the given extra arguments (e.g.
// "--channel-timeout=2").
func Waitress(t testing.TB, extra ...string) *Server {
	return python(t, "waitress", "waitress", func(dir string, port int) []string {
		return append([]string{fmt.Sprintf("--listen=127.0.0.1:%d", port)}, append(extra, "app:app")...)
	})
}

// Hypercorn starts Hypercorn with the given keep-alive timeout in seconds.
func Hypercorn(t testing.TB, keepAlive int) *Server {
	return python(t, "hypercorn", "hypercorn", func(dir string, port int) []string {
		return []string{"--bind", fmt.Sprintf("127.0.0.1:%d", port), "--keep-alive", fmt.Sprint(keepAlive), "app:asgi"}
	})
}

// aiohttpApp serves "ok" with aiohttp's web.run_app; its arguments are the
// port and, optionally, keepalive_timeout in seconds.
const aiohttpApp = `import sys
from aiohttp import web

async def ok(request):
    return web.Response(text="ok")

app = web.Application()
app.router.add_get("/", ok)
kw = {"keepalive_timeout": float(sys.argv[2])} if len(sys.argv) > 2 else {}
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None, **kw)
`

// Aiohttp starts aiohttp's web.run_app (Debian's python3-aiohttp) with the
// given keepalive_timeout in seconds; "" keeps aiohttp's default.
func Aiohttp(t testing.TB, keepalive string) *Server {
	need(t, "/usr/bin/python3")
	if _, err := os.Stat("/usr/lib/python3/dist-packages/aiohttp"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-aiohttp is not installed: scripts/install-test-deps should have installed it")
		}
		t.Skip("python3-aiohttp is not installed")
	}
	dir := t.TempDir()
	port := FreePort(t)
	write(t, filepath.Join(dir, "app.py"), aiohttpApp)
	args := []string{filepath.Join(dir, "app.py"), fmt.Sprint(port)}
	if keepalive != "" {
		args = append(args, keepalive)
	}
	return start(t, "aiohttp", dir, fmt.Sprintf("127.0.0.1:%d", port), exec.Command("/usr/bin/python3", args...), 20*time.Second)
}

// Daphne starts Daphne with its defaults.
func Daphne(t testing.TB) *Server {
	return python(t, "daphne", "daphne", func(dir string, port int) []string {
		return []string{"-b", "127.0.0.1", "-p", fmt.Sprint(port), "app:asgi"}
	})
}

const rackApp = `run lambda { |env| [200, {"Content-Type" => "text/plain", "Content-Length" => "3"}, ["ok\n"]] }
`

// ruby runs a Debian Ruby server (thin, puma, unicorn) on a Rack app.
func ruby(t testing.TB, name string, args func(dir string, port int) []string) *Server {
	bin := need(t, name)
	dir := t.TempDir()
	port := FreePort(t)
	write(t, filepath.Join(dir, "config.ru"), rackApp)
	return start(t, name, dir, fmt.Sprintf("127.0.0.1:%d", port), exec.Command(bin, args(dir, port)...), 30*time.Second)
}

// Thin starts Thin with the given --timeout in seconds.
func Thin(t testing.TB, timeout int) *Server {
	return ruby(t, "thin", func(dir string, port int) []string {
		return []string{"start", "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-R", filepath.Join(dir, "config.ru"), "--timeout", fmt.Sprint(timeout)}
	})
}

// Puma starts Puma with the given config/puma.rb lines.
func Puma(t testing.TB, config string) *Server {
	return ruby(t, "puma", func(dir string, port int) []string {
		write(t, filepath.Join(dir, "puma.rb"), config+"\n")
		return []string{"-C", filepath.Join(dir, "puma.rb"), "-b", fmt.Sprintf("tcp://127.0.0.1:%d", port), filepath.Join(dir, "config.ru")}
	})
}

// Unicorn starts Unicorn with its defaults.
func Unicorn(t testing.TB) *Server {
	return ruby(t, "unicorn", func(dir string, port int) []string {
		return []string{"-l", fmt.Sprintf("127.0.0.1:%d", port), filepath.Join(dir, "config.ru")}
	})
}

// NodeTools is where scripts/install-test-deps installs npm packages for tests.
const NodeTools = "/opt/lbdoctor-test-tools/node_modules"

// NodeScript runs a Node program with the test npm packages (express,
// fastify) on its module path; PORT in the script is replaced by the port.
func NodeScript(t testing.TB, name, js string) *Server {
	bin := need(t, "node")
	if _, err := os.Stat(filepath.Join(NodeTools, name)); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("npm package %s is not installed: scripts/install-test-deps should have installed it", name)
		}
		t.Skipf("npm package %s is not installed (run scripts/install-test-deps)", name)
	}
	dir := t.TempDir()
	port := FreePort(t)
	cmd := exec.Command(bin, "-e", strings.ReplaceAll(js, "PORT", fmt.Sprint(port)))
	cmd.Env = append(os.Environ(), "NODE_PATH="+NodeTools)
	return start(t, name, dir, fmt.Sprintf("127.0.0.1:%d", port), cmd, 10*time.Second)
}

// Jetty starts Debian's Jetty 9 with only the http module and the given
// idle timeout in milliseconds (0: the stock 30000 of start.ini). Every path
// answers Jetty's own 404, which keeps the connection alive like any answer.
func Jetty(t testing.TB, idleMS int) *Server {
	home := "/usr/share/jetty9"
	if _, err := os.Stat(filepath.Join(home, "start.jar")); err != nil {
		need(t, "jetty9-is-not-installed") // skips, or fails under CI
	}
	need(t, "java")
	dir := t.TempDir()
	port := FreePort(t)
	args := []string{"-jar", filepath.Join(home, "start.jar"), "jetty.home=" + home, "jetty.base=" + dir, "--module=http",
		"jetty.http.host=127.0.0.1", fmt.Sprintf("jetty.http.port=%d", port)}
	if idleMS > 0 {
		args = append(args, fmt.Sprintf("jetty.http.idleTimeout=%d", idleMS))
	}
	return warm(t, start(t, "jetty", dir, fmt.Sprintf("127.0.0.1:%d", port), exec.Command("java", args...), 60*time.Second))
}

// S3Server is a running S3-compatible server (versitygw, posix backend).
type S3Server struct {
	Endpoint               string // http://127.0.0.1:PORT
	Access, Secret, Region string
	Dir                    string
	cmd                    *exec.Cmd
}

// Stop kills the server now (tests of a server that dies mid-run).
func (s *S3Server) Stop() { s.cmd.Process.Kill() }

// S3 starts versitygw on 127.0.0.1 with a fresh posix directory. versitygw
// is installed by scripts/install-test-deps (go install, pinned).
func S3(t testing.TB) *S3Server {
	bin, err := exec.LookPath("versitygw")
	if err != nil {
		gopath, _ := exec.Command("go", "env", "GOPATH").Output()
		bin = filepath.Join(strings.TrimSpace(string(gopath)), "bin", "versitygw")
		if _, err := os.Stat(bin); err != nil {
			need(t, "versitygw")
		}
	}
	dir := t.TempDir()
	port := FreePort(t)
	s := &S3Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), Access: "lbdoctor", Secret: "lbdoctor-test-secret", Region: "eu-west-1",
		Dir: filepath.Join(dir, "data")}
	os.MkdirAll(s.Dir, 0o755)
	cmd := exec.Command(bin, "--port", fmt.Sprintf("127.0.0.1:%d", port), "--access", s.Access, "--secret", s.Secret,
		"--region", s.Region, "posix", s.Dir)
	start(t, "versitygw", dir, fmt.Sprintf("127.0.0.1:%d", port), cmd, 20*time.Second)
	s.cmd = cmd
	return s
}

// Helm returns the path of the helm program, which scripts/install-test-deps
// installs (go install, pinned) for the tests of lbdoctor check's chart
// rendering. Without it the test is skipped, or fails in CI.
func Helm(t testing.TB) string {
	bin, err := exec.LookPath("helm")
	if err == nil {
		return bin
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	bin = filepath.Join(strings.TrimSpace(string(gopath)), "bin", "helm")
	if _, err := os.Stat(bin); err != nil {
		return need(t, "helm")
	}
	return bin
}
