#!/usr/bin/env bash
# Set everything up and run the main job on the bundled sample (data/sample):
# the summary, the HTML and PDF report (reports/hiring_funnel_report.html and
# .pdf) and the predictions for the example pending applications.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh report   # WeasyPrint's Pango, HarfBuzz and a font (Debian packages)
source scripts/_venv.sh
ensure_venv "reports"
.venv/bin/hiring-funnel summary data/sample/events.csv
.venv/bin/hiring-funnel report data/sample/events.csv --by industry company_size
.venv/bin/hiring-funnel predict data/sample/events.csv --pending data/sample/pending.csv
