package synth

import (
	"bufio"
	"io"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/lbdoctor/lbdoctor/alblog"
	"github.com/lbdoctor/lbdoctor/classify"
)

// Sparse describes low traffic behind a load balancer with a long idle
// timeout, where the race and an outage are hard to tell apart: a target may
// see one request in many minutes.
type Sparse struct {
	Seed     uint64
	Start    time.Time
	Duration time.Duration
	Targets  int
	// MeanGap is the mean time between two requests to one target
	// (exponentially distributed).
	MeanGap time.Duration
	// IdleTimeout is the load balancer's: a pooled connection lives that
	// long, so a race can only hit a request that came less than IdleTimeout
	// after the target's previous one.
	IdleTimeout time.Duration
	// RaceChance is the chance that such a reuse races.
	RaceChance float64
	// Outage makes the last target refuse connections for this long, from a
	// third of the run on.
	Outage time.Duration
	LBName string
}

// WriteSparse writes the entries of sc in time order to w and returns what it
// generated.
func WriteSparse(w io.Writer, sc Sparse) (Truth, error) {
	cfg := DefaultConfig()
	cfg.Seed, cfg.Start, cfg.Duration, cfg.Targets, cfg.IdleTimeout = sc.Seed, sc.Start, sc.Duration, sc.Targets, sc.IdleTimeout
	cfg.RaceEvery, cfg.Outage, cfg.Nodes = 0, 0, 1
	if sc.LBName != "" {
		cfg.LBName = sc.LBName
	}
	g := New(cfg)
	rng := rand.New(rand.NewPCG(sc.Seed, 7))
	type arrival struct {
		t      int64
		target int
	}
	var arrivals []arrival
	end := sc.Start.Add(sc.Duration).UnixMicro()
	for ti := 0; ti < sc.Targets; ti++ {
		for t := sc.Start.UnixMicro(); ; {
			t += int64(rng.ExpFloat64() * float64(sc.MeanGap.Microseconds()))
			if t >= end {
				break
			}
			arrivals = append(arrivals, arrival{t, ti})
		}
	}
	sort.Slice(arrivals, func(i, j int) bool { return arrivals[i].t < arrivals[j].t })
	outFrom := sc.Start.Add(sc.Duration / 3).UnixMicro()
	outUntil := outFrom + sc.Outage.Microseconds()
	last := make([]int64, sc.Targets) // the target's previous successful request
	truth := Truth{Causes: map[classify.Cause]int64{}, Status: map[int]int64{}}
	bw := bufio.NewWriter(w)
	var line []byte
	for _, a := range arrivals {
		e, cause := g.nextFor(a.target, a.t)
		switch {
		case a.target == sc.Targets-1 && a.t >= outFrom && a.t < outUntil:
			g.fastFail(e)
			e.RequestCreationTime = a.t - int64(rng.IntN(3000))
			cause = classify.TargetUnreachable
		case last[a.target] != 0 && a.t-last[a.target] < sc.IdleTimeout.Microseconds() && rng.Float64() < sc.RaceChance:
			g.fastFail(e)
			e.RequestCreationTime = a.t - 1000 - int64(rng.IntN(20000))
			cause = classify.KeepaliveRace
		case e.TargetStatusCode != alblog.Missing:
			last[a.target] = a.t
		}
		e.TargetStatusCodeList = nil
		if e.TargetStatusCode != alblog.Missing {
			e.TargetStatusCodeList = []byte("200")
		}
		if cause != "" {
			truth.Causes[cause]++
		}
		truth.Status[e.ELBStatusCode]++
		truth.Lines++
		line = alblog.AppendEntry(line[:0], e)
		truth.Bytes += int64(len(line))
		if _, err := bw.Write(line); err != nil {
			return truth, err
		}
	}
	return truth, bw.Flush()
}

// nextFor is a plain successful request to target ti at t.
func (g *Generator) nextFor(ti int, t int64) (*alblog.Entry, classify.Cause) {
	e, _ := g.Next(0, t)
	// Next may have drawn another cause; a sparse run keeps to successes,
	// races and the outage so that its truth is exact.
	e.Target = g.targets[ti]
	e.TargetPortList = e.Target
	e.ELBStatusCode, e.TargetStatusCode = 200, 200
	e.RequestProcessingTime, e.TargetProcessingTime, e.ResponseProcessingTime = 0, 12000, 0
	e.ErrorReason, e.Classification, e.ClassificationReason, e.RedirectURL = nil, nil, nil, nil
	e.ActionsExecuted = []byte("forward")
	e.TargetGroupARN = g.tgARN
	e.RequestCreationTime = t - 13000
	return e, ""
}
