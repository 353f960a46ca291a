"""Events and automations with the real client (issue 17): automations made with `prefect.automations`.

1. When a run of deployment A fails, a run-deployment action runs deployment B with parameters rendered from
   the event and the flow run (Jinja); the `prefect.automation.action.executed` event names the automation,
   the triggering event and the run it started.
2. A proactive trigger (`after` Running, `expect` Completed, per flow run, within 10 s) cancels a 60 s run
   at about 10 s.
3. A threshold trigger (3 events within 10 s) fires once on the third event, not on the first two.

Deployments run in a `serve(...)` process (flows/automation_flows.py), which works against Baton and
Prefect's server alike. Notifications, webhooks and the CLI are in test_automation_actions.py; the events
API and a restart in test_events_api.py.
"""

from __future__ import annotations

from auto_helpers import (  # noqa: F401 (agent, automations, served are fixtures)
    agent,
    automation_events,
    automations,
    brief_event,
    related_by_role,
    served,
    start_run,
    uid,
    wait_a_moment,
    wait_for_action,
    wait_for_events,
)
from helpers import brief_run, deployment_runs, get_json, wait_for
from worker_helpers import parse_time, wait_for_run

RUN_DEADLINE_S = 60.0
# From A's failure to B's run: the server must create it at once (Prefect: 0.05 s). Starting it is up to the
# serve process, which polls every second and starts a Python process (Prefect: 2 s on an idle machine).
CREATED_BOUND_S = 5.0
STARTED_BOUND_S = 10.0


def failure_to_run_automation(a: dict, b: dict, name: str) -> tuple[dict, list[dict]]:
    trigger = {
        "expect": ["prefect.flow-run.Failed"],
        "match": {"prefect.resource.id": "prefect.flow-run.*"},
        "match_related": {"prefect.resource.id": f"prefect.deployment.{a['id']}"},
        "posture": "Reactive",
        "threshold": 1,
    }
    actions = [
        {
            "type": "run-deployment",
            "deployment_id": b["id"],
            "parameters": {
                "source": "{{ flow_run.name }}",
                "note": "{{ event.event }} of {{ event.resource.name }} ({{ flow_run.state.name }})",
            },
        }
    ]
    return trigger, actions


