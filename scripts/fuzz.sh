#!/usr/bin/env bash
# Property-based fuzzing of every Baton endpoint (tests/fuzz/run.py) with schemathesis from PyPI.
#
#   scripts/fuzz.sh [--setup-only]  (--setup-only: create the venv, run nothing)
#                                   BATON_BIN: the server binary (default target/debug/baton)
#   BATON_FUZZ_EXAMPLES=N           examples per operation and phase (default 12; about a minute)
#   BATON_FUZZ_VENV                 venv location (default <repo>/target/fuzz-venv)
#
# Creates (or reuses) the venv with the pinned schemathesis; a stamp file records what was installed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BATON_FUZZ_VENV:-$REPO/target/fuzz-venv}"
PYTHON="${PYTHON:-python3}"
REQ="schemathesis==4.32.5"
STAMP="$VENV/.baton-requirements"

if [[ ! -x "$VENV/bin/python" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$REQ" ]]; then
    echo "fuzz: installing $REQ into $VENV" >&2
    [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
    rm -f "$STAMP"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install -q "$REQ"
    printf '%s' "$REQ" > "$STAMP"
fi
[[ "${1:-}" == "--setup-only" ]] && exit 0
exec "$VENV/bin/python" "$REPO/tests/fuzz/run.py"
