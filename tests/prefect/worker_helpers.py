"""Helpers for the worker tests (in-process worker, Prefect's own worker, prefect.yaml deploys)."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import httpx

from helpers import brief_run, get_json, log_messages, wait_for

FLOWS_DIR = Path(__file__).resolve().parent / "flows"
WORKER_PROJECT = FLOWS_DIR / "worker_project"
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
UUID_RE = re.compile(r"UUID: ([0-9a-f-]{36})")


class RunEnded(Exception):
    """A run reached a terminal state other than the awaited one (not an AssertionError, so `wait_for`
    stops at once instead of waiting out its deadline)."""


def copy_project(dest: Path, source: Path = WORKER_PROJECT) -> Path:
    """A private copy of a project directory (the deployment's working directory points at it)."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def parse_time(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def run_id_from(stdout: str) -> str:
    m = UUID_RE.search(stdout)
    assert m, f"no 'UUID: <id>' line in the output of `prefect deployment run`:\n{stdout}"
    return m.group(1)


def wait_for_run(
    api: httpx.Client, run_id: str, want: set[str] | str, *, timeout: float, context=lambda: ""
) -> dict:
    """Poll GET /flow_runs/{id} until its state type is in `want`. A different terminal state fails at
    once, quoting the run, its logs and `context()` (e.g. a worker's output)."""
    want = {want} if isinstance(want, str) else set(want)

    def probe():
        run = get_json(api, f"flow_runs/{run_id}")
        state = (run.get("state") or {}).get("type")
        if state in want:
            return run
        if state in TERMINAL:
            raise RunEnded(
                f"flow run {run_id} ended {state} (waiting for {sorted(want)}): {brief_run(run)} "
                f"message={run['state'].get('message')!r}\nlogs: {log_messages(api, run_id)}\n{context()}"
            )
        assert False, brief_run(run)

    try:
        return wait_for(probe, timeout=timeout, interval=0.3, what=f"flow run {run_id} to be {sorted(want)}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nlogs: {log_messages(api, run_id)}\n{context()}") from None


def task_runs_of(api: httpx.Client, run_id: str) -> list[dict]:
    r = api.post("task_runs/filter", json={"flow_runs": {"id": {"any_": [run_id]}}})
    assert r.status_code == 200, f"POST task_runs/filter -> {r.status_code}: {r.text[:1000]}"
    return r.json()


def process_gone(pid: int) -> bool:
    """True when no process has this PID any more, or only a zombie is left (its parent, which is not
    us, has not reaped it yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    # The state is the field after the parenthesised command name.
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")
