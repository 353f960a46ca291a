"""Walkthroughs 5 and 7: the real `prefect` CLI manages a deployment and its schedules, lists and
cancels flow runs and prints a run's logs. Each command's exit code is checked, then Baton's state."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helpers import brief_run, deployment_runs, get_json, is_uuid, log_messages, wait_for

FLOW_NAME = "baton-cli-flow"
DEPLOYMENT = "cli-dep"
FULL_NAME = f"{FLOW_NAME}/{DEPLOYMENT}"
LOG_LINE = "BATON-CLI says hi to the logs"


@pytest.fixture(scope="module")
def registered(api, run_flow):
    result = run_flow("register_deployment.py")
    assert result.returncode == 0, result.describe()
    dep_id, run_id = result.field("DEPLOYMENT_ID"), result.field("FLOW_RUN_ID")
    assert is_uuid(dep_id) and is_uuid(run_id), result.describe()
    return {"deployment_id": dep_id, "flow_run_id": run_id}


def deployment(api, registered):
    return get_json(api, f"deployments/{registered['deployment_id']}")


def schedules(api, registered):
    return deployment(api, registered)["schedules"]


def test_registered_by_apply(api, registered):
    d = deployment(api, registered)
    assert d["name"] == DEPLOYMENT and d["paused"] is False, d
    assert d["parameters"] == {"who": "the scheduler"}, d["parameters"]
    assert [s["schedule"]["cron"] for s in d["schedules"]] == ["0 0 * * *"], d["schedules"]


def test_deployment_ls(registered, prefect_cli):
    result = prefect_cli("deployment", "ls")
    assert result.returncode == 0, result.describe()
    assert FULL_NAME in result.stdout, result.describe()
    assert registered["deployment_id"] in result.stdout, result.describe()


def test_deployment_inspect(registered, prefect_cli):
    result = prefect_cli("deployment", "inspect", FULL_NAME, "-o", "json")
    assert result.returncode == 0, result.describe()
    shown = json.loads(result.stdout)
    assert shown["name"] == DEPLOYMENT and shown["id"] == registered["deployment_id"], shown
    assert shown["automations"] == [], shown["automations"]

    plain = prefect_cli("deployment", "inspect", FULL_NAME)
    assert plain.returncode == 0, plain.describe()
    assert f"'name': '{DEPLOYMENT}'" in plain.stdout, plain.describe()


def test_inspect_missing_deployment_fails(prefect_cli):
    result = prefect_cli("deployment", "inspect", f"{FLOW_NAME}/no-such-deployment")
    assert result.returncode == 1, result.describe()
    assert "not found" in result.stdout, result.describe()


def test_flow_run_cancel_scheduled_run(api, registered, prefect_cli):
    runs = wait_for(
        lambda: deployment_runs(api, registered["deployment_id"], "SCHEDULED"),
        timeout=15,
        what="auto-scheduled runs of the daily cron deployment",
    )
    target = runs[0]
    result = prefect_cli("flow-run", "cancel", target["id"])
    assert result.returncode == 0, result.describe()
    assert "successfully scheduled for cancellation" in result.stdout, result.describe()

    run = wait_for(
        lambda: (r := get_json(api, f"flow_runs/{target['id']}"))["state_type"] == "CANCELLED" and r,
        timeout=10,
        what="the SCHEDULED run CANCELLED",
    )
    assert run["state_name"] == "Cancelled", brief_run(run)


def test_flow_run_ls(registered, prefect_cli):
    result = prefect_cli("flow-run", "ls")
    assert result.returncode == 0, result.describe()
    assert registered["flow_run_id"] in result.stdout, result.describe()
    assert FLOW_NAME in result.stdout and "COMPLETED" in result.stdout, result.describe()
    assert "SCHEDULED" in result.stdout, result.describe()


def test_flow_run_logs(api, registered, prefect_cli):
    run_id = registered["flow_run_id"]
    wait_for(lambda: LOG_LINE in log_messages(api, run_id), timeout=15, what="the script run's logs")
    result = prefect_cli("flow-run", "logs", run_id)
    assert result.returncode == 0, result.describe()
    assert LOG_LINE in result.stdout, result.describe()
    line = next(x for x in result.stdout.splitlines() if LOG_LINE in x)
    assert "| INFO    |" in line, line


def test_schedule_ls(api, registered, prefect_cli):
    (sched,) = schedules(api, registered)
    result = prefect_cli("deployment", "schedule", "ls", FULL_NAME)
    assert result.returncode == 0, result.describe()
    assert sched["id"] in result.stdout, result.describe()
    assert "cron: 0 0 * * *" in result.stdout, result.describe()


@pytest.fixture(scope="module")
def facts():
    """What earlier tests saw, for later ones."""
    return {}


def test_schedule_create_cron_with_timezone(api, registered, prefect_cli, facts):
    before = {s["id"] for s in schedules(api, registered)}
    result = prefect_cli(
        "deployment", "schedule", "create", FULL_NAME, "--cron", "30 6 * * *", "--timezone", "Europe/Berlin"
    )
    assert result.returncode == 0, result.describe()
    assert "Created deployment schedule!" in result.stdout, result.describe()

    after = schedules(api, registered)
    new = [s for s in after if s["id"] not in before]
    assert len(after) == 2 and len(new) == 1, after
    created = new[0]
    assert created["schedule"]["cron"] == "30 6 * * *", created
    assert created["schedule"]["timezone"] == "Europe/Berlin", created
    assert created["schedule"].get("day_or", True) is True, created
    assert created["active"] is True, created
    facts["berlin_schedule_id"] = created["id"]


def test_scheduler_honours_the_timezone(api, registered, facts):
    if "berlin_schedule_id" not in facts:
        pytest.skip("needs the schedule created above")
    berlin = ZoneInfo("Europe/Berlin")

    def starts():
        runs = deployment_runs(api, registered["deployment_id"], "SCHEDULED")
        return [datetime.fromisoformat(r["expected_start_time"].replace("Z", "+00:00")) for r in runs]

    def berlin_runs():
        found = [t for t in starts() if (t.astimezone(berlin).hour, t.minute) == (6, 30)]
        assert len(found) >= 3, f"SCHEDULED runs start at {sorted(map(str, starts()))}"
        return found

    # Baton schedules at once; Prefect's own scheduler may take up to its 60 s loop.
    wait_for(berlin_runs, timeout=70, interval=1.0, what="3 runs at 06:30 Europe/Berlin")
    # Not 06:30 UTC: the timezone was applied, not dropped.
    assert not [t for t in starts() if (t.hour, t.minute) == (6, 30)], sorted(map(str, starts()))


def _schedule_by_id(api, registered, sid):
    found = [s for s in schedules(api, registered) if s["id"] == sid]
    return found[0] if found else None


def test_schedule_pause_and_resume(api, registered, prefect_cli):
    sid = next(s["id"] for s in schedules(api, registered) if s["schedule"]["cron"] == "0 0 * * *")

    paused = prefect_cli("deployment", "schedule", "pause", FULL_NAME, sid)
    assert paused.returncode == 0, paused.describe()
    assert _schedule_by_id(api, registered, sid)["active"] is False

    again = prefect_cli("deployment", "schedule", "pause", FULL_NAME, sid)
    assert again.returncode == 1 and "already inactive" in again.stdout, again.describe()

    resumed = prefect_cli("deployment", "schedule", "resume", FULL_NAME, sid)
    assert resumed.returncode == 0, resumed.describe()
    assert _schedule_by_id(api, registered, sid)["active"] is True


def test_schedule_delete(api, registered, prefect_cli):
    sid = next(s["id"] for s in schedules(api, registered) if s["schedule"]["cron"] == "0 0 * * *")
    result = prefect_cli("deployment", "schedule", "delete", FULL_NAME, sid, "-y")
    assert result.returncode == 0, result.describe()
    left = schedules(api, registered)
    assert sid not in {s["id"] for s in left}, left
    assert [s["schedule"]["cron"] for s in left] == ["30 6 * * *"], left


def test_schedule_clear(api, registered, prefect_cli):
    assert schedules(api, registered), "needs a schedule left to clear"
    result = prefect_cli("deployment", "schedule", "clear", FULL_NAME, "-y")
    assert result.returncode == 0, result.describe()
    assert schedules(api, registered) == []


def test_deployment_delete(api, registered, prefect_cli):
    result = prefect_cli("deployment", "delete", FULL_NAME)
    assert result.returncode == 0, result.describe()
    assert f"Deleted deployment '{FULL_NAME}'" in result.stdout, result.describe()
    r = api.get(f"deployments/{registered['deployment_id']}")
    assert r.status_code == 404, (r.status_code, r.text)
    r = api.get(f"deployments/name/{FULL_NAME}")
    assert r.status_code == 404, (r.status_code, r.text)
    # The finished script run outlives its (unrelated) deployment.
    assert get_json(api, f"flow_runs/{registered['flow_run_id']}")["state_type"] == "COMPLETED"
