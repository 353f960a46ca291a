"""A long-lived Prefect SDK client for the automation tests (one process per test module, so each emit or
create costs a round trip, not an interpreter start).

Reads one JSON command per line on stdin and answers each with one JSON line on stdout:
`{"seq": N, "ok": true, ...}` or `{"seq": N, "ok": false, "error": "..."}`. Commands (field "op"):

- emit: `emit_event(event, resource, related, payload)`, then waits until the events worker has sent it;
  answers the event id.
- create: builds an `Automation` from `prefect.automations` classes (an `EventTrigger` and the actions named
  in "actions") and creates it; answers its id.
- read: `Automation.read(name=...)`, answers the automation as JSON.
- notification-block: saves a `CustomWebhookNotificationBlock`; answers the block document id.
- webhook-block: saves a `prefect.blocks.webhook.Webhook`; answers the block document id.
"""

import json
import sys
import traceback
from datetime import timedelta

from prefect.automations import (
    Automation,
    CallWebhook,
    CancelFlowRun,
    DoNothing,
    EventTrigger,
    Posture,
    RunDeployment,
    SendNotification,
)
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.blocks.webhook import Webhook
from prefect.events import emit_event
from prefect.events.worker import EventsWorker


def make_trigger(spec: dict) -> EventTrigger:
    return EventTrigger(
        expect=set(spec.get("expect", [])),
        after=set(spec.get("after", [])),
        match=spec.get("match", {}),
        match_related=spec.get("match_related", {}),
        for_each=set(spec.get("for_each", [])),
        posture=Posture(spec.get("posture", "Reactive")),
        threshold=spec.get("threshold", 1),
        within=timedelta(seconds=spec.get("within", 0)),
    )


def make_action(spec: dict):
    kind = spec["type"]
    if kind == "run-deployment":
        return RunDeployment(
            source="selected", deployment_id=spec["deployment_id"], parameters=spec.get("parameters")
        )
    if kind == "cancel-flow-run":
        return CancelFlowRun()
    if kind == "do-nothing":
        return DoNothing()
    if kind == "send-notification":
        return SendNotification(
            block_document_id=spec["block_document_id"], subject=spec["subject"], body=spec["body"]
        )
    if kind == "call-webhook":
        return CallWebhook(block_document_id=spec["block_document_id"], payload=spec.get("payload", ""))
    raise ValueError(f"unknown action type {kind!r}")


def handle(cmd: dict) -> dict:
    op = cmd["op"]
    if op == "emit":
        event = emit_event(
            cmd["event"],
            resource=cmd["resource"],
            related=cmd.get("related"),
            payload=cmd.get("payload"),
        )
        if event is None:
            raise RuntimeError("emit_event did not emit (no events client for this API URL?)")
        EventsWorker.instance().wait_until_empty()
        return {"id": str(event.id)}
    if op == "create":
        automation = Automation(
            name=cmd["name"],
            description=cmd.get("description", ""),
            enabled=cmd.get("enabled", True),
            trigger=make_trigger(cmd["trigger"]),
            actions=[make_action(a) for a in cmd["actions"]],
        ).create()
        return {"id": str(automation.id)}
    if op == "read":
        return {"automation": Automation.read(name=cmd["name"]).model_dump(mode="json")}
    if op == "notification-block":
        block = CustomWebhookNotificationBlock(
            name=cmd["webhook_name"], url=cmd["url"], json_data=cmd["json_data"]
        )
        return {"id": str(block.save(cmd["name"], overwrite=True))}
    if op == "webhook-block":
        block = Webhook(method="POST", url=cmd["url"], headers=cmd.get("headers", {}))
        return {"id": str(block.save(cmd["name"], overwrite=True))}
    raise ValueError(f"unknown op {op!r}")


def main() -> None:
    print(json.dumps({"seq": 0, "ok": True, "ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        try:
            answer = {"seq": cmd["seq"], "ok": True, **handle(cmd)}
        except Exception as exc:  # reported to the test, which fails with it
            answer = {"seq": cmd["seq"], "ok": False, "error": f"{type(exc).__name__}: {exc}",
                      "trace": traceback.format_exc()}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
