# gostemd's two commands: `make demo` and `make test`. Both need root on a
# Debian 12 machine; both boot a throwaway systemd when the host has none.

SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)

GO ?= go
# Debian packages the test bed and the demo need: systemd-nspawn, the D-Bus
# daemon that runs inside the container, and the per-user bus.
DEB_PACKAGES := systemd-container dbus dbus-user-session libpam-systemd util-linux debootstrap
TEST_TIMEOUT ?= 30m
GO_TEST := $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) -v ./...

# The second systemd of the test matrix: Debian 13's 257, booted from a root
# tree built once with debootstrap and kept across runs. MATRIX= (empty)
# tests the host's systemd only.
MATRIX ?= trixie
ROOTS_DIR ?= /var/cache/gostemd/roots

.PHONY: test demo deps check bench clean

## deps: install the Debian packages that are missing (needs root and apt).
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## check: formatting and vet.
check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## test: every test, integration tests included, under the race detector,
## against the host's systemd (252 on Debian 12) and then each systemd of
## the matrix.
test: deps check
	@mkdir -p .cache
	set -o pipefail; $(GO_TEST) 2>&1 | tee .cache/test.log
	@for suite in $(MATRIX); do \
		scripts/make-root $(ROOTS_DIR)/$$suite $$suite || exit 1; \
		echo "=== the same tests against the systemd of Debian $$suite"; \
		( set -o pipefail; GOSTEMD_TESTBED_ROOT=$(ROOTS_DIR)/$$suite $(GO_TEST) 2>&1 | \
			tee .cache/test-$$suite.log ) || exit 1; \
	done
	@scripts/test-summary .cache/test.log $(foreach s,$(MATRIX),.cache/test-$(s).log)

## demo: a guided tour of the examples against real systemd (examples/tour),
## which the launcher boots in a throwaway container when the host has none.
## Fails if any example fails.
demo: deps
	@mkdir -p bin
	$(GO) build -o bin/ ./internal/cmd/withsystemd ./examples/...
	./bin/withsystemd ./bin/tour

## bench: gostemd beside go-systemd, systemd-run, systemctl and a raw godbus
## floor, all in one throwaway systemd; prints the table and writes it to
## bench/RESULTS.md (raw output in bench/RESULTS.log). The bench module has
## its own go.mod, so the compared libraries never enter gostemd's.
BENCH_COUNT ?= 5
BENCH_TIME ?= 1s
bench: deps
	cd bench && $(GO) run ./cmd/benchall -o RESULTS.md -raw RESULTS.log \
		-count $(BENCH_COUNT) -benchtime $(BENCH_TIME)

clean:
	rm -rf bin .cache
