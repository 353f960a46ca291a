#!/usr/bin/env bash
# Create (or reuse) a Python venv with the real Prefect SDK, used by the tests in tests/prefect/.
#
#   scripts/prefect-venv.sh [VERSION]   VERSION: 3.8.8 (default) or 3.9.1
#   BATON_PREFECT_VENV  venv location (default: <repo>/target/prefect-venv[-VERSION])
#   PYTHON              interpreter used to create it (default: python3)
#
# 3.8.8 installs from PyPI with `fastapi<0.151`. 3.9.1 pins a certifi newer than the registry has, so it is
# installed over 3.8.8's dependencies with --no-deps, plus `whenever`, which 3.9 needs.
# Idempotent: a stamp file records what was installed. Prints the venv path on the last line.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${1:-3.8.8}"
case "$VERSION" in
    3.8.8) DEFAULT_VENV="$REPO/target/prefect-venv" ;;
    3.9.1) DEFAULT_VENV="$REPO/target/prefect-venv-3.9.1" ;;
    *) echo "prefect-venv: unsupported Prefect version $VERSION (use 3.8.8 or 3.9.1)" >&2; exit 2 ;;
esac
VENV="${BATON_PREFECT_VENV:-$DEFAULT_VENV}"
PYTHON="${PYTHON:-python3}"
BASE=("prefect==3.8.8" "fastapi<0.151" "pytest")
REQLINE="${BASE[*]} + prefect==$VERSION"
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
"$VENV/bin/python" -m pip install -q "${BASE[@]}"
if [[ "$VERSION" != "3.8.8" ]]; then
    "$VENV/bin/python" -m pip install -q --no-deps "prefect==$VERSION"
    "$VENV/bin/python" -m pip install -q whenever
fi
"$VENV/bin/python" -c 'import prefect, httpx, pytest, sys; print("prefect", prefect.__version__, file=sys.stderr)'
printf '%s' "$REQLINE" > "$STAMP"
echo "$VENV"
