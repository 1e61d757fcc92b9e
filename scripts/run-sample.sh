#!/usr/bin/env bash
# Set everything up and run the main job on the bundled sample (data/sample).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv "reports"
.venv/bin/hiring-funnel validate data/sample/events.csv
.venv/bin/hiring-funnel summary data/sample/events.csv
