# hark — make run starts hark on the embedded demo feed with a throw-away
# store; make test runs every test (vet, race, short fuzz runs).
GO      ?= go
BIN     ?= bin/hark
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/hark-tui/hark/cli.Version=$(VERSION)
FUZZTIME ?= 3s

.PHONY: all build run test race vet fuzz fuzz-short bench soak lint e2e clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

# The demo: no account, no network, a fresh store every run.
run: build
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	XDG_STATE_HOME="$$tmp/state" XDG_CONFIG_HOME="$$tmp/config" ./$(BIN) --demo --db "$$tmp/demo.db"

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

race:
	$(GO) test -race -count=1 ./...

test: vet race fuzz-short

# Each fuzz target a few seconds in make test; longer with make fuzz.
FUZZ_TARGETS = \
	./query:FuzzParse \
	./textsafe:FuzzBlock \
	./textsafe:FuzzLine \
	./canned:FuzzRender \
	./feeds/mastodon:FuzzMapStatus \
	./feeds/bluesky:FuzzMapNotification \
	./feeds/x:FuzzMapTweets \
	./feeds/rss:FuzzParse

fuzz-short:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
	  echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
	  $(GO) test $$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) >/tmp/hark-fuzz.log 2>&1 || { cat /tmp/hark-fuzz.log; exit 1; }; \
	  tail -n 2 /tmp/hark-fuzz.log | head -n 1; \
	done

fuzz:
	$(MAKE) fuzz-short FUZZTIME=60s

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./store ./tui ./textsafe ./triage

soak:
	HARK_CRASH_ROUNDS=200 $(GO) test -count=1 -run TestCrash -timeout 30m ./crashtest

lint: vet

# The networks end to end: fake Mastodon, Bluesky, X and RSS servers on
# loopback, hark's CLI and TUI against them (also part of make test).
e2e:
	$(GO) test -race -count=1 ./e2e/... ./internal/fakenet/...

clean:
	rm -rf bin
