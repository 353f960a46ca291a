"""Running a Baton server process for the Python suites (tests/prefect and tests/prefect2).

Prefect-independent on purpose: stdlib, httpx and pytest only, so the Prefect 3 venv
(target/prefect-venv) and the Prefect 2 venv (target/prefect2-venv) share it. Each suite's
conftest.py puts tests/ on sys.path and imports it; the fixtures themselves stay in the conftests.

BATON_BIN overrides the server binary (default: target/debug/baton).
BATON_TEST_API_URL points the suites at a server that is already running instead of starting Baton.

Every wait has a deadline; only loopback addresses are used; only the processes started here are
stopped, by their PID.
"""

from __future__ import annotations

import hashlib
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
API_URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)/api")

STARTUP_DEADLINE_S = 20.0
SHUTDOWN_DEADLINE_S = 10.0


def baton_bin() -> Path:
    return Path(os.environ.get("BATON_BIN") or REPO / "target" / "debug" / "baton")


def external_api_url() -> "str | None":
    """BATON_TEST_API_URL, when the suite runs against a server that is already running."""
    return os.environ.get("BATON_TEST_API_URL") or None


def env_without_prefect() -> dict[str, str]:
    """This process's environment without any PREFECT_* variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}


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
        return "\n".join(list(self.output)[-n:])


def external_server(api_url: str, home: Path) -> BatonServer:
    """The server at `api_url` (BATON_TEST_API_URL), not started nor stopped by the tests."""
    return BatonServer(api_url=api_url.rstrip("/"), process=None, home=home)


def _drain(stream, sink: deque, tag: str, lines: "queue.Queue[str | None] | None") -> None:
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


def postgres_args(home: Path, args: "list[str] | tuple[str, ...]") -> "list[str]":
    """`--database URL` when BATON_TEST_DATABASE_URL names a PostgreSQL server (the test command's
    PostgreSQL run): one database per data dir, made on first use, so a server restarted on the same home
    finds its data as it would in its SQLite file."""
    admin = os.environ.get("BATON_TEST_DATABASE_URL", "")
    if not admin or "--database" in args:
        return []
    name = "h_" + hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:24]
    psql = shutil.which("psql") or str(Path(os.environ.get("BATON_PG_BIN", "")) / "psql")
    exists = subprocess.run(
        [psql, "-X", "-A", "-t", admin, "-c", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(
            [psql, "-X", "-q", admin, "-c", f"CREATE DATABASE {name}"],
            capture_output=True, text=True, check=True, timeout=60,
        )
    return ["--database", admin.rsplit("/", 1)[0] + "/" + name]


def start_baton(
    home: Path, args: "list[str] | tuple[str, ...]" = (), env: "dict[str, str] | None" = None
) -> BatonServer:
    """Start `baton serve` on a free loopback port (it prints its API URL on stdout). `args` are extra
    `serve` arguments (`--pool P`, `--no-worker`…); `env` is added to the environment (which otherwise
    has no PREFECT_* variables)."""
    binary = baton_bin()
    if not binary.exists():
        pytest.fail(
            f"Baton binary not found at {binary}: build it (cargo build) or set BATON_BIN",
            pytrace=False,
        )
    child_env = env_without_prefect()
    child_env.update(env or {})
    args = [*args, *postgres_args(home, args)]
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
    """SIGTERM, then wait up to SHUTDOWN_DEADLINE_S (SIGKILL and AssertionError after). Returns the exit code."""
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


def stop_baton_cleanly(server: BatonServer) -> None:
    """`stop_baton`, asserting that Baton exited with code 0."""
    code = stop_baton(server)
    assert code == 0, f"Baton exited with code {code} after SIGTERM. Output:\n" + server.output_tail()


def module_server(home: Path, active: "list[BatonServer]") -> Iterator[BatonServer]:
    """The body of a module-scoped server fixture (`yield from module_server(home, active)`): Baton
    started on `home` and listed in `active` while it runs, then stopped (asserting exit code 0); or
    the server at BATON_TEST_API_URL, left alone."""
    external = external_api_url()
    if external:
        yield external_server(external, home)
        return
    server = start_baton(home)
    active.append(server)
    try:
        yield server
    finally:
        active.remove(server)
        stop_baton_cleanly(server)


def attach_server_output(rep, servers: "list[BatonServer]") -> None:
    """For a `pytest_runtest_makereport` hook: add the servers' output to a failing report."""
    if rep.failed:
        for server in servers:
            rep.sections.append((f"baton server output ({server.api_url})", server.output_tail(300)))


# ---------------------------------------------------------------------------
# Child processes and bounded waits


def timeout_output(exc: subprocess.TimeoutExpired) -> "tuple[str, str]":
    """The (stdout, stderr) captured before a `subprocess.run` timed out, as text."""

    def text(data: Any) -> str:
        return data.decode(errors="replace") if isinstance(data, bytes) else (data or "")

    return text(exc.stdout), text(exc.stderr)


def run_bounded(
    argv: "list[str]",
    *,
    env: "dict[str, str]",
    cwd: "str | Path",
    timeout: float,
    what: str,
    stderr_tail: int = 10000,
    more: "Callable[[], str] | None" = None,
) -> "subprocess.CompletedProcess[str]":
    """`subprocess.run` with no stdin, output captured as text, and a deadline: on timeout an
    AssertionError saying `what` did not finish, quoting the output's tails (and `more()`, if given)."""
    try:
        return subprocess.run(
            argv,
            env=env,
            cwd=str(cwd),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        out, err = timeout_output(exc)
        raise AssertionError(
            f"{what} did not finish within {timeout:.0f}s\n--- stdout ---\n{out[-6000:]}"
            f"\n--- stderr ---\n{err[-stderr_tail:]}" + (more() if more else "")
        ) from None


class Fatal(Exception):
    """Raised by a `wait_for` probe when waiting longer cannot help (the agent died, the run failed)."""


def wait_for(probe: Callable[[], Any], *, timeout: float, interval: float, what: str) -> Any:
    """Call `probe` until it returns a truthy value or `timeout` seconds pass (then AssertionError
    quoting the last value or error). A probe may assert to explain itself; a probe raising `Fatal`
    ends the wait at once (AssertionError)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    last_exc: "BaseException | None" = None
    while True:
        try:
            last = probe()
            last_exc = None
            if last:
                return last
        except Fatal as exc:
            raise AssertionError(f"gave up waiting for {what}: {exc}") from None
        except (AssertionError, httpx.HTTPError) as exc:
            last_exc = exc
        if time.monotonic() >= deadline:
            detail = f"last error: {type(last_exc).__name__}: {last_exc}" if last_exc else f"last value: {last!r}"
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; {detail}")
        time.sleep(interval)
