# Sourced by scripts/run and scripts/test: make .venv (Python ≥ 3.11) and install.
# EXTRAS selects optional dependencies, e.g. EXTRAS=dev for the test suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pick_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "casetrace needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

# A venv left half-made (set-up interrupted before pip arrived) is made again.
if [ -x .venv/bin/python ] && ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  "$(pick_python)" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-${EXTRAS:-none}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  spec="."
  [ -n "${EXTRAS:-}" ] && spec=".[${EXTRAS}]"
  .venv/bin/python -m pip install --quiet -e "$spec"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
