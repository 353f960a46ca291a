#!/usr/bin/env bash
# Regenerates tests/data/prefect-3.9.1-openapi.json: the OpenAPI document of Prefect 3.9.1's server, built from
# the pinned venv (scripts/prefect-venv.sh 3.9.1) without starting a server. The Rust test
# `api::openapi_tests::prefect_coverage` compares Baton's operations with it.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$("$REPO/scripts/prefect-venv.sh" 3.9.1 | tail -n 1)"
HOME_DIR="$(mktemp -d)"
trap 'rm -rf "$HOME_DIR"' EXIT
PREFECT_HOME="$HOME_DIR" "$VENV/bin/python" - "$REPO/tests/data/prefect-3.9.1-openapi.json" <<'PY'
import json
import sys

import prefect
from prefect.server.api.server import create_app

assert prefect.__version__ == "3.9.1", prefect.__version__
spec = create_app(ephemeral=True).openapi()
with open(sys.argv[1], "w") as out:
    json.dump(spec, out, indent=1, sort_keys=True)
    out.write("\n")
print(f"{sys.argv[1]}: {len(spec['paths'])} paths")
PY
