// Command lbdoctor finds, explains, reproduces and prevents the 5xx errors that
// load balancers return, above all the intermittent 502 of the keep-alive race.
//
// This file only dispatches; each subcommand lives in its own file and calls
// into the library packages.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// Exit codes shared by the subcommands.
const (
	exitOK      = 0
	exitProblem = 1 // analysis done, but a problem was found or some input was unusable
	exitUsage   = 2 // usage error, or nothing could be done
	// exitInterrupted is the shell's convention for a run stopped by Ctrl-C.
	exitInterrupted = 130
)

const usage = `lbdoctor finds, explains, reproduces and prevents load-balancer 5xx errors,
above all the intermittent 502 of the keep-alive race.

Usage:
  lbdoctor <command> [flags] [arguments]

Commands:
  logs    read ALB access logs and name the root cause of every error
  probe   measure a live server's real keep-alive idle timeout
  lab     run an ALB-like load balancer on loopback that writes ALB access logs
  demo    reproduce the keep-alive 502 on this machine and prove the fix
  check   find idle-timeout mismatches in configuration files
  aws     audit an AWS account's load balancers: settings, metrics, verdicts
  sql     the diagnosis as SQL: log table (ddl), cause query (causes), Athena run (run)
  version print the version, VCS revision and Go version (also --version)
  completion  print a shell completion script: bash, zsh, fish or powershell
  help    show help for a command

Examples:
  lbdoctor demo
  lbdoctor logs ./alb-logs/
  zcat *.log.gz | lbdoctor logs --status 5xx -
  lbdoctor probe http://127.0.0.1:8080/ --lb-idle 60s
  lbdoctor aws --region eu-west-1

Run 'lbdoctor <command> --help' for a command's flags.
`

// command is one subcommand: run gets the arguments after the command name.
type command struct {
	run func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"logs":       {runLogs},
		"probe":      {runProbe},
		"demo":       {runDemo},
		"lab":        {runLab},
		"check":      {runCheck},
		"aws":        {runAWS},
		"sql":        {runSQL},
		"version":    {runVersion},
		"completion": {runCompletion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startCPUProfile(os.Getenv("LBDOCTOR_CPUPROFILE"))
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// startCPUProfile writes a CPU profile of the run to file, if one is named
// (LBDOCTOR_CPUPROFILE), for anyone measuring where a run's time goes
// (go tool pprof). It returns the function that ends the profile.
func startCPUProfile(file string) func() {
	if file == "" {
		return func() {}
	}
	f, err := os.Create(file)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "lbdoctor: LBDOCTOR_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "--version", "-version":
		return runVersion(ctx, nil, stdin, stdout, stderr)
	case "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "help":
		if len(args) > 1 {
			if c, ok := commands()[args[1]]; ok {
				return c.run(ctx, []string{"--help"}, stdin, stdout, stderr)
			}
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	c, ok := commands()[name]
	if !ok {
		fmt.Fprintf(stderr, "lbdoctor: unknown command %q\n\n%s", name, usage)
		return exitUsage
	}
	return c.run(ctx, args[1:], stdin, stdout, stderr)
}
