"""Walkthrough 2: `flow.serve(...)` registers a deployment, Baton schedules runs ahead for it, the serve
process executes a run created with `prefect deployment run`, and Ctrl-C pauses the deployment.
Serving the same script again updates the deployment in place."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

import pytest

from helpers import (
    brief_run,
    deployment_runs,
    get_json,
    is_uuid,
    log_messages,
    post_json,
    wait_for,
)

FLOW_NAME = "baton-serve-flow"
DEPLOYMENT = "my-first-deployment"
FULL_NAME = f"{FLOW_NAME}/{DEPLOYMENT}"
REGISTER_DEADLINE_S = 45.0
RUN_DEADLINE_S = 60.0
STOP_DEADLINE_S = 30.0
RESCHEDULE_DEADLINE_S = 20.0


class ServeDied(Exception):
    """Not an AssertionError, so wait_for stops at once instead of waiting out its deadline."""


def wait_until_registered(api, proc, check=lambda d: True, what="the deployment"):
    def probe():
        if not proc.running():
            raise ServeDied(f"the serve script exited early\n{proc.describe()}")
        r = api.get(f"deployments/name/{FLOW_NAME}/{DEPLOYMENT}")
        assert r.status_code == 200, f"GET deployments/name/{FULL_NAME} -> {r.status_code}: {r.text[:500]}"
        d = r.json()
        assert check(d), {k: d.get(k) for k in ("id", "paused", "updated", "schedules")}
        return d

    try:
        return wait_for(probe, timeout=REGISTER_DEADLINE_S, interval=0.5, what=what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{proc.describe()}") from None


def parse_time(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def scheduled(api, deployment_id):
    return deployment_runs(api, deployment_id, "SCHEDULED")


@pytest.fixture(scope="module")
def served(api, start_serve):
    proc = start_serve("serve_flow.py")
    # (Waiting for paused=false too keeps this right against a reused server, BATON_TEST_API_URL.)
    deployment = wait_until_registered(
        api, proc, check=lambda d: d["paused"] is False, what=f"{FULL_NAME} registered by flow.serve"
    )
    return proc, deployment


@pytest.fixture(scope="module")
def facts():
    """What earlier tests saw, for later ones."""
    return {}


def test_deployment_fields(served):
    _, d = served
    assert is_uuid(d["id"]) and is_uuid(d["flow_id"]), d
    assert d["name"] == DEPLOYMENT
    assert sorted(d["tags"]) == ["baton", "tutorial"], d["tags"]
    assert d["description"] == "Greets someone on a schedule.", d["description"]
    assert d["version"] == "tutorial/1.2", d["version"]
    assert d["paused"] is False, d["paused"]
    assert d["parameters"] == {"greeting": "howdy"}, d["parameters"]
    assert d["path"] == ".", d["path"]
    assert d["entrypoint"] == "serve_flow.py:greet", d["entrypoint"]
    assert d["enforce_parameter_schema"] is True, d["enforce_parameter_schema"]
    assert d["work_pool_name"] is None, d["work_pool_name"]

    assert len(d["schedules"]) == 1, d["schedules"]
    sched = d["schedules"][0]
    assert sched["schedule"]["cron"] == "* * * * *", sched
    assert sched["active"] is True, sched
    assert is_uuid(sched["id"]), sched

    schema = d["parameter_openapi_schema"]
    assert schema["type"] == "object", schema
    assert set(schema["properties"]) == {"name", "greeting"}, schema
    assert schema["properties"]["greeting"]["default"] == "hello", schema
    assert schema["properties"]["name"]["type"] == "string", schema


def test_deployment_readable_by_id(api, served):
    _, d = served
    by_id = get_json(api, f"deployments/{d['id']}")
    assert by_id["id"] == d["id"] and by_id["name"] == DEPLOYMENT, by_id
    flow = get_json(api, f"flows/{d['flow_id']}")
    assert flow["name"] == FLOW_NAME, flow


def test_scheduler_creates_runs_ahead(api, served, facts):
    _, d = served

    def enough():
        runs = scheduled(api, d["id"])
        assert len(runs) >= 3, [brief_run(r) for r in runs]
        return runs

    runs = wait_for(enough, timeout=15, what="at least 3 SCHEDULED runs for the cron deployment")
    # Every minute for at least an hour, at most 100 runs.
    assert 55 <= len(runs) <= 100, len(runs)
    for r in runs:
        assert r["deployment_id"] == d["id"], brief_run(r)
        assert r["flow_id"] == d["flow_id"], brief_run(r)
        assert r["state"]["type"] == "SCHEDULED", brief_run(r)
        assert r["auto_scheduled"] is True, brief_run(r)
        assert r["parameters"] == {"greeting": "howdy"}, (brief_run(r), r["parameters"])
    starts = sorted(parse_time(r["expected_start_time"]) for r in runs if r["state_name"] == "Scheduled")
    assert all(t.second == 0 and t.microsecond == 0 for t in starts), starts[:5]
    gaps = {b - a for a, b in zip(starts, starts[1:])}
    assert gaps == {timedelta(minutes=1)}, sorted(gaps)[:5]
    assert starts[-1] - starts[0] >= timedelta(minutes=55), (starts[0], starts[-1])
    facts["scheduled_before"] = len(runs)


def test_deployment_run_executes_on_serve(api, served, prefect_cli):
    proc, d = served
    result = prefect_cli("deployment", "run", FULL_NAME, "--param", "name=tester")
    assert result.returncode == 0, result.describe()
    m = re.search(r"UUID: ([0-9a-f-]{36})", result.stdout)
    assert m, result.describe()
    run_id = m.group(1)

    created = get_json(api, f"flow_runs/{run_id}")
    assert created["deployment_id"] == d["id"], brief_run(created)
    # The server merges the deployment's defaults under the --param values.
    assert created["parameters"] == {"greeting": "howdy", "name": "tester"}, created["parameters"]

    def completed():
        if not proc.running():
            raise ServeDied(f"the serve script exited\n{proc.describe()}")
        run = get_json(api, f"flow_runs/{run_id}")
        assert run["state_type"] == "COMPLETED", brief_run(run)
        return run

    try:
        run = wait_for(completed, timeout=RUN_DEADLINE_S, interval=0.5, what="the CLI-created run COMPLETED")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{proc.describe()}") from None
    assert run["parameters"] == {"greeting": "howdy", "name": "tester"}, run["parameters"]
    assert run["start_time"] and run["end_time"], brief_run(run)

    messages = wait_for(
        lambda: [m for m in log_messages(api, run_id) if "BATON-SERVED howdy tester" in m],
        timeout=20,
        what="the served run's print() line in its logs",
    )
    assert messages == ["BATON-SERVED howdy tester"], messages


def test_sigint_stops_serve_and_pauses_deployment(api, served):
    proc, d = served
    code = proc.interrupt(STOP_DEADLINE_S)
    assert code is not None, f"serve still running {STOP_DEADLINE_S:.0f}s after SIGINT\n{proc.describe()}"
    assert code == 0, proc.describe()
    after = get_json(api, f"deployments/{d['id']}")
    assert after["paused"] is True, (after["paused"], proc.describe())


def test_serving_again_updates_in_place(api, served, start_serve, facts):
    _, first = served
    before = get_json(api, f"deployments/{first['id']}")
    assert before["paused"] is True, "needs the SIGINT test first"

    proc = start_serve("serve_flow.py")
    facts["second_serve"] = proc
    # The re-registration is a PATCH that sets paused back to false.
    d = wait_until_registered(
        api, proc, check=lambda d: d["paused"] is False, what=f"{FULL_NAME} unpaused by the second serve"
    )
    assert d["id"] == first["id"], (d["id"], first["id"])
    assert d["flow_id"] == first["flow_id"]
    assert len(d["schedules"]) == 1, d["schedules"]
    assert d["schedules"][0]["schedule"]["cron"] == "* * * * *", d["schedules"]
    same_name = post_json(api, "deployments/filter", {"deployments": {"name": {"any_": [DEPLOYMENT]}}})
    assert [x["id"] for x in same_name] == [d["id"]], same_name


def test_serving_again_reschedules_without_duplicates(api, served, facts):
    _, d = served
    if "second_serve" not in facts:
        pytest.skip("needs the second serve")
    # Prefect's server re-schedules a deployment within seconds of an update (its recent-deployments
    # loop runs every 5 s). Wait until the SCHEDULED count is back and holds still.
    counts: list[int] = []

    def settled():
        counts.append(len(scheduled(api, d["id"])))
        assert len(counts) >= 2 and counts[-1] == counts[-2] >= 3, f"SCHEDULED counts so far: {counts}"
        return True

    wait_for(
        settled, timeout=RESCHEDULE_DEADLINE_S, interval=1.5, what="SCHEDULED runs again after the update"
    )
    runs = scheduled(api, d["id"])
    dupes = {t: n for t, n in Counter(r["expected_start_time"] for r in runs).items() if n > 1}
    assert not dupes, f"duplicate scheduled runs after the redeploy: {dupes}"
    before_n = facts.get("scheduled_before")
    if before_n is not None:
        # A minute or two has passed since, so a couple more may have been added at the far end.
        assert len(runs) <= before_n + 3, (before_n, len(runs))


def test_second_serve_stops_on_sigint(api, served, facts):
    _, d = served
    proc = facts.get("second_serve")
    if proc is None:
        pytest.skip("needs the second serve")
    code = proc.interrupt(STOP_DEADLINE_S)
    assert code == 0, f"exit code {code}\n{proc.describe()}"
    assert get_json(api, f"deployments/{d['id']}")["paused"] is True
