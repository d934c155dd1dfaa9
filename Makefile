# The two commands of the README's Quick start, and a few more.
SWIFT ?= swift
VERITY := .build/debug/verity

.PHONY: demo test test-all build deps bench bench-smoke install uninstall release lint

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
bench:
	@scripts/ensure-deps.sh --bench
	scripts/bench.sh

# The same script on tiny data with the debug binary, about a minute; results in a temporary directory.
bench-smoke: deps
	$(SWIFT) build --scratch-path .build-bench --product verity
	scripts/bench.sh --smoke --verity .build-bench/debug/verity

# Rewrites sql/schema.sql from a freshly migrated desk (commit it with the change to sql/).
.PHONY: schema
schema: deps
	VERITY_UPDATE_SCHEMA=1 $(SWIFT) test --filter SchemaLayoutTests

# Every script passes shellcheck (its default severity: style and up); .ci/run runs this.
lint:
	@scripts/ensure-deps.sh --ci
	shellcheck scripts/*.sh .ci/run

# The everyday verity: the release build of scripts/build-release.sh (the Swift runtime linked
# in, nothing of Swift to load at start: about 3x faster per command than the debug build), its
# shell completions and its man page, under PREFIX: /usr/local as root,
# ~/.local otherwise (PREFIX=/opt/verity for another; DESTDIR= for a staging root).
# `make uninstall` with the same PREFIX removes exactly these files.
PREFIX ?= $(if $(filter 0,$(shell id -u)),/usr/local,$(HOME)/.local)
RELEASE_DIR := .build/release
INSTALLED := $(DESTDIR)$(PREFIX)/bin/verity \
	$(DESTDIR)$(PREFIX)/share/bash-completion/completions/verity \
	$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_verity \
	$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/verity.fish \
	$(DESTDIR)$(PREFIX)/share/man/man1/verity.1

# The man page comes from argument-parser's own generator (the tool behind its
# generate-manual plugin), run on the built binary.
release: deps
	SWIFT=$(SWIFT) scripts/build-release.sh --product verity
	SWIFT=$(SWIFT) scripts/build-release.sh --product generate-manual
	rm -rf $(RELEASE_DIR)/man && mkdir -p $(RELEASE_DIR)/man
	$(RELEASE_DIR)/generate-manual $(RELEASE_DIR)/verity --output-directory $(RELEASE_DIR)/man

install: release
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" \
	  "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d" \
	  "$(DESTDIR)$(PREFIX)/share/man/man1"
	install -m 755 $(RELEASE_DIR)/verity "$(DESTDIR)$(PREFIX)/bin/verity"
	$(RELEASE_DIR)/verity --generate-completion-script bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/verity"
	$(RELEASE_DIR)/verity --generate-completion-script zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_verity"
	$(RELEASE_DIR)/verity --generate-completion-script fish > "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/verity.fish"
	install -m 644 $(RELEASE_DIR)/man/verity.1 "$(DESTDIR)$(PREFIX)/share/man/man1/verity.1"
	@echo "Installed $(DESTDIR)$(PREFIX)/bin/verity (with bash, zsh and fish completions and a man page)."
	@case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; *) echo "note: $(PREFIX)/bin is not on your PATH; add it, or run $(PREFIX)/bin/verity";; esac

uninstall:
	rm -f $(foreach f,$(INSTALLED),"$(f)")
