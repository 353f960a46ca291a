#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: loopback only, trust auth, no durability (fsync off).
#
#   source scripts/pg.sh; pg_start; ...; pg_stop     (exports BATON_TEST_DATABASE_URL in this shell)
#   scripts/pg.sh start                               (prints the URL on the last line; the cluster keeps running)
#   scripts/pg.sh stop                                (stops the cluster `start` made and deletes its directory)
#   scripts/pg.sh url                                 (prints the running cluster's URL, fails when none)
#
# Installs Debian's `postgresql` package (apt-get, as root) when no /usr/lib/postgresql/*/bin/initdb exists, and
# uses the newest version installed. The system cluster (port 5432) is not touched. PostgreSQL refuses to run as
# root, so as root the server runs as the `postgres` user (runuser); as any other user it runs as that user.
# The cluster's directory and port are kept in shell variables (BATON_PG_DIR, BATON_PG_PORT, BATON_PG_BIN) and in
# a state file (BATON_PG_STATE, default ${TMPDIR:-/tmp}/baton-pg-<uid>-<checkout>.env) so that `stop` from another
# process stops exactly that cluster. `start` with a running cluster reuses it; `stop` without one does nothing.
# Environment: BATON_PG_STATE (state file), BATON_PG_VERBOSE=1 (show initdb/pg_ctl output).

_pg_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${BATON_PG_STATE:=${TMPDIR:-/tmp}/baton-pg-$(id -u)-$(printf '%s' "$_pg_repo" | cksum | cut -d' ' -f1).env}"

_pg_log() { printf 'pg.sh: %s\n' "$*" >&2; }

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
_pg_as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Prints the newest /usr/lib/postgresql/<v>/bin holding initdb, installing the package first when there is none.
_pg_bin() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | while read -r d; do
        [[ -x "$d/initdb" ]] && echo "$d"
    done | tail -n 1)" || true
    if [[ -z "$found" ]]; then
        if [[ "$(id -u)" -ne 0 ]]; then
            _pg_log "no PostgreSQL under /usr/lib/postgresql and not root: install the postgresql package"
            return 1
        fi
        _pg_log "installing PostgreSQL (apt-get install postgresql)"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | while read -r d; do
            [[ -x "$d/initdb" ]] && echo "$d"
        done | tail -n 1)" || true
        if [[ -z "$found" ]]; then
            _pg_log "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb exists"
            return 1
        fi
    fi
    printf '%s\n' "$found"
}

# Prints a TCP port free on 127.0.0.1 right now.
_pg_free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return
        fi
    done
    _pg_log "no free port found"
    return 1
}

# Loads BATON_PG_DIR/PORT/BIN from the state file when this shell does not have them.
_pg_load_state() {
    if [[ -z "${BATON_PG_DIR:-}" && -f "$BATON_PG_STATE" ]]; then
        local key value
        while IFS='=' read -r key value; do
            case "$key" in
                BATON_PG_DIR) BATON_PG_DIR="$value" ;;
                BATON_PG_PORT) BATON_PG_PORT="$value" ;;
                BATON_PG_BIN) BATON_PG_BIN="$value" ;;
            esac
        done <"$BATON_PG_STATE"
    fi
}

_pg_url() { printf 'postgresql://baton@127.0.0.1:%s/postgres\n' "$1"; }

# True when the server answers a query on the port.
_pg_answers() {
    PGCONNECT_TIMEOUT=3 "$1/psql" -X -A -t -q -h 127.0.0.1 -p "$2" -U baton -d postgres -c 'SELECT 1' \
        >/dev/null 2>&1
}

# True when the recorded cluster's server is up and answers.
_pg_running() {
    [[ -n "${BATON_PG_DIR:-}" && -n "${BATON_PG_BIN:-}" && -n "${BATON_PG_PORT:-}" && -d "${BATON_PG_DIR}/data" ]] ||
        return 1
    _pg_as_owner "$BATON_PG_BIN/pg_ctl" -D "$BATON_PG_DIR/data" status >/dev/null 2>&1 &&
        _pg_answers "$BATON_PG_BIN" "$BATON_PG_PORT"
}

