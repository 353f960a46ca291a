#!/usr/bin/env bash
# Runs every test on a fresh machine: formatting and lints, the Rust unit and integration tests, the
# dashboard in headless Chromium, and the real Prefect SDK (3.8.8, then 3.9.1, then the 2.20.25 client with
# agents) against `baton serve`; the integration suite, the 3.9.1 SDK suite and the 2.20.25 client again on
# PostgreSQL, with the high-availability test (3 servers on one database). Sets up what it needs (Rust builds,
# Chromium and playwright-core, Python venvs, a throwaway PostgreSQL cluster, installing Debian's postgresql
# package when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Each step prints the time since the start; a table of step durations is printed at the end (also on failure).
STEP_NAME=""
STEP_START=$SECONDS
STEP_TABLE=""
end_step() {
    [[ -n "$STEP_NAME" ]] && STEP_TABLE+="$(printf '%6ds  %s' $((SECONDS - STEP_START)) "$STEP_NAME")"$'\n'
    STEP_NAME=""
}
step() {
    end_step
    STEP_NAME="$*"
    STEP_START=$SECONDS
    printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"
}
PG_STARTED=""
on_exit() {
    local rc=$?
    end_step
    printf '\n==> step durations (total %dm%02ds, exit %d)\n%s' $((SECONDS / 60)) $((SECONDS % 60)) "$rc" "$STEP_TABLE"
    [[ -n "$PG_STARTED" ]] && pg_stop
    local pid
    for pid in "${BACKGROUND_PIDS[@]}"; do # a setup job still running when a step failed
        pkill -P "$pid" 2>/dev/null || true
        kill "$pid" 2>/dev/null || true
    done
    return 0
}
trap on_exit EXIT

