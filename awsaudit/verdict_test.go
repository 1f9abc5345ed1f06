package awsaudit

import (
	"testing"
	"time"
)

// metricsOf builds a day of per-minute metrics: 100 requests a minute, and
// the given values at the given minutes.
func metricsOf(set func(m *Metrics, at func(int) int64)) Metrics {
	start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	m := Metrics{Since: start, Until: start.Add(24 * time.Hour), Period: time.Minute,
		Requests: Series{}, ELB502: Series{}, ELB504: Series{}, ELB5XX: Series{},
		Target5XX: Series{}, ConnErrors: Series{}, Unhealthy: Series{}}
	at := func(i int) int64 { return start.Unix() + int64(i)*60 }
	for i := 0; i < 1440; i++ {
		m.Requests[at(i)] = 100
	}
	set(&m, at)
	return m
}

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(m *Metrics, at func(int) int64)
		want []string // verdict IDs, worst first
		conf string   // the first verdict's confidence
	}{
		{"quiet", func(m *Metrics, at func(int) int64) {}, []string{Healthy}, ""},
		{"trickle over a day", func(m *Metrics, at func(int) int64) {
			for i := 7; i < 1440; i += 60 { // one 502 an hour
				m.ELB502[at(i)], m.ELB5XX[at(i)] = 1, 1
			}
		}, []string{RaceSignature}, High},
		{"three 502s in three hours: a weak race", func(m *Metrics, at func(int) int64) {
			for _, i := range []int{10, 70, 130} {
				m.ELB502[at(i)], m.ELB5XX[at(i)] = 1, 1
			}
		}, []string{RaceSignature}, Low},
		{"two 502s are no pattern", func(m *Metrics, at func(int) int64) {
			m.ELB502[at(10)], m.ELB5XX[at(10)] = 1, 1
			m.ELB502[at(900)], m.ELB5XX[at(900)] = 1, 1
		}, []string{Healthy}, ""},
		{"502s within one hour are no trickle", func(m *Metrics, at func(int) int64) {
			for i := 600; i < 650; i += 5 {
				m.ELB502[at(i)], m.ELB5XX[at(i)] = 1, 1
			}
		}, []string{Unclassified5XX}, Low},
		{"502s with target 5xx each time: the target is failing", func(m *Metrics, at func(int) int64) {
			for i := 7; i < 1440; i += 60 {
				m.ELB502[at(i)], m.ELB5XX[at(i)], m.Target5XX[at(i)] = 1, 1, 1
			}
		}, []string{Unclassified5XX}, Low},
		{"one burst", func(m *Metrics, at func(int) int64) {
			for i := 300; i < 305; i++ {
				m.ELB502[at(i)], m.ELB5XX[at(i)] = 80, 80
			}
			m.ELB502[at(900)], m.ELB5XX[at(900)] = 1, 1 // the median is 80: no burst by count, but by share
		}, []string{OutageBurst}, Medium},
		{"burst with unhealthy hosts plus a trickle", func(m *Metrics, at func(int) int64) {
			for i := 300; i < 305; i++ {
				m.ELB502[at(i)], m.ELB5XX[at(i)], m.Unhealthy[at(i)] = 80, 90, 1
			}
			for i := 7; i < 1440; i += 60 {
				m.ELB502[at(i)] += 1
				m.ELB5XX[at(i)] += 1
			}
		}, []string{OutageBurst, RaceSignature}, High},
		{"a spike among a trickle is a burst", func(m *Metrics, at func(int) int64) {
			for i := 7; i < 1440; i += 60 {
				m.ELB502[at(i)], m.ELB5XX[at(i)] = 1, 1
			}
			m.ELB502[at(500)], m.ELB5XX[at(500)] = 40, 40
		}, []string{OutageBurst, RaceSignature}, Medium},
		{"504s", func(m *Metrics, at func(int) int64) {
			for i := 0; i < 1440; i += 10 {
				m.ELB504[at(i)], m.ELB5XX[at(i)] = 2, 2
			}
		}, []string{LBTimeouts}, High},
		{"target errors", func(m *Metrics, at func(int) int64) {
			for i := 0; i < 100; i++ {
				m.Target5XX[at(i)] = 5
			}
		}, []string{TargetErrors}, High},
		{"no traffic", func(m *Metrics, at func(int) int64) {
			m.Requests = Series{}
		}, []string{NoTraffic}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Judge(metricsOf(tc.set), 60)
			var ids []string
			for _, v := range got {
				ids = append(ids, v.ID)
			}
			if len(ids) != len(tc.want) {
				t.Fatalf("verdicts %v, want %v: %+v", ids, tc.want, got)
			}
			for i := range ids {
				if ids[i] != tc.want[i] {
					t.Fatalf("verdicts %v, want %v: %+v", ids, tc.want, got)
				}
			}
			if got[0].Confidence != tc.conf {
				t.Errorf("confidence %q, want %q: %s", got[0].Confidence, tc.conf, got[0].Summary)
			}
		})
	}
}

func TestPeriodFor(t *testing.T) {
	for since, want := range map[time.Duration]time.Duration{
		7 * 24 * time.Hour: time.Minute, 15 * 24 * time.Hour: time.Minute, 16 * 24 * time.Hour: 5 * time.Minute,
		63 * 24 * time.Hour: 5 * time.Minute, 90 * 24 * time.Hour: time.Hour,
	} {
		if got := PeriodFor(since); got != want {
			t.Errorf("PeriodFor(%s) = %s, want %s", since, got, want)
		}
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1209600: "1,209,600"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q", v, got)
		}
	}
}
