"""Helpers of the events and automations tests (test_automations.py, test_automation_actions.py,
test_events_api.py): a long-lived SDK agent process, the served deployments, automations deleted after each
test, reading events, and an HTTP receiver on loopback for notifications and webhooks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import FLOWS_DIR, SHUTDOWN_DEADLINE_S, flow_env
from helpers import post_json, wait_for

AGENT_START_DEADLINE_S = 60.0
AGENT_CALL_DEADLINE_S = 30.0
REGISTER_DEADLINE_S = 45.0
# Prefect's server writes events in batches: they show up in /events/filter a few seconds after they happen.
EVENTS_DEADLINE_S = 20.0
DEPLOYMENTS = {"doomed": "baton-auto-doomed", "echo": "baton-auto-echo", "sleeper": "baton-auto-sleeper"}


def uid() -> str:
    return uuid.uuid4().hex[:8]


class AgentDied(Exception):
    """Not an AssertionError, so `wait_for` stops at once."""


class Agent:
    """flows/automation_agent.py in the background: JSON commands on its stdin, answers in a file."""

    def __init__(self, server, log_dir: Path):
        home = log_dir / "agent-home"
        home.mkdir()
        self.out_path = log_dir / "agent.out"
        self.err_path = log_dir / "agent.err"
        self.seq = 0
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.process = subprocess.Popen(
                [sys.executable, str(FLOWS_DIR / "automation_agent.py")],
                env=flow_env(server.api_url, home),
                cwd=str(FLOWS_DIR),
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                text=True,
            )
        self._answer(0, AGENT_START_DEADLINE_S)

    def describe(self) -> str:
        return (
            f"automation_agent.py (pid {self.process.pid}, exit code {self.process.poll()})\n"
            f"--- stdout ---\n{self.out_path.read_text()[-4000:]}\n"
            f"--- stderr ---\n{self.err_path.read_text()[-8000:]}"
        )

    def _answer(self, seq: int, timeout: float) -> dict:
        def probe():
            for line in self.out_path.read_text().splitlines():
                if line.startswith("{"):
                    answer = json.loads(line)
                    if answer.get("seq") == seq:
                        return answer
            if self.process.poll() is not None:
                raise AgentDied(f"the agent exited\n{self.describe()}")
            return None

        try:
            return wait_for(probe, timeout=timeout, interval=0.05, what=f"the agent's answer #{seq}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.describe()}") from None

    def call(self, op: str, timeout: float = AGENT_CALL_DEADLINE_S, **fields: Any) -> dict:
        self.seq += 1
        self.process.stdin.write(json.dumps({"seq": self.seq, "op": op, **fields}) + "\n")
        self.process.stdin.flush()
        answer = self._answer(self.seq, timeout)
        assert answer["ok"], f"agent {op} {fields!r} failed: {answer['error']}\n{answer.get('trace', '')}"
        return answer

    def emit(self, event: str, resource: dict, **fields: Any) -> str:
        return self.call("emit", event=event, resource=resource, **fields)["id"]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=SHUTDOWN_DEADLINE_S)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=SHUTDOWN_DEADLINE_S)


@pytest.fixture(scope="module")
def agent(baton, tmp_path_factory):
    a = Agent(baton, tmp_path_factory.mktemp("agent"))
    yield a
    a.close()


@pytest.fixture
def automations(api, agent):
    """`automations.create(name, trigger, actions)` makes an automation with the SDK; every one made is
    deleted after the test (the server may be shared, and a left-over automation would keep firing)."""

    class Made:
        def __init__(self):
            self.ids: list[str] = []

        def create(self, name: str, trigger: dict, actions: list[dict], **fields: Any) -> str:
            automation_id = agent.call("create", name=name, trigger=trigger, actions=actions, **fields)["id"]
            self.ids.append(automation_id)
            return automation_id

    made = Made()
    yield made
    for automation_id in made.ids:
        api.delete(f"automations/{automation_id}")


class ServeDied(Exception):
    """Not an AssertionError, so `wait_for` stops at once."""


@pytest.fixture(scope="module")
def served(api, start_serve):
    """flows/automation_flows.py serving its three deployments; answers {short name: deployment}."""
    proc = start_serve("automation_flows.py", {"PREFECT_RUNNER_POLL_FREQUENCY": "1"})

    def registered():
        if not proc.running():
            raise ServeDied(f"the serve script exited early\n{proc.describe()}")
        found = {}
        for short, flow_name in DEPLOYMENTS.items():
            r = api.get(f"deployments/name/{flow_name}/{short}")
            assert r.status_code == 200, f"{flow_name}/{short} -> {r.status_code}: {r.text[:300]}"
            found[short] = r.json()
            assert found[short]["paused"] is False, found[short]
        return found

    try:
        deployments = wait_for(registered, timeout=REGISTER_DEADLINE_S, interval=0.5, what="the served deployments")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{proc.describe()}") from None
    deployments["process"] = proc
    return deployments


def start_run(api, deployment: dict, parameters: "dict | None" = None) -> dict:
    """POST deployments/{id}/create_flow_run. A 503 is tried again, as Prefect's client does (Prefect's server
    answers 503 when its SQLite database is busy)."""
    path, body = f"deployments/{deployment['id']}/create_flow_run", {"parameters": parameters or {}}

    def probe():
        r = api.post(path, json=body)
        assert r.status_code == 201, f"POST {path} {body!r} -> {r.status_code}: {r.text[:2000]}"
        return r.json()

    r = api.post(path, json=body)
    if r.status_code == 503:
        return wait_for(probe, timeout=10.0, interval=0.5, what=f"POST {path} to answer 201")
    assert r.status_code == 201, f"POST {path} {body!r} -> {r.status_code}: {r.text[:2000]}"
    return r.json()


# ---------------------------------------------------------------------------------------------------------
# Events


def read_events(api, filt: dict, limit: int = 50) -> dict:
    """POST /events/filter: a page {"events", "total", "next_page"}."""
    return post_json(api, "events/filter", {"filter": filt, "limit": limit})


def wait_for_events(api, filt: dict, at_least: int = 1, timeout: float = EVENTS_DEADLINE_S, what: str = "") -> list:
    def probe():
        events = read_events(api, filt)["events"]
        assert len(events) >= at_least, [brief_event(e) for e in events]
        return events

    return wait_for(probe, timeout=timeout, interval=0.5, what=what or f"{at_least}+ events matching {filt}")


def automation_events(api, automation_id: str, *names: str) -> list:
    """The events about an automation (resource `prefect.automation.<id>`), oldest first."""
    filt: dict = {"resource": {"id": [f"prefect.automation.{automation_id}"]}, "order": "ASC"}
    if names:
        filt["event"] = {"name": list(names)}
    return read_events(api, filt)["events"]


def wait_for_action(api, automation_id: str, timeout: float = EVENTS_DEADLINE_S) -> list:
    """The automation's `prefect.automation.action.executed` events, once there is at least one."""

    def probe():
        events = automation_events(api, automation_id, "prefect.automation.action.executed")
        assert events, [brief_event(e) | {"payload": e["payload"]} for e in automation_events(api, automation_id)]
        return events

    return wait_for(probe, timeout=timeout, interval=0.3, what=f"automation {automation_id} to act")


def related_by_role(event: dict) -> dict:
    """{role: [resource id, ...]} of an event's related resources."""
    out: dict = {}
    for r in event.get("related", []):
        out.setdefault(r.get("prefect.resource.role"), []).append(r["prefect.resource.id"])
    return out


def brief_event(event: dict) -> dict:
    return {
        "event": event.get("event"),
        "resource": event.get("resource", {}).get("prefect.resource.id"),
        "related": related_by_role(event),
        "occurred": event.get("occurred"),
    }


# ---------------------------------------------------------------------------------------------------------
# A receiver for notifications and webhooks


class Receiver:
    """An HTTP server on a free loopback port, in a thread: records every request, answers 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode(errors="replace") if length else ""
                with receiver.lock:
                    receiver.requests.append(
                        {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                    )
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_POST = do_PUT = do_GET = _record

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def received(self, path: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"].split("?")[0] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=SHUTDOWN_DEADLINE_S)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def wait_a_moment(seconds: float) -> None:
    """For checks that something does NOT happen: a bounded wait, after the positive evidence that the
    server has already processed what came before (callers say which)."""
    time.sleep(seconds)
