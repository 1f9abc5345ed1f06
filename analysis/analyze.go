package analysis

import (
	"context"
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
	var first *Collector
	handlers, results := logscan.Run(ctx, inputs, o.Scan, func() logscan.Handler {
		if first == nil {
			first = NewCollector(o.Filter, o.Strict)
			return first
		}
		return first.Sibling()
	})
	total := handlers[0].(*Collector)
	for _, h := range handlers[1:] {
		total.Merge(h.(*Collector))
	}
	if loc, msg, bad := total.Strict(); bad {
		return nil, &StrictError{File: inputs[loc.Input].Name, Line: loc.Line, Msg: msg}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return Summarize(total, inputs, results, o), nil
}
