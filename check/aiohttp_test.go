package check

import "testing"

// aiohttp serves with keepalive_timeout, 75 s unless web.run_app or
// AppRunner sets it; a client-only use and a commented call are no server.
func TestAiohttp(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"plain/app.py":   "from aiohttp import web\n\napp = web.Application()\n\nif __name__ == \"__main__\":\n    web.run_app(app, port=8080)\n",
		"short/app.py":   "from aiohttp import web\napp = web.Application()\nweb.run_app(\n    app,\n    keepalive_timeout=30,\n)\n",
		"runner/app.py":  "import aiohttp\nfrom aiohttp import web\n\nasync def main():\n    runner = web.AppRunner(app, keepalive_timeout=settings.KEEPALIVE)\n    await runner.setup()\n",
		"client/app.py":  "import aiohttp\n\nasync def fetch():\n    async with aiohttp.ClientSession() as s:\n        return await s.get(URL)\n",
		"comment/app.py": "from aiohttp import web\n# web.run_app(app)\n",
	})
	wantHops(t, r, map[string]string{
		"aiohttp plain/app.py:6":  "75s aiohttp's default keepalive_timeout (75 s)",
		"aiohttp short/app.py:3":  "30s web.run_app(keepalive_timeout=30)",
		"aiohttp runner/app.py:5": "0s web.AppRunner(keepalive_timeout=settings.KEEPALIVE): not a number here",
	})
	found := 0
	for _, f := range r.Findings {
		if f.Location.File == "short/app.py" && f.Rule.ID == "LBD001" {
			found++
		}
	}
	if found != 1 {
		t.Errorf("want one LBD001 for aiohttp's 30 s behind the assumed ALB; findings %v", r.Findings)
	}
}