# While Rust compiles (CPU), the machine packages and the Python venvs are fetched and installed in the
# background (mostly network and disk); each is waited for, with its log shown on failure, before first use.
mkdir -p target/setup
BACKGROUND_PIDS=()
background() { # NAME COMMAND...: runs COMMAND in the background, output in target/setup/NAME.log
    local name="$1"
    shift
    (
        set +e
        "$@" >"target/setup/$name.log" 2>&1
        echo $? >"target/setup/$name.rc"
    ) &
    BACKGROUND_PIDS+=("$!")
}
await() { # NAME: waits for a background job and fails the run when it failed
    local name="$1" deadline=$((SECONDS + 1800))
    while [[ ! -f "target/setup/$name.rc" ]]; do
        ((SECONDS < deadline)) || { echo "setup $name: still running after 30 min" >&2; exit 1; }
        sleep 1
    done
    if [[ "$(cat "target/setup/$name.rc")" != 0 ]]; then
        echo "setup $name failed:" >&2
        cat "target/setup/$name.log" >&2
        exit 1
    fi
}
rm -f target/setup/*.rc
# apt (PostgreSQL, Chromium) runs once, for both; npm after it.
machine_setup() {
    (source scripts/pg.sh && _pg_bin >/dev/null) && scripts/browser-setup.sh
}
background machine machine_setup
background venv-3.8.8 scripts/prefect-venv.sh 3.8.8
background venv-3.9.1 scripts/prefect-venv.sh 3.9.1
background venv-2.20.25 scripts/prefect-venv.sh 2.20.25
background venv-fuzz scripts/fuzz.sh --setup-only

step "cargo fmt --check"
cargo fmt --check

step "cargo clippy (warnings are errors)"
cargo clippy --locked --all-targets --quiet -- -D warnings

# Every build here embeds the dashboard (`--features embed-ui`), as a release build does: the tests exercise what
# ships, and one build serves them all (a plain debug build reads ui/ from disk, for editing; it would be a second
# build of the whole crate).
step "cargo test (unit, integration, tidy)"
cargo test --locked --quiet --features embed-ui 2>&1 | tee target/cargo-test.log
grep -q "test result" target/cargo-test.log
# How much of Prefect 3.9.1's API Baton serves (tests/data/prefect-3.9.1-openapi.json, scripts/prefect-openapi.sh).
cargo test --locked --quiet --features embed-ui --lib prefect_coverage -- --nocapture 2>&1 | grep "Prefect operations served"

step "PostgreSQL: a throwaway cluster (scripts/pg.sh), and the integration suite again on it"
# shellcheck source=scripts/pg.sh
await machine
source scripts/pg.sh
pg_start
PG_STARTED=1
PG_URL="$BATON_TEST_DATABASE_URL"
unset BATON_TEST_DATABASE_URL
# Tests named sqlite_only_ check the SQLite file itself (backup, damage, the system sqlite3); tests named
# pg_only_ (several servers on one database) run only here.
BATON_TEST_DATABASE_URL="$PG_URL" cargo test --locked --quiet --features embed-ui --test api -- --skip sqlite_only_ 2>&1 \
    | tee target/cargo-test-pg.log
grep -q "test result: ok" target/cargo-test-pg.log

# The binary the SDK and browser tests start is the one cargo test built for the integration tests (a `cargo
# build` here would build it again: its dependencies' features differ without the dev-dependencies).
export BATON_BIN="$PWD/target/debug/baton"
[[ -x "$BATON_BIN" ]] || { echo "cargo test built no $BATON_BIN" >&2; exit 1; }

step "Fuzzing every API operation from /api/openapi.json (schemathesis)"
await venv-fuzz
scripts/fuzz.sh

step "Browser tests: the dashboard in headless Chromium (embedded in the binary)"
await venv-3.8.8
# The Prefect links test runs the real Prefect CLI and SDK (3.8.8's venv, reused by the SDK suite below).
BATON_PREFECT_VENV="$(scripts/prefect-venv.sh 3.8.8 | tail -n 1)"
BATON_PREFECT_VENV="$BATON_PREFECT_VENV" BATON_EMBEDDED_BIN="$BATON_BIN" \
    BATON_UI_OUT="$PWD/target/ui-test-output" npm --prefix tests/ui test
echo "screenshots: target/ui-test-output/"

step "Benchmark smoke (bench/compare.py --quick: proves the benchmark still runs; no numbers are checked)"
python3 bench/compare.py --quick --json target/bench/quick.json >/dev/null

# The Prefect SDK suite runs in two lanes side by side, each its own pytest with its own servers: the files
# that mostly wait (a 60 s lease to expire, pauses, limits' slots, stock workers' polls) beside all the others. Both must pass; the
# waiting lane's output is shown after the other's. With `retry`, a lane that failed runs its failed tests once
# more, loudly, and must pass then.
WAITING_FILES=(tests/prefect/test_concurrency_leases.py tests/prefect/test_concurrency.py tests/prefect/test_pause_input.py
    tests/prefect/test_stock_worker.py tests/prefect/test_auth.py)
sdk_lane() { # PYTHON NAME [pytest args...]: one lane, its cache (for --last-failed) in target/pytest-NAME
    local py="$1" name="$2"
    shift 2
    "$py" -m pytest -q -o cache_dir="target/pytest-$name" "$@"
}
sdk_suite() { # PYTHON NAME retry|once: the whole tests/prefect suite in its two lanes
    local py="$1" name="$2" mode="$3" f ignores=() rc_main=0 rc_wait=0
    for f in "${WAITING_FILES[@]}"; do ignores+=(--ignore "$f"); done
    rm -rf "target/pytest-$name" "target/pytest-$name-wait"
    sdk_lane "$py" "$name-wait" "${WAITING_FILES[@]}" >"target/sdk-$name-wait.log" 2>&1 &
    local wait_pid=$!
    BACKGROUND_PIDS+=("$wait_pid")
    sdk_lane "$py" "$name" "${ignores[@]}" tests/prefect || rc_main=$?
    wait "$wait_pid" || rc_wait=$?
    echo "--- the waiting lane (${WAITING_FILES[*]}):"
    cat "target/sdk-$name-wait.log"
    if [[ "$mode" == retry ]]; then
        if ((rc_main != 0)); then
            echo "!! a Prefect SDK test failed ($name): running the failed tests once more"
            rc_main=0
            sdk_lane "$py" "$name" --last-failed "${ignores[@]}" tests/prefect || rc_main=$?
        fi
        if ((rc_wait != 0)); then
            echo "!! a Prefect SDK test failed ($name, waiting lane): running the failed tests once more"
            rc_wait=0
            sdk_lane "$py" "$name-wait" --last-failed "${WAITING_FILES[@]}" || rc_wait=$?
        fi
    fi
    ((rc_main == 0 && rc_wait == 0))
}

step "Prefect 3.8.8 SDK against baton serve"
venv="$(scripts/prefect-venv.sh 3.8.8 | tail -n 1)"
sdk_suite "$venv/bin/python" sdk-3.8.8 once

step "Prefect 3.9.1 SDK against baton serve"
await venv-3.9.1
venv="$(scripts/prefect-venv.sh 3.9.1 | tail -n 1)"
sdk_suite "$venv/bin/python" sdk-3.9.1 once

# The suites run one after the other (each already in two lanes): 2 cores.
step "Prefect 3.9.1 SDK against baton serve on PostgreSQL"
# Known flake, open: on PostgreSQL, tests/prefect/test_events_api.py::test_events_stream_shows_a_runs_events
# failed in 2 of 3 whole-suite runs (it passes alone). A failed test is run once more, loudly; it must pass then.
BATON_TEST_DATABASE_URL="$PG_URL" sdk_suite "$venv/bin/python" sdk-3.9.1-pg retry

step "High availability: 3 servers on one PostgreSQL database, load, kill -9 of the leader, restart (tests/ha)"
BATON_TEST_DATABASE_URL="$PG_URL" "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/ha

step "Prefect 2.20.25 client (agents, deployment build/apply) against baton serve"
await venv-2.20.25
venv2="$(scripts/prefect-venv.sh 2.20.25 | tail -n 1)"
"$venv2/bin/python" -m pytest -q -p no:cacheprovider tests/prefect2

step "Prefect 2.20.25 client against baton serve on PostgreSQL"
BATON_TEST_DATABASE_URL="$PG_URL" "$venv2/bin/python" -m pytest -q -p no:cacheprovider tests/prefect2
