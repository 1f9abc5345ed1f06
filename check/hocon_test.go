package check

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The shapes application.conf files take in public Akka, Pekko and Play
// services: nested objects, dotted keys inside objects, one-line objects,
// comments of both kinds, quoted values, arrays and triple-quoted strings
// to skip, optional environment overrides, and keys of other subtrees
// that only look alike.
func TestReadHOCON(t *testing.T) {
	src := `# the service
akka {
  loglevel = "INFO"
  loggers = ["akka.event.slf4j.Slf4jLogger",
    "other"]
  http.server.request-timeout = infinite
  http {
    server {
      idle-timeout = 90s // longer than the load balancer's
      server-header = "-" # not a comment inside quotes: "#"
    }
    host-connection-pool {
      idle-timeout = "infinite"
    }
  }
}
pekko.http.server { idle-timeout = 120 s, request-timeout = 20 s }
//pekko.http.server.idle-timeout = 1s
play.server.http {
  idleTimeout = 75 seconds
  idleTimeout = ${?PLAY_IDLE}
}
my-app {
  akka.http.server.idle-timeout = 5s
  banner = """
  not = a key
  """
}
last.key: 3
`
	got := readHOCON("application.conf", []byte(src), "", 0)
	for key, want := range map[string]string{
		"akka.loglevel":                               "INFO",
		"akka.http.server.request-timeout":            "infinite",
		"akka.http.server.idle-timeout":               "90s",
		"akka.http.server.server-header":              "-",
		"akka.http.host-connection-pool.idle-timeout": "infinite",
		"pekko.http.server.idle-timeout":              "120 s",
		"pekko.http.server.request-timeout":           "20 s",
		"play.server.http.idleTimeout":                "75 seconds",
		"my-app.akka.http.server.idle-timeout":        "5s",
		"last.key":                                    "3",
	} {
		if got[key].value != want {
			t.Errorf("%s = %q, want %q", key, got[key].value, want)
		}
	}
	if v := got["akka.http.server.idle-timeout"]; v.loc.Line != 9 {
		t.Errorf("akka.http.server.idle-timeout at line %d, want 9", v.loc.Line)
	}
	if v := got["play.server.http.idleTimeout"]; v.optional != "PLAY_IDLE" || v.loc.Line != 20 {
		t.Errorf("play.server.http.idleTimeout: %+v, want 75 seconds at line 20 unless PLAY_IDLE", v)
	}
	if _, ok := got["my-app.banner.not"]; ok {
		t.Error("a triple-quoted string was read as keys")
	}
}

func TestHOCONInclude(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "application.conf"), []byte("akka.http.server.idle-timeout = 30s\n"), 0o644)
	prod := []byte("include \"application.conf\"\nakka.http.server.request-timeout = 10s\n")
	got := readHOCON("conf/production.conf", prod, filepath.Join(dir, "production.conf"), 0)
	if v := got["akka.http.server.idle-timeout"]; v.value != "30s" || v.loc.File != "conf/application.conf" {
		t.Errorf("included value: %+v", v)
	}
	// An include outside the file's directory is not followed.
	os.WriteFile(filepath.Join(dir, "outside.conf"), []byte("akka.http.server.idle-timeout = 1s\n"), 0o644)
	inner := filepath.Join(dir, "conf")
	os.MkdirAll(inner, 0o755)
	for _, inc := range []string{`include "../outside.conf"`, `include "` + filepath.Join(dir, "outside.conf") + `"`} {
		if got := readHOCON("conf/x.conf", []byte(inc+"\n"), filepath.Join(inner, "x.conf"), 0); len(got) != 0 {
			t.Errorf("%s was followed: %v", inc, got)
		}
	}
}

func TestHOCONDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"60 s": time.Minute, "75 seconds": 75 * time.Second, "2m": 2 * time.Minute, "1 minute": time.Minute,
		"90000": 90 * time.Second, "500 ms": 500 * time.Millisecond, "1.5 s": 1500 * time.Millisecond,
		"infinite": Infinite, "null": Infinite, "1h": time.Hour,
	} {
		if got, ok := hoconDuration(in); !ok || got != want {
			t.Errorf("hoconDuration(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "soon", "${IDLE}", "10 fortnights"} {
		if _, ok := hoconDuration(bad); ok {
			t.Errorf("hoconDuration(%q) accepted", bad)
		}
	}
}
