package check

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// A CDK program (TypeScript, JavaScript or Python) gives an instance or an
// Auto Scaling group its user data as strings: asg.addUserData('yum install
// -y httpd', ...), ec2.UserData.forLinux() then addCommands(...) (Python's
// add_user_data, add_commands), a variable holding such a string, or a
// script file read with readFileSync or open(). The strings are read as a
// script (see userdata.go); a listener's addTargets in the same program
// puts its load balancer in front. Read by pattern matching.

var (
	cdkUserDataCallRe = regexp.MustCompile(`(\w+|\))\s*\.\s*(?:addUserData|add_user_data|addCommands|add_commands)\s*\(`)
	cdkTargetsRe      = regexp.MustCompile(`\.\s*(?:addTargets|add_targets)\s*\(`)
	cdkReadFileRe     = regexp.MustCompile(`(?:readFileSync|open)\s*\(\s*(?:path\.(?:join|resolve)\s*\(\s*__dirname\s*,\s*)?["']([^"'\n]+)["']`)
)

// cdkUserData reads the user data a CDK program gives its instances. read
// reads a file by its path from the repository's root; base is the
// directory plain paths are relative to (where the CDK CLI runs).
func cdkUserData(relp string, src []byte, base string, read func(string) ([]byte, error)) []userData {
	text := string(src)
	lineAt := func(off int) int { return strings.Count(text[:off], "\n") + 1 }
	var lines []logical
	owner := ""
	var files []userData
	for _, m := range cdkUserDataCallRe.FindAllStringSubmatchIndex(text, -1) {
		if owner == "" {
			owner = text[m[2]:m[3]]
			if owner == ")" {
				owner = "UserData" // ec2.UserData.forLinux().addCommands(...)
			}
		}
		args, _ := callArgsText(text, m[1])
		for _, a := range splitArgs(args.text) {
			a.off += args.off
			a = argValue(text, a)
			if f := cdkReadFileRe.FindStringSubmatch(a.text); f != nil {
				for _, dir := range []string{path.Dir(relp), base} {
					p := path.Clean(path.Join(dir, f[1]))
					if strings.HasPrefix(p, "../") {
						continue
					}
					if b, err := read(p); err == nil {
						files = append(files, userData{file: p, src: b})
						break
					}
				}
				continue
			}
			if lit, off, ok := firstStringLiteral(a.text); ok {
				n := lineAt(a.off + off)
				for i, l := range strings.Split(lit, "\n") {
					lines = append(lines, logical{l, n + i})
				}
			}
		}
	}
	if owner == "" {
		return nil
	}
	var out []userData
	if len(lines) > 0 {
		first, last := lines[0].n, lines[0].n
		for _, l := range lines {
			first, last = min(first, l.n), max(last, l.n)
		}
		out = append(out, userData{owner: owner, file: relp, src: linesToSrc(lines), span: [2]int{first, last}})
	}
	for _, f := range files {
		f.owner = owner
		out = append(out, f)
	}
	return out
}

// argValue is what an argument gives as a script: itself when it is a
// string; else, for a variable it names (str(data, 'utf-8') too), the
// value assigned to it in the same file, when that starts with a string
// or reads a file on its line.
func argValue(text string, a argText) argText {
	if _, off, ok := firstStringLiteral(a.text); ok && strings.TrimSpace(a.text[:off]) == "" {
		return a
	}
	for _, name := range wordRe.FindAllString(a.text, -1) {
		d := regexp.MustCompile(`(?m)^\s*(?:(?:const|let|var)\s+)?` + regexp.QuoteMeta(name) + `\s*(?::\s*\w+\s*)?=\s*`).FindStringIndex(text)
		if d == nil {
			continue
		}
		value := text[d[1]:min(len(text), d[1]+64<<10)]
		eol := strings.IndexByte(value, '\n')
		if eol < 0 {
			eol = len(value)
		}
		if cdkReadFileRe.MatchString(value[:eol]) {
			return argText{value[:eol], d[1]}
		}
		if _, off, ok := firstStringLiteral(value); ok && off < eol {
			return argText{value, d[1]}
		}
	}
	return a
}

