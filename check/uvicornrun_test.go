package check

import "testing"

// uvicorn.run() in Python: its timeout_keep_alive, else uvicorn's 5 s
// default, unless a command line starts the project's server instead.
func TestUvicornRun(t *testing.T) {
	r, _ := checkFiles(t, map[string]string{
		"plain/requirements.txt":   "fastapi\nuvicorn\n",
		"plain/main.py":            "import uvicorn\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\nif __name__ == \"__main__\":\n    uvicorn.run(\n        app,\n        host=\"0.0.0.0\",\n    )\n",
		"set/requirements.txt":     "uvicorn\n",
		"set/main.py":              "import uvicorn\nuvicorn.run(\"main:app\", host=\"0.0.0.0\", timeout_keep_alive=75)\n",
		"var/requirements.txt":     "uvicorn\n",
		"var/main.py":              "import uvicorn\nuvicorn.run(app, timeout_keep_alive=settings.keep_alive)\n",
		"const/requirements.txt":   "uvicorn\n",
		"const/main.py":            "import uvicorn\nKEEP_ALIVE = 70\nuvicorn.run(app, timeout_keep_alive=KEEP_ALIVE)\n",
		"env/requirements.txt":     "uvicorn\n",
		"env/main.py":              "import os, uvicorn\nuvicorn.run(app, timeout_keep_alive=int(os.getenv(\"KEEP_ALIVE\", \"65\")), port=8000)\n",
		"kw/requirements.txt":      "uvicorn\n",
		"kw/main.py":               "import uvicorn\nuvicorn.run(app, **config)\n",
		"dev/requirements.txt":     "uvicorn\n",
		"dev/main.py":              "import uvicorn\nuvicorn.run(\"main:app\", reload=True)\n",
		"comment/requirements.txt": "uvicorn\n",
		"comment/main.py":          "# uvicorn.run(app)\n",
		// uvicorn.Server(uvicorn.Config(...)).run() takes uvicorn.run's arguments.
		"config/requirements.txt":   "uvicorn\n",
		"config/main.py":            "import uvicorn\nconfig = uvicorn.Config(app, host=\"0.0.0.0\", port=8000)\nuvicorn.Server(config).run()\n",
		"imported/requirements.txt": "uvicorn\n",
		"imported/main.py":          "from uvicorn import Config, Server\nserver = Server(Config(\"main:app\", timeout_keep_alive=75))\nserver.run()\n",
		// The Dockerfile's command is what runs: the __main__ block is for development.
		"cmd/requirements.txt": "uvicorn\n",
		"cmd/main.py":          "import uvicorn\nif __name__ == \"__main__\":\n    uvicorn.run(app)\n",
		"cmd/Dockerfile":       "FROM python:3.12\nCMD [\"uvicorn\", \"main:app\", \"--timeout-keep-alive\", \"75\"]\n",
	})
	wantHops(t, r, map[string]string{
		"uvicorn plain/main.py:7":    "5s uvicorn.run() without timeout_keep_alive: uvicorn's default (5 s)",
		"uvicorn set/main.py:2":      "75s uvicorn.run(timeout_keep_alive=75)",
		"uvicorn var/main.py:2":      "0s uvicorn.run(timeout_keep_alive=settings.keep_alive): not a number here",
		"uvicorn kw/main.py:2":       "0s uvicorn.run(**...)",
		"uvicorn const/main.py:3":    "70s uvicorn.run(timeout_keep_alive=KEEP_ALIVE) (KEEP_ALIVE = 70)",
		"uvicorn env/main.py:2":      "65s uvicorn.run(timeout_keep_alive=int(os.getenv(\"KEEP_ALIVE\", \"65\"))) (KEEP_ALIVE, 65 when it is not set)",
		"uvicorn cmd/Dockerfile:2":   "75s",
		"uvicorn config/main.py:2":   "5s uvicorn.Config() without timeout_keep_alive: uvicorn's default (5 s)",
		"uvicorn imported/main.py:2": "75s uvicorn.Config(timeout_keep_alive=75)",
	})
}
