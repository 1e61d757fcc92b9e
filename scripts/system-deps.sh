#!/usr/bin/env bash
# Install the Debian packages the HTML/PDF report and its tests need:
#   WeasyPrint (PDF):        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core
#   report tests:            chromium (headless browser), poppler-utils (pdftotext, pdftoppm)
# Usage: scripts/system-deps.sh [report|test]
# Idempotent: when every package is installed already it only says so (no apt-get update).
# Needs root for apt-get; otherwise it prints the command to run and exits 0, so
# that scripts which call it still work on machines set up by an administrator.
set -euo pipefail

# "report" (the main job) needs only what WeasyPrint loads; "test" (default) adds the test tools.
PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core)
if [ "${1:-test}" != "report" ]; then
  PACKAGES+=(chromium poppler-utils)
fi

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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system-deps: installed ${missing[*]}"
