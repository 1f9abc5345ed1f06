package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// completionFlag is a flag as completion knows it: its name, whether it
// takes a value, and the value's fixed set when it has one.
type completionFlag struct {
	name   string
	value  bool
	values []string
}

// completionTable lists every command's flags. TestCompletionTable checks it
// against the commands' real flag sets, so the two cannot drift.
func completionTable() map[string][]completionFlag {
	v := func(name string, values ...string) completionFlag { return completionFlag{name, true, values} }
	b := func(name string) completionFlag { return completionFlag{name, false, nil} }
	return map[string][]completionFlag{
		"logs": {v("format", "text", "json", "html"), v("o"), v("lb-idle"), v("since"), v("region"), v("profile"), v("endpoint-url"), v("lb"), v("s3-concurrency"), b("quiet"), b("stats"), v("status", "5xx", "4xx", "502", "503", "504", "502,504"),
			b("strict"), v("until"), v("workers")},
		"probe": {v("H"), v("format", "text", "json"), b("insecure"), v("lb-idle"), v("margin"), v("max"), v("method", "GET", "HEAD", "POST"),
			b("quiet"), v("resolve")},
		"lab": {b("allow-non-loopback"), v("connect-timeout"), v("fin-notice-delay"), v("idle-timeout"), v("lb-name"), v("listen"),
			v("log-dir"), v("max-conns"), v("rotate"), v("target")},
		"demo":  {v("dir"), b("equal"), v("format", "text", "json"), v("out"), v("requests")},
		"check": {v("fail-on", "error", "warning", "info"), v("format", "text", "json", "sarif"), v("helm", "off"), v("helm-set"), v("helm-values"), v("lb-idle"), v("margin"), b("no-ignore")},
		"aws": {b("all-regions"), v("endpoint-url"), v("format", "text", "json"), v("lb"), b("probe"), v("probe-max"), v("profile"),
			v("region"), v("since")},
		// sql: the flags of its subcommands ddl, causes and run.
		"sql": {v("account"), v("bucket"), v("catalog"), v("database"), v("dialect", "athena", "trino", "duckdb"), v("endpoint-url"),
			v("format", "text", "json", "html"), v("from"), v("lb"), v("lb-idle"), v("output"), v("path"), v("poll"), v("prefix"), v("profile"),
			b("quiet"), v("region"), v("since"), v("status", "5xx", "502", "504", "502,504"), v("table"), v("until"), v("workgroup")},
		"version":    {v("format", "text", "json")},
		"completion": {},
		"help":       {},
	}
}

const completionUsage = `Usage: lbdoctor completion bash|zsh|fish|powershell

Prints a script that completes lbdoctor's commands, flags and the flag values
that are fixed sets (--format, --fail-on, --status).

Examples:
  source <(lbdoctor completion bash)                       # bash, this shell
  lbdoctor completion bash > /etc/bash_completion.d/lbdoctor
  lbdoctor completion zsh > "${fpath[1]}/_lbdoctor"         # zsh
  lbdoctor completion fish > ~/.config/fish/completions/lbdoctor.fish
  lbdoctor completion powershell | Out-String | Invoke-Expression
`

func runCompletion(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("completion", completionUsage, stderr)
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		if isHelp(err) {
			return exitOK
		}
		return exitUsage
	}
	if len(rest) != 1 {
		fmt.Fprint(stderr, completionUsage)
		return exitUsage
	}
	var script string
	switch rest[0] {
	case "bash":
		script = bashCompletion()
	case "zsh":
		script = "#compdef lbdoctor\nautoload -U +X bashcompinit && bashcompinit\n" + bashCompletion()
	case "fish":
		script = fishCompletion()
	case "powershell":
		script = powershellCompletion()
	default:
		fmt.Fprintf(stderr, "lbdoctor completion: unknown shell %q (bash, zsh, fish or powershell)\n", rest[0])
		return exitUsage
	}
	if _, err := io.WriteString(stdout, script); err != nil {
		return exitUsage
	}
	return exitOK
}

func sortedCommands() []string {
	var names []string
	for c := range completionTable() {
		names = append(names, c)
	}
	sort.Strings(names)
	return names
}

