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
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# tests/ holds baton_proc.py, the server-process machinery shared with tests/prefect2.
sys.path.append(str(Path(__file__).resolve().parents[1]))

# REPO, SHUTDOWN_DEADLINE_S and baton_bin are also imported from conftest by the tests.
from baton_proc import (  # noqa: E402
    REPO,
    SHUTDOWN_DEADLINE_S,
    BatonServer,
    attach_server_output,
    baton_bin,
    env_without_prefect,
    external_api_url,
    external_server,
    module_server,
    run_bounded,
    start_baton,
    stop_baton_cleanly,
)

FLOWS_DIR = Path(__file__).resolve().parent / "flows"

FLOW_SCRIPT_TIMEOUT_S = 120.0


def venv_dir() -> Path:
    """The virtualenv running the tests (its python has prefect). Not resolved: bin/python is a symlink."""
    return Path(sys.executable).parent.parent


_ACTIVE_SERVERS: list[BatonServer] = []


@pytest.fixture(scope="module")
def baton(tmp_path_factory):
    """A Baton server on a free port with a fresh data home, one per test module."""
    yield from module_server(tmp_path_factory.mktemp("baton-home"), _ACTIVE_SERVERS)


@pytest.fixture(scope="module")
def baton_factory(tmp_path_factory):
    """Start Baton servers with extra arguments and environment, all stopped when the module ends.

        server = baton_factory(args=["--pool", "p1"], env={"VIRTUAL_ENV": str(venv_dir())})

    `home` reuses a data directory (e.g. to restart a server); by default each gets a fresh one.
    `stop(server)` stops one early (SIGTERM; asserts exit code 0). With BATON_TEST_API_URL set there is no
    Baton to start: `baton_only=True` skips the test, otherwise the external server is returned as is.
    """
    started: list[BatonServer] = []
    external = external_api_url()

    def _start(
        args: "list[str] | tuple[str, ...]" = (),
        env: "dict[str, str] | None" = None,
        home: "Path | None" = None,
        baton_only: bool = False,
    ) -> BatonServer:
        home = home or tmp_path_factory.mktemp("baton-home")
        if external:
            if baton_only:
                pytest.skip("needs Baton's own options; BATON_TEST_API_URL points at another server")
            return external_server(external, home)
        server = start_baton(home, args=args, env=env)
        started.append(server)
        _ACTIVE_SERVERS.append(server)
        return server

    def _stop(server: BatonServer) -> None:
        if server.process is None or server not in started:
            return
        started.remove(server)
        _ACTIVE_SERVERS.remove(server)
        stop_baton_cleanly(server)

    _start.stop = _stop  # type: ignore[attr-defined]
    yield _start
    errors = []
    for server in list(started):
        try:
            _stop(server)
        except AssertionError as exc:
            errors.append(str(exc))
    assert not errors, "\n".join(errors)


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
    env = env_without_prefect()
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
        proc = run_bounded(
            [sys.executable, str(path), *args],
            env=flow_env(server.api_url, prefect_home, extra_env),
            cwd=path.parent,
            timeout=timeout,
            what=path.name,
            stderr_tail=12000,
            more=lambda: f"\n--- baton ---\n{server.output_tail()}",
        )
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
    attach_server_output(outcome.get_result(), _ACTIVE_SERVERS)


# ---------------------------------------------------------------------------
# Long-running serve scripts and the `prefect` CLI


CLI_TIMEOUT_S = 60.0
SERVE_STOP_DEADLINE_S = 30.0


