#!/usr/bin/env bash
# Runs every test on a fresh machine: formatting and lints, the Rust unit and integration tests, and the
# real Prefect SDK (3.8.8, then 3.9.1) against `baton serve`. Sets up what it needs (Rust build, Python venvs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy (warnings are errors)"
cargo clippy --locked --all-targets --quiet -- -D warnings

step "cargo test (unit, integration, tidy)"
cargo test --locked --quiet 2>&1 | tee target/cargo-test.log
grep -q "test result" target/cargo-test.log

step "cargo build (the binary the SDK tests start)"
cargo build --locked --quiet
export BATON_BIN="$PWD/target/debug/baton"

for version in 3.8.8 3.9.1; do
    step "Prefect $version SDK against baton serve"
    venv="$(scripts/prefect-venv.sh "$version" | tail -n 1)"
    "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/prefect
done
