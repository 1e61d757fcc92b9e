#!/usr/bin/env bash
# Install the Debian packages the HTML/PDF report, the Spark engine and the tests need:
#   WeasyPrint (PDF):        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core
#   report tests:            chromium (headless browser), poppler-utils (pdftotext, pdftoppm)
#   Spark engine (JVM):      openjdk-17-jre-headless (Spark 4 needs Java 17 or newer)
# Usage: scripts/system-deps.sh [report|spark|test]
#   report: WeasyPrint's libraries; spark: Java; test (default): all of the above.
# Idempotent: when every package is installed already it only says so (no apt-get update).
# Needs root for apt-get; otherwise it prints the command to run and exits 0, so
# that scripts which call it still work on machines set up by an administrator.
set -euo pipefail

# "report" (the main job) needs only what WeasyPrint loads; "spark" only Java;
# "test" (default) is both plus the test tools, so CI runs the Spark tests too.
REPORT=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core)
SPARK=(openjdk-17-jre-headless)
case "${1:-test}" in
  report) PACKAGES=("${REPORT[@]}") ;;
  spark) PACKAGES=("${SPARK[@]}") ;;
  test) PACKAGES=("${REPORT[@]}" chromium poppler-utils "${SPARK[@]}") ;;
  *) echo "usage: scripts/system-deps.sh [report|spark|test]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${PACKAGES[@]}"; do
  # dpkg-query prints "install ok installed" for a package that is fully installed.
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system-deps: all installed (${PACKAGES[*]})"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: not a Debian system (no apt-get); install the equivalents of: ${missing[*]}" >&2
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "system-deps: skipped (not root); to install what is missing run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 0
fi

echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Slim Debian images drop /usr/share/man; the JRE's postinst links its man page there and fails without it.
mkdir -p /usr/share/man/man1
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system-deps: installed ${missing[*]}"
