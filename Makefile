# The README's commands. Each target installs missing Debian packages first (scripts/setup.sh is
# idempotent and a no-op when everything is present), then configures, builds and runs.
JOBS ?= 2

.PHONY: demo test fuzz bench build release man clean setup sim-soak

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

# The man page, build/release/peerdb.1 (packaging/README.md says how to install it).
man: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target man

# Runs each libFuzzer target for FUZZ_SECONDS (default 60) with clang-14.
fuzz: setup
	@bash scripts/fuzz.sh

# Micro-benchmarks and the node throughput benchmark, as ratios against baselines of the same run.
bench: setup
	@bash bench/run.sh

# The consensus simulation over many seeds (release build, both cores). SIM_SEEDS runs (default
# 100000) spread over every scenario from seed SIM_FIRST; SIM_STRICT=1 also fails on the liveness
# misses of known machine gaps (tests/sim/README.md). Prints progress, a summary and replay lines.
SIM_SEEDS ?= 100000
SIM_FIRST ?= 1
sim-soak: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target peerdb_sim
	@./build/release/tests/sim/peerdb_sim --seeds $(SIM_SEEDS) --first $(SIM_FIRST) --jobs $(JOBS) \
	  $(if $(filter 1,$(SIM_STRICT)),,--tolerate-known-gaps)

clean:
	rm -rf build demo-run
