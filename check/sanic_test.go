package check

import "testing"

// Sanic's default is 5 s before 23.6 and 120 s from it: the pinned version
// decides; settings in code and the environment win.
func TestSanic(t *testing.T) {
	app := "from sanic import Sanic\nfrom sanic.response import json\n\napp = Sanic(\"api\")\n"
	r, _ := checkFiles(t, map[string]string{
		"old/requirements.txt":     "sanic==22.12.0\naiofiles\n",
		"old/server.py":            app,
		"caret/pyproject.toml":     "[tool.poetry.dependencies]\npython = \"^3.10\"\nsanic = \"^22.9\"\n",
		"caret/server.py":          app,
		"below/requirements.txt":   "sanic<23.6\n",
		"below/server.py":          app,
		"lock/poetry.lock":         "[[package]]\nname = \"sanic\"\nversion = \"21.12.1\"\n",
		"lock/server.py":           app,
		"current/requirements.txt": "sanic>=21.3\n",
		"current/server.py":        app,
		"new/requirements.txt":     "sanic[ext]==23.12.1\n",
		"new/server.py":            app,
		"set/requirements.txt":     "sanic==22.6.2\n",
		"set/server.py":            app + "app.config.KEEP_ALIVE_TIMEOUT = 75\n",
		"env/requirements.txt":     "sanic==21.3.4\n",
		"env/server.py":            app,
		"env/Dockerfile":           "FROM python:3.11\nENV SANIC_KEEP_ALIVE_TIMEOUT=90\nCMD [\"sanic\", \"server:app\"]\n",
		"off/server.py":            app + "app.config.update({\"KEEP_ALIVE\": False})\n",
		"exact/pyproject.toml":     "[tool.poetry.dependencies]\nsanic = { version = \"22.12.0\", extras = [\"ext\"] }\n",
		"exact/server.py":          app,
		"pep621/pyproject.toml":    "[project]\ndependencies = [\n  \"sanic>=23.6\",\n]\n",
		"pep621/server.py":         app,
		"image/Dockerfile":         "FROM sanicframework/sanic:20.12\nCOPY . .\nCMD [\"python\", \"server.py\"]\n",
		"image/server.py":          app,
		"notsanic/app.py":          "import sanitize\nclass Sanic(object): pass\n",
	})
	wantHops(t, r, map[string]string{
		"sanic old/server.py:4":     "5s Sanic's default KEEP_ALIVE_TIMEOUT before 23.6 (5 s; old/requirements.txt: sanic==22.12.0)",
		"sanic caret/server.py:4":   "5s Sanic's default KEEP_ALIVE_TIMEOUT before 23.6",
		"sanic below/server.py:4":   "5s Sanic's default KEEP_ALIVE_TIMEOUT before 23.6",
		"sanic lock/server.py:4":    "5s Sanic's default KEEP_ALIVE_TIMEOUT before 23.6 (5 s; lock/poetry.lock 21.12.1)",
		"sanic current/server.py:4": "120s Sanic's default KEEP_ALIVE_TIMEOUT from 23.6 (120 s; current/requirements.txt: sanic>=21.3 (a current release is installed)",
		"sanic new/server.py:4":     "120s Sanic's default KEEP_ALIVE_TIMEOUT from 23.6 (120 s; new/requirements.txt: sanic==23.12.1)",
		"sanic set/server.py:5":     "75s KEEP_ALIVE_TIMEOUT = 75",
		"sanic env/Dockerfile:2":    "90s SANIC_KEEP_ALIVE_TIMEOUT=90",
		"sanic exact/server.py:4":   "5s Sanic's default KEEP_ALIVE_TIMEOUT before 23.6 (5 s; exact/pyproject.toml: sanic 22.12.0)",
		"sanic pep621/server.py:4":  "120s Sanic's default KEEP_ALIVE_TIMEOUT from 23.6 (120 s; pep621/pyproject.toml: sanic>=23.6 (a current release is installed)",
		"sanic image/server.py:4":   "5s Sanic's default KEEP_ALIVE_TIMEOUT before 23.6 (5 s; image/Dockerfile: FROM sanicframework/sanic:20.12)",
		"sanic off/server.py:5":     "no keep-alive KEEP_ALIVE = False",
	})
}
