#!/usr/bin/env bash
# Set up .venv with the notebook extras and open the notebooks in JupyterLab.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv "notebooks,reports"
exec .venv/bin/jupyter lab notebooks/ "$@"
