package analysis

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lbdoctor/lbdoctor/classify"
	"github.com/lbdoctor/lbdoctor/logscan"
	"github.com/lbdoctor/lbdoctor/synth"
)

func corpus(t *testing.T) (string, synth.Truth) {
	t.Helper()
	dir := t.TempDir()
	cfg := synth.DefaultConfig()
	cfg.Duration = 3 * time.Hour
	cfg.Rate = 6
	cfg.RaceEvery = 1500
	truth, err := synth.WriteDir(dir, cfg, true, 2)
	if err != nil {
		t.Fatal(err)
	}
	return dir, truth
}

func analyze(t *testing.T, paths []string, o Options) *Summary {
	t.Helper()
	x := &logscan.Expander{}
	in, errs := x.Expand(context.Background(), paths)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	s, err := Analyze(context.Background(), in, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGroundTruth checks every cause against what the generator wrote,
// including races told apart from an outage whose edges fall mid-minute.
func TestGroundTruth(t *testing.T) {
	dir, truth := corpus(t)
	s := analyze(t, []string{dir}, Options{})
	if s.Entries != truth.Lines || s.Skipped != 0 {
		t.Fatalf("entries %d skipped %d, want %d lines", s.Entries, s.Skipped, truth.Lines)
	}
	got := map[classify.Cause]int64{}
	for _, c := range s.Causes {
		got[c.ID] = c.Count
		if len(c.Examples) == 0 || c.Examples[0].Line < 1 || c.FirstSeen == "" {
			t.Errorf("%s: no located example", c.ID)
		}
	}
	if !reflect.DeepEqual(got, truth.Causes) {
		t.Errorf("causes:\n got  %v\n want %v", got, truth.Causes)
	}
	if truth.Causes[classify.KeepaliveRace] < 20 || truth.Causes[classify.TargetUnreachable] < 20 {
		t.Fatalf("corpus too small to mean anything: %v", truth.Causes)
	}
	if v := s.Inferred.LBIdleTimeoutSeconds; v == nil || *v != 60 {
		t.Errorf("inferred idle timeout = %v, want 60", v)
	}
	for code, n := range truth.Status {
		if s.StatusCounts[statusString(code)] != n {
			t.Errorf("status %d: %d, want %d", code, s.StatusCounts[statusString(code)], n)
		}
	}
}

// TestDeterministic: the result does not depend on parallelism.
func TestDeterministic(t *testing.T) {
	dir, _ := corpus(t)
	var want []byte
	for _, o := range []logscan.Options{{Workers: 1}, {Workers: 4, BlockSize: 4096}, {Workers: 3, Readers: 1, BlockSize: 100000}} {
		s := analyze(t, []string{dir}, Options{Scan: o})
		got, _ := json.Marshal(s)
		if want == nil {
			want = got
		} else if string(got) != string(want) {
			t.Fatalf("options %+v changed the summary", o)
		}
	}
}

func TestFiltersAndWindow(t *testing.T) {
	dir, truth := corpus(t)
	set, _ := ParseStatusSet("502")
	s := analyze(t, []string{dir}, Options{Filter: Filter{Status: set}})
	for _, c := range s.Causes {
		if _, ok := c.StatusCounts["502"]; !ok || len(c.StatusCounts) != 1 {
			t.Errorf("--status 502 let through %s %v", c.ID, c.StatusCounts)
		}
	}
	if s.Requests != truth.Lines {
		t.Errorf("--status must not drop context: requests %d", s.Requests)
	}
	// The last hour only, relative to the newest entry.
	s = analyze(t, []string{dir}, Options{Window: Window{Last: time.Hour}})
	if s.Requests <= 0 || s.Requests > truth.Lines/2 {
		t.Errorf("last hour: %d of %d requests", s.Requests, truth.Lines)
	}
	// Absolute bounds.
	since := time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC).UnixMicro()
	until := time.Date(2024, 5, 1, 1, 30, 0, 0, time.UTC).UnixMicro()
	s = analyze(t, []string{dir}, Options{Filter: Filter{Since: since, Until: until}})
	if s.FirstSeen < "2024-05-01T01:00:00" || s.LastSeen > "2024-05-01T01:30:00.000001" || s.FilteredOut == 0 {
		t.Errorf("absolute window: %s .. %s, filtered %d", s.FirstSeen, s.LastSeen, s.FilteredOut)
	}
}

func TestBadLinesAreCountedAndLocated(t *testing.T) {
	dir, truth := corpus(t)
	bad := filepath.Join(t.TempDir(), "bad.log")
	os.WriteFile(bad, []byte("garbage\n\nhttp 2024-05-01T00:00:00Z\n"), 0o644)
	s := analyze(t, []string{dir, bad}, Options{})
	if s.Skipped != 2 || s.BlankLines != 1 || s.Entries != truth.Lines {
		t.Errorf("skipped %d blank %d entries %d", s.Skipped, s.BlankLines, s.Entries)
	}
	if len(s.Errors) != 2 || s.Errors[0].File != bad || s.Errors[0].Line != 1 || s.Errors[1].Line != 3 {
		t.Errorf("errors = %+v", s.Errors)
	}
	x := &logscan.Expander{}
	in, _ := x.Expand(context.Background(), []string{bad})
	_, err := Analyze(context.Background(), in, Options{Strict: true})
	if se, ok := err.(*StrictError); !ok || se.Line != 1 || !strings.Contains(se.Error(), "bad.log:1") {
		t.Errorf("strict: %v", err)
	}
}

func TestStatusSet(t *testing.T) {
	s, err := ParseStatusSet("502, 4xx")
	if err != nil || !s.Has(502) || !s.Has(460) || s.Has(503) || s.Has(-1) {
		t.Errorf("set: %v", err)
	}
	for _, bad := range []string{"", "abc", "99", "5xxx", "0xx"} {
		if _, err := ParseStatusSet(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// BenchmarkCollector feeds generated lines (many targets, churn) to a
// Collector: parsing, classification and aggregation, without I/O.
func BenchmarkCollector(b *testing.B) {
	data := synth.Sample(20000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c := NewCollector(Filter{}, false)
		c.Block(&logscan.Block{Input: 0, FirstLine: 1, Data: data})
	}
}
