"""Fixtures for the high-availability suite: several Baton replicas on one PostgreSQL database.

Run with the Prefect 3 venv's python (only httpx and pytest are needed):

    source scripts/pg.sh; pg_start
    target/prefect-venv-3.9.1/bin/python -m pytest -q tests/ha

BATON_TEST_DATABASE_URL names the PostgreSQL server (an admin URL ending in /postgres); without it the
suite is skipped. BATON_BIN selects the server binary (default target/debug/baton). Each test gets a
database of its own, dropped at the end. Only loopback addresses are used; only the processes started
here are stopped or killed, by their PID; every wait has a deadline.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import pytest

# tests/ holds baton_proc.py, the server-process machinery shared by the Python suites.
sys.path.append(str(Path(__file__).resolve().parents[1]))

from ha_load import psql  # noqa: E402
from baton_proc import (  # noqa: E402
    SHUTDOWN_DEADLINE_S,
    BatonServer,
    attach_server_output,
    start_baton,
    stop_baton,
)

# Every server started by a test, for the failure report.
_servers: "list[BatonServer]" = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    attach_server_output(outcome.get_result(), list(_servers))


@pytest.fixture
def database() -> Iterator[str]:
    """The URL of a new, empty database on BATON_TEST_DATABASE_URL's server; dropped afterwards."""
    admin = os.environ.get("BATON_TEST_DATABASE_URL")
    if not admin:
        pytest.skip(
            "BATON_TEST_DATABASE_URL is not set: the HA suite needs PostgreSQL "
            "(source scripts/pg.sh; pg_start)"
        )
    name = "ha_" + uuid.uuid4().hex[:16]
    psql(admin, f"CREATE DATABASE {name}")
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Replica:
    """One `baton serve` on the shared database, restartable on the same home."""

    def __init__(self, index: int, home: Path, url: str):
        self.index = index
        self.home = home
        self.url = url
        self.lock = threading.Lock()
        self.server: "BatonServer | None" = None
        self.client: "httpx.Client | None" = None
        self.down = True
        self.starts = 0

    def start(self) -> None:
        server = start_baton(self.home, ["--database", self.url, "--no-worker"])
        client = httpx.Client(
            base_url=server.api_url.rstrip("/") + "/",
            timeout=15.0,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )
        _servers.append(server)
        with self.lock:
            old, self.server, self.client, self.down = self.client, server, client, False
            self.starts += 1
        if old is not None:
            old.close()

    def handle(self) -> "tuple[httpx.Client, BatonServer] | None":
        """The client and server to send to, or None while this replica is down."""
        with self.lock:
            if self.down or self.client is None or self.server is None:
                return None
            return self.client, self.server

    def metrics_url(self) -> str:
        assert self.server is not None
        return self.server.api_url.rsplit("/api", 1)[0] + "/metrics"

    def leads(self) -> "bool | None":
        """Whether /metrics says `baton_leader 1` (None when it cannot be read)."""
        h = self.handle()
        if h is None:
            return None
        try:
            text = httpx.get(self.metrics_url(), timeout=3.0).text
        except httpx.HTTPError:
            return None
        lines = {line.strip() for line in text.splitlines()}
        if "baton_leader 1" in lines:
            return True
        if "baton_leader 0" in lines:
            return False
        return None

    def kill(self) -> None:
        """SIGKILL, by PID; requests in flight to it fail from now on."""
        with self.lock:
            assert self.server is not None and self.server.process is not None
            self.down = True
            proc = self.server.process
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=SHUTDOWN_DEADLINE_S)

    def stop(self) -> "int | None":
        """SIGTERM (stop_baton); returns the exit code, or None when it was down (killed, not restarted)."""
        with self.lock:
            server, client, was_down = self.server, self.client, self.down
            self.down = True
        if client is not None:
            client.close()
        if server is None or was_down:
            return None
        return stop_baton(server)


@pytest.fixture
def replicas(database: str, tmp_path: Path) -> Iterator["list[Replica]"]:
    """Three replicas started on `database` (each its own --home, no in-process worker); all stopped
    afterwards, asserting a clean exit for those still running."""
    reps = [Replica(i, tmp_path / f"home{i}", database) for i in range(3)]
    try:
        for r in reps:
            r.home.mkdir()
            r.start()
        yield reps
    finally:
        codes = []
        for r in reps:
            try:
                codes.append(r.stop())
            except AssertionError as exc:  # did not exit in time: already SIGKILLed by stop_baton
                codes.append(str(exc)[:200])
        _servers.clear()
        bad = [c for c in codes if c not in (0, None)]
        assert not bad, f"replicas did not exit cleanly on SIGTERM: {codes}"
