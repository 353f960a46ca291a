"""Fixtures for running the real Prefect 2 client (2.20.25: agents, `prefect deployment build/apply`)
against a Baton server.

Run with the venv made by `scripts/prefect-venv.sh 2.20.25`:

    target/prefect2-venv/bin/python -m pytest -q -p no:cacheprovider tests/prefect2

BATON_BIN overrides the server binary (default: target/debug/baton).
BATON_TEST_API_URL (e.g. http://127.0.0.1:4399/api) runs the suite against a server that is already
running instead of starting Baton: used to check the tests themselves against Prefect 2's own
`prefect server start`.
BATON_P2_RECORD=FILE.jsonl records every request the client processes make, with the answers
(record/sitecustomize.py); record/compare.py diffs two recordings (Prefect 2's server vs Baton).

Every wait has a deadline, every loop a bound; only loopback addresses are used; only processes these
fixtures started are stopped, by their PID (or the process group they were started in).
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
from typing import Any, Callable

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
FLOWS_DIR = Path(__file__).resolve().parent / "flows"
RECORD_DIR = Path(__file__).resolve().parent / "record"
API_URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)/api")

STARTUP_DEADLINE_S = 20.0
SHUTDOWN_DEADLINE_S = 10.0
SCRIPT_TIMEOUT_S = 90.0
CLI_TIMEOUT_S = 60.0
AGENT_STOP_DEADLINE_S = 15.0


def baton_bin() -> Path:
    return Path(os.environ.get("BATON_BIN") or REPO / "target" / "debug" / "baton")


@dataclass
class Server:
    api_url: str
    process: "subprocess.Popen | None"  # None when BATON_TEST_API_URL is used
    home: Path
    output: deque = field(default_factory=lambda: deque(maxlen=2000))

    def client(self, **kwargs: Any) -> httpx.Client:
        """A plain httpx client whose base URL is the API root (".../api/")."""
        kwargs.setdefault("timeout", 10.0)
        return httpx.Client(base_url=self.api_url.rstrip("/") + "/", **kwargs)

    def output_tail(self, n: int = 200) -> str:
        return "\n".join(list(self.output)[-n:])


def _drain(stream, sink: deque, tag: str, lines: "queue.Queue[str | None] | None") -> None:
    """Read a pipe until EOF so the child never blocks on a full pipe."""
    try:
        for raw in iter(stream.readline, ""):
            line = raw.rstrip("\n")
            sink.append(f"[{tag}] {line}")
            if lines is not None:
                lines.put(line)
    except ValueError:
        pass
    finally:
        if lines is not None:
            lines.put(None)


def start_baton(home: Path) -> Server:
    """`baton serve` on a free loopback port (it prints its API URL on stdout)."""
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
    threading.Thread(target=_drain, args=(proc.stdout, output, "stdout", stdout_lines), daemon=True).start()
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
        if line is None:
            break
        m = API_URL_RE.search(line)
        if m:
            api_url = f"http://127.0.0.1:{m.group(1)}/api"
    if api_url is None:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=SHUTDOWN_DEADLINE_S)
        time.sleep(0.1)
        pytest.fail(
            f"Baton did not print its API URL within {STARTUP_DEADLINE_S:.0f}s "
            f"(exit code {proc.returncode}). Output:\n" + "\n".join(output),
            pytrace=False,
        )
    return Server(api_url=api_url, process=proc, home=home, output=output)


def stop_baton(server: Server) -> int:
    proc = server.process
    assert proc is not None
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


_ACTIVE: list[Server] = []


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Baton server with a fresh home, one per test module (or the server at BATON_TEST_API_URL)."""
    home = tmp_path_factory.mktemp("baton-home")
    external = os.environ.get("BATON_TEST_API_URL")
    if external:
        yield Server(api_url=external.rstrip("/"), process=None, home=home)
        return
    srv = start_baton(home)
    _ACTIVE.append(srv)
    try:
        yield srv
    finally:
        _ACTIVE.remove(srv)
        code = stop_baton(srv)
        assert code == 0, f"Baton exited with code {code} after SIGTERM. Output:\n" + srv.output_tail()


@pytest.fixture(scope="module")
def api(server):
    with server.client() as client:
        yield client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for srv in _ACTIVE:
            rep.sections.append((f"baton server output ({srv.api_url})", srv.output_tail(300)))


# ---------------------------------------------------------------------------
# The project directory, the CLI, scripts and agents


