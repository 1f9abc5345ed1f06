package check

import (
	"strings"
	"testing"
	"time"
)

// Spring Boot reads a duration without a unit as milliseconds: a
// keep-alive-timeout=70 meant as seconds is 70 ms, and the hop says so.
func TestSpringUnitlessMillis(t *testing.T) {
	for _, tt := range []struct {
		val  string
		want time.Duration
		note string
	}{
		{"70", 70 * time.Millisecond, "a number without a unit is milliseconds: 70s would be seconds"},
		{"${KEEP_ALIVE:70}", 70 * time.Millisecond, "70s would be seconds"},
		{"70000", 70 * time.Second, ""},
		{"500ms", 500 * time.Millisecond, ""},
		{"70s", 70 * time.Second, ""},
	} {
		d, note, ok := springValue(tt.val)
		if !ok || d != tt.want || tt.note == "" && strings.Contains(note, "milliseconds") || !strings.Contains(note, tt.note) {
			t.Errorf("%s: %v %q %v, want %v and a note with %q", tt.val, d, note, ok, tt.want, tt.note)
		}
	}
}
