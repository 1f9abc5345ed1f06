// Package stacks knows, for common servers and frameworks, their default idle
// keep-alive timeout and the exact setting that changes it. The facts come from
// the servers' source and documentation (see the README's references).
package stacks

import (
	"fmt"
	"time"
)

// Stack is one server or framework.
type Stack struct {
	// ID is a stable identifier, e.g. "tomcat".
	ID string
	// Name is for people, e.g. "Apache Tomcat (server.xml)".
	Name string
	// Default describes the default idle keep-alive timeout.
	Default string
	// setting renders the setting for a timeout.
	setting func(d time.Duration) string
}

// Setting returns the exact configuration that sets the idle keep-alive
// timeout to d, in the stack's own syntax.
func (s Stack) Setting(d time.Duration) string { return s.setting(d) }

func secs(d time.Duration) int64 { return int64((d + time.Second - 1) / time.Second) }
func ms(d time.Duration) int64   { return d.Milliseconds() }

var all = []Stack{
	{"spring-boot-tomcat", "Spring Boot (embedded Tomcat)", "60 s (Tomcat's code default; equal to ALB's 60 s, so it races)",
		func(d time.Duration) string {
			return fmt.Sprintf("server.tomcat.keep-alive-timeout=%dms  (application.properties, Spring Boot 2.5+)", ms(d))
		}},
	{"tomcat", "Apache Tomcat (server.xml)", "connectionTimeout, 20 s in the stock server.xml",
		func(d time.Duration) string {
			return fmt.Sprintf(`<Connector ... keepAliveTimeout="%d">`, ms(d))
		}},
	{"node", "Node.js http (Express, NestJS)", "5 s (closes about 1 s later)",
		func(d time.Duration) string {
			return fmt.Sprintf("server.keepAliveTimeout = %d; server.headersTimeout = %d;", ms(d), ms(d)+1000)
		}},
	{"nginx", "nginx", "75 s in code, 65 s in most shipped configs",
		func(d time.Duration) string { return fmt.Sprintf("keepalive_timeout %ds;", secs(d)) }},
	{"apache", "Apache httpd", "5 s",
		func(d time.Duration) string { return fmt.Sprintf("KeepAlive On\nKeepAliveTimeout %d", secs(d)) }},
	{"haproxy", "HAProxy", "timeout http-keep-alive, else timeout http-request",
		func(d time.Duration) string { return fmt.Sprintf("timeout http-keep-alive %ds", secs(d)) }},
	{"gunicorn", "gunicorn (gthread/gevent/eventlet workers)", "2 s (the sync worker does no keep-alive)",
		func(d time.Duration) string { return fmt.Sprintf("--keep-alive %d", secs(d)) }},
	{"uvicorn", "uvicorn", "5 s",
		func(d time.Duration) string { return fmt.Sprintf("--timeout-keep-alive %d", secs(d)) }},
	{"puma", "Puma (Rails)", "20 s up to 6.x, 65 s from 7.0",
		func(d time.Duration) string { return fmt.Sprintf("persistent_timeout %d  (config/puma.rb)", secs(d)) }},
	{"go", "Go net/http", "none (IdleTimeout, else ReadTimeout)",
		func(d time.Duration) string {
			return fmt.Sprintf("&http.Server{IdleTimeout: %d * time.Second}", secs(d))
		}},
	{"jetty", "Jetty / Spring Boot Jetty", "30 s",
		func(d time.Duration) string {
			return fmt.Sprintf("server.jetty.connection-idle-timeout=%dms  (Spring Boot)", ms(d))
		}},
	{"undertow", "Undertow / Spring Boot Undertow", "60 s (equal to ALB's 60 s, so it races)",
		func(d time.Duration) string {
			return fmt.Sprintf("server.undertow.no-request-timeout=%dms  (Spring Boot)", ms(d))
		}},
}

// All returns every stack lbdoctor knows, most common first.
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

// Recommended is the idle keep-alive timeout a backend needs behind a
// connection-reusing proxy whose idle timeout is lbIdle: strictly longer, by
// margin.
func Recommended(lbIdle, margin time.Duration) time.Duration { return lbIdle + margin }
