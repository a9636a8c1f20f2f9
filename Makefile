# Meent — the two commands that matter:
#   make run    start a node on http://127.0.0.1:8080 (data in ./data)
#   make test   run every test
SWIFT ?= swift
BIN_DEBUG := .build/debug/meent

.PHONY: run test build deps test-deps swift-test openapi-check browser-test bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Starts a node. On first start it creates ./data, the node's keys and an
# administrator, and prints the administrator's login once.
run: build
	$(BIN_DEBUG) serve

test-deps: deps
	@scripts/install-deps.sh --test
	@scripts/install-test-tools.sh

swift-test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

openapi-check: test-deps
	.venv/bin/python tests/openapi/check_routes.py

# Headless Chromium drives real `meent serve` processes (the debug binary
# that swift-test built); the tests write docs/screenshots/*.png.
browser-test: test-deps
	$(SWIFT) build --product meent
	.venv/bin/python -m pytest -q tests/browser

test: test-deps swift-test openapi-check browser-test

# Builds in release mode (its own build folder, so debug builds stay warm)
# and runs the end-to-end benchmarks; see BENCHMARKS.md. The seeded-node figures
# first run `meent dev seed` (10,000 people, 1,000 groups, 1,000,000 items: several
# minutes); BENCH_ARGS="--seeded-dir /var/tmp/meent-seeded" seeds there once and
# reuses it. Extra options go in BENCH_ARGS, e.g.
# make bench BENCH_ARGS="--intake 4000 --perf-dir /tmp/perf";
# .build-release/release/meent-bench breakdown --meent .build-release/release/meent
# times the stages of intake and delivery one by one.
# --static-swift-stdlib links the Swift runtime and Foundation (ICU and its data
# included) into the binary, so only the pages the node touches are resident
# instead of five shared libraries' worth.
# The link goes through the toolchain's lld (a toolset file, written here with
# the toolchain's own path):
#   -z pack-relative-relocs  stores the ~150,000 relocations of the
#       position-independent binary as a 30 kB bitmap (glibc 2.36 reads it)
#       instead of a 3.5 MB table the loader reads at every start;
#   --icf=safe  folds identical functions (generic specialisations often
#       are) whose address is never taken;
#   --no-export-dynamic  keeps the binary's own symbols out of the dynamic
#       symbol table (nothing looks them up at run time; crash backtraces read
#       the full symbol table from the file).
# Together: idle RSS 39.4 MB instead of 46.1 MB; the binary stays
# position-independent (ASLR) with read-only relocations.
# Each function is compiled into a section of its own (-function-sections; for
# Swift through -Xfrontend, since SwiftPM's second build in a folder refuses the
# driver spelling), and lld lays out first the functions named in
# scripts/release-symbol-order.txt: those a node runs while it starts and idles,
# then those of its first requests (written by scripts/release-symbol-order.sh).
# The kernel maps code 64 kB around each page touched, so scattered start-up
# code kept ~25 MB of the binary resident; packed, the idle RSS is ~28 MB instead
# of ~39 MB. The compiler's unnamed thunks cannot be named in that file; a
# linker script (scripts/release-unnamed-functions.ld) packs them ahead of the
# rest (~26 MB). SwiftPM relinks neither when these files change nor when only
# linker flags do, so the binary is removed (relinked) when one of them or this
# Makefile is newer. The compiler keeps an object file whose module is
# unchanged even when code-generation flags change, so after changing the
# compile flags here, start from a clean folder (rm -rf .build-release).
# Both products take the same flags, else each build would rebuild the other.
RELEASE_TOOLSET := .build-release/toolset.json
RELEASE_ORDER := scripts/release-symbol-order.txt
RELEASE_LINKER_SCRIPT := scripts/release-unnamed-functions.ld
RELEASE_FLAGS := -c release --scratch-path .build-release --static-swift-stdlib --toolset $(abspath $(RELEASE_TOOLSET)) \
	-Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections \
	-Xlinker --symbol-ordering-file=$(abspath $(RELEASE_ORDER)) -Xlinker --no-warn-symbol-ordering \
	-Xlinker -T -Xlinker $(abspath $(RELEASE_LINKER_SCRIPT))
bench: deps
	@mkdir -p .build-release
	@printf '{"schemaVersion": "1.0", "linker": {"path": "%s", "extraCLIOptions": ["-z", "pack-relative-relocs", "--icf=safe", "--no-export-dynamic"]}}\n' \
		"$$(dirname "$$(readlink -f "$$(command -v $(SWIFT))")")/ld.lld" > $(RELEASE_TOOLSET)
	@for input in $(RELEASE_ORDER) $(RELEASE_LINKER_SCRIPT) Makefile; do \
		if [ $$input -nt .build-release/release/meent ]; then rm -f .build-release/release/meent; fi; done
	$(SWIFT) build $(RELEASE_FLAGS) --product meent
	$(SWIFT) build $(RELEASE_FLAGS) --product meent-bench
	.build-release/release/meent-bench all --meent .build-release/release/meent $(BENCH_ARGS)

clean:
	rm -rf .build .build-release .venv
