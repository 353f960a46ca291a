"""Fixtures for running the real Prefect SDK against a Baton server.

Run with the venv made by scripts/prefect-venv.sh:

    target/prefect-venv/bin/python -m pytest tests/prefect

BATON_BIN overrides the server binary (default: target/debug/baton).
BATON_TEST_API_URL (e.g. http://127.0.0.1:4200/api) runs the suite against a
server that is already running instead of starting Baton: handy for checking
the tests themselves against a real `prefect server start`.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
FLOWS_DIR = Path(__file__).resolve().parent / "flows"
API_URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)/api")

STARTUP_DEADLINE_S = 20.0
SHUTDOWN_DEADLINE_S = 10.0
FLOW_SCRIPT_TIMEOUT_S = 120.0


def baton_bin() -> Path:
    return Path(os.environ.get("BATON_BIN") or REPO / "target" / "debug" / "baton")


@dataclass
class BatonServer:
    api_url: str
    process: "subprocess.Popen | None"  # None when BATON_TEST_API_URL is used
    home: Path
    # Interleaved stdout/stderr lines, kept for failure reports.
    output: deque = field(default_factory=lambda: deque(maxlen=2000))

    def client(self, **kwargs: Any) -> httpx.Client:
        """A plain httpx client whose base URL is the API root (".../api/")."""
        kwargs.setdefault("timeout", 10.0)
        return httpx.Client(base_url=self.api_url.rstrip("/") + "/", **kwargs)

    def output_tail(self, n: int = 200) -> str:
        lines = list(self.output)[-n:]
        return "\n".join(lines)


def _drain(stream, sink: deque, tag: str, lines: "queue.Queue[str] | None") -> None:
    """Read a pipe until EOF so the child never blocks on a full pipe."""
    try:
        for raw in iter(stream.readline, ""):
            line = raw.rstrip("\n")
            sink.append(f"[{tag}] {line}")
            if lines is not None:
                lines.put(line)
    except ValueError:  # stream closed under us
        pass
    finally:
        if lines is not None:
            lines.put(None)  # EOF marker


def start_baton(home: Path) -> BatonServer:
    binary = baton_bin()
    if not binary.exists():
        pytest.fail(
            f"Baton binary not found at {binary}: build it (cargo build) or set BATON_BIN",
            pytrace=False,
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    proc = subprocess.Popen(
        [str(binary), "serve", "--host", "127.0.0.1", "--port", "0", "--home", str(home)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        env=env,
    )
    output: deque = deque(maxlen=2000)
    stdout_lines: "queue.Queue[str | None]" = queue.Queue()
    threading.Thread(
        target=_drain, args=(proc.stdout, output, "stdout", stdout_lines), daemon=True
    ).start()
    threading.Thread(target=_drain, args=(proc.stderr, output, "stderr", None), daemon=True).start()

    deadline = time.monotonic() + STARTUP_DEADLINE_S
    api_url = None
    while api_url is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            line = stdout_lines.get(timeout=remaining)
        except queue.Empty:
            break
        if line is None:  # stdout closed: the server exited
            break
        m = API_URL_RE.search(line)
        if m:
            api_url = f"http://127.0.0.1:{m.group(1)}/api"

    if api_url is None:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=SHUTDOWN_DEADLINE_S)
        time.sleep(0.1)  # let the drain threads copy the last lines
        pytest.fail(
            f"Baton did not print its API URL within {STARTUP_DEADLINE_S:.0f}s "
            f"(exit code {proc.returncode}). Output:\n" + "\n".join(output),
            pytrace=False,
        )
    return BatonServer(api_url=api_url, process=proc, home=home, output=output)


def stop_baton(server: BatonServer) -> int:
    proc = server.process
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=SHUTDOWN_DEADLINE_S)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=SHUTDOWN_DEADLINE_S)
            raise AssertionError(
                f"Baton did not exit within {SHUTDOWN_DEADLINE_S:.0f}s of SIGTERM. Output:\n"
                + server.output_tail()
            )
    return proc.returncode


_ACTIVE_SERVERS: list[BatonServer] = []


@pytest.fixture(scope="module")
def baton(tmp_path_factory):
    """A Baton server on a free port with a fresh data home, one per test module."""
    home = tmp_path_factory.mktemp("baton-home")
    external = os.environ.get("BATON_TEST_API_URL")
    if external:
        yield BatonServer(api_url=external.rstrip("/"), process=None, home=home)
        return
    server = start_baton(home)
    _ACTIVE_SERVERS.append(server)
    try:
        yield server
    finally:
        _ACTIVE_SERVERS.remove(server)
        code = stop_baton(server)
        assert code == 0, (
            f"Baton exited with code {code} after SIGTERM. Output:\n" + server.output_tail()
        )


@pytest.fixture(scope="module")
def api(baton):
    with baton.client() as client:
        yield client


# ---------------------------------------------------------------------------
# Running flow scripts with the real SDK


@dataclass
class FlowScriptResult:
    script: Path
    returncode: int
    stdout: str
    stderr: str
    elapsed_s: float

    def field(self, name: str) -> str | None:
        """Value of the last `NAME=value` line printed on stdout."""
        value = None
        for line in self.stdout.splitlines():
            if line.startswith(name + "="):
                value = line[len(name) + 1 :].strip()
        return value

    def describe(self) -> str:
        return (
            f"{self.script.name}: exit code {self.returncode} after {self.elapsed_s:.1f}s\n"
            f"--- stdout ---\n{self.stdout[-6000:]}\n--- stderr ---\n{self.stderr[-12000:]}"
        )


def flow_env(api_url: str, prefect_home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        {
            "PREFECT_API_URL": api_url,
            "PREFECT_HOME": str(prefect_home),
            "PREFECT_LOGGING_TO_API_ENABLED": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if extra:
        env.update(extra)
    return env


def run_flow_script(
    server: BatonServer,
    script: str | Path,
    *args: str,
    timeout: float = FLOW_SCRIPT_TIMEOUT_S,
    extra_env: dict[str, str] | None = None,
) -> FlowScriptResult:
    path = Path(script)
    if not path.is_absolute():
        path = FLOWS_DIR / path
    prefect_home = Path(tempfile.mkdtemp(prefix="prefect-home-"))
    start = time.monotonic()
    try:
        try:
            proc = subprocess.run(
                [sys.executable, str(path), *args],
                env=flow_env(server.api_url, prefect_home, extra_env),
                cwd=str(path.parent),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
            raise AssertionError(
                f"{path.name} did not finish within {timeout:.0f}s\n--- stdout ---\n{out[-6000:]}"
                f"\n--- stderr ---\n{err[-12000:]}\n--- baton ---\n{server.output_tail()}"
            ) from None
    finally:
        shutil.rmtree(prefect_home, ignore_errors=True)
    return FlowScriptResult(
        script=path,
        returncode=proc.returncode,
        stdout=proc.stdout,
        stderr=proc.stderr,
        elapsed_s=time.monotonic() - start,
    )


@pytest.fixture(scope="module")
def run_flow(baton):
    def _run(script: str | Path, *args: str, **kwargs: Any) -> FlowScriptResult:
        return run_flow_script(baton, script, *args, **kwargs)

    return _run


# ---------------------------------------------------------------------------
# Attach the server output to failing test reports.


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and _ACTIVE_SERVERS:
        for server in _ACTIVE_SERVERS:
            rep.sections.append(
                (f"baton server output ({server.api_url})", server.output_tail(300))
            )
