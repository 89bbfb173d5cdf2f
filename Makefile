# zonecast: `make demo` runs the main job on a built-in example,
# `make test` runs everything CI runs.
GO      ?= go
BIN     ?= bin/zonecast
# Without git (a source tarball) VERSION is empty and zonecast --version
# falls back to the build info: "(devel)" and the commit when known.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS := -X github.com/zonecast/zonecast/internal/cli.Version=$(VERSION)
# Fuzzing in make test is bounded by executions, not by time: a time limit
# that runs out while the engine is busy ends, now and then, in the engine's
# own "context deadline exceeded" rather than a finding.
FUZZTIME ?= 30000x
BENCHZONES ?= .bench

.PHONY: build test deps demo demo-clouds bench lint fuzz soak clean

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/zonecast

# The real DNS software the tests use (BIND, Knot, PowerDNS, Unbound).
deps:
	@bash .ci/install-deps

# make test runs the lint, every test under the race detector (the
# generative convergence test in internal/e2e runs its bounded seeds) and
# bounded fuzzing.
test: deps lint
	$(GO) test -race -count=1 -timeout 20m ./...
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./zones
	$(GO) test -run '^$$' -fuzz '^FuzzParseFile$$' -fuzztime $(FUZZTIME) ./zones
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime 3000x ./internal/config
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 20000x ./internal/plan

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 5m ./zones
	$(GO) test -run '^$$' -fuzz '^FuzzParseFile$$' -fuzztime 5m ./zones
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime 2m ./internal/config
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 2m ./internal/plan

# The main job on the built-in example: two zone-file providers, no
# account, no root, no network. Starts from empty targets each time.
DEMO := examples/quickstart
# The cloud drivers against emulated Cloudflare and Route 53 APIs on
# loopback (cmd/zonecast-emulator): no account needed.
demo-clouds: build
	$(GO) build -o bin/zonecast-emulator ./cmd/zonecast-emulator
	@BIN=$(BIN) EMU=bin/zonecast-emulator bash examples/clouds/demo.sh

demo: build
	@rm -rf $(DEMO)/out
	@echo '== zonecast validate   (the configuration and its zone files; no network)'
	@$(BIN) validate --config $(DEMO)/zonecast.yaml
	@echo
	@echo '== zonecast plan   (both providers are empty: everything is created)'
	@$(BIN) plan --config $(DEMO)/zonecast.yaml
	@echo
	@echo '== zonecast apply --yes'
	@$(BIN) apply --config $(DEMO)/zonecast.yaml --yes
	@echo
	@echo '== zonecast plan   (again: nothing left to do)'
	@$(BIN) plan --config $(DEMO)/zonecast.yaml --exit-code
	@echo
	@echo "The providers' zone files are in $(DEMO)/out/."

# Benchmarks on generated zones of 10k, 100k and 1M records (made once with
# the shared generator, ../shared/bench/genzone): parse + validate +
# canonicalise beside the bare miekg/dns floor; plan of 100k records against
# a zone-file target (no change, 1% changed, empty target); apply of 10k and
# 100k records to zone files (one write each), to a real BIND (zonecast's
# UPDATE messages beside BIND's nsupdate: messages, seconds and their
# ratios) and of 10k to the Cloudflare and Route 53 emulators (API requests,
# beside the libdns libraries' own call patterns); many zones through the
# binary; the engine's single-zone plan against the parse floor.
SHARED ?= ../shared
BENCH_SIZES ?= 10000 100000 1000000
# Many zones (issue 15): BenchmarkManyZones runs the built binary over this
# many generated zones (50-500 records each) at two zone-file providers and
# a BIND loaded with all of them; the cloud drivers' BenchmarkManyZones
# count the API calls of 10,000 zones at the emulators.
BENCH_ZONE_COUNTS ?= 1000 10000
bench:
	@for n in $(BENCH_SIZES); do \
	  if [ ! -f $(BENCHZONES)/$$n/base.zone ]; then \
	    mkdir -p $(BENCHZONES)/$$n && (cd $(SHARED)/bench && $(GO) run ./genzone -n $$n -o $(abspath $(BENCHZONES))/$$n) || exit 1; \
	  fi; \
	done
	ZONECAST_BENCH_DIR=$(abspath $(BENCHZONES)) $(GO) test -run '^$$' -bench . -benchmem -count 3 -timeout 60m ./zones ./internal/plan
	ZONECAST_BENCH_DIR=$(abspath $(BENCHZONES)) $(GO) test -run '^$$' -bench . -benchmem -count 3 ./providers/zonefile
	ZONECAST_BENCH_DIR=$(abspath $(BENCHZONES)) $(GO) test -run '^$$' -bench . -benchtime 3x -timeout 20m ./providers/rfc2136
	ZONECAST_BENCH_DIR=$(abspath $(BENCHZONES)) $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 10m ./providers/cloudflare ./providers/route53
	ZONECAST_BENCH_ZONES="$(BENCH_ZONE_COUNTS)" $(GO) test -run '^$$' -bench '^BenchmarkManyZones$$' -benchtime 1x -timeout 60m ./internal/cli
	ZONECAST_BENCH_DIR=$(abspath $(BENCHZONES)) $(GO) test -run '^$$' -bench . -benchtime 3x -timeout 30m ./internal/engine
	@$(MAKE) --no-print-directory build
	@for n in $(BENCH_SIZES); do \
	  /usr/bin/time -f "zonecast validate, $$n records: %e s wall, %M KiB peak RSS" $(BIN) validate $(BENCHZONES)/$$n/base.zone >/dev/null 2>$(BENCHZONES)/$$n/time.txt; \
	  tail -1 $(BENCHZONES)/$$n/time.txt; \
	done

# staticcheck runs at a pinned version through the module proxy (kept out
# of go.mod).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: $$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# The generative convergence test (internal/e2e) with many seeds and the
# size caps lifted: ZONECAST_SEEDS=N (seeds 1..N), a,b,c or random:N.
SEEDS ?= random:30
soak: deps
	ZONECAST_SOAK=1 ZONECAST_SEEDS=$(SEEDS) $(GO) test -count=1 -timeout 4h -run '^TestConverge$$' -v ./internal/e2e

clean:
	rm -rf bin $(BENCHZONES)
