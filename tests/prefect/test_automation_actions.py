"""Events and automations with the real client (issue 17): actions that reach outside, deployment triggers,
and the `prefect automation` CLI.

4. A send-notification action through a `CustomWebhookNotificationBlock`, and a call-webhook action through a
   `Webhook` block, reach an HTTP receiver on loopback with text rendered from the failed run.
5. A prefect.yaml deployment with `triggers:`: `prefect deploy` makes an automation owned by the deployment,
   and an event matching its trigger creates a run of it with parameters rendered from the event.
6. `prefect automation ls | inspect | pause | resume | delete`: exit codes, `enabled` in the API, and a paused
   automation does not fire.
"""

from __future__ import annotations

import json

from auto_helpers import (  # noqa: F401 (agent, automations, receiver, served are fixtures)
    agent,
    automation_events,
    automations,
    brief_event,
    receiver,
    related_by_role,
    served,
    start_run,
    uid,
    wait_a_moment,
    wait_for_action,
)
from conftest import run_prefect_cli
from helpers import brief_run, deployment_runs, get_json, wait_for
from worker_helpers import wait_for_run

RUN_DEADLINE_S = 60.0
DELIVERY_DEADLINE_S = 30.0
ACTION_EVENTS_DEADLINE_S = 20.0


def on_failure_of(deployment: dict) -> dict:
    return {
        "expect": ["prefect.flow-run.Failed"],
        "match": {"prefect.resource.id": "prefect.flow-run.*"},
        "match_related": {"prefect.resource.id": f"prefect.deployment.{deployment['id']}"},
        "posture": "Reactive",
        "threshold": 1,
    }


def fail_a_run(api, served) -> dict:
    run = start_run(api, served["doomed"])
    wait_for_run(api, run["id"], "FAILED", timeout=RUN_DEADLINE_S, context=served["process"].describe)
    return run


def delivered(receiver, path: str, automation_id: str, api):
    def probe():
        got = receiver.received(path)
        assert got, f"nothing at {path} yet; automation events: " + repr(
            [brief_event(e) | {"payload": e["payload"]} for e in automation_events(api, automation_id)]
        )
        return got

    return wait_for(probe, timeout=DELIVERY_DEADLINE_S, interval=0.2, what=f"a request at {receiver.url}{path}")


# ---------------------------------------------------------------------------------------------------------
# 4. Notifications and webhooks


def test_send_notification_through_a_custom_webhook_block(api, agent, served, automations, receiver):
    block_name = f"baton-notify-{uid()}"
    block_id = agent.call(
        "notification-block",
        name=block_name,
        webhook_name="baton-receiver",
        url=f"{receiver.url}/notify",
        json_data={"subject": "{{subject}}", "body": "{{body}}", "name": "{{name}}"},
    )["id"]
    action = {
        "type": "send-notification",
        "block_document_id": block_id,
        "subject": "Run {{ flow_run.name }} failed",
        "body": "{{ flow_run.name }} is {{ flow_run.state.name }}",
    }
    automation_id = automations.create(f"notify-on-failure-{uid()}", on_failure_of(served["doomed"]), [action])
    try:
        run = fail_a_run(api, served)
        requests = delivered(receiver, "/notify", automation_id, api)
    finally:
        api.delete(f"block_documents/{block_id}")
    assert len(requests) == 1, requests
    got = requests[0]
    assert got["method"] == "POST", got
    assert json.loads(got["body"]) == {
        "subject": f"Run {run['name']} failed",
        "body": f"{run['name']} is Failed",
        "name": "baton-receiver",
    }, got

    events = wait_for_action(api, automation_id)
    assert events[0]["payload"]["action_type"] == "send-notification", events[0]
    roles = related_by_role(events[0])
    assert roles.get("block") == [f"prefect.block-document.{block_id}"], brief_event(events[0])
    assert roles.get("block-type") == ["prefect.block-type.custom-webhook"], brief_event(events[0])


