#!/usr/bin/env bash
# Makes sure every program and header Verity's build, demo, test suite and benchmark smoke
# run use is on this machine, and installs what is missing with apt (as root, or through
# sudo without a password); otherwise says exactly what to install and fails.
#
#   scripts/ensure-deps.sh          # what `make demo`, `make test` and `make bench-smoke` run
#   scripts/ensure-deps.sh --bench  # and hyperfine, which a measurement (`make bench`) needs
#   scripts/ensure-deps.sh --ci     # and make and shellcheck, which .ci/run uses
#
# Needed (a missing one fails this script when it cannot be installed):
#   initdb, pg_ctl, postgres   PostgreSQL's server programs: the embedded cluster, the test servers
#   psql, pgbench              the benchmark's references, a test's raw connection
#   libpq and OpenSSL headers, pkg-config   the build (CLibPQ)
#   python3, /usr/bin/time     scripts/bench.sh
#   cc, pg_config              scripts/bench.sh's C floor (bench/floor.c)
#   pyshacl (PyPI)             the ClaimReview export test (Tests/Fixtures/claimreview/validate.py);
#                              pip installs it for the user running this script, root or not
#                              (~/.local, or the active virtualenv); pip comes from apt (python3-pip)
#   chromium                   `report case --format pdf` prints the HTML dossier with it (DossierPDFTests)
#   pdftoppm, pdftotext        poppler-utils: DossierPDFTests read the PDF back as pages and text
#   openssl, curl              `audit stamp` and `verify --tsa-ca` (RFC 3161 tokens), TimestampTests' local TSA
# Wanted (installed when it can be; without it the run goes on):
#   hyperfine                  bench.sh times with it when present; --smoke times each run
#                              itself without it (a measurement needs it: --bench)
set -euo pipefail

bench=0
ci=0
for arg in "$@"; do
  case "$arg" in
    --bench) bench=1 ;;
    --ci) ci=1 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
    *) echo "ensure-deps.sh: unknown argument $arg (see --help)" >&2; exit 64 ;;
  esac
done

# PostgreSQL's versioned program directories (Debian puts the real programs there, and only
# wrappers, if anything, on the PATH).
have_pg_program() { # have_pg_program NAME: on the PATH, under /usr/lib/postgresql/*/bin or $VERITY_PG_BIN
  command -v "$1" >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/$1" >/dev/null && return 0
  [ -n "${VERITY_PG_BIN:-}" ] && [ -x "$VERITY_PG_BIN/$1" ]
}
have() { command -v "$1" >/dev/null 2>&1; }

needed=()   # Debian packages without which something fails
wanted=()   # Debian packages whose absence only changes how something runs
add() { # add LIST PACKAGE: once
  local -n list=$1
  local p
  for p in "${list[@]}"; do [ "$p" = "$2" ] && return 0; done
  list+=("$2")
}

{ have_pg_program initdb && have_pg_program pg_ctl && have_pg_program postgres; } || add needed postgresql
have_pg_program psql || add needed postgresql-client
# Debian ships pgbench with the server programs; postgresql-contrib brings in the server package.
have_pg_program pgbench || add needed postgresql-contrib
[ -f /usr/include/postgresql/libpq-fe.h ] || pkg-config --exists libpq 2>/dev/null || add needed libpq-dev
# SHA-256 comes from libcrypto, libpq's own TLS library; Debian's libpq-dev pulls its headers in.
[ -f /usr/include/openssl/evp.h ] || pkg-config --exists libcrypto 2>/dev/null || add needed libssl-dev
have pkg-config || add needed pkg-config
# bench.sh compiles bench/floor.c, the C floor of the short commands (cc, libpq-fe.h, pg_config).
have cc || add needed gcc
have pg_config || add needed libpq-dev
have python3 || add needed python3
# The PDF dossier and its test: Debian's chromium (Ubuntu's is a snap wrapper: chromium-browser),
# and poppler-utils for pdftoppm and pdftotext.
{ have chromium || have chromium-browser || have google-chrome || [ -x "${VERITY_CHROMIUM:-/nonexistent}" ]; } || add needed chromium
{ have pdftoppm && have pdftotext; } || add needed poppler-utils
# Trusted timestamps: openssl ts makes and checks RFC 3161 requests and tokens, curl posts them.
have openssl || add needed openssl
have curl || add needed curl
[ -x /usr/bin/time ] || add needed time
if have hyperfine; then :
elif [ "$bench" = 1 ]; then add needed hyperfine
else add wanted hyperfine
fi
if [ "$ci" = 1 ]; then
  have make || add needed make
  have shellcheck || add needed shellcheck
