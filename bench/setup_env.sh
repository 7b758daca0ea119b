#!/usr/bin/env bash
# Create /work/main/.venv-bench (or $VENV_BENCH): the peers' environment for bench/*.py.
# The product's .venv uses pandas 3; statsforecast needs pandas<3, so the peers live apart.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${VENV_BENCH:-$HERE/../.venv-bench}"
PY="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet -r "$HERE/requirements-bench.txt"
echo "bench environment ready: $VENV"
