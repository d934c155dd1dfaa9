#!/bin/sh
# Renders `verity report status --format html` to a PNG with headless Chromium.
#
#   scripts/render-report.sh [VERITY ARGS...]
#
# Arguments go to `verity report status` (e.g. --as-of 2022-09-30 --tag izium
# --database-url URL). Environment:
#   OUT      the PNG to write (default: report-status.png)
#   VERITY   the verity binary (default: verity on the PATH, else .build/debug/verity)
#   WIDTH, HEIGHT   the window size in pixels (default 1200 x 2000)
# Needs Chromium: on Debian, `apt-get install -y chromium`.
set -eu

out=${OUT:-report-status.png}
width=${WIDTH:-1200}
height=${HEIGHT:-2000}

if [ -n "${VERITY:-}" ]; then
    verity=$VERITY
elif command -v verity >/dev/null 2>&1; then
    verity=verity
elif [ -x .build/debug/verity ]; then
    verity=.build/debug/verity
else
    echo "error: no verity binary; build one with \`swift build\` or set VERITY=/path/to/verity" >&2
    exit 69
fi

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then browser=$candidate; break; fi
done
if [ -z "$browser" ]; then
    echo "error: headless Chromium is needed to render the report" >&2
    echo "hint: apt-get install -y chromium" >&2
    exit 69
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/verity-render.XXXXXX")
chmod 755 "$workdir"
trap 'rm -rf "$workdir"' EXIT INT TERM
html="$workdir/report-status.html"

"$verity" report status --format html --output "$html" "$@"
chmod 644 "$html"

# Chromium refuses to run as root without --no-sandbox; the page has no script and loads nothing.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --user-data-dir="$workdir/profile" \
    --window-size="$width,$height" --screenshot="$workdir/shot.png" "file://$html" >/dev/null 2>&1 || {
    echo "error: $browser could not render $html" >&2
    exit 1
}
mv "$workdir/shot.png" "$out"
echo "wrote $out"
