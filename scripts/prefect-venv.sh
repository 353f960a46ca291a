#!/usr/bin/env bash
# Create (or reuse) a Python venv with the real Prefect SDK, used by the tests in tests/prefect/.
#
#   scripts/prefect-venv.sh [VERSION]   VERSION: 3.8.8 (default), 3.9.1 or 2.20.25
#   BATON_PREFECT_VENV  venv location (default: <repo>/target/prefect-venv[-VERSION])
#   PYTHON              interpreter used to create it (default: python3)
#
# 3.8.8 installs from PyPI with `fastapi<0.151`. 3.9.1 pins a certifi newer than the registry has, so it is
# installed over 3.8.8's dependencies with --no-deps, plus `whenever`, which 3.9 needs.
# 2.20.25 (the 2.x client with agents, used by tests/prefect2/) installs from PyPI with `anyio<4.6`
# (newer anyio breaks 2.x's task-group and cancel-scope use) into its own venv.
# Idempotent: a stamp file records what was installed. Prints the venv path on the last line.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${1:-3.8.8}"
case "$VERSION" in
    3.8.8) DEFAULT_VENV="$REPO/target/prefect-venv" ;;
    3.9.1) DEFAULT_VENV="$REPO/target/prefect-venv-3.9.1" ;;
    2.20.25) DEFAULT_VENV="$REPO/target/prefect2-venv" ;;
    *) echo "prefect-venv: unsupported Prefect version $VERSION (use 3.8.8, 3.9.1 or 2.20.25)" >&2; exit 2 ;;
esac
VENV="${BATON_PREFECT_VENV:-$DEFAULT_VENV}"
PYTHON="${PYTHON:-python3}"
if [[ "$VERSION" == 2.* ]]; then
    BASE=("prefect==$VERSION" "anyio<4.6" "pytest")
    REQLINE="${BASE[*]}"
else
    BASE=("prefect==3.8.8" "fastapi<0.151" "pytest")
    REQLINE="${BASE[*]} + prefect==$VERSION"
fi
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
if [[ "$VERSION" == 3.* && "$VERSION" != "3.8.8" ]]; then
    "$VENV/bin/python" -m pip install -q --no-deps "prefect==$VERSION"
    "$VENV/bin/python" -m pip install -q whenever
fi
"$VENV/bin/python" -c 'import prefect, httpx, pytest, sys; print("prefect", prefect.__version__, file=sys.stderr)'
printf '%s' "$REQLINE" > "$STAMP"
echo "$VENV"