var wordRe = regexp.MustCompile(`\b[A-Za-z_]\w*\b`)

// argText is a piece of source and its offset in the file.
type argText struct {
	text string
	off  int
}

// callArgsText returns the text between a call's parentheses (open is the
// offset just after "("), skipping strings.
func callArgsText(text string, open int) (argText, bool) {
	depth := 1
	for i := open; i < len(text); i++ {
		switch c := text[i]; c {
		case '"', '\'', '`':
			i = skipString(text, i)
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				return argText{text[open:i], open}, true
			}
		}
	}
	return argText{}, false
}

// skipString returns the offset of the last byte of the string literal
// that starts at i (Python's triple quotes included).
func skipString(text string, i int) int {
	q := text[i]
	if q != '`' && strings.HasPrefix(text[i:], strings.Repeat(string(q), 3)) {
		if j := strings.Index(text[i+3:], strings.Repeat(string(q), 3)); j >= 0 {
			return i + 3 + j + 2
		}
		return len(text) - 1
	}
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\\':
			j++
		case q:
			return j
		case '\n':
			if q != '`' {
				return j // an unterminated string ends with its line
			}
		}
	}
	return len(text) - 1
}

// splitArgs splits a call's arguments at the commas outside strings and
// brackets.
func splitArgs(args string) []argText {
	var out []argText
	depth, start := 0, 0
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case '"', '\'', '`':
			i = skipString(args, i)
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, argText{args[start:i], start})
				start = i + 1
			}
		}
	}
	return append(out, argText{args[start:], start})
}

// firstStringLiteral returns the value of the first string literal in s
// (escapes of a quoted one undone; a template literal's or triple-quoted
// string's lines as they are) and its offset.
func firstStringLiteral(s string) (string, int, bool) {
	for i := 0; i < len(s); i++ {
		q := s[i]
		if q != '"' && q != '\'' && q != '`' {
			continue
		}
		end := skipString(s, i)
		if q != '`' && strings.HasPrefix(s[i:], strings.Repeat(string(q), 3)) {
			if end-2 < i+3 {
				return "", i, true
			}
			return s[i+3 : end-2], i, true
		}
		if end <= i {
			return "", i, true // a quote that ends the text
		}
		body := s[i+1 : end]
		if q != '`' {
			if v, err := strconv.Unquote(`"` + strings.ReplaceAll(body, `"`, `\"`) + `"`); err == nil {
				body = v
			}
		}
		return body, i, true
	}
	return "", 0, false
}

// addCDKUserData reads a CDK program's user data (cdk are the load
// balancers parseCDK found in it): a listener's addTargets in the program
// puts its load balancer in front of the instances, else nothing in the
// repository routes to them.
func (r *Report) addCDKUserData(root, relp string, src []byte, cdk []Hop) {
	if !cdkImportRe.Match(src) || !cdkUserDataCallRe.Match(src) {
		return
	}
	exists := func(p string) bool { _, err := os.Stat(filepath.Join(root, p)); return err == nil }
	routed := len(cdk) > 0 && cdkTargetsRe.Match(src)
	for _, u := range cdkUserData(relp, src, cdkRoot(path.Dir(relp), exists), r.readRel) {
		found := userDataHops(u, &userDataRoute{owner: u.owner, routed: routed})
		r.Hops = append(r.Hops, found...)
		if u.span[0] == 0 {
			r.userDataFiles = append(r.userDataFiles, u.file)
		}
		if routed {
			l := link{lb: cdk[0].Name, lbAt: cdk[0].Location, dir: u.file, span: u.span, where: cdk[0].Location, owner: u.owner}
			r.links = append(append(r.links, l), jarLinks(u, found, []link{l})...)
		}
	}
}
