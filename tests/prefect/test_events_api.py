"""Events with the real client (issue 17): reading them back, streaming them, and automations across a restart.

7. POST /events/filter answers a deployment's runs' `prefect.flow-run.Scheduled` events (filtered by the
   related deployment), pages through GET /events/filter/next, and POST /events/count-by/event counts them.
   Prefect's scheduler writes no events for the runs it makes, so the runs here are made over the API (as
   `prefect deployment run --start-in` does) for a deployment that also has an interval schedule.
6. `prefect events stream` (`--format json` and `--format text`) prints a flow run's events as they happen.
8. A threshold-2 automation sees one event, Baton restarts on the same data home, a second event fires it
   exactly once (Baton only: it needs a server the test can restart).
"""

from __future__ import annotations

import json
import signal
from datetime import datetime, timedelta, timezone

import pytest

from auto_helpers import (  # noqa: F401 (agent is a fixture)
    Agent,
    agent,
    automation_events,
    brief_event,
    read_events,
    related_by_role,
    uid,
    wait_a_moment,
    wait_for_events,
)
from conftest import BackgroundProcess, flow_env, prefect_executable
from helpers import get_json, post_json, wait_for

RUNS = 5
PAGE = 2
FIRE_DEADLINE_S = 20.0
STREAM_DEADLINE_S = 30.0


# ---------------------------------------------------------------------------------------------------------
# 7. Reading events back


@pytest.fixture
def scheduled_deployment(api):
    """A deployment with an interval schedule and RUNS runs made over the API, SCHEDULED two hours ahead."""
    r = api.post("flows/", json={"name": "baton-events-flow"})
    assert r.status_code in (200, 201), f"POST flows/ -> {r.status_code}: {r.text[:1000]}"  # 201 new, 200 known
    flow = r.json()
    anchor = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    schedule = {"schedule": {"interval": 3600, "anchor_date": anchor, "timezone": "UTC"}, "active": True}
    body = {"name": f"interval-{uid()}", "flow_id": flow["id"], "schedules": [schedule]}
    deployment = post_json(api, "deployments/", body, expect=201)
    later = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    state = {"type": "SCHEDULED", "state_details": {"scheduled_time": later}}
    runs = [
        post_json(api, f"deployments/{deployment['id']}/create_flow_run", {"state": state}, expect=201)
        for _ in range(RUNS)
    ]
    yield deployment, runs
    api.delete(f"deployments/{deployment['id']}")


def test_events_filter_pages_and_counts(api, scheduled_deployment):
    deployment, runs = scheduled_deployment
    run_resources = {f"prefect.flow-run.{r['id']}": r for r in runs}
    filt = {
        "event": {"name": ["prefect.flow-run.Scheduled"]},
        "resource": {"id": sorted(run_resources)},
        "related": {"id": [f"prefect.deployment.{deployment['id']}"]},
        "order": "ASC",
    }
    wait_for_events(api, filt, at_least=RUNS, what=f"the Scheduled events of {RUNS} runs")

    first = read_events(api, filt, limit=PAGE)
    assert first["total"] == RUNS and len(first["events"]) == PAGE, first
    pages, page = [first], first
    while page["next_page"]:
        assert "/events/filter/next?page-token=" in page["next_page"], page["next_page"]
        r = api.get(page["next_page"])
        assert r.status_code == 200, f"GET {page['next_page']} -> {r.status_code}: {r.text[:1000]}"
        page = r.json()
        assert page["total"] == RUNS, page
        pages.append(page)
        assert len(pages) <= RUNS, "next_page never ends"
    assert [len(p["events"]) for p in pages] == [2, 2, 1], [[brief_event(e) for e in p["events"]] for p in pages]
    events = [e for p in pages for e in p["events"]]
    assert len({e["id"] for e in events}) == RUNS, [brief_event(e) for e in events]
    occurred = [e["occurred"] for e in events]
    assert occurred == sorted(occurred), occurred

    seen = set()
    for e in events:
        resource = e["resource"]
        run = run_resources[resource["prefect.resource.id"]]
        seen.add(run["id"])
        assert e["event"] == "prefect.flow-run.Scheduled", brief_event(e)
        assert resource["prefect.resource.name"] == run["name"], resource
        assert resource["prefect.state-type"] == "SCHEDULED" and resource["prefect.state-name"] == "Scheduled", resource
        roles = related_by_role(e)
        assert roles.get("deployment") == [f"prefect.deployment.{deployment['id']}"], brief_event(e)
        assert roles.get("flow") == [f"prefect.flow.{deployment['flow_id']}"], brief_event(e)
        assert e["payload"]["validated_state"]["type"] == "SCHEDULED", e["payload"]
        assert e["payload"]["intended"]["to"] == "SCHEDULED", e["payload"]
    assert seen == {r["id"] for r in runs}

    counts = post_json(api, "events/count-by/event", {"filter": {k: v for k, v in filt.items() if k != "event"}})
    assert [(c["value"], c["label"], c["count"]) for c in counts] == [
        ("prefect.flow-run.Scheduled", "prefect.flow-run.Scheduled", RUNS)
    ], counts
    assert counts[0]["start_time"] <= counts[0]["end_time"], counts


