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
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

# tests/ holds baton_proc.py, the server-process machinery shared with tests/prefect.
sys.path.append(str(Path(__file__).resolve().parents[1]))

from baton_proc import (  # noqa: E402
    SHUTDOWN_DEADLINE_S,
    BatonServer,
    attach_server_output,
    env_without_prefect,
    module_server,
    run_bounded,
)

Server = BatonServer  # this suite's name for it

FLOWS_DIR = Path(__file__).resolve().parent / "flows"
RECORD_DIR = Path(__file__).resolve().parent / "record"

SCRIPT_TIMEOUT_S = 90.0
CLI_TIMEOUT_S = 60.0
AGENT_STOP_DEADLINE_S = 15.0

_ACTIVE: list[Server] = []


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A Baton server with a fresh home, one per test module (or the server at BATON_TEST_API_URL)."""
    yield from module_server(tmp_path_factory.mktemp("baton-home"), _ACTIVE)


@pytest.fixture(scope="module")
def api(server):
    with server.client() as client:
        yield client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    attach_server_output(outcome.get_result(), _ACTIVE)


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
        env = env_without_prefect()
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
    proc = run_bounded(
        [str(a) for a in argv], env=env, cwd=cwd, timeout=timeout, what=" ".join(map(str, argv))
    )
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
