# make test: the whole check, from a fresh Debian machine (as root) to a verdict.
# Every step prints a "==> step" line; the last line says how many steps passed.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

GO        ?= go
GOBIN     := $(shell $(GO) env GOPATH)/bin
# Packages with SIMD kernels: run under every emulated CPU of the dispatch matrix.
KERNEL_PKGS := ./nvx/... ./xor/... ./utf8/... ./internal/aesgcm/...
# Kernel packages (and the lean protocol core) may import only std,
# golang.org/x/sys and this module.
DEP_PKGS    := ./nvx ./xor ./utf8 ./internal/aesgcm ./ws ./ws/wshttp
FUZZTIME  ?= 5s

.PHONY: test deps fmt vet staticcheck test-race test-kernels test-purego qemu regen depcheck bench-check natsfabric interop fuzz bench

test:
	@start=$$(date +%s); \
	steps="deps fmt vet staticcheck test-race test-kernels test-purego qemu regen depcheck bench-check natsfabric interop fuzz"; \
	pass=0; fail=0; failed=""; \
	for s in $$steps; do \
	  echo "==> $$s"; \
	  if $(MAKE) --no-print-directory $$s; then pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed $$s"; fi; \
	done; \
	echo "make test took $$(( $$(date +%s) - start ))s"; \
	if [ $$fail -gt 0 ]; then echo "FAILED steps:$$failed"; fi; \
	echo "make test: $$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]

deps:
	@scripts/deps.sh

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi; echo "gofmt ok"

vet:
	GOARCH=amd64 $(GO) vet ./...
	GOARCH=amd64 $(GO) vet -tags purego ./...
	GOARCH=arm64 $(GO) vet ./...
	GOARCH=arm64 $(GO) vet -tags purego ./...
	@# The event loop's kqueue and goroutine back ends, cross-compiled.
	for t in darwin/arm64 darwin/amd64 freebsd/amd64 freebsd/arm64 netbsd/amd64 openbsd/amd64 dragonfly/amd64 windows/amd64; do \
	  GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet ./eventloop/ || exit 1; done
	$(GO) vet -tags eventloop_goroutines ./eventloop/ ./ws/wsloop/
	@# The command builds wherever Go does (prefork says so where it cannot fork).
	for t in darwin/arm64 windows/amd64 freebsd/amd64; do \
	  GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -o /dev/null ./cmd/autobahn || exit 1; done

staticcheck:
	$(GOBIN)/staticcheck ./...
	$(GOBIN)/staticcheck -tags purego ./...
	GOARCH=arm64 $(GOBIN)/staticcheck ./...

test-race:
	$(GO) test -race -timeout 10m ./...

# The exhaustive kernel comparisons shrink under -race (the detector cannot see
# into assembly); run them in full without it.
test-kernels:
	$(GO) test -count=1 $(KERNEL_PKGS)

test-purego:
	$(GO) test -tags purego -timeout 10m ./...
	@# The goroutine fallback of the event loop, forced on linux.
	$(GO) test -tags eventloop_goroutines -timeout 5m ./eventloop/ ./ws/wsloop/

qemu:
	@scripts/qemu.sh $(KERNEL_PKGS)

regen:
	cd asm && $(GO) generate ./...
	git diff --exit-code -- xor utf8 internal/aesgcm || { echo "generated assembly is stale: run 'cd asm && go generate ./...' and commit"; exit 1; }

depcheck:
	@scripts/depcheck.sh $(DEP_PKGS)

# The comparison module must keep building; its tests check the peers agree.
bench-check:
	cd bench && $(GO) vet ./... && $(GO) test -short ./...
	@# The 100,000-connection run, small: 2 clients x 5,000 against serve --procs 2.
	bench/run-100k.sh 10000 2 2 loop 1
	cd asm && $(GO) vet ./...
	cd interop && $(GO) vet ./...

# The NATS federation of the router: a module of its own (NATS needs a newer
# Go than the main module's floor), which ./... of the main module skips.
natsfabric:
	cd wamp/router/natsfabric && $(GO) vet ./... && $(GOBIN)/staticcheck ./... && $(GO) test -race -count=1 ./...

# Real peers: gorilla, coder, Autobahn|Python, Node ws, headless Chromium
# (installed by the script when missing).
interop:
	bash scripts/interop.sh

fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

# Kernel benchmarks (not part of make test): count=10 for benchstat.
bench:
	bench/run-xor.sh 10
	$(GO) test -run '^$$' -bench . -count 10 ./utf8/ | tee /tmp/autobahn-utf8-bench.txt