fi
have_pyshacl() { have python3 && python3 -c 'import pyshacl' >/dev/null 2>&1; }
have_pyshacl || python3 -m pip --version >/dev/null 2>&1 || add needed python3-pip

# pyshacl is on PyPI, not in every release's archive: pip, once apt has done its part.
ensure_pyshacl() {
  have_pyshacl && return 0
  local pip=(python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location)
  # Outside a virtualenv, for this user only (~/.local), which needs no root; Debian's python3
  # refuses that too without --break-system-packages (PEP 668), though it touches no system package.
  if python3 -c 'import sys; sys.exit(sys.prefix != sys.base_prefix)'; then pip+=(--user); fi
  # rdflib (pyshacl's) needs pyparsing 3.1 or later, which an older system one does not satisfy
  # even where pip takes it to: the user's own copy comes first on python3's path.
  local packages=(pyshacl 'pyparsing>=3.1')
  echo "Installing pyshacl with pip for $(id -un)..." >&2
  "${pip[@]}" "${packages[@]}" >/dev/null 2>&1 || "${pip[@]}" --break-system-packages "${packages[@]}" >/dev/null || {
    echo "Verity's tests need pyshacl; install it with: python3 -m pip install --user pyshacl 'pyparsing>=3.1'" >&2
    exit 1
  }
  have_pyshacl || {
    echo "pyshacl is installed but python3 cannot import it:" >&2
    python3 -c 'import pyshacl' 2>&1 | tail -1 >&2
    exit 1
  }
}

if [ ${#needed[@]} -eq 0 ] && [ ${#wanted[@]} -eq 0 ]; then
  ensure_pyshacl
  exit 0
fi

# What to tell someone who cannot install, and whether that stops the run.
explain() { # explain HOW-TO-INSTALL
  if [ ${#needed[@]} -gt 0 ]; then
    echo "Verity needs these Debian/Ubuntu packages: ${needed[*]}" >&2
    echo "Install them with: $1 ${needed[*]}${wanted[*]:+ ${wanted[*]}}" >&2
    echo "(They provide: PostgreSQL's server and client programs, libpq and OpenSSL headers, pkg-config, python3, /usr/bin/time, Chromium and poppler-utils for the PDF dossier, openssl and curl for trusted timestamps$([ "$ci" = 1 ] && echo ', make, shellcheck'); see scripts/ensure-deps.sh --help.)" >&2
    exit 1
  fi
  echo "note: ${wanted[*]} is not installed (install it with: $1 ${wanted[*]}); scripts/bench.sh --smoke times each run itself without hyperfine, make bench needs it." >&2
  ensure_pyshacl
  exit 0
}
if ! have apt-get; then
  explain "your system's package manager:"
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif have sudo && sudo -n true 2>/dev/null; then
  as_root=(sudo)
else
  explain "sudo apt-get install -y"
fi

apt_install() { # apt_install PACKAGE...: quietly, without questions
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
all=("${needed[@]}" "${wanted[@]}")
echo "Installing ${all[*]} with apt-get..." >&2
"${as_root[@]}" apt-get update -qq
if [ ${#needed[@]} -gt 0 ]; then apt_install "${needed[@]}"; fi
# A wanted package may not exist in an older release's archive: that is a note, not a failure.
if [ ${#wanted[@]} -gt 0 ] && ! apt_install "${wanted[@]}"; then
  echo "note: apt-get could not install ${wanted[*]}; scripts/bench.sh --smoke times each run itself without it." >&2
fi
ensure_pyshacl