// bashCompletion: the command at position 1; after it, its flags (as
// --name), the fixed values after a flag that has them, else files.
func bashCompletion() string {
	var b strings.Builder
	b.WriteString("# lbdoctor completion for bash (and zsh through bashcompinit)\n_lbdoctor() {\n")
	b.WriteString("  local cur prev cmd\n  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n  cmd=\"${COMP_WORDS[1]}\"\n")
	fmt.Fprintf(&b, "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n    COMPREPLY=($(compgen -W \"%s --version --help\" -- \"$cur\"))\n    return\n  fi\n",
		strings.Join(sortedCommands(), " "))
	b.WriteString("  case \"$cmd\" in\n")
	table := completionTable()
	for _, c := range sortedCommands() {
		flags := table[c]
		fmt.Fprintf(&b, "  %s)\n    case \"$prev\" in\n", c)
		for _, f := range flags {
			if len(f.values) > 0 {
				fmt.Fprintf(&b, "    --%s|-%s) COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n", f.name, f.name, strings.Join(f.values, " "))
			} else if f.value {
				fmt.Fprintf(&b, "    --%s|-%s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", f.name, f.name)
			}
		}
		b.WriteString("    esac\n")
		var names []string
		for _, f := range flags {
			names = append(names, "--"+f.name)
		}
		switch c {
		case "completion":
			names = append(names, "bash", "zsh", "fish", "powershell")
		case "help":
			names = append(names, sortedCommands()...)
		}
		fmt.Fprintf(&b, "    if [[ \"$cur\" == -* || \"%s\" == \"completion\" || \"%s\" == \"help\" ]]; then\n      COMPREPLY=($(compgen -W \"%s --help\" -- \"$cur\"))\n    else\n      COMPREPLY=($(compgen -f -- \"$cur\"))\n    fi\n    ;;\n",
			c, c, strings.Join(names, " "))
	}
	b.WriteString("  esac\n}\ncomplete -o filenames -F _lbdoctor lbdoctor\n")
	return b.String()
}

func fishCompletion() string {
	var b strings.Builder
	b.WriteString("# lbdoctor completion for fish\n")
	for _, c := range sortedCommands() {
		fmt.Fprintf(&b, "complete -c lbdoctor -n __fish_use_subcommand -f -a %s\n", c)
	}
	table := completionTable()
	for _, c := range sortedCommands() {
		for _, f := range table[c] {
			fmt.Fprintf(&b, "complete -c lbdoctor -n '__fish_seen_subcommand_from %s' -l %s", c, f.name)
			if len(f.values) > 0 {
				fmt.Fprintf(&b, " -x -a '%s'", strings.Join(f.values, " "))
			} else if f.value {
				b.WriteString(" -r")
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("complete -c lbdoctor -n '__fish_seen_subcommand_from completion' -f -a 'bash zsh fish powershell'\n")
	return b.String()
}

func powershellCompletion() string {
	var b strings.Builder
	b.WriteString("# lbdoctor completion for PowerShell\nRegister-ArgumentCompleter -Native -CommandName lbdoctor -ScriptBlock {\n")
	b.WriteString("  param($wordToComplete, $commandAst, $cursorPosition)\n  $words = $commandAst.CommandElements | ForEach-Object { $_.ToString() }\n")
	b.WriteString("  $flags = @{\n")
	table := completionTable()
	for _, c := range sortedCommands() {
		var names []string
		for _, f := range table[c] {
			names = append(names, "'--"+f.name+"'")
		}
		fmt.Fprintf(&b, "    '%s' = @(%s)\n", c, strings.Join(names, ", "))
	}
	b.WriteString("  }\n  $values = @{\n")
	for _, c := range sortedCommands() {
		for _, f := range table[c] {
			if len(f.values) > 0 {
				fmt.Fprintf(&b, "    '%s --%s' = @('%s')\n", c, f.name, strings.Join(f.values, "', '"))
			}
		}
	}
	fmt.Fprintf(&b, "  }\n  if ($words.Count -le 1 -or ($words.Count -eq 2 -and $wordToComplete)) { $candidates = @('%s') }\n", strings.Join(sortedCommands(), "', '"))
	b.WriteString("  else {\n    $cmd = $words[1]\n    $prev = if ($wordToComplete) { $words[-2] } else { $words[-1] }\n")
	b.WriteString("    $key = \"$cmd $prev\"\n    if ($values.ContainsKey($key)) { $candidates = $values[$key] } else { $candidates = $flags[$cmd] }\n  }\n")
	b.WriteString("  $candidates | Where-Object { $_ -like \"$wordToComplete*\" } | ForEach-Object {\n    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)\n  }\n}\n")
	return b.String()
}
