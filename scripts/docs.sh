#!/usr/bin/env bash
# Build the reference documentation into docs/_build/html; open docs/_build/html/index.html.
# Sphinx (docs/api/conf.py): the API reference from the docstrings, written from the
# __all__ lists; docs/*.md; the notebooks, executed top to bottom on the bundled sample.
# Warnings are errors (-W), every one is listed before failing (--keep-going), and every
# reference inside hiring_funnel must resolve (-n). Always a fresh build (-E), so that
# warnings of pages unchanged since the last build are not hidden.
# Extra arguments go to sphinx-build (e.g. -D nb_execution_mode=off skips running the notebooks).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv "docs"
# The notebooks' kernels inherit this: no hash randomisation, so sets iterate alike every build.
export PYTHONHASHSEED=0
start=$(date +%s)
# "[IPKernelApp] WARNING | Kernel is running over TCP without encryption" is ipykernel's
# note on each notebook's local kernel, not a Sphinx warning; it does not fail the build.
.venv/bin/python -m sphinx -W --keep-going -n -E -q -b html \
  -d docs/_build/doctrees docs/api docs/_build/html "$@"
echo "docs: built in $(($(date +%s) - start)) s; open docs/_build/html/index.html"