# Starts a fresh cluster (or reuses the running one) and exports BATON_TEST_DATABASE_URL.
pg_start() {
    _pg_load_state
    if _pg_running; then
        BATON_TEST_DATABASE_URL="$(_pg_url "$BATON_PG_PORT")"
        export BATON_TEST_DATABASE_URL BATON_PG_DIR BATON_PG_PORT BATON_PG_BIN
        _pg_log "reusing the cluster in $BATON_PG_DIR"
        return 0
    fi
    if [[ -n "${BATON_PG_DIR:-}" ]]; then
        # A recorded cluster that is not running: clean it up before making a new one.
        pg_stop
    fi
    local bin dir port out="/dev/null" attempt
    bin="$(_pg_bin)" || return 1
    dir="$(mktemp -d "${TMPDIR:-/tmp}/baton-pg.XXXXXX")" || return 1
    if [[ "$(id -u)" -eq 0 ]]; then
        chown postgres:postgres "$dir" || { rm -rf "$dir"; return 1; }
    fi
    chmod 700 "$dir"
    [[ "${BATON_PG_VERBOSE:-0}" == 1 ]] && out="/dev/stderr"
    if ! _pg_as_owner "$bin/initdb" -D "$dir/data" -U baton --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync \
        >"$out" 2>&1; then
        _pg_log "initdb failed (rerun with BATON_PG_VERBOSE=1)"
        rm -rf "$dir"
        return 1
    fi
    # The port is free when picked, but another process could take it before the server binds: retry.
    for attempt in 1 2 3; do
        port="$(_pg_free_port)" || { rm -rf "$dir"; return 1; }
        if _pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 -o "-p $port -k $dir \
-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
-c max_connections=300" start >"$out" 2>&1; then
            break
        fi
        _pg_log "start on port $port failed (attempt $attempt); log tail:"
        port=""
        tail -n 5 "$dir/pg.log" >&2 2>/dev/null || true
        _pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    done
    if [[ -z "$port" ]]; then
        _pg_log "could not start PostgreSQL"
        rm -rf "$dir"
        return 1
    fi
    BATON_PG_DIR="$dir"
    BATON_PG_PORT="$port"
    BATON_PG_BIN="$bin"
    printf 'BATON_PG_DIR=%s\nBATON_PG_PORT=%s\nBATON_PG_BIN=%s\n' "$dir" "$port" "$bin" >"$BATON_PG_STATE"
    # Ready means a client can run a query over TCP, not only that the postmaster answers.
    local i
    for i in $(seq 1 100); do
        if _pg_answers "$bin" "$port"; then
            break
        fi
        if [[ "$i" -eq 100 ]]; then
            _pg_log "PostgreSQL on port $port does not answer queries"
            pg_stop
            return 1
        fi
        sleep 0.1
    done
    BATON_TEST_DATABASE_URL="$(_pg_url "$port")"
    export BATON_TEST_DATABASE_URL BATON_PG_DIR BATON_PG_PORT BATON_PG_BIN
    _pg_log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir"
}

# Stops the cluster pg_start made (fast shutdown) and deletes its directory. Without one, does nothing.
pg_stop() {
    _pg_load_state
    local dir="${BATON_PG_DIR:-}" bin="${BATON_PG_BIN:-}"
    if [[ -z "$dir" ]]; then
        return 0
    fi
    # Only ever delete a directory this script made.
    case "$dir" in
        /*/baton-pg.??????) ;;
        *)
            _pg_log "refusing to remove unexpected directory $dir"
            return 1
            ;;
    esac
    if [[ -n "$bin" && -d "$dir/data" ]] && _pg_as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        _pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            _pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    # Forget it only if the state file still names this cluster.
    if [[ -f "$BATON_PG_STATE" ]] && grep -qxF "BATON_PG_DIR=$dir" "$BATON_PG_STATE"; then
        rm -f "$BATON_PG_STATE"
    fi
    if [[ "${BATON_TEST_DATABASE_URL:-}" == "$(_pg_url "${BATON_PG_PORT:-}")" ]]; then
        unset BATON_TEST_DATABASE_URL
    fi
    unset BATON_PG_DIR BATON_PG_PORT BATON_PG_BIN
    _pg_log "stopped PostgreSQL and removed $dir"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    case "${1:-}" in
        start)
            pg_start
            printf '%s\n' "$BATON_TEST_DATABASE_URL"
            ;;
        stop) pg_stop ;;
        url)
            _pg_load_state
            _pg_running || { _pg_log "no cluster is running"; exit 1; }
            _pg_url "$BATON_PG_PORT"
            ;;
        *)
            echo "usage: scripts/pg.sh start|stop|url   (or: source scripts/pg.sh; pg_start; pg_stop)" >&2
            exit 2
            ;;
    esac
fi
