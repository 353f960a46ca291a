#!/usr/bin/env bash
# Create (or reuse) a Python venv with the real Prefect SDK, used by the
# Python integration tests in tests/prefect/.
#
#   BATON_PREFECT_VENV  venv location (default: <repo>/target/prefect-venv)
#   PYTHON              interpreter used to create it (default: python3)
#
# Idempotent: a stamp file inside the venv records the requirement line; when
# it matches, nothing is installed. Prints the venv path on the last line.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BATON_PREFECT_VENV:-$REPO/target/prefect-venv}"
PYTHON="${PYTHON:-python3}"
REQS=("prefect==3.8.8" "fastapi<0.151" "pytest")
REQLINE="${REQS[*]}"
STAMP="$VENV/.baton-requirements"

if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$REQLINE" ]]; then
    echo "$VENV"
    exit 0
fi

echo "prefect-venv: installing $REQLINE into $VENV" >&2
if [[ ! -x "$VENV/bin/python" ]]; then
    mkdir -p "$(dirname "$VENV")"
    "$PYTHON" -m venv "$VENV"
fi
rm -f "$STAMP"
export PIP_DISABLE_PIP_VERSION_CHECK=1
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "${REQS[@]}"
# Sanity check: the SDK imports.
"$VENV/bin/python" -c 'import prefect, httpx, pytest; print("prefect", prefect.__version__, file=__import__("sys").stderr)'
printf '%s' "$REQLINE" > "$STAMP"
echo "$VENV"
