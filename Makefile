# The two commands of the README's Quick start, and a few more.
SWIFT ?= swift
VERITY := .build/debug/verity

.PHONY: demo test build deps clean-demo

# Build, start the embedded PostgreSQL, and show where the desk stands.
demo: deps build
	$(VERITY) db start
	@if [ -f seeds/izium-2022.jsonl ] && $(VERITY) import --help >/dev/null 2>&1; then \
		$(VERITY) import seeds/izium-2022.jsonl; fi
	$(VERITY) db status
	@if $(VERITY) case list --help >/dev/null 2>&1; then $(VERITY) case list; fi

# Every test, against a throwaway PostgreSQL cluster the suite starts itself.
test: deps
	$(SWIFT) test

build: deps
	$(SWIFT) build

deps:
	@scripts/ensure-deps.sh