@dataclass
class Project:
    """A temporary working directory holding `flows/` (a copy of tests/prefect2/flows), where the CLI
    and flow scripts run, with its own PREFECT_HOME."""

    root: Path
    prefect_home: Path
    api_url: str

    def env(self, extra: "dict[str, str] | None" = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(
            {
                "PREFECT_API_URL": self.api_url,
                "PREFECT_HOME": str(self.prefect_home),
                "PREFECT_CLI_PROMPT": "false",
                "PREFECT_LOGGING_TO_API_ENABLED": "true",
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "COLUMNS": "250",
                "NO_COLOR": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        record = os.environ.get("BATON_P2_RECORD")
        if record:  # record the client's requests (tests/prefect2/record/sitecustomize.py)
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(RECORD_DIR), env.get("PYTHONPATH", "")) if p
            )
        env.update(extra or {})
        return env


@dataclass
class Result:
    args: tuple
    returncode: int
    stdout: str
    stderr: str

    def field(self, name: str) -> "str | None":
        """Value of the last `NAME=value` line printed on stdout."""
        value = None
        for line in self.stdout.splitlines():
            if line.startswith(name + "="):
                value = line[len(name) + 1 :].strip()
        return value

    def describe(self) -> str:
        return (
            f"{' '.join(map(str, self.args))}: exit code {self.returncode}\n"
            f"--- stdout ---\n{self.stdout[-6000:]}\n--- stderr ---\n{self.stderr[-10000:]}"
        )


def _run(argv: list, env: dict, cwd: Path, timeout: float) -> Result:
    try:
        proc = subprocess.run(
            [str(a) for a in argv],
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
            f"{' '.join(map(str, argv))} did not finish within {timeout:.0f}s\n"
            f"--- stdout ---\n{out[-6000:]}\n--- stderr ---\n{err[-10000:]}"
        ) from None
    return Result(args=tuple(argv), returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)


@pytest.fixture(scope="module")
def project(server, tmp_path_factory) -> Project:
    root = tmp_path_factory.mktemp("p2-project")
    shutil.copytree(FLOWS_DIR, root / "flows", ignore=shutil.ignore_patterns("__pycache__"))
    home = tmp_path_factory.mktemp("p2-prefect-home")
    return Project(root=root, prefect_home=home, api_url=server.api_url)


def prefect_executable() -> Path:
    return Path(sys.executable).parent / "prefect"


@pytest.fixture(scope="module")
def cli(project) -> Callable[..., Result]:
    """Run the real 2.x `prefect` CLI in the project directory: no TTY, no prompts, wide tables."""

    def _cli(*args: str, timeout: float = CLI_TIMEOUT_S) -> Result:
        return _run([prefect_executable(), *args], project.env(), project.root, timeout)

    return _cli


@pytest.fixture(scope="module")
def run_script(project) -> Callable[..., Result]:
    """Run a flow script from the project's flows/ with the venv's python."""

    def _script(name: str, *args: str, timeout: float = SCRIPT_TIMEOUT_S) -> Result:
        return _run([sys.executable, project.root / "flows" / name, *args], project.env(), project.root, timeout)

    return _script


class Agent:
    """`prefect agent start -q QUEUE` in the background, in its own process group (so the flow-run
    processes it spawns can be cleaned up with it). Output goes to files, never a pipe."""

    def __init__(self, project: Project, work_queue: str, log_dir: Path):
        self.out_path = log_dir / f"agent-{work_queue}.out"
        self.err_path = log_dir / f"agent-{work_queue}.err"
        env = project.env(
            {
                # Poll every second (default 15 s) so runs and cancellations are seen quickly.
                "PREFECT_AGENT_QUERY_INTERVAL": "1",
                "PREFECT_AGENT_PREFETCH_SECONDS": "5",
            }
        )
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.process = subprocess.Popen(
                [str(prefect_executable()), "agent", "start", "-q", work_queue],
                env=env,
                cwd=str(project.root),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.out_path.read_text(errors="replace") + self.err_path.read_text(errors="replace")

    def describe(self) -> str:
        return (
            f"agent (pid {self.pid}, exit code {self.process.returncode})\n"
            f"--- agent stdout ---\n{self.out_path.read_text(errors='replace')[-8000:]}\n"
            f"--- agent stderr ---\n{self.err_path.read_text(errors='replace')[-12000:]}"
        )

    def close(self) -> None:
        """SIGINT (Ctrl-C) to the agent, then SIGKILL to its process group after the deadline."""
        if self.running():
            os.kill(self.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=AGENT_STOP_DEADLINE_S)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)  # the group this fixture created (agent + its flow runs)
        except ProcessLookupError:
            pass
        if self.running():
            self.process.wait(timeout=SHUTDOWN_DEADLINE_S)


@pytest.fixture(scope="module")
def start_agent(project, tmp_path_factory):
    agents: list[Agent] = []
    log_dir = tmp_path_factory.mktemp("p2-agent-logs")

    def _start(work_queue: str) -> Agent:
        agent = Agent(project, work_queue, log_dir)
        agents.append(agent)
        return agent

    yield _start
    for agent in agents:
        agent.close()
