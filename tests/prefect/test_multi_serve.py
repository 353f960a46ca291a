"""Walkthrough 3: `serve(slow.to_deployment(name="sleeper", interval=45), fast.to_deployment(name="fast"))`
serves two deployments from one process; their runs execute as `python -m prefect.engine` children."""

from __future__ import annotations

import re

import pytest

from helpers import brief_run, get_json, is_uuid, log_messages, wait_for

REGISTER_DEADLINE_S = 45.0
RUN_DEADLINE_S = 60.0
STOP_DEADLINE_S = 30.0


class ServeDied(Exception):
    """Not an AssertionError, so wait_for stops at once."""


def _alive(proc):
    if not proc.running():
        raise ServeDied(f"the serve script exited early\n{proc.describe()}")


@pytest.fixture(scope="module")
def served(api, start_serve):
    proc = start_serve("multi_serve.py")

    def both():
        _alive(proc)
        found = {}
        for flow, name in (("slow-flow", "sleeper"), ("fast-flow", "fast")):
            r = api.get(f"deployments/name/{flow}/{name}")
            assert r.status_code == 200, f"{flow}/{name} -> {r.status_code}: {r.text[:300]}"
            found[name] = r.json()
            assert found[name]["paused"] is False, (name, found[name]["paused"])
        return found

    try:
        deployments = wait_for(both, timeout=REGISTER_DEADLINE_S, interval=0.5, what="both deployments")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{proc.describe()}") from None
    return proc, deployments


def test_both_deployments_registered(served):
    _, deps = served
    sleeper, fast = deps["sleeper"], deps["fast"]
    assert sleeper["id"] != fast["id"] and is_uuid(sleeper["id"]) and is_uuid(fast["id"])
    assert sleeper["flow_id"] != fast["flow_id"]
    assert sleeper["entrypoint"] == "multi_serve.py:slow", sleeper["entrypoint"]
    assert fast["entrypoint"] == "multi_serve.py:fast", fast["entrypoint"]
    assert sleeper["path"] == "." and fast["path"] == ".", (sleeper["path"], fast["path"])

    assert len(sleeper["schedules"]) == 1, sleeper["schedules"]
    sched = sleeper["schedules"][0]["schedule"]
    assert sched["interval"] == 45.0, sched
    assert "anchor_date" in sched and sched.get("timezone") == "UTC", sched
    assert fast["schedules"] == [], fast["schedules"]


def test_fast_deployment_run_completes(api, served, prefect_cli):
    proc, deps = served
    result = prefect_cli("deployment", "run", "fast-flow/fast")
    assert result.returncode == 0, result.describe()
    m = re.search(r"UUID: ([0-9a-f-]{36})", result.stdout)
    assert m, result.describe()
    run_id = m.group(1)

    def completed():
        _alive(proc)
        run = get_json(api, f"flow_runs/{run_id}")
        assert run["state_type"] == "COMPLETED", brief_run(run)
        return run

    try:
        run = wait_for(completed, timeout=RUN_DEADLINE_S, interval=0.5, what="fast-flow/fast run COMPLETED")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{proc.describe()}") from None
    assert run["deployment_id"] == deps["fast"]["id"], brief_run(run)
    wait_for(
        lambda: "BATON-FAST ran" in log_messages(api, run_id),
        timeout=20,
        what="the fast flow's print() line in its logs",
    )


def test_sigint_pauses_both(api, served):
    proc, deps = served
    code = proc.interrupt(STOP_DEADLINE_S)
    assert code is not None, f"serve still running {STOP_DEADLINE_S:.0f}s after SIGINT\n{proc.describe()}"
    assert code == 0, proc.describe()
    for name, d in deps.items():
        assert get_json(api, f"deployments/{d['id']}")["paused"] is True, name
