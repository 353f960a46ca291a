#!/usr/bin/env bash
# Prepares the browser tests on a fresh machine: Debian's Chromium (installed with apt when missing) and
# playwright-core from the npm registry (tests/ui/package-lock.json). Idempotent.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v "${CHROMIUM:-/usr/bin/chromium}" >/dev/null 2>&1; then
    echo "browser-setup: installing Debian's chromium" >&2
    SUDO=""
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null || { echo "browser-setup: chromium is missing and there is no root or sudo to install it" >&2; exit 1; }
        SUDO="sudo"
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
command -v node >/dev/null || { echo "browser-setup: node is required (Debian's nodejs)" >&2; exit 1; }
cd "$REPO/tests/ui"
npm ci --no-audit --no-fund --loglevel=error
