package analysis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lbdoctor/lbdoctor/logscan"
)

// Options configure Analyze.
type Options struct {
	Filter Filter
	Window Window
	// Strict makes the first malformed line fatal: Analyze returns a *StrictError.
	Strict bool
	Scan   logscan.Options
	// LBIdle is the load balancer's idle timeout as the user states it
	// (--lb-idle); 0 means infer it from the logs, else assume ALB's default.
	LBIdle time.Duration
	// TempDir is where inputs that can be read only once are copied ("":
	// os.TempDir()).
	TempDir string
	// Rereading, if set, is called before the inputs are read a second
	// time, with the disorder (minutes) that made it necessary.
	Rereading func(disorder int64)

	// observe, in tests, sees the target store after the inputs are read.
	observe func(*targetStore)
}

// StrictError is returned in strict mode for the first malformed line.
type StrictError struct {
	File string
	Line int64
	Msg  string
}

func (e *StrictError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Analyze reads inputs in parallel and summarizes them.
//
// It seals as it reads (seal.go), so that memory is bounded by time rather
// than by span × targets. Inputs that can be read only once (standard input)
// are copied to a temporary file as they are read, in case a broken seal
// needs them read again; the copies are gone when Analyze returns.
func Analyze(ctx context.Context, inputs []logscan.Input, o Options) (*Summary, error) {
	if o.Window.Last != 0 || o.Window.Before != 0 {
		// A window relative to the newest entry needs every minute to the end.
		return analyzeOnce(ctx, inputs, o, nil)
	}
	starts := inputStarts(ctx, inputs)
	inputs = slices.Clone(inputs)
	var spools []*logscan.Spool
	for i, in := range inputs {
		if in.Once {
			sp := logscan.NewSpool(in, o.TempDir)
			defer sp.Remove()
			spools = append(spools, sp)
			inputs[i] = sp.Input()
		}
	}
	plan := &sealPlan{starts: starts, allowance: sealSlack}
	if len(spools) > 0 {
		// Once a copy is given up, a seal could not be mended: seal no more.
		plan.canSeal = func() bool {
			for _, sp := range spools {
				if sp.Err() != nil {
					return false
				}
			}
			return true
		}
	}
	s, err := analyzeOnce(ctx, inputs, o, plan)
	if !errors.Is(err, errSealBroken) {
		return s, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err // interrupted: no second reading
	}
	for _, sp := range spools {
		if why := sp.Err(); why != nil {
			return nil, fmt.Errorf("%s: out of time order by up to %d minutes (%d allowed), so it must be read again, but it could not be kept (%v): save it to a file and run again",
				sp.Input().Name, plan.late, plan.allowance, why)
		}
	}
	// Again, allowing all the disorder the first reading measured: no seal
	// can break on the same bytes (seal.go). Should the inputs have changed
	// in between, the third reading does not seal.
	plan.allowance = max(plan.allowance, plan.late)
	if o.Rereading != nil {
		o.Rereading(plan.late)
	}
	s, err = analyzeOnce(ctx, inputs, o, plan)
	if errors.Is(err, errSealBroken) {
		s, err = analyzeOnce(ctx, inputs, o, nil)
		if s != nil {
			s.Engine.Readings = plan.passes + 1
		}
	}
	return s, err
}

// errSealBroken: an entry came from before a seal's horizon.
var errSealBroken = errors.New("an entry came from before the sealed horizon")

// sealPlan is how analyzeOnce seals, and what it measured.
type sealPlan struct {
	starts    []int64 // per input (inputStarts)
	allowance int64   // minutes
	canSeal   func() bool
	late      int64 // the disorder the last reading measured (minutes)
	passes    int   // readings so far
}

// analyzeOnce reads the inputs once, sealing as plan says (nil: not at all).
func analyzeOnce(ctx context.Context, inputs []logscan.Input, o Options, plan *sealPlan) (*Summary, error) {
	first := NewCollector(o.Filter, o.Strict)
	first.RankInputs(inputs)
	first.store.countHeld = o.observe != nil
	scan := o.Scan
	var sl *sealer
	if plan != nil {
		sl = newSealer(first.store, plan.starts, plan.allowance)
		sl.canSeal = plan.canSeal
		first.store.sealer = sl
		scan.Order, scan.Done = sl.order, sl.inputDone
		plan.passes++
	}
	made := false
	handlers, results := logscan.Run(ctx, inputs, scan, func() logscan.Handler {
		if !made {
			made = true
			return first
		}
		return first.Sibling()
	})
	if o.observe != nil {
		o.observe(first.store)
	}
	if sl != nil {
		plan.late = sl.late
	}
	if first.store.violated.Load() {
		return nil, errSealBroken
	}
	total := handlers[0].(*Collector)
	for _, h := range handlers[1:] {
		total.Merge(h.(*Collector))
	}
	if loc, msg, bad := total.Strict(); bad {
		return nil, &StrictError{File: inputs[total.inputOf(loc.Input)].Name, Line: loc.Line, Msg: msg}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := Summarize(total, inputs, results, o)
	s.Engine = Engine{Readings: 1, Seals: first.store.seals}
	if plan != nil {
		s.Engine.Sealing, s.Engine.Readings, s.Engine.Allowance, s.Engine.Disorder = true, plan.passes, plan.allowance, plan.late
	}
	return s, nil
}

// Engine says how Analyze went about its reading; it is not part of the
// report (lbdoctor logs --stats prints it).
type Engine struct {
	// Readings is how many times the inputs were read: 1, or 2 when their
	// disorder broke the first reading's seal (3 if the inputs changed in
	// between, the last reading without sealing).
	Readings int
	// Sealing is set when the last reading sealed (not with a window
	// relative to the newest entry), and Seals counts its seals.
	Sealing bool
	Seals   int
	// Allowance is the disorder (minutes) the last reading allowed, and
	// Disorder the most it measured: the most any entry lay before its
	// input's start or an entry of its input read before it.
	Allowance, Disorder int64
}
