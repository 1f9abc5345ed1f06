package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns a FlagSet whose --help prints the command's usage text
// followed by its flags.
func newFlagSet(name, text string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, text)
		fmt.Fprintln(out, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseInterleaved parses flags that may come after positional arguments
// ("lbdoctor logs DIR --format json"), which the flag package alone does not.
// A lone "--" ends flag parsing.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" || (len(args) > len(rest) && args[len(args)-len(rest)-1] == "--") {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseFlagsOnly parses args for a command that takes no positional
// arguments. When ok is false the command returns code: exitOK after --help,
// exitUsage after a bad flag or an argument (named, then hint).
func parseFlagsOnly(fs *flag.FlagSet, args []string, stderr io.Writer, hint string) (code int, ok bool) {
	rest, err := parseInterleaved(fs, args)
	switch {
	case isHelp(err):
		return exitOK, false
	case err != nil:
		return exitUsage, false
	case len(rest) > 0:
		fmt.Fprintf(stderr, "lbdoctor %s: unexpected argument %q%s\n", fs.Name(), rest[0], hint)
		return exitUsage, false
	}
	return exitOK, true
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// isHelp reports whether err is the flag package's answer to -h/--help.
func isHelp(err error) bool { return errors.Is(err, flag.ErrHelp) }
