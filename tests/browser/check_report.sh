#!/usr/bin/env bash
# Opens a gridplan report.html in headless Chromium, offline, and checks it.
#
# Usage: tests/browser/check_report.sh REPORT.html SCREENSHOT.png EXPECTED_GRIDS [EXPECTED_MICRO]
#
# 1. --dump-dom (after the page's scripts ran): the DOM must hold exactly
#    EXPECTED_GRIDS elements with class="grid" (and EXPECTED_MICRO with
#    class="micro" when given), the histogram, the village table, and no
#    reference to the network.
# 2. --screenshot at 1400x1000: the PNG must exist and be non-trivial.
# Needs chromium (Debian: apt-get install -y chromium). Exit 0 when all pass.
set -euo pipefail

html=${1:?report.html}
png=${2:?screenshot.png}
grids=${3:?expected grid count}
micro=${4:-}

chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$chrome" ] || { echo "FAIL: chromium not installed (apt-get install -y chromium)"; exit 2; }
[ -f "$html" ] || { echo "FAIL: $html not found"; exit 2; }

url="file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
profile=$(mktemp -d)
dom=$(mktemp)
trap 'rm -rf "$profile" "$dom"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile")

fail=0
check() { # name, got, want
    if [ "$2" = "$3" ]; then echo "ok   $1: $2"; else echo "FAIL $1: got $2, want $3"; fail=1; fi
}

t0=$(date +%s%N)
"$chrome" "${flags[@]}" --dump-dom "$url" >"$dom" 2>/dev/null
t1=$(date +%s%N)
echo "dump-dom: $(( (t1 - t0) / 1000000 )) ms, $(wc -c <"$dom") bytes"

check 'class="grid" elements' "$(grep -o 'class="grid"' "$dom" | wc -l)" "$grids"
if [ -n "$micro" ]; then
    check 'class="micro" elements' "$(grep -o 'class="micro"' "$dom" | wc -l)" "$micro"
fi
check 'histogram svg' "$(grep -c '<svg class="hist"' "$dom" || true)" 1
check 'village table' "$(grep -c 'id="vtable"' "$dom" || true)" 1
check 'network references' "$(grep -Eo '(src|href)="(https?:)?//|url\((https?:)?//|@import|<link' "$dom" | wc -l)" 0
# The script ran: draw() set the viewport transform and the scale bar.
check 'script ran' "$(grep -c 'id="vp" transform="translate' "$dom" || true)" 1

t0=$(date +%s%N)
"$chrome" "${flags[@]}" --hide-scrollbars --window-size=1400,1000 --screenshot="$png" "$url" >/dev/null 2>&1
t1=$(date +%s%N)
size=$(stat -c %s "$png" 2>/dev/null || echo 0)
echo "screenshot: $(( (t1 - t0) / 1000000 )) ms, $png $size bytes"
[ "$size" -gt 20000 ] || { echo "FAIL screenshot missing or blank"; fail=1; }

[ "$fail" = 0 ] && echo "PASS" || echo "FAILED"
exit "$fail"
