# Unbind. `make build` and `make android` build the shipped binaries (no build tags);
# the demo and simulate subcommands exist only with -tags sim. `make demo` runs the
# controller with simulated phones; `make test` runs every test.
GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
DIST    := dist
FUZZTIME ?= 10s

.PHONY: all build install demo test deps android bench fleetbench fuzz clean help

all: build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## build both binaries for this machine into dist/
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/unbind ./cmd/unbind
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/unbind-agent ./cmd/unbind-agent

PREFIX ?= $(HOME)/.local
install: build ## copy unbind and unbind-agent into $(PREFIX)/bin (PREFIX=~/.local unless given)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(DIST)/unbind $(DIST)/unbind-agent $(DESTDIR)$(PREFIX)/bin/
	@case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; *) echo "$(PREFIX)/bin is not on your PATH: export PATH=$(PREFIX)/bin:\$$PATH";; esac

DEMO_FLAGS ?=
demo: ## controller on its embedded defaults + 50 simulated phones (DEMO_FLAGS adds flags); Ctrl-C stops it, exit 0
	@echo "building $(DIST)/unbind-sim: the first build compiles SQLite and every dependency (about 3 minutes on 2 cores)"
	$(GO) build -tags sim -o $(DIST)/unbind-sim ./cmd/unbind
	$(DIST)/unbind-sim demo $(DEMO_FLAGS)

deps: ## install what the tests need (Debian packages), if missing
	@bash scripts/install-deps.sh

test: deps ## every test: vet (with and without -tags sim), go test -race, the agent cross-build
	$(GO) vet ./...
	$(GO) vet -tags sim ./...
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory android

android: ## agent for android/arm64 (and linux/arm for 32-bit phones), cgo-free and stripped
	CGO_ENABLED=0 GOOS=android GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/unbind-agent-android-arm64 ./cmd/unbind-agent
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/unbind-agent-linux-armv7 ./cmd/unbind-agent
	@ls -l $(DIST)/unbind-agent-android-arm64 $(DIST)/unbind-agent-linux-armv7

bench: ## run the benchmarks and record them under bench/
	@mkdir -p bench
	$(GO) test -run '^$$' -bench . -benchmem -count 3 ./controller/registry/ | tee bench/registry.txt

FLEET_AGENTS  ?= 1000
FLEET_REPORTS ?= 100
fleetbench: ## fleet benchmark: controller vs Mosquitto, FLEET_AGENTS x FLEET_REPORTS; appends to bench/fleet.jsonl
	$(GO) build -trimpath -o $(DIST)/unbind-bench ./cmd/unbind-bench
	$(DIST)/unbind-bench --agents $(FLEET_AGENTS) --reports $(FLEET_REPORTS) -o json | tee -a bench/fleet.jsonl

fuzz: ## run every fuzz target for FUZZTIME each
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf $(DIST)
