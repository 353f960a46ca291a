"""Small HTTP helpers shared by the tests (plain httpx, no Prefect client)."""

from __future__ import annotations

import uuid
from typing import Any, Callable

import baton_proc  # tests/baton_proc.py, on sys.path by conftest.py
import httpx


def is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


def get_json(api: httpx.Client, path: str, expect: int = 200) -> Any:
    r = api.get(path)
    assert r.status_code == expect, f"GET {path} -> {r.status_code}: {r.text[:2000]}"
    return r.json()


def post_json(api: httpx.Client, path: str, body: Any, expect: int = 200) -> Any:
    r = api.post(path, json=body)
    assert r.status_code == expect, (
        f"POST {path} {body!r} -> {r.status_code}: {r.text[:2000]}"
    )
    return r.json()


def brief_run(run: dict) -> dict:
    """The fields worth quoting in an assertion message."""
    keys = ("id", "name", "flow_id", "flow_run_id", "parent_task_run_id", "state_type",
            "state_name", "run_count", "task_key")
    out = {k: run.get(k) for k in keys if k in run}
    state = run.get("state") or {}
    out["state.type"] = state.get("type")
    return out


def wait_for(
    probe: Callable[[], Any],
    *,
    timeout: float = 10.0,
    interval: float = 0.2,
    what: str = "condition",
) -> Any:
    """Call `probe` until it returns a truthy value or `timeout` passes.

    Returns the truthy value. On timeout raises AssertionError quoting the last
    value (or exception) so a failure says what was seen (baton_proc.wait_for).
    """
    return baton_proc.wait_for(probe, timeout=timeout, interval=interval, what=what)


def deployment_runs(api: httpx.Client, deployment_id: str, *state_types: str) -> list[dict]:
    """The deployment's flow runs (at most 200), optionally only those of the given state types."""
    flow_runs: dict[str, Any] = {"deployment_id": {"any_": [deployment_id]}}
    if state_types:
        flow_runs["state"] = {"type": {"any_": list(state_types)}}
    return post_json(
        api, "flow_runs/filter", {"flow_runs": flow_runs, "sort": "EXPECTED_START_TIME_ASC", "limit": 200}
    )


def log_messages(api: httpx.Client, flow_run_id: str) -> list[str]:
    """A run's log lines, oldest first, without the worker's lines about the process's start and end
    (logger `baton.process`)."""
    logs = post_json(
        api,
        "logs/filter",
        {"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "sort": "TIMESTAMP_ASC"},
    )
    return [log["message"] for log in logs if log.get("name") != "baton.process"]


def wait_for_deployment(
    api: httpx.Client, flow_name: str, name: str, *, timeout: float = 45.0, what: str = ""
) -> dict:
    """Polls GET /deployments/name/{flow}/{name} until it answers 200."""

    def probe():
        r = api.get(f"deployments/name/{flow_name}/{name}")
        assert r.status_code == 200, f"-> {r.status_code}: {r.text[:500]}"
        return r.json()

    return wait_for(probe, timeout=timeout, interval=0.5, what=what or f"deployment {flow_name}/{name}")
