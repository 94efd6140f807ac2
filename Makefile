# Starvit: the two commands a person needs are `make demo` and `make test`.
# Everything they need is installed by the repo's own scripts (localcloud/install.sh) with pinned versions.

SHELL := /usr/bin/env bash
CARGO ?= cargo
RELEASE_BIN := target/release/starvit

.PHONY: demo demo-down test lint fmt build bench localcloud-install infra-check clean-demo

## demo: run the main job end to end on local emulators over synthesized data (see README).
# KEEP=1 leaves the stack running and prints commands against it; demo-down stops it.
demo:
	KEEP="$(KEEP)" ./scripts/demo.sh

demo-down:
	./scripts/demo-down.sh

## test: formatting, lints and the whole test suite (unit, HTTP, golden, emulator).
# The emulator suite (starvit-e2e) starts one stack of emulators per test: at most 3 at once, so a
# 2-core machine is not swamped (8 parallel stacks made the slowest tests time out).
test: lint localcloud-install infra-check
	$(CARGO) test --workspace --locked --all-targets --exclude starvit-e2e
	$(CARGO) test --locked -p starvit-e2e --all-targets -- --test-threads=1

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --locked --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

build:
	$(CARGO) build --workspace --locked --release

## bench: throughput / memory benchmarks; prints figures and ratios measured in the same run.
bench:
	./scripts/bench.sh

## infra-check: Terraform checks (fmt, env contract, IAM boundary, checkov) and their self-test on
# broken copies of infra/; installs its pinned tools into .local/infra-tools (infra/checks/run.sh).
infra-check:
	./infra/checks/run.sh

localcloud-install:
	@if [ -x localcloud/install.sh ]; then ./localcloud/install.sh; fi
	@if [ -x analytics/install.sh ]; then ./analytics/install.sh; fi

clean-demo:
	rm -rf target/demo