def test_failed_run_starts_another_deployment(api, served, automations):
    a, b = served["doomed"], served["echo"]
    name = f"rerun-on-failure-{uid()}"
    automation_id = automations.create(name, *failure_to_run_automation(a, b, name))
    automation = get_json(api, f"automations/{automation_id}")
    assert automation["name"] == name and automation["enabled"] is True, automation
    assert automation["trigger"]["expect"] == ["prefect.flow-run.Failed"], automation["trigger"]
    assert automation["actions"][0]["type"] == "run-deployment", automation["actions"]

    run_a = start_run(api, a)
    context = served["process"].describe
    failed = wait_for_run(api, run_a["id"], "FAILED", timeout=RUN_DEADLINE_S, context=context)
    failed_at = parse_time(failed["state"]["timestamp"])

    def b_run():
        runs = [r for r in deployment_runs(api, b["id"]) if r["parameters"].get("source") == run_a["name"]]
        assert runs, [(brief_run(r), r["parameters"]) for r in deployment_runs(api, b["id"])[-5:]]
        return runs

    runs = wait_for(b_run, timeout=RUN_DEADLINE_S, interval=0.2, what=f"a run of {b['name']} for {run_a['name']}")
    assert len(runs) == 1, [(brief_run(r), r["parameters"]) for r in runs]
    run_b = runs[0]
    assert run_b["parameters"] == {
        "source": run_a["name"],
        "note": f"prefect.flow-run.Failed of {run_a['name']} (Failed)",
    }, run_b["parameters"]
    created_after = (parse_time(run_b["created"]) - failed_at).total_seconds()
    assert created_after <= CREATED_BOUND_S, f"B's run was created {created_after:.1f}s after A failed"

    done = wait_for_run(api, run_b["id"], "COMPLETED", timeout=RUN_DEADLINE_S, context=context)
    started_after = (parse_time(done["start_time"]) - failed_at).total_seconds()
    print(f"\nB's run created {created_after:.2f}s and started {started_after:.2f}s after A failed")
    assert started_after <= STARTED_BOUND_S, f"B's run started {started_after:.1f}s after A failed"

    # The server says what it did: an action.executed event about the automation, naming the triggering event
    # (A's Failed event) and the run it started.
    failed_events = wait_for_events(
        api,
        {"event": {"name": ["prefect.flow-run.Failed"]}, "resource": {"id": [f"prefect.flow-run.{run_a['id']}"]}},
        what=f"the Failed event of {run_a['name']}",
    )
    assert len(failed_events) == 1, [brief_event(e) for e in failed_events]
    failed_event = failed_events[0]
    assert failed_event["resource"]["prefect.resource.name"] == run_a["name"], failed_event["resource"]
    assert failed_event["resource"]["prefect.state-type"] == "FAILED", failed_event["resource"]
    assert f"prefect.deployment.{a['id']}" in related_by_role(failed_event).get("deployment", []), brief_event(
        failed_event
    )

    events = wait_for_action(api, automation_id)
    assert len(events) == 1, [brief_event(e) for e in events]
    event = events[0]
    assert event["resource"]["prefect.resource.id"] == f"prefect.automation.{automation_id}", event["resource"]
    assert event["resource"]["prefect.resource.name"] == name, event["resource"]
    assert event["payload"]["action_type"] == "run-deployment" and event["payload"]["action_index"] == 0, event
    roles = related_by_role(event)
    assert roles.get("triggering-event") == [f"prefect.event.{failed_event['id']}"], brief_event(event)
    assert roles.get("flow-run") == [f"prefect.flow-run.{run_b['id']}"], brief_event(event)
    assert roles.get("target") == [f"prefect.deployment.{b['id']}"], brief_event(event)

    # The automation-triggered-event the action names is the automation's own `prefect.automation.triggered`.
    triggered = automation_events(api, automation_id, "prefect.automation.triggered")
    assert len(triggered) == 1, [brief_event(e) for e in automation_events(api, automation_id)]
    assert roles.get("automation-triggered-event") == [f"prefect.event.{triggered[0]['id']}"], brief_event(event)
    assert triggered[0]["payload"]["triggering_event"]["id"] == failed_event["id"], triggered[0]["payload"]


# ---------------------------------------------------------------------------------------------------------
# 2. Proactive: a run that does not complete within 10 s of starting is cancelled

PROACTIVE_WITHIN_S = 10
CANCEL_EARLIEST_S = 8.0
CANCEL_LATEST_S = 30.0


def test_proactive_trigger_cancels_a_long_run(api, served, automations):
    c = served["sleeper"]
    name = f"cancel-slow-runs-{uid()}"
    trigger = {
        "after": ["prefect.flow-run.Running"],
        "expect": ["prefect.flow-run.Completed"],
        "match": {"prefect.resource.id": "prefect.flow-run.*"},
        "match_related": {"prefect.resource.id": f"prefect.deployment.{c['id']}"},
        "for_each": ["prefect.resource.id"],
        "posture": "Proactive",
        "threshold": 1,
        "within": PROACTIVE_WITHIN_S,
    }
    automation_id = automations.create(name, trigger, [{"type": "cancel-flow-run"}])
    assert get_json(api, f"automations/{automation_id}")["trigger"]["posture"] == "Proactive"

    run = start_run(api, c, {"seconds": 60})
    context = served["process"].describe
    running = wait_for_run(api, run["id"], {"RUNNING", "CANCELLING", "CANCELLED"}, timeout=RUN_DEADLINE_S, context=context)
    started = parse_time(running["start_time"])
    ended = wait_for_run(api, run["id"], "CANCELLED", timeout=RUN_DEADLINE_S, context=context)
    after = (parse_time(ended["state"]["timestamp"]) - started).total_seconds()
    print(f"\nthe 60 s run was CANCELLED {after:.1f}s after it started")
    assert CANCEL_EARLIEST_S <= after <= CANCEL_LATEST_S, (
        f"CANCELLED {after:.1f}s after it started, expected about {PROACTIVE_WITHIN_S}s: {brief_run(ended)}"
    )

    # The automation asked for it: the Cancelling event's state message names the automation.
    cancelling = wait_for_events(
        api,
        {"event": {"name": ["prefect.flow-run.Cancelling"]}, "resource": {"id": [f"prefect.flow-run.{run['id']}"]}},
        what="the run's Cancelling event",
    )
    assert automation_id in cancelling[0]["resource"].get("prefect.state-message", ""), cancelling[0]["resource"]

    events = wait_for_action(api, automation_id)
    assert len(events) == 1, [brief_event(e) for e in events]
    assert events[0]["payload"]["action_type"] == "cancel-flow-run", events[0]
    assert related_by_role(events[0]).get("target") == [f"prefect.flow-run.{run['id']}"], brief_event(events[0])
    triggered = automation_events(api, automation_id, "prefect.automation.triggered")
    assert len(triggered) == 1, [brief_event(e) for e in automation_events(api, automation_id)]
    assert triggered[0]["resource"].get("prefect.posture") == "Proactive", triggered[0]["resource"]
    payload = triggered[0]["payload"]
    assert payload["triggering_labels"] == {"prefect.resource.id": f"prefect.flow-run.{run['id']}"}, payload
    # No event triggers a proactive automation: the one it names is the last it saw, the run's Running.
    assert payload["triggering_event"]["event"] == "prefect.flow-run.Running", payload
    assert payload["triggering_event"]["resource"]["prefect.resource.id"] == f"prefect.flow-run.{run['id']}", payload