class ServeProcess:
    """A flow script that serves deployments (`flow.serve` / `serve(...)`), run in the background.

    Output goes to files (never a pipe that could fill up). The test ends it by PID with SIGINT,
    as a user pressing Ctrl-C would; `close` is the safety net that makes sure it is gone.
    """

    def __init__(self, server: BatonServer, script: Path, extra_env: dict[str, str] | None):
        self.script = script
        self.prefect_home = Path(tempfile.mkdtemp(prefix="prefect-home-"))
        self.out_path = self.prefect_home / "serve.out"
        self.err_path = self.prefect_home / "serve.err"
        env = flow_env(server.api_url, self.prefect_home, extra_env)
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.process = subprocess.Popen(
                [sys.executable, str(script)],
                env=env,
                cwd=str(script.parent),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def describe(self) -> str:
        return (
            f"{self.script.name} (pid {self.pid}, exit code {self.process.returncode})\n"
            f"--- serve stdout ---\n{self.stdout()[-6000:]}\n"
            f"--- serve stderr ---\n{self.stderr()[-12000:]}"
        )

    def interrupt(self, deadline: float = SERVE_STOP_DEADLINE_S) -> int | None:
        """SIGINT, then wait up to `deadline` seconds. Returns the exit code, None if still running."""
        if self.running():
            os.kill(self.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        if self.running() and self.interrupt(SERVE_STOP_DEADLINE_S) is None:
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(timeout=SHUTDOWN_DEADLINE_S)
        shutil.rmtree(self.prefect_home, ignore_errors=True)


@pytest.fixture(scope="module")
def start_serve(baton):
    """Start a serve script from tests/prefect/flows in the background; stopped at the latest when
    the module ends (tests normally stop it themselves with `interrupt`)."""
    started: list[ServeProcess] = []

    def _start(script: str, extra_env: dict[str, str] | None = None) -> ServeProcess:
        env = {"PREFECT_RUNNER_POLL_FREQUENCY": "2"}
        env.update(extra_env or {})
        proc = ServeProcess(baton, FLOWS_DIR / script, env)
        started.append(proc)
        return proc

    yield _start
    for proc in started:
        proc.close()


@dataclass
class CliResult:
    args: tuple
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (
            f"prefect {' '.join(self.args)}: exit code {self.returncode}\n"
            f"--- stdout ---\n{self.stdout[-6000:]}\n--- stderr ---\n{self.stderr[-8000:]}"
        )


def prefect_executable() -> Path:
    """The `prefect` console script of the venv running the tests."""
    return Path(sys.executable).parent / "prefect"


def run_prefect_cli(
    api_url: str,
    prefect_home: Path,
    *args: str,
    cwd: "str | Path" = FLOWS_DIR,
    timeout: float = CLI_TIMEOUT_S,
    extra_env: "dict[str, str] | None" = None,
) -> CliResult:
    """Run the real `prefect` CLI against `api_url`: no TTY, no prompts, wide tables."""
    env = flow_env(
        api_url, prefect_home, {"PREFECT_CLI_PROMPT": "false", "COLUMNS": "250", "NO_COLOR": "1"}
    )
    env.update(extra_env or {})
    proc = run_bounded(
        [str(prefect_executable()), *args],
        env=env,
        cwd=cwd,
        timeout=timeout,
        what=f"prefect {' '.join(args)}",
        stderr_tail=8000,
    )
    return CliResult(args=args, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)


@pytest.fixture(scope="module")
def prefect_cli(baton, tmp_path_factory):
    """Run the real `prefect` CLI against Baton: no TTY, no prompts, wide tables."""
    home = tmp_path_factory.mktemp("prefect-cli-home")

    def _run(*args: str, timeout: float = CLI_TIMEOUT_S, cwd: "str | Path" = FLOWS_DIR) -> CliResult:
        return run_prefect_cli(baton.api_url, home, *args, cwd=cwd, timeout=timeout)

    return _run


class BackgroundProcess:
    """Any long-running command (e.g. `prefect worker start`) in the background, owned by the test.

    Output goes to files, never a pipe. `stop` ends it by PID (SIGINT by default, like Ctrl-C) within a
    deadline; `close` is the safety net (SIGKILL after the deadline).
    """

    def __init__(self, argv: list[str], env: dict[str, str], cwd: "str | Path", log_dir: Path, tag: str):
        self.argv = argv
        self.out_path = log_dir / f"{tag}.out"
        self.err_path = log_dir / f"{tag}.err"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.process = subprocess.Popen(
                argv, env=env, cwd=str(cwd), stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def describe(self) -> str:
        return (
            f"{' '.join(self.argv)} (pid {self.pid}, exit code {self.process.returncode})\n"
            f"--- stdout ---\n{self.stdout()[-6000:]}\n--- stderr ---\n{self.stderr()[-12000:]}"
        )

    def stop(self, sig: int = signal.SIGINT, deadline: float = SERVE_STOP_DEADLINE_S) -> "int | None":
        """Send `sig`, wait up to `deadline` s. Returns the exit code, None if it is still running."""
        if self.running():
            os.kill(self.pid, sig)
        try:
            return self.process.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        if self.running() and self.stop(signal.SIGINT, SERVE_STOP_DEADLINE_S) is None:
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(timeout=SHUTDOWN_DEADLINE_S)
