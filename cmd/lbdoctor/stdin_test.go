package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/synth"
)

// TestLogsStdinSealed runs lbdoctor logs on standard input holding two load
// balancers' files one after the other, as `zcat` of a synced bucket gives
// them: in name order it is sealed as it is read, once; newest file first,
// it is read a second time from its copy. Both reports are the directory's.
func TestLogsStdinSealed(t *testing.T) {
	dir := t.TempDir()
	for _, lb := range []string{"app/api/1", "app/web/2"} {
		cfg := synth.DefaultConfig()
		cfg.Start, cfg.Duration, cfg.Rate, cfg.Nodes = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), 4*time.Hour, 2, 2
		cfg.LBName, cfg.RaceEvery, cfg.Outage = lb, 500, 0
		if _, err := synth.WriteDir(filepath.Join(dir, strings.ReplaceAll(lb, "/", "-")), cfg, true, 2); err != nil {
			t.Fatal(err)
		}
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	slices.Sort(files)
	concat := func(files []string) string {
		var b bytes.Buffer
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(&b, zr)
		}
		return b.String()
	}
	// The report without where entries were read from.
	report := func(out string) string {
		var s map[string]any
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%v: %.200s", err, out)
		}
		delete(s, "inputs")
		delete(s, "errors")
		for _, c := range s["causes"].([]any) {
			delete(c.(map[string]any), "examples")
		}
		b, _ := json.Marshal(s)
		return string(b)
	}
	wantCode, out, _ := runCLI(t, "", "logs", "--format", "json", dir)
	want := report(out)
	if !strings.Contains(want, "keepalive-race") {
		t.Fatalf("the logs show no race: %.300s", want)
	}

	rev := slices.Clone(files)
	slices.Reverse(rev)
	for _, tt := range []struct {
		name   string
		files  []string
		passes string
	}{{"name order", files, "1"}, {"newest first", rev, "2"}} {
		code, out, stderr := runCLI(t, concat(tt.files), "logs", "--format", "json", "--stats", "-")
		if code != wantCode {
			t.Fatalf("%s: exit %d, want %d: %s", tt.name, code, wantCode, stderr)
		}
		m := regexp.MustCompile(`sealed (\d+) times, disorder (\d+) min \(allowed (\d+)\), read (\d) time`).FindStringSubmatch(stderr)
		t.Logf("%s: %s", tt.name, m)
		if m == nil || m[1] == "0" || m[4] != tt.passes {
			t.Errorf("%s: %s, want sealed and read %s time(s)", tt.name, stderr, tt.passes)
		}
		if report(out) != want {
			t.Errorf("%s: the report differs from the directory's", tt.name)
		}
		if again := strings.Contains(stderr, "reading the input again"); again != (tt.passes == "2") {
			t.Errorf("%s: says it reads again: %v, read %s time(s): %s", tt.name, again, tt.passes, stderr)
		}
	}
}
