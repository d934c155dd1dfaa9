# The two commands of the README's Quick start, and a few more.
SWIFT ?= swift
VERITY := .build/debug/verity

.PHONY: demo test build deps

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

build: deps
	$(SWIFT) build

deps:
	@scripts/ensure-deps.sh
