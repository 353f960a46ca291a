"""Helpers of the concurrency-limit tests (test_concurrency.py, test_concurrency_leases.py): unique names, a
fixture that deletes the limits a test made, background scripts, reading limits."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import FLOWS_DIR, BackgroundProcess, flow_env
from helpers import get_json

SCRIPT_TIMEOUT_S = 90.0


def uid() -> str:
    return uuid.uuid4().hex[:8]


def q(name: str) -> str:
    return quote(name, safe="")


@pytest.fixture
def cleanup(api):
    """Remember the limits a test makes; delete them afterwards (whatever state the test left them in)."""

    class Made:
        def __init__(self):
            self.tags: list[str] = []
            self.names: list[str] = []

        def tag(self, tag: str) -> str:
            self.tags.append(tag)
            return tag

        def limit(self, name: str) -> str:
            self.names.append(name)
            return name

    made = Made()
    yield made
    for tag in made.tags:
        api.delete(f"concurrency_limits/tag/{q(tag)}")
    for name in made.names:
        api.delete(f"v2/concurrency_limits/{q(name)}")


def start_script(server, tmp_path: Path, tag: str, script: str, *args: str) -> BackgroundProcess:
    """A script from tests/prefect/flows in the background, with its own PREFECT_HOME; output in files."""
    home = tmp_path / f"{tag}-home"
    home.mkdir()
    return BackgroundProcess(
        [sys.executable, str(FLOWS_DIR / script), *args],
        env=flow_env(server.api_url, home),
        cwd=FLOWS_DIR,
        log_dir=tmp_path,
        tag=tag,
    )


def finish(proc: BackgroundProcess, timeout: float) -> int:
    try:
        return proc.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"did not finish within {timeout:.0f}s\n{proc.describe()}") from None


def gcl(api, name: str) -> dict:
    return get_json(api, f"v2/concurrency_limits/{q(name)}")


def cli_json(result) -> object:
    assert result.returncode == 0, result.describe()
    try:
        return json.loads(result.stdout)
    except ValueError:
        raise AssertionError(f"not JSON:\n{result.describe()}") from None


def one_line(text: str) -> str:
    return " ".join(text.split())


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The largest number of [start, end) intervals that contain one instant."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals], key=lambda x: (x[0], x[1]))
    inside = best = 0
    for _, step in events:
        inside += step
        best = max(best, inside)
    return best
