#!/usr/bin/env bash
# Makes sure what Verity needs from the system is present: PostgreSQL's server
# programs (initdb, pg_ctl, postgres), libpq's and libcrypto's headers and pkg-config.
# Installs them with apt when it can (as root, or through sudo without a
# password); otherwise says exactly what to install and fails.
set -euo pipefail

missing=()
have_server() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return 0
  [ -n "${VERITY_PG_BIN:-}" ] && [ -x "$VERITY_PG_BIN/initdb" ]
}
have_server || missing+=(postgresql)
[ -f /usr/include/postgresql/libpq-fe.h ] || pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
# SHA-256 comes from libcrypto, libpq's own TLS library; Debian's libpq-dev pulls its headers in.
[ -f /usr/include/openssl/evp.h ] || pkg-config --exists libcrypto 2>/dev/null || missing+=(libssl-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)

[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Verity needs: ${missing[*]} (PostgreSQL server programs, libpq and OpenSSL headers, pkg-config)." >&2
  echo "Install them with your system's package manager, then run this again." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo)
else
  echo "Verity needs these Debian/Ubuntu packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} with apt-get..." >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
