package check

import (
	"testing"
	"time"
)

// Phoenix and Plug projects as their generators write them, and the
// settings users add: the server comes from mix.exs (and the Endpoint's
// adapter), the value from the production config files.
func TestMixProjects(t *testing.T) {
	const bandit17 = `defmodule Shop.MixProject do
  use Mix.Project

  defp deps do
    [
      {:phoenix, "~> 1.7.14"},
      {:phoenix_ecto, "~> 4.5"},
      {:bandit, "~> 1.5"}
    ]
  end
end
`
	const cowboy16 = `defmodule Shop.MixProject do
  use Mix.Project

  defp deps do
    [
      {:phoenix, "~> 1.6.15"},
      {:plug_cowboy, "~> 2.5"}
    ]
  end
end
`
	const endpointBandit = `import Config

config :shop, ShopWeb.Endpoint,
  url: [host: "localhost"],
  adapter: Bandit.PhoenixAdapter,
  render_errors: [formats: [html: ShopWeb.ErrorHTML], layout: false]
`
	cases := []struct {
		name  string
		files map[string]string
		kind  string
		idle  time.Duration
		file  string
		line  int
	}{
		{"Phoenix 1.7 on Bandit, defaults", map[string]string{"mix.exs": bandit17, "config/config.exs": endpointBandit,
			"config/runtime.exs": "import Config\nconfig :shop, ShopWeb.Endpoint,\n  http: [ip: {0, 0, 0, 0, 0, 0, 0, 0}, port: port]\n"},
			"bandit", 60 * time.Second, "mix.exs", 8},
		{"Bandit read_timeout in runtime.exs, not dev.exs", map[string]string{"mix.exs": bandit17, "config/config.exs": endpointBandit,
			"config/dev.exs":     "import Config\nconfig :shop, ShopWeb.Endpoint, http: [thousand_island_options: [read_timeout: 1_000]]\n",
			"config/runtime.exs": "import Config\nconfig :shop, ShopWeb.Endpoint,\n  http: [\n    port: port,\n    thousand_island_options: [\n      transport_options: [backlog: 1024],\n      read_timeout: 75_000\n    ]\n  ]\n"},
			"bandit", 75 * time.Second, "config/runtime.exs", 7},
		{"Phoenix 1.6 on Cowboy, defaults", map[string]string{"mix.exs": cowboy16,
			"config/prod.exs": "import Config\nconfig :shop, ShopWeb.Endpoint, cache_static_manifest: \"priv/static/cache_manifest.json\"\n"},
			"cowboy", 5 * time.Second, "mix.exs", 7},
		// idle_timeout runs only during a request: request_timeout alone
		// decides how long a kept-alive connection waits.
		{"Cowboy request_timeout raised, idle_timeout left at 60 s", map[string]string{"mix.exs": cowboy16,
			"config/prod.exs": "import Config\nconfig :shop, ShopWeb.Endpoint,\n  http: [port: 4000, protocol_options: [request_timeout: 70_000]]\n"},
			"cowboy", 70 * time.Second, "config/prod.exs", 3},
		{"Cowboy both raised", map[string]string{"mix.exs": cowboy16,
			"config/runtime.exs": "import Config\nconfig :shop, ShopWeb.Endpoint,\n  http: [\n    protocol_options: [\n      idle_timeout: 70_000,\n      request_timeout: 70_000\n    ]\n  ]\n"},
			"cowboy", 70 * time.Second, "config/runtime.exs", 6},
		{"Cowboy :infinity", map[string]string{"mix.exs": cowboy16,
			"config/prod.exs": "import Config\nconfig :shop, ShopWeb.Endpoint, http: [protocol_options: [idle_timeout: :infinity, request_timeout: :infinity]]\n"},
			"cowboy", Infinite, "config/prod.exs", 2},
		{"both dependencies, no Bandit adapter: Cowboy", map[string]string{"mix.exs": "defp deps do\n  [{:phoenix, \"~> 1.7.2\"}, {:plug_cowboy, \"~> 2.6\"}, {:bandit, \"~> 1.0\"}]\nend\n"},
			"cowboy", 5 * time.Second, "mix.exs", 2},
		{"umbrella app, config at the root", map[string]string{"apps/shop_web/mix.exs": cowboy16,
			"config/prod.exs": "import Config\nconfig :shop_web, ShopWeb.Endpoint, http: [protocol_options: [request_timeout: 61_000, idle_timeout: 90_000]]\n"},
			"cowboy", 61 * time.Second, "config/prod.exs", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := checkFiles(t, c.files)
			var apps []Hop
			for _, h := range r.Hops {
				if h.Role == App {
					apps = append(apps, h)
				}
			}
			if len(apps) != 1 {
				t.Fatalf("hops %+v", apps)
			}
			h := apps[0]
			if h.Kind != c.kind || h.Idle != c.idle || h.Location.File != c.file || h.Location.Line != c.line {
				t.Errorf("%s %s at %s (%s), want %s %s at %s:%d", h.Kind, h.Idle, h.Location, h.Source, c.kind, c.idle, c.file, c.line)
			}
		})
	}
}

// A library's mix.exs names no server: no hop.
func TestMixLibrary(t *testing.T) {
	dir := t.TempDir()
	fileWriter(dir)("mix.exs", "defp deps do\n  [{:jason, \"~> 1.4\"}, {:ex_doc, \">= 0.0.0\", only: :dev}]\nend\n")
	r, _ := runCheck(t, dir)
	if len(r.Hops) != 0 {
		t.Errorf("hops %+v", r.Hops)
	}
}
