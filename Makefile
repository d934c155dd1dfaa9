# The two commands of the README's Quick start, and a few more.
SWIFT ?= swift
VERITY := .build/debug/verity

.PHONY: demo test test-all build deps bench bench-smoke

# Build, start the embedded PostgreSQL, load the Izium seed case file (idempotent)
# and print the desk's status report.
demo: deps build
	$(VERITY) db start
	$(VERITY) import seeds/izium-2022.jsonl
	$(VERITY) case list
	$(VERITY) report status

# Every test, against a throwaway PostgreSQL cluster the suite starts itself.
test: deps
	$(SWIFT) test

# Every test including the slow ones (docs/guarantees.md): 16 processes racing for 30 s, kill -9
# during a 30,000-case import, failover under eight writers, ten times more fuzzing, the 1M import.
test-all: deps
	VERITY_SLOW_TESTS=1 $(SWIFT) test

build: deps
	$(SWIFT) build

deps:
	@scripts/ensure-deps.sh

# Benchmarks (BENCHMARKS.md, bench/results.json): release build, throwaway cluster,
# 1,000,000 generated cases; BENCH_CASES=N for another size (the names say which).
bench: deps
	scripts/bench.sh

# The same script on tiny data with the debug binary, about a minute; results in a temporary directory.
bench-smoke: deps
	$(SWIFT) build --scratch-path .build-bench --product verity
	scripts/bench.sh --smoke --verity .build-bench/debug/verity

# Rewrites sql/schema.sql from a freshly migrated desk (commit it with the change to sql/).
.PHONY: schema
schema: deps
	VERITY_UPDATE_SCHEMA=1 $(SWIFT) test --filter SchemaLayoutTests