# ---------------------------------------------------------------------------------------------------------
# 3. Threshold: 3 events within 10 s fire once; 2 do not

SETTLE_S = 2.0


def threshold_automation(automations, batch: str) -> str:
    trigger = {
        "expect": ["sensor.reading"],
        "match": {"prefect.resource.id": "sensor.7", "batch": batch},
        "posture": "Reactive",
        "threshold": 3,
        "within": 10,
    }
    return automations.create(f"sensor-threshold-{batch}", trigger, [{"type": "do-nothing"}])


def test_threshold_fires_on_the_third_event_only(api, agent, automations):
    """Two automations alike but for their resources' `batch` label: `twice` gets 2 readings, `thrice` 3, all
    within a second or two. `thrice` fires exactly once, on its third reading; `twice` never fires (checked
    once `thrice` has fired: the server has seen the earlier readings by then)."""
    twice_batch, thrice_batch = uid(), uid()
    twice = threshold_automation(automations, twice_batch)
    thrice = threshold_automation(automations, thrice_batch)

    emitted = {}
    for batch, n in ((twice_batch, 2), (thrice_batch, 3)):
        resource = {"prefect.resource.id": "sensor.7", "batch": batch}
        emitted[batch] = [agent.emit("sensor.reading", resource, payload={"value": i}) for i in range(n)]

    wait_for_action(api, thrice)  # the automation that saw 3 readings
    for batch, ids in emitted.items():
        wait_for_events(
            api,
            {"event": {"name": ["sensor.reading"]}, "resource": {"labels": {"batch": batch}}},
            at_least=len(ids),
            what=f"the {len(ids)} readings of batch {batch}",
        )
    wait_a_moment(SETTLE_S)

    fired_events = ("prefect.automation.triggered", "prefect.automation.action.executed")
    not_fired = automation_events(api, twice, *fired_events)
    assert not_fired == [], f"2 readings fired a threshold-3 automation: {[brief_event(e) for e in not_fired]}"
    triggered = automation_events(api, thrice, "prefect.automation.triggered")
    executed = automation_events(api, thrice, "prefect.automation.action.executed")
    assert len(triggered) == 1 and len(executed) == 1, [brief_event(e) for e in automation_events(api, thrice)]
    third = emitted[thrice_batch][2]
    assert triggered[0]["payload"]["triggering_event"]["id"] == third, (emitted, triggered[0]["payload"])
    assert related_by_role(executed[0]).get("triggering-event") == [f"prefect.event.{third}"], brief_event(
        executed[0]
    )
    assert executed[0]["payload"]["action_type"] == "do-nothing", executed[0]
    assert executed[0]["resource"]["prefect.resource.id"] == f"prefect.automation.{thrice}", executed[0]
