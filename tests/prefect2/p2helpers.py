"""Small helpers for the Prefect 2 tests (plain httpx, bounded waits)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import baton_proc  # tests/baton_proc.py, on sys.path by conftest.py
import httpx
from baton_proc import Fatal  # noqa: F401  (the tests import it from here)

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def wait_for(probe: Callable[[], Any], *, timeout: float, interval: float = 0.25, what: str) -> Any:
    """Call `probe` until it returns a truthy value or `timeout` seconds pass (then AssertionError
    quoting the last value or error). A probe raising `Fatal` ends the wait at once (AssertionError)."""
    return baton_proc.wait_for(probe, timeout=timeout, interval=interval, what=what)


def get_json(api: httpx.Client, path: str) -> Any:
    r = api.get(path)
    assert r.status_code == 200, f"GET {path} -> {r.status_code}: {r.text[:2000]}"
    return r.json()


def post_json(api: httpx.Client, path: str, body: Any) -> Any:
    r = api.post(path, json=body)
    assert r.status_code in (200, 201), f"POST {path} {body!r} -> {r.status_code}: {r.text[:2000]}"
    return r.json()


def flow_run_state(api: httpx.Client, flow_run_id: str) -> "str | None":
    state = get_json(api, f"flow_runs/{flow_run_id}").get("state") or {}
    return state.get("type")


def deployment_by_name(api: httpx.Client, flow_name: str, deployment_name: str) -> dict:
    return get_json(api, f"deployments/name/{flow_name}/{deployment_name}")


def created_flow_run_id(output: str) -> str:
    """The flow run id printed by `prefect deployment run` ("└── UUID: ...")."""
    for line in output.splitlines():
        if "UUID:" in line:
            m = UUID_RE.search(line)
            if m:
                return m.group(0)
    raise AssertionError(f"no flow run UUID in the output of `prefect deployment run`:\n{output}")


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (Linux /proc)."""
    stat = Path(f"/proc/{pid}/stat")
    try:
        text = stat.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    # state is the field after the parenthesised command name
    return text.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
