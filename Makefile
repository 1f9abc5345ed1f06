# lbdoctor: every task a developer or CI needs, in one place.
GO ?= go

.PHONY: demo test deps vet cross unit fuzz bench bench-peers build release clean

## demo: reproduce the keep-alive 502 on loopback, find it in the logs, probe, prove the fix
demo:
	$(GO) run ./cmd/lbdoctor demo

## test: install what the tests need (Debian packages), then run every test
test: deps vet cross unit fuzz

deps:
	bash scripts/install-test-deps

vet:
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt needed on the files above"; exit 1)
	$(GO) vet ./...

## cross: build and vet every release target (linux, darwin, windows; amd64, arm64)
cross:
	bash scripts/release --check

# -parallel 6: the real-server tests mostly wait for idle timeouts; two at a
# time (GOMAXPROCS on 2 cores) would make the probe package take minutes.
unit:
	$(GO) test -count=1 -timeout 25m -parallel 6 ./...

# A short fuzz run on top of the committed corpus, which `unit` replays.
# Budgets are execution counts (about 15 s each here), not durations: Go
# 1.26's coordinator can fail a duration run with "context deadline
# exceeded" and no failing input when the deadline races a busy worker
# (golang/go#75804, fixed in Go 1.27; seen here once in CI).
fuzz:
	$(GO) test -run '^$$' -fuzz 'FuzzParse$$' -fuzztime 400000x ./alblog
	$(GO) test -run '^$$' -fuzz FuzzParsePaths -fuzztime 400000x ./alblog
	$(GO) test -run '^$$' -fuzz FuzzConfigParsers -fuzztime 10000x ./check

## bench: throughput and peak memory against gzip -dc over a generated 1 GB corpus
bench:
	bash scripts/bench-logs

## bench-peers: the same corpus through lbdoctor, gzip -dc, DuckDB (also running lbdoctor's cause query) and GoAccess
bench-peers:
	bash scripts/bench-peers

build:
	$(GO) build -o bin/lbdoctor ./cmd/lbdoctor

## release: archives and checksums in dist/, e.g. make release VERSION=v1.2.3
release:
	bash scripts/release $(VERSION)

clean:
	rm -rf bin .bench dist
