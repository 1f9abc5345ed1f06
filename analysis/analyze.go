package analysis

import (
	"context"
	"errors"
	"fmt"
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
func Analyze(ctx context.Context, inputs []logscan.Input, o Options) (*Summary, error) {
	// A window relative to the newest entry needs every minute to the end.
	seal := o.Window.Last == 0 && o.Window.Before == 0
	s, err := analyzeOnce(ctx, inputs, o, seal)
	if errors.Is(err, errSealBroken) {
		return analyzeOnce(ctx, inputs, o, false)
	}
	return s, err
}

// errSealBroken: an entry came from before a seal's horizon.
var errSealBroken = errors.New("an entry came from before the sealed horizon")

func analyzeOnce(ctx context.Context, inputs []logscan.Input, o Options, seal bool) (*Summary, error) {
	first := NewCollector(o.Filter, o.Strict)
	first.RankInputs(inputs)
	first.store.countHeld = o.observe != nil
	scan := o.Scan
	if seal {
		if sl := newSealer(first.store, inputs); sl != nil {
			scan.Order, scan.Done = sl.order, sl.inputDone
		}
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
	return Summarize(total, inputs, results, o), nil
}
