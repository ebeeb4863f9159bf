# The README's commands. Each target installs missing Debian packages first (scripts/setup.sh is
# idempotent and a no-op when everything is present), then configures, builds and runs.
JOBS ?= 2

.PHONY: demo test fuzz bench build release clean setup

setup:
	@bash scripts/setup.sh

# A local single-member ledger node with a short scripted demo (release build).
demo: setup release
	@bash scripts/demo.sh

# Every test: unit, integration (real processes), fuzz corpus replay, layering (dev build: ASan+UBSan, -Werror).
test: setup build
	@ctest --preset dev

build:
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

release:
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target peerdb

# Runs each libFuzzer target for FUZZ_SECONDS (default 60) with clang-14.
fuzz: setup
	@bash scripts/fuzz.sh

# Micro-benchmarks and the node throughput benchmark, as ratios against baselines of the same run.
bench: setup
	@bash bench/run.sh

clean:
	rm -rf build demo-run
