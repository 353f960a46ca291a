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


def venv_dir() -> Path:
    """The virtualenv running the tests (its python has prefect). Not resolved: bin/python is a symlink."""
    return Path(sys.executable).parent.parent


def start_baton(
    home: Path, args: "list[str] | tuple[str, ...]" = (), env: "dict[str, str] | None" = None
) -> BatonServer:
    """Start `baton serve` on a free port. `args` are extra `serve` arguments (`--pool P`, `--no-worker`…);
    `env` is added to the environment (which otherwise has no PREFECT_* variables)."""
    binary = baton_bin()
    if not binary.exists():
        pytest.fail(
            f"Baton binary not found at {binary}: build it (cargo build) or set BATON_BIN",
            pytrace=False,
        )
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    child_env.update(env or {})
    proc = subprocess.Popen(
        [str(binary), "serve", "--host", "127.0.0.1", "--port", "0", "--home", str(home), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        env=child_env,
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
def baton_factory(tmp_path_factory):
    """Start Baton servers with extra arguments and environment, all stopped when the module ends.

        server = baton_factory(args=["--pool", "p1"], env={"VIRTUAL_ENV": str(venv_dir())})

    `home` reuses a data directory (e.g. to restart a server); by default each gets a fresh one.
    `stop(server)` stops one early (SIGTERM; asserts exit code 0). With BATON_TEST_API_URL set there is no
    Baton to start: `baton_only=True` skips the test, otherwise the external server is returned as is.
    """
    started: list[BatonServer] = []
    external = os.environ.get("BATON_TEST_API_URL")

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
            return BatonServer(api_url=external.rstrip("/"), process=None, home=home)
        server = start_baton(home, args=args, env=env)
        started.append(server)
        _ACTIVE_SERVERS.append(server)
        return server

    def _stop(server: BatonServer) -> None:
        if server.process is None or server not in started:
            return
        started.remove(server)
        _ACTIVE_SERVERS.remove(server)
        code = stop_baton(server)
        assert code == 0, (
            f"Baton exited with code {code} after SIGTERM. Output:\n" + server.output_tail()
        )

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
    try:
        proc = subprocess.run(
            [str(prefect_executable()), *args],
            env=env,
            cwd=str(cwd),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise AssertionError(
            f"prefect {' '.join(args)} did not finish within {timeout:.0f}s\n"
            f"--- stdout ---\n{out[-6000:]}\n--- stderr ---\n{err[-8000:]}"
        ) from None
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
