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
