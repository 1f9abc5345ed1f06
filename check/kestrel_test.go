package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Limits.KeepAliveTimeout in the forms C# code writes a TimeSpan, in any
// C# file of the project; a value computed at run time is unknown, not
// Kestrel's default, and a commented-out one is not read.
func TestKestrelCodeForms(t *testing.T) {
	cases := []struct {
		name, file, code string
		want             time.Duration
		known            bool
	}{
		{"FromMilliseconds", "Program.cs", "o.Limits.KeepAliveTimeout = TimeSpan.FromMilliseconds(30000);", 30 * time.Second, true},
		{"FromMinutes with a fraction", "Program.cs", "o.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(1.5);", 90 * time.Second, true},
		{"FromSeconds of a product, over two lines", "Program.cs", "o.Limits.KeepAliveTimeout =\n    TimeSpan.FromSeconds(2 * 60);", 120 * time.Second, true},
		{"FromHours", "Program.cs", "o.Limits.KeepAliveTimeout = TimeSpan.FromHours(1);", time.Hour, true},
		{"new TimeSpan(h, m, s)", "Program.cs", "o.Limits.KeepAliveTimeout = new TimeSpan(0, 0, 30);", 30 * time.Second, true},
		{"new TimeSpan(d, h, m, s)", "Program.cs", "o.Limits.KeepAliveTimeout = new TimeSpan(0, 0, 2, 0);", 2 * time.Minute, true},
		{"new TimeSpan(ticks)", "Program.cs", "o.Limits.KeepAliveTimeout = new TimeSpan(300000000L);", 30 * time.Second, true},
		{"TimeSpan.Parse", "Program.cs", `o.Limits.KeepAliveTimeout = TimeSpan.Parse("00:01:10");`, 70 * time.Second, true},
		{"infinite", "Program.cs", "o.Limits.KeepAliveTimeout = Timeout.InfiniteTimeSpan;", Infinite, true},
		{"in a file below the project", "Extensions/KestrelSetup.cs", "o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(20);", 20 * time.Second, true},
		{"a variable", "Program.cs", "o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(settings.KeepAlive);", 0, false},
		{"commented out", "Program.cs", "// o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);", 130 * time.Second, true},
		{"under bin/ (build output)", "bin/Release/Program.cs", "o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);", 130 * time.Second, true},
		{"another project's", "Worker/Program.cs", "o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);", 130 * time.Second, true},
		{"a helper of a referenced project", "../Shared/KestrelSetup.cs", "o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(75);", 75 * time.Second, true},
		{"a helper defined nowhere (a submodule not checked out)", "Program.cs", "}); builder.ConfigureAppKestrel(builder.Configuration); ({", 0, false},
		{"HTTP/2's ping timeout is another setting", "Program.cs", "o.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(30);", 130 * time.Second, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "Api")
			write := func(name, content string) {
				p := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("Api.csproj", `<Project Sdk="Microsoft.NET.Sdk.Web"><ItemGroup><ProjectReference Include="..\Shared\Shared.csproj" /></ItemGroup></Project>`)
			write("../Shared/Shared.csproj", `<Project Sdk="Microsoft.NET.Sdk"></Project>`)
			write("Worker/Worker.csproj", `<Project Sdk="Microsoft.NET.Sdk.Worker"></Project>`)
			write(c.file, "var builder = WebApplication.CreateBuilder(args);\nbuilder.WebHost.ConfigureKestrel(o =>\n{\n    "+c.code+"\n});\n")
			h := parseKestrel(root, dir, filepath.Join(dir, "Api.csproj"))
			if h.Known != c.known || h.Idle != c.want {
				t.Errorf("%s known %v (%s), want %s known %v", h.Idle, h.Known, h.Source, c.want, c.known)
			}
		})
	}
}

