package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "", "version", "--format", "json")
	var v buildVersion
	if code != exitOK || json.Unmarshal([]byte(out), &v) != nil || v.Version == "" || v.GoVersion != runtime.Version() {
		t.Fatalf("version --format json: exit %d, %q", code, out)
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := runCLI(t, "", args...)
		if code != exitOK || !strings.HasPrefix(out, "lbdoctor "+v.Version+"\n") || !strings.Contains(out, runtime.Version()) {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
}

// TestVersionOfBuilds builds lbdoctor the two ways users get it: a release
// build stamped by scripts/release, and a build from a git clone, which
// records the revision.
func TestVersionOfBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "lbdoctor")
	build := exec.Command("go", "build", "-buildvcs=true", "-ldflags", "-X main.releaseVersion=v9.9.9", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("release build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "lbdoctor v9.9.9\n") {
		t.Errorf("release build says %q (%v)", out, err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		return
	}
	if err := exec.Command("git", "rev-parse", "--git-dir").Run(); err != nil {
		t.Log("not a git checkout: no revision to record")
		return
	}
	rev, _ := exec.Command("git", "rev-parse", "HEAD").Output()
	out, _ = exec.Command(bin, "version", "--format", "json").Output()
	var v buildVersion
	json.Unmarshal(out, &v)
	if v.Revision != strings.TrimSpace(string(rev)) {
		t.Errorf("revision %q, want %q", v.Revision, strings.TrimSpace(string(rev)))
	}
}

var flagLineRe = regexp.MustCompile(`(?m)^  -([\w-]+)`)

// TestCompletionTable: every command's real flags are the ones completion
// offers, with the same names.
func TestCompletionTable(t *testing.T) {
	for cmd, flags := range completionTable() {
		if cmd == "help" {
			continue
		}
		code, _, stderr := runCLI(t, "", cmd, "--help")
		if code != exitOK {
			t.Errorf("%s --help: exit %d", cmd, code)
		}
		var real, table []string
		for _, m := range flagLineRe.FindAllStringSubmatch(stderr, -1) {
			real = append(real, m[1])
		}
		real = slices.Compact(slices.Sorted(slices.Values(real))) // sql lists its subcommands' flags, some shared
		for _, f := range flags {
			table = append(table, f.name)
		}
		sort.Strings(real)
		sort.Strings(table)
		if strings.Join(real, " ") != strings.Join(table, " ") {
			t.Errorf("%s: flags %v, completion table %v", cmd, real, table)
		}
	}
	for name := range commands() {
		if _, ok := completionTable()[name]; !ok {
			t.Errorf("command %s has no completion entry", name)
		}
	}
}

// TestBashCompletion sources the script in bash and asks it to complete.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	_, script, _ := runCLI(t, "", "completion", "bash")
	path := filepath.Join(t.TempDir(), "lbdoctor.bash")
	os.WriteFile(path, []byte(script), 0o644)
	complete := func(words ...string) string {
		t.Helper()
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + w + "'"
		}
		prog := "source " + path + "; COMP_WORDS=(" + strings.Join(quoted, " ") + "); COMP_CWORD=" + itoa(len(words)-1) + "; _lbdoctor; echo \"${COMPREPLY[*]}\""
		out, err := exec.Command(bash, "-c", prog).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := complete("lbdoctor", "pr"); got != "probe" {
		t.Errorf("lbdoctor pr<TAB>: %q", got)
	}
	if got := complete("lbdoctor", "check", "--format", ""); got != "text json sarif" {
		t.Errorf("check --format <TAB>: %q", got)
	}
	if got := complete("lbdoctor", "check", "--fail"); got != "--fail-on" {
		t.Errorf("check --fail<TAB>: %q", got)
	}
	if got := complete("lbdoctor", "completion", "z"); got != "zsh" {
		t.Errorf("completion z<TAB>: %q", got)
	}
	for _, sh := range []string{"zsh", "fish", "powershell"} {
		if code, out, _ := runCLI(t, "", "completion", sh); code != exitOK || !strings.Contains(out, "lbdoctor") {
			t.Errorf("completion %s: exit %d", sh, code)
		}
	}
	if code, _, _ := runCLI(t, "", "completion", "tcsh"); code != exitUsage {
		t.Errorf("completion tcsh: exit %d, want 2", code)
	}
}

// TestHelp: every command's help has its flags and at least two examples and
// exits 0; an unknown flag prints the command's usage and exits 2.
func TestHelp(t *testing.T) {
	for name := range commands() {
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
			code, out, stderr := runCLI(t, "", args...)
			text := out + stderr
			if code != exitOK {
				t.Errorf("%v: exit %d", args, code)
			}
			if n := strings.Count(text, "\n  lbdoctor "+name) + strings.Count(text, "\n  source <(lbdoctor"); n < 2 {
				t.Errorf("%v: %d examples, want at least 2:\n%s", args, n, text)
			}
		}
		code, _, stderr := runCLI(t, "", name, "--no-such-flag")
		if code != exitUsage || !strings.Contains(stderr, "Usage: lbdoctor "+name) {
			t.Errorf("%s --no-such-flag: exit %d, stderr %q", name, code, stderr)
		}
	}
}