def test_call_webhook_posts_the_rendered_payload(api, agent, served, automations, receiver):
    block_name = f"baton-hook-{uid()}"
    block_id = agent.call(
        "webhook-block", name=block_name, url=f"{receiver.url}/hook", headers={"Content-Type": "application/json"}
    )["id"]
    action = {
        "type": "call-webhook",
        "block_document_id": block_id,
        "payload": '{"run": "{{ flow_run.name }}", "state": "{{ flow_run.state.name }}", "event": "{{ event.event }}"}',
    }
    automation_id = automations.create(f"hook-on-failure-{uid()}", on_failure_of(served["doomed"]), [action])
    try:
        run = fail_a_run(api, served)
        requests = delivered(receiver, "/hook", automation_id, api)
    finally:
        api.delete(f"block_documents/{block_id}")
    assert len(requests) == 1, requests
    got = requests[0]
    assert got["method"] == "POST", got
    assert json.loads(got["body"]) == {
        "run": run["name"],
        "state": "Failed",
        "event": "prefect.flow-run.Failed",
    }, got

    events = wait_for_action(api, automation_id)
    assert events[0]["payload"]["action_type"] == "call-webhook", events[0]
    assert events[0]["payload"].get("status_code") == 200, events[0]["payload"]
    assert events[0]["payload"].get("response_body") == "ok", events[0]["payload"]
    roles = related_by_role(events[0])
    assert roles.get("block") == [f"prefect.block-document.{block_id}"], brief_event(events[0])
    assert roles.get("block-type") == ["prefect.block-type.webhook"], brief_event(events[0])


# ---------------------------------------------------------------------------------------------------------
# 5. Deployment triggers in prefect.yaml

POOL = "baton-auto-pool"
SIGNAL_FLOW = '''\
from prefect import flow


@flow(name="baton-auto-signal")
def signal_flow(who: str = "nobody") -> str:
    return who
'''


def signal_yaml(project: str, batch: str) -> str:
    return f"""\
name: baton-auto-project
prefect-version: 3.0.0
build: null
push: null
pull:
- prefect.deployments.steps.set_working_directory:
    directory: {json.dumps(project)}
deployments:
- name: on-signal
  entrypoint: signal_flow.py:signal_flow
  work_pool:
    name: {POOL}
  triggers:
  - enabled: true
    match:
      prefect.resource.id: baton.signal.{batch}
    expect:
    - baton.signal.go
    parameters:
      who: "{{{{ event.resource.name }}}}"
"""


def test_prefect_yaml_trigger_runs_the_deployment(api, agent, baton, tmp_path):
    batch = uid()
    project = tmp_path / "project"
    project.mkdir()
    (project / "signal_flow.py").write_text(SIGNAL_FLOW)
    (project / "prefect.yaml").write_text(signal_yaml(str(project), batch))
    home = tmp_path / "prefect-home"
    home.mkdir()

    def cli(*args):
        return run_prefect_cli(baton.api_url, home, *args, cwd=project)

    if api.get(f"work_pools/{POOL}").status_code == 404:
        r = cli("work-pool", "create", "--type", "process", POOL)
        assert r.returncode == 0, r.describe()
    r = cli("--no-prompt", "deploy", "--all")
    assert r.returncode == 0, r.describe()
    deployment = get_json(api, "deployments/name/baton-auto-signal/on-signal")
    owner = f"prefect.deployment.{deployment['id']}"
    try:
        related = get_json(api, f"automations/related-to/{owner}")
        assert len(related) == 1, related
        automation = related[0]
        assert automation["name"] == "on-signal__automation_1" and automation["enabled"] is True, automation
        assert automation["trigger"]["expect"] == ["baton.signal.go"], automation["trigger"]
        assert automation["trigger"]["match"] == {"prefect.resource.id": f"baton.signal.{batch}"}, automation
        assert automation["trigger"]["posture"] == "Reactive" and automation["trigger"]["threshold"] == 1, automation
        assert [a["type"] for a in automation["actions"]] == ["run-deployment"], automation["actions"]
        action = automation["actions"][0]
        assert action["source"] == "selected" and action["deployment_id"] == deployment["id"], action
        assert action["parameters"] == {"who": "{{ event.resource.name }}"}, action

        before = {r["id"] for r in deployment_runs(api, deployment["id"])}
        # An event that does not match (another resource) starts nothing; the matching one starts a run.
        agent.emit("baton.signal.go", {"prefect.resource.id": f"baton.signal.other-{batch}"})
        agent.emit("baton.signal.go", {"prefect.resource.id": f"baton.signal.{batch}", "prefect.resource.name": "lamp"})

        def new_runs():
            runs = [r for r in deployment_runs(api, deployment["id"]) if r["id"] not in before]
            assert runs, "no new run"
            return runs

        wait_for(new_runs, timeout=ACTION_EVENTS_DEADLINE_S, interval=0.3, what="a run started by the trigger")
        wait_a_moment(2.0)
        runs = new_runs()
        assert len(runs) == 1, [(brief_run(r), r["parameters"]) for r in runs]
        assert runs[0]["parameters"] == {"who": "lamp"}, runs[0]["parameters"]
        assert runs[0]["state_type"] == "SCHEDULED", brief_run(runs[0])

        # The deployment owns its automation: deploying again replaces it instead of adding another.
        r = cli("--no-prompt", "deploy", "--all")
        assert r.returncode == 0, r.describe()
        again = get_json(api, f"automations/related-to/{owner}")
        assert [a["name"] for a in again] == ["on-signal__automation_1"], again
        assert again[0]["id"] != automation["id"], (automation["id"], again)
        assert api.get(f"automations/{automation['id']}").status_code == 404
    finally:
        r = api.delete(f"automations/owned-by/{owner}")
    assert r.status_code == 202, r.text
    assert get_json(api, f"automations/related-to/{owner}") == []


