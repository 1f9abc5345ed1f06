package check

import (
	"testing"
)

// A Go server's timeouts given by a constant or a package-level variable
// are that value; a name declared twice, or computed at run time, is not.
func TestGoServerConstants(t *testing.T) {
	cases := []struct {
		name, src string
		want      map[string]string
	}{
		{"a constant", "package main\nimport (\"net/http\"; \"time\")\nconst idle = 120 * time.Second\nfunc main() {\n\ts := &http.Server{Addr: \":8080\", IdleTimeout: idle}\n\ts.ListenAndServe()\n}\n",
			map[string]string{"go main.go:5": "120s IdleTimeout"}},
		{"constants built from constants, in a function", "package main\nimport (\"net/http\"; \"time\")\nfunc main() {\n\tconst base = 30\n\tconst read = base * time.Second\n\ts := &http.Server{ReadTimeout: read}\n\ts.ListenAndServe()\n}\n",
			map[string]string{"go main.go:6": "30s ReadTimeout"}},
		{"a package-level variable", "package main\nimport (\"net/http\"; \"time\")\nvar idleTimeout = 75 * time.Second\nfunc main() {\n\t(&http.Server{IdleTimeout: idleTimeout}).ListenAndServe()\n}\n",
			map[string]string{"go main.go:5": "75s IdleTimeout"}},
		{"a name declared twice", "package main\nimport (\"net/http\"; \"time\")\nfunc a() { const t = 5 * time.Second; _ = t }\nfunc main() {\n\tconst t = 90 * time.Second\n\t(&http.Server{IdleTimeout: t}).ListenAndServe()\n}\n",
			map[string]string{"go main.go:6": "no limit IdleTimeout is not a constant expression"}},
		{"read at run time", "package main\nimport (\"net/http\"; \"os\"; \"time\")\nfunc main() {\n\td, _ := time.ParseDuration(os.Getenv(\"IDLE\"))\n\t(&http.Server{IdleTimeout: d}).ListenAndServe()\n}\n",
			map[string]string{"go main.go:5": "no limit IdleTimeout is not a constant expression"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, map[string]string{"go.mod": "module x\ngo 1.22\n", "main.go": c.src})
			wantHops(t, r, c.want)
		})
	}
}

// A file that imports net/http under another name.
func TestGoServerImportAlias(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{"go.mod": "module x\ngo 1.22\n",
		"main.go": "package main\nimport (\n\tnethttp \"net/http\"\n\t\"time\"\n)\nconst readTimeout = 5 * time.Second\nfunc main() {\n\tsrv := &nethttp.Server{ReadTimeout: readTimeout}\n\tsrv.ListenAndServe()\n}\n"})
	wantHops(t, r, map[string]string{"go main.go:8": "5s ReadTimeout"})
}

// Fields assigned after the server is declared count (the literal's value
// is what they replace): srv.IdleTimeout = ..., var srv http.Server, and
// Echo's e.Server, whose default is a zero http.Server.
func TestGoServerFieldAssignments(t *testing.T) {
	const imports = "package main\nimport (\"net/http\"; \"time\"; \"github.com/labstack/echo/v4\")\n"
	cases := []struct {
		name, body string
		want       map[string]string
	}{
		{"assigned after the literal", "func main() {\n\tsrv := &http.Server{Addr: \":8080\", IdleTimeout: 90 * time.Second}\n\tsrv.IdleTimeout = 30 * time.Second\n\tsrv.ListenAndServe()\n}\n",
			map[string]string{"go main.go:5": "30s IdleTimeout"}},
		{"a var of the type", "func main() {\n\tvar srv http.Server\n\tsrv.ReadTimeout = 20 * time.Second\n\tsrv.ListenAndServe()\n}\n",
			map[string]string{"go main.go:5": "20s ReadTimeout"}},
		{"a struct's field", "type app struct{ srv *http.Server }\nfunc (a *app) run() {\n\ta.srv = &http.Server{Addr: \":8080\"}\n\ta.srv.IdleTimeout = 45 * time.Second\n\ta.srv.ListenAndServe()\n}\n",
			map[string]string{"go main.go:6": "45s IdleTimeout"}},
		{"another variable's field is not the server's", "func main() {\n\tsrv := &http.Server{Addr: \":8080\"}\n\tother := struct{ IdleTimeout time.Duration }{}\n\tother.IdleTimeout = 5 * time.Second\n\tsrv.ListenAndServe()\n}\n",
			map[string]string{"go main.go:4": "no limit"}},
		{"Echo's server", "func main() {\n\te := echo.New()\n\te.Server.IdleTimeout = 30 * time.Second\n\te.Start(\":8080\")\n}\n",
			map[string]string{"go main.go:5": "30s IdleTimeout"}},
		{"Echo's default", "func main() {\n\te := echo.New()\n\te.Start(\":8080\")\n}\n",
			map[string]string{"go main.go:4": "no limit echo.New() serves with a zero http.Server"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, map[string]string{"go.mod": "module x\ngo 1.22\n", "main.go": imports + c.body})
			wantHops(t, r, c.want)
		})
	}
}
