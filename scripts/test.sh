#!/usr/bin/env bash
# Set everything up and run the whole test suite: ruff, mypy, then pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh -m slow).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh test   # WeasyPrint's libraries, chromium and pdftotext for the report tests, Java for Spark
source scripts/_venv.sh
ensure_venv "dev,notebooks,reports,spark"
echo "== ruff"; .venv/bin/ruff check hiring_funnel tests benchmarks
.venv/bin/ruff format --check hiring_funnel tests benchmarks
echo "== mypy"; .venv/bin/mypy
# -n auto: one worker per core (pytest-xdist); every test writes only to its own tmp_path.
echo "== pytest"; .venv/bin/python -m pytest -q -n auto --maxprocesses 4 "$@"