# ---------------------------------------------------------------------------------------------------------
# 6. The `prefect automation` CLI


def test_automation_cli(api, agent, automations, prefect_cli):
    batch = uid()
    name = f"cli-automation-{batch}"
    trigger = {"expect": ["baton.cli.ping"], "match": {"prefect.resource.id": f"baton.cli.{batch}"}}
    automation_id = automations.create(name, trigger, [{"type": "do-nothing"}], description="made for the CLI test")

    r = prefect_cli("automation", "ls")
    assert r.returncode == 0 and name in r.stdout and automation_id in r.stdout, r.describe()
    r = prefect_cli("automation", "inspect", name, "--output", "json")
    assert r.returncode == 0, r.describe()
    listed = json.loads(r.stdout)
    assert isinstance(listed, list) and len(listed) == 1, listed
    shown = listed[0]
    assert shown["id"] == automation_id and shown["name"] == name and shown["enabled"] is True, shown
    assert shown["trigger"]["expect"] == ["baton.cli.ping"], shown["trigger"]

    r = prefect_cli("automation", "pause", name)
    assert r.returncode == 0 and "Paused automation" in r.stdout, r.describe()
    assert get_json(api, f"automations/{automation_id}")["enabled"] is False
    # Paused, it ignores a matching event.
    ignored = agent.emit("baton.cli.ping", {"prefect.resource.id": f"baton.cli.{batch}"})

    r = prefect_cli("automation", "resume", name)
    assert r.returncode == 0 and "Resumed automation" in r.stdout, r.describe()
    assert get_json(api, f"automations/{automation_id}")["enabled"] is True
    counted = agent.emit("baton.cli.ping", {"prefect.resource.id": f"baton.cli.{batch}"})

    wait_for_action(api, automation_id)
    wait_a_moment(2.0)
    events = automation_events(api, automation_id, "prefect.automation.action.executed")
    assert len(events) == 1, (ignored, counted, [brief_event(e) for e in events])
    assert related_by_role(events[0]).get("triggering-event") == [f"prefect.event.{counted}"], (
        ignored,
        brief_event(events[0]),
    )

    r = prefect_cli("automation", "delete", name)
    assert r.returncode == 0 and "Deleted automation" in r.stdout, r.describe()
    assert api.get(f"automations/{automation_id}").status_code == 404
    for args in (("inspect", name), ("pause", name)):
        r = prefect_cli("automation", *args)
        assert r.returncode == 1 and "not found" in r.stdout, r.describe()

