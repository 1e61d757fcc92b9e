# Sourced by run-sample.sh and test.sh: make .venv with Python >= 3.11 and install the project.
# Usage: ensure_venv EXTRAS   (e.g. ensure_venv "dev,notebooks")
set -euo pipefail

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: Python 3.11 or newer is needed (apt-get install python3)" >&2
  return 1
}

ensure_venv() {
  local extras="$1" py
  py=$(find_python)
  if [ ! -x .venv/bin/python ]; then
    if ! "$py" -m venv .venv 2>/dev/null; then
      # Debian splits venv out of python3; install it when we may (root), else say what to do.
      rm -rf .venv
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
        "$py" -m venv .venv
      else
        echo "error: '$py -m venv' failed: install python3-venv (sudo apt-get install python3-venv)" >&2
        return 1
      fi
    fi
  fi
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  # constraints.txt pins the versions the sample and the tests were made with.
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[${extras}]"
}