// Kestrel:Limits:KeepAliveTimeout from appsettings.json or the environment
// counts only where the application binds the Kestrel section itself
// (dotnet/aspnetcore#4765): then the environment (a Dockerfile's ENV, the
// project's or one above it) wins over appsettings.Production.json, which
// wins over appsettings.json; appsettings.Development.json is not deployed.
func TestKestrelConfiguration(t *testing.T) {
	const bind = "builder.Services.Configure<KestrelServerOptions>(builder.Configuration.GetSection(\"Kestrel\"));\n"
	settings := func(v string) string { return `{"Kestrel": {"Limits": {"KeepAliveTimeout": "` + v + `"}}}` }
	cases := []struct {
		name  string
		files map[string]string // below the project directory src/Api, or at the root with a leading /
		want  time.Duration
		known bool
		at    string
		note  string // in the source
	}{
		{"appsettings.json not bound", map[string]string{"appsettings.json": settings("00:00:30")}, 130 * time.Second, true, "src/Api/appsettings.json:1", "is not read"},
		{"appsettings.json bound", map[string]string{"appsettings.json": settings("00:00:30"), "Program.cs": bind}, 30 * time.Second, true, "src/Api/appsettings.json:1", "binds"},
		{"bound with GetSection(...).Bind(options)", map[string]string{"appsettings.json": settings("00:00:30"), "Program.cs": "builder.WebHost.ConfigureKestrel((ctx, o) => ctx.Configuration.GetSection(\"Kestrel\").Bind(o));\n"}, 30 * time.Second, true, "src/Api/appsettings.json:1", "binds"},
		{"appsettings.Production.json wins", map[string]string{"appsettings.json": settings("00:00:30"), "appsettings.Production.json": settings("00:01:10"), "Program.cs": bind}, 70 * time.Second, true, "src/Api/appsettings.Production.json:1", ""},
		{"appsettings.Development.json is not deployed", map[string]string{"appsettings.Development.json": settings("00:00:30"), "Program.cs": bind}, 130 * time.Second, true, "src/Api/Api.csproj:1", ""},
		{"the environment wins, bound", map[string]string{"appsettings.json": settings("00:03:00"), "Program.cs": bind,
			"/Dockerfile": "FROM mcr.microsoft.com/dotnet/aspnet:8.0\nENV ASPNETCORE_URLS=http://+:8080 \\\n    ASPNETCORE_Kestrel__Limits__KeepAliveTimeout=00:00:30\n"}, 30 * time.Second, true, "Dockerfile:3", "environment"},
		{"the environment, not bound", map[string]string{"/Dockerfile": "FROM x\nENV Kestrel__Limits__KeepAliveTimeout=00:00:30\n"}, 130 * time.Second, true, "Dockerfile:2", "is not read"},
		{"bound and set in code to another value", map[string]string{"appsettings.json": settings("00:00:30"), "Program.cs": bind + "builder.WebHost.ConfigureKestrel(o => o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(90));\n"}, 0, false, "src/Api/Program.cs:2", "order"},
		{"not bound and set in code", map[string]string{"appsettings.json": settings("00:00:30"), "Program.cs": "builder.WebHost.ConfigureKestrel(o => o.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(90));\n"}, 90 * time.Second, true, "src/Api/Program.cs:1", "is not read"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			api := filepath.Join(dir, "src", "Api")
			os.MkdirAll(api, 0o755)
			os.WriteFile(filepath.Join(api, "Api.csproj"), []byte(`<Project Sdk="Microsoft.NET.Sdk.Web"></Project>`), 0o644)
			for name, content := range c.files {
				p := filepath.Join(api, name)
				if name[0] == '/' {
					p = filepath.Join(dir, name[1:])
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			h := parseKestrel(dir, api, filepath.Join(api, "Api.csproj"))
			if h.Known != c.known || h.Idle != c.want || h.Location.String() != c.at || !strings.Contains(h.Source, c.note) {
				t.Errorf("%s known %v at %v (%s), want %s known %v at %s with %q", h.Idle, h.Known, h.Location, h.Source, c.want, c.known, c.at, c.note)
			}
		})
	}
}
