package check

import (
	"testing"
	"time"
)

func TestActixKeepAlive(t *testing.T) {
	for raw, want := range map[string]time.Duration{
		"Duration::from_secs(75)":                     75 * time.Second,
		"std::time::Duration::from_secs(75)":          75 * time.Second,
		"KeepAlive::Timeout(Duration::from_secs(90))": 90 * time.Second,
		"Duration::from_millis(65000)":                65 * time.Second,
		"75":                                          75 * time.Second, // actix-web 3: seconds
		"KeepAlive::Os":                               Infinite,
		"KeepAlive::Disabled":                         NoKeepalive,
		"None":                                        NoKeepalive,
		"Some(Duration::from_secs(70))":               70 * time.Second,
		"Duration::from_secs(0)":                      NoKeepalive,
	} {
		if got, ok := actixKeepAlive(raw); !ok || got != want {
			t.Errorf("actixKeepAlive(%q) = %v, %v; want %v", raw, got, ok, want)
		}
	}
	for _, raw := range []string{"config.keep_alive()", "a)b)", "Some(", ")"} {
		if _, ok := actixKeepAlive(raw); ok {
			t.Errorf("%q was read as a value", raw)
		}
	}
}

func TestActixServer(t *testing.T) {
	for _, c := range []struct {
		name, src string
		idle      time.Duration
		line      int
	}{
		{"default", "use actix_web::{web, App, HttpServer};\n\n#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n    HttpServer::new(|| App::new().route(\"/\", web::get().to(index)))\n        .bind((\"0.0.0.0\", 8080))?\n        .run()\n        .await\n}\n", 5 * time.Second, 5},
		{"set", "use actix_web::{App, HttpServer};\nuse std::time::Duration;\nasync fn main() {\n    HttpServer::new(|| App::new())\n        .keep_alive(Duration::from_secs(75))\n        .bind(\"0.0.0.0:8080\")?\n        .run().await\n}\n", 75 * time.Second, 5},
	} {
		hops := parseActix("src/main.rs", []byte(c.src))
		if len(hops) != 1 || hops[0].Idle != c.idle || hops[0].Location.Line != c.line {
			t.Errorf("%s: %+v, want %v at line %d", c.name, hops, c.idle, c.line)
		}
	}
	// #[cfg(test)] mod test; declares tests in another file: the server
	// below is not in them (actix/examples databases/mongodb).
	declared := "#[cfg(test)]\nmod test;\n\nuse actix_web::{App, HttpServer};\n#[actix_web::main]\nasync fn main() {\n    HttpServer::new(|| App::new()).bind(\"0.0.0.0:8080\")?.run().await\n}\n"
	if hops := parseActix("src/main.rs", []byte(declared)); len(hops) != 1 || hops[0].Location.Line != 7 {
		t.Errorf("a server after a declared test module: %+v", hops)
	}
	inline := "use actix_web::{App, HttpServer};\nfn main() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[actix_web::test]\n    async fn it() { HttpServer::new(|| App::new()); }\n}\n"
	if hops := parseActix("src/main.rs", []byte(inline)); len(hops) != 0 {
		t.Errorf("a server in an inline test module: %+v", hops)
	}
	if hops := parseActix("src/main.rs", []byte("use hyper::server::conn::http1;\nlet server = HttpServer::new();\n")); len(hops) != 0 {
		t.Errorf("not actix-web: %+v", hops)
	}
}

// Rocket: Rocket.toml's release profile, the environment, code, or 5 s.
func TestRocket(t *testing.T) {
	cargo := "[package]\nname = \"api\"\n\n[dependencies]\nrocket = { version = \"0.5\", features = [\"json\"] }\n"
	r, _ := checkFiles(t, map[string]string{
		"toml/Cargo.toml":   cargo,
		"toml/Rocket.toml":  "[default]\nkeep_alive = 5\n\n[release]\nkeep_alive = 75 # above the ALB's 60 s\n",
		"env/Cargo.toml":    cargo,
		"env/Dockerfile":    "FROM rust:1\nENV ROCKET_KEEP_ALIVE=90\nCMD [\"api\"]\n",
		"code/Cargo.toml":   cargo,
		"code/src/main.rs":  "#[macro_use] extern crate rocket;\n#[launch]\nfn rocket() -> _ {\n    let config = rocket::Config { keep_alive: 65, ..rocket::Config::release_default() };\n    rocket::custom(config)\n}\n",
		"plain/Cargo.toml":  cargo,
		"plain/src/main.rs": "#[macro_use] extern crate rocket;\n#[launch]\nfn rocket() -> _ { rocket::build() }\n",
		"toml/src/main.rs":  "#[rocket::launch]\nfn rocket() -> _ { rocket::build() }\n",
		"env/src/main.rs":   "#[launch]\nfn rocket() -> _ { rocket::build() }\n",
		"lib/Cargo.toml":    cargo,
		"lib/src/lib.rs":    "pub fn routes() -> Vec<rocket::Route> { routes![] }\n#[cfg(test)]\nmod tests { #[launch] fn rocket() -> _ { rocket::build() } }\n",
		"Cargo.toml":        "[workspace]\nmembers = [\"toml\", \"env\", \"code\", \"plain\"]\n\n[workspace.dependencies]\nrocket = \"0.5\"\n",
		"tests/Cargo.toml":  "[package]\nname = \"t\"\n",
	})
	wantHops(t, r, map[string]string{
		"rocket toml/Rocket.toml:5": "75s keep_alive = 75 ([release] in Rocket.toml)",
		"rocket env/Dockerfile:2":   "90s ROCKET_KEEP_ALIVE=90",
		"rocket code/src/main.rs:4": "65s keep_alive 65 in code",
		"rocket plain/Cargo.toml:5": "5s Rocket's default keep_alive (5 s)",
	})
}