# ---------------------------------------------------------------------------------------------------------
# 6. prefect events stream


def run_events(lines: list[dict], run_id: str) -> list[str]:
    return [e["event"] for e in lines if e.get("resource", {}).get("prefect.resource.id") == f"prefect.flow-run.{run_id}"]


def json_lines(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def test_events_stream_shows_a_runs_events(baton, agent, run_flow, tmp_path):
    home = tmp_path / "stream-home"
    home.mkdir()
    env = flow_env(baton.api_url, home, {"COLUMNS": "250", "NO_COLOR": "1"})
    # (`--output-file` is not used: the 3.9.1 CLI fails on it before it writes anything.)
    streams = [
        BackgroundProcess([str(prefect_executable()), "events", "stream", "--format", fmt], env, tmp_path, tmp_path, fmt)
        for fmt in ("json", "text")
    ]
    try:
        # Pings until both streams print one: from then on both are subscribed.
        batch = uid()
        ping_ids: list[str] = []

        def subscribed():
            for s in streams:
                assert s.running(), s.describe()
            ping_ids.append(agent.emit("baton.stream.ping", {"prefect.resource.id": f"baton.stream.{batch}"}))
            in_json = {e.get("id") for e in json_lines(streams[0].stdout())} & set(ping_ids)
            in_text = f" baton.stream.ping baton.stream.{batch}" in streams[1].stdout()
            return in_json and in_text

        wait_for(subscribed, timeout=STREAM_DEADLINE_S, interval=1.0, what="both streams printing a ping")

        result = run_flow("trivial_flow.py")
        assert result.returncode == 0, result.describe()
        run_id = result.field("FLOW_RUN_ID")
        wanted = ["prefect.flow-run.Pending", "prefect.flow-run.Running", "prefect.flow-run.Completed"]

        def streamed():
            seen = run_events(json_lines(streams[0].stdout()), run_id)
            assert [e for e in wanted if e in seen] == wanted, seen
            text = streams[1].stdout()
            for name in wanted:
                assert f" {name} prefect.flow-run.{run_id}" in text, text[-2000:]
            return seen

        seen = wait_for(streamed, timeout=STREAM_DEADLINE_S, interval=0.5, what="the run's events in both streams")
        assert [e for e in seen if e in wanted] == wanted, f"out of order: {seen}"
        assert "Subscribing to event stream" in streams[1].stdout(), streams[1].describe()
    finally:
        codes = [s.stop(signal.SIGINT) for s in streams]
        for s in streams:
            s.close()
    assert None not in codes, f"prefect events stream did not stop on SIGINT: exit codes {codes}"


# ---------------------------------------------------------------------------------------------------------
# 8. A threshold across a restart


def test_threshold_counts_across_a_restart(baton_factory, tmp_path):
    home = tmp_path / "baton-home"
    home.mkdir()
    server = baton_factory(args=["--no-worker"], home=home, baton_only=True)
    batch = uid()
    resource = {"prefect.resource.id": f"sensor.restart.{batch}"}
    trigger = {"expect": ["sensor.reading"], "match": resource, "posture": "Reactive", "threshold": 2, "within": 60}

    (tmp_path / "agent1").mkdir()
    agent1 = Agent(server, tmp_path / "agent1")
    try:
        automation_id = agent1.call(
            "create", name=f"restart-threshold-{batch}", trigger=trigger, actions=[{"type": "do-nothing"}]
        )["id"]
        first = agent1.emit("sensor.reading", resource)
    finally:
        agent1.close()
    with server.client() as api:
        wait_for_events(api, {"id": {"id": [first]}}, what="the first reading stored")
        assert automation_events(api, automation_id, "prefect.automation.triggered") == []

    baton_factory.stop(server)
    server = baton_factory(args=["--no-worker"], home=home, baton_only=True)
    (tmp_path / "agent2").mkdir()
    agent2 = Agent(server, tmp_path / "agent2")
    try:
        second = agent2.emit("sensor.reading", resource)
    finally:
        agent2.close()
    with server.client() as api:
        assert get_json(api, f"automations/{automation_id}")["enabled"] is True

        def fired():
            events = automation_events(api, automation_id, "prefect.automation.action.executed")
            assert events, [brief_event(e) for e in automation_events(api, automation_id)]
            return events

        wait_for(fired, timeout=FIRE_DEADLINE_S, interval=0.3, what="the automation firing after the restart")
        wait_a_moment(2.0)
        triggered = automation_events(api, automation_id, "prefect.automation.triggered")
        executed = automation_events(api, automation_id, "prefect.automation.action.executed")
        assert len(triggered) == 1 and len(executed) == 1, [brief_event(e) for e in automation_events(api, automation_id)]
        assert triggered[0]["payload"]["triggering_event"]["id"] == second, (first, second, triggered[0]["payload"])
