"""Pausing, suspending and flow run input with the real SDK, across processes.

1. A flow script pauses itself (`pause_flow_run(timeout=60)`); another process resumes it with
   `resume_flow_run(id)`; the flow continues in the same process and completes. Resuming twice is refused.
2. A pause nobody resumes: the SDK gives up after its timeout and the run ends Failed ("never resumed");
   the server refuses to resume an expired pause.
3. `pause_flow_run(wait_for_input=Approval)`: resumes with a wrong type or a missing field are rejected
   (the run stays Paused), a valid `run_input` resumes it and the flow sees the values.
4. `send_input` from one process, `receive_input` in the running flow; the flow run input API itself.
5. `suspend_flow_run()` in a deployment run served by `flow.serve`: the flow process exits, the run stays
   Paused ("Suspended"); resumed, it is rescheduled ("Resuming"), a new process runs it and it completes;
   with `wait_for_input` the new process sees the input. Suspending a run without a deployment is refused.

Flows: flows/pause_flows.py (scripts), flows/pause_control.py (the resuming/sending process),
flows/suspend_serve.py (the served deployment). Wire details: /work/notes/pause-tasks-wire.md.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import FLOWS_DIR, BackgroundProcess, flow_env, run_flow_script
from helpers import brief_run, get_json, log_messages, post_json, wait_for
from worker_helpers import parse_time, process_gone, run_id_from, task_runs_of, wait_for_run

START_DEADLINE_S = 60.0  # a Python process importing prefect and starting its flow run
RUN_DEADLINE_S = 60.0
SERVE_DEADLINE_S = 45.0
PAUSE_TIMEOUT_S = 60  # what flows/pause_flows.py pauses for (the "pause" and "input" modes)


@pytest.fixture(scope="module")
def spawn(baton, tmp_path_factory):
    """Start `python flows/<script> args...` in the background (closed at the end of the module)."""
    started: list[BackgroundProcess] = []

    def _spawn(script: str, *args: str, extra_env: "dict[str, str] | None" = None) -> BackgroundProcess:
        log_dir = tmp_path_factory.mktemp("proc")
        home = log_dir / "prefect-home"
        home.mkdir()
        proc = BackgroundProcess(
            [sys.executable, str(FLOWS_DIR / script), *args],
            env=flow_env(baton.api_url, home, extra_env),
            cwd=FLOWS_DIR,
            log_dir=log_dir,
            tag=Path(script).stem,
        )
        started.append(proc)
        return proc

    yield _spawn
    for proc in started:
        proc.close()


class Exited(Exception):
    """Not an AssertionError, so `wait_for` stops at once."""


def field_of(text: str, name: str) -> "str | None":
    value = None
    for line in text.splitlines():
        idx = line.find(name + "=")
        if idx >= 0 and (idx == 0 or not line[idx - 1].isalnum()):
            value = line[idx + len(name) + 1 :].strip()
    return value


def output(proc: BackgroundProcess) -> str:
    """stdout and stderr (the flows' prints go through Prefect's logger, which writes to stderr)."""
    return proc.stdout() + "\n" + proc.stderr()


def flow_run_id_of(proc: BackgroundProcess) -> str:
    def probe():
        run_id = field_of(output(proc), "FLOW_RUN_ID")
        if run_id:
            return run_id
        if not proc.running():
            raise Exited(f"the flow script exited before starting its run\n{proc.describe()}")
        return None

    return wait_for(probe, timeout=START_DEADLINE_S, interval=0.2, what="FLOW_RUN_ID from the flow script")


def wait_exit(proc: BackgroundProcess, timeout: float = RUN_DEADLINE_S) -> int:
    try:
        return proc.process.wait(timeout=timeout)
    except Exception:
        raise AssertionError(f"the process did not exit within {timeout:.0f}s\n{proc.describe()}") from None


def control(baton, *args: str):
    """flows/pause_control.py in its own process: answers (OUTCOME, ERROR, result)."""
    result = run_flow_script(baton, "pause_control.py", *args, timeout=START_DEADLINE_S)
    assert result.returncode == 0, result.describe()
    outcome = result.field("OUTCOME")
    assert outcome, result.describe()
    return outcome, result.field("ERROR") or "", result


def wait_paused(api, run_id: str, proc: "BackgroundProcess | None" = None, name: str = "Paused") -> dict:
    context = (lambda: proc.describe()) if proc else (lambda: "")
    run = wait_for_run(api, run_id, "PAUSED", timeout=START_DEADLINE_S, context=context)
    assert run["state"]["name"] == name, brief_run(run)
    return run


def state_history(api, run_id: str) -> list[tuple[str, str]]:
    states = get_json(api, f"flow_run_states/?flow_run_id={run_id}")
    states.sort(key=lambda s: s["timestamp"])
    return [(s["type"], s["name"]) for s in states]


# ---------------------------------------------------------------------------
# 1. pause / resume


def test_pause_then_resume_from_another_process(baton, api, spawn):
    proc = spawn("pause_flows.py", "pause")
    run_id = flow_run_id_of(proc)
    run = wait_paused(api, run_id, proc)

    assert {"baton", "pause"} <= set(run["tags"]), run["tags"]
    details = run["state"]["state_details"]
    assert details["pause_reschedule"] is False, details
    assert details["pause_key"] == "1", details
    assert details["run_input_keyset"] is None, details
    timeout_after = (parse_time(details["pause_timeout"]) - parse_time(run["state"]["timestamp"])).total_seconds()
    assert PAUSE_TIMEOUT_S - 10 <= timeout_after <= PAUSE_TIMEOUT_S + 1, details["pause_timeout"]
    assert "1" in run["empirical_policy"]["pause_keys"], run["empirical_policy"]
    assert proc.running(), proc.describe()

    # The task before the pause ran; the one after it has not.
    before = [t for t in task_runs_of(api, run_id) if t["state"]["type"] == "COMPLETED"]
    assert len(before) <= 1, [brief_run(t) for t in before]
    assert "BATON-STEP after" not in output(proc), proc.describe()

    outcome, error, _ = control(baton, "resume", run_id)
    assert outcome == "ok", error

    code = wait_exit(proc)
    assert code == 0, proc.describe()
    assert field_of(output(proc), "RESULT") == "resumed", proc.describe()
    done = wait_for_run(api, run_id, "COMPLETED", timeout=RUN_DEADLINE_S, context=proc.describe)
    history = state_history(api, run_id)
    assert ("PAUSED", "Paused") in history, history
    paused_at = history.index(("PAUSED", "Paused"))
    assert ("RUNNING", "Running") in history[paused_at:], history
    assert history[-1] == ("COMPLETED", "Completed"), history

    def both_tasks():
        tasks = task_runs_of(api, run_id)
        assert sum(t["state"]["type"] == "COMPLETED" for t in tasks) >= 2, [brief_run(t) for t in tasks]
        return tasks

    tasks = wait_for(both_tasks, timeout=20, what="both task runs completed")
    assert len(tasks) == 2, [brief_run(t) for t in tasks]
    assert done["end_time"], brief_run(done)

    # The run is no longer paused: resuming again is refused by the SDK (it reads the run first) ...
    outcome, error, _ = control(baton, "resume", run_id)
    assert outcome == "NotPausedError", (outcome, error)
    # ... and by the server.
    answer = post_json(api, f"flow_runs/{run_id}/resume", {"run_input": None})
    assert answer["status"] == "ABORT" and answer["state"] is None, answer
    assert "not paused" in answer["details"]["reason"], answer


def test_pause_timeout_fails_the_run(baton, api):
    result = run_flow_script(baton, "pause_flows.py", "timeout", "3", timeout=RUN_DEADLINE_S)
    run_id = field_of(result.stdout + "\n" + result.stderr, "FLOW_RUN_ID")
    assert run_id, result.describe()
    assert result.returncode != 0, result.describe()
    assert "FlowPauseTimeout" in result.stderr, result.describe()
    assert result.field("RESULT") is None, result.describe()

    run = wait_for_run(api, run_id, "FAILED", timeout=RUN_DEADLINE_S, context=result.describe)
    assert "never resumed" in (run["state"]["message"] or ""), run["state"]
    history = state_history(api, run_id)
    assert ("PAUSED", "Paused") in history, history

    outcome, error, _ = control(baton, "resume", run_id)
    assert outcome == "NotPausedError", (outcome, error)


def _running_flow_run(api, name: str) -> dict:
    r = api.post("flows/", json={"name": name})
    assert r.status_code in (200, 201), r.text
    flow = r.json()
    run = post_json(
        api,
        "flow_runs/",
        {"flow_id": flow["id"], "state": {"type": "PENDING", "name": "Pending"}, "tags": ["baton", "pause"]},
        expect=201,
    )
    answer = post_json(api, f"flow_runs/{run['id']}/set_state", {"state": {"type": "RUNNING", "name": "Running"}}, expect=201)
    assert answer["status"] == "ACCEPT", answer
    return run


def test_expired_pause_cannot_be_resumed(api):
    """The server's own rule, with the HTTP API: a pause whose timeout has passed ends Failed when resumed."""
    run = _running_flow_run(api, "baton-pause-raw")
    expires = datetime.now(timezone.utc).timestamp() + 1.0
    pause_timeout = datetime.fromtimestamp(expires, timezone.utc).isoformat().replace("+00:00", "Z")
    answer = post_json(
        api,
        f"flow_runs/{run['id']}/set_state",
        {
            "state": {
                "type": "PAUSED",
                "name": "Paused",
                "state_details": {"pause_timeout": pause_timeout, "pause_reschedule": False, "pause_key": "1"},
            }
        },
        expect=201,
    )
    assert answer["status"] == "ACCEPT" and answer["state"]["type"] == "PAUSED", answer

    # The same pause key again is refused, answering the current state.
    again = post_json(
        api,
        f"flow_runs/{run['id']}/set_state",
        {"state": {"type": "PAUSED", "name": "Paused", "state_details": {"pause_key": "1"}}},
    )
    assert again["status"] == "REJECT", again

    wait_for(
        lambda: datetime.now(timezone.utc).timestamp() > expires + 0.5, timeout=5, interval=0.1, what="the pause to expire"
    )
    r = api.post(f"flow_runs/{run['id']}/resume", json={"run_input": None})
    assert r.status_code in (200, 201), r.text
    answer = r.json()
    if answer["status"] == "REJECT":
        # Prefect: the Failed state is written and answered.
        assert answer["state"]["type"] == "FAILED", answer
        assert "timed out" in answer["details"]["reason"], answer
    else:
        # Prefect's pause expiration service (every 5 s) may have failed the run first.
        assert answer["status"] == "ABORT" and "not paused" in answer["details"]["reason"], answer
    final = get_json(api, f"flow_runs/{run['id']}")
    assert final["state"]["type"] == "FAILED", brief_run(final)
    assert "never resumed" in (final["state"]["message"] or ""), final["state"]


def test_pause_only_from_running(api):
    run = _running_flow_run(api, "baton-pause-raw")
    post_json(api, f"flow_runs/{run['id']}/set_state", {"state": {"type": "COMPLETED", "name": "Completed"}}, expect=201)
    answer = post_json(
        api,
        f"flow_runs/{run['id']}/set_state",
        {"state": {"type": "PAUSED", "name": "Paused", "state_details": {"pause_key": "1"}}},
    )
    assert answer["status"] in ("REJECT", "ABORT"), answer
    assert get_json(api, f"flow_runs/{run['id']}")["state"]["type"] == "COMPLETED"


# ---------------------------------------------------------------------------
# 2. pause with input


def test_pause_waits_for_valid_input(baton, api, spawn):
    proc = spawn("pause_flows.py", "input")
    run_id = flow_run_id_of(proc)
    run = wait_paused(api, run_id, proc)
    keyset = run["state"]["state_details"]["run_input_keyset"]
    assert keyset == {
        "description": "paused-1-description",
        "response": "paused-1-response",
        "schema": "paused-1-schema",
    }, keyset

    # The flow stored the schema of its RunInput (right after the pause was accepted).
    def schema():
        r = api.get(f"flow_runs/{run_id}/input/paused-1-schema")
        assert r.status_code == 200, f"-> {r.status_code}: {r.text[:300]}"
        return json.loads(r.text)

    stored = wait_for(schema, timeout=20, what="the run input schema")
    assert set(stored["properties"]) == {"approver", "amount"}, stored
    assert stored["properties"]["amount"]["type"] == "integer", stored
    assert sorted(stored["required"]) == ["amount", "approver"], stored

    # Wrong type: refused, the run stays paused, the flow keeps waiting.
    outcome, error, _ = control(baton, "resume", run_id, json.dumps({"approver": "ada", "amount": "lots"}))
    assert outcome == "RuntimeError", (outcome, error)
    assert "Cannot resume this run" in error and "amount" in error, error
    # Missing field (no input at all): refused too.
    outcome, error, _ = control(baton, "resume", run_id)
    assert outcome == "RuntimeError", (outcome, error)
    assert "approver" in error, error
    # The raw answer: REJECT with the (unchanged) Paused state.
    r = api.post(f"flow_runs/{run_id}/resume", json={"run_input": {"approver": "ada", "amount": "42"}})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["status"] == "REJECT", answer
    assert answer["state"]["type"] == "PAUSED", answer
    assert "amount" in answer["details"]["reason"], answer

    assert get_json(api, f"flow_runs/{run_id}")["state"]["type"] == "PAUSED"
    assert api.get(f"flow_runs/{run_id}/input/paused-1-response").status_code == 404
    assert proc.running() and "APPROVER=" not in output(proc), proc.describe()

    outcome, error, _ = control(baton, "resume", run_id, json.dumps({"approver": "ada", "amount": 42}))
    assert outcome == "ok", error
    assert wait_exit(proc) == 0, proc.describe()
    out = output(proc)
    assert field_of(out, "APPROVER") == "ada", out
    assert field_of(out, "AMOUNT") == "42", out
    assert field_of(out, "AMOUNT_TYPE") == "int", out
    assert field_of(out, "RESULT") == "ada:42", out
    wait_for_run(api, run_id, "COMPLETED", timeout=RUN_DEADLINE_S, context=proc.describe)

    r = api.get(f"flow_runs/{run_id}/input/paused-1-response")
    assert r.status_code == 200, r.text
    assert json.loads(r.text) == {"approver": "ada", "amount": 42}, r.text


# ---------------------------------------------------------------------------
# 3. send_input / receive_input and the input API


def test_send_and_receive_input(baton, api, spawn):
    proc = spawn("pause_flows.py", "receive")
    run_id = flow_run_id_of(proc)
    wait_for_run(api, run_id, "RUNNING", timeout=START_DEADLINE_S, context=proc.describe)

    outcome, error, _ = control(baton, "send", run_id, "hello", "world", "stop")
    assert outcome == "ok", error
    assert wait_exit(proc) == 0, proc.describe()
    assert field_of(output(proc), "RESULT") == "['hello', 'world']", proc.describe()
    wait_for_run(api, run_id, "COMPLETED", timeout=RUN_DEADLINE_S, context=proc.describe)

    inputs = post_json(api, f"flow_runs/{run_id}/input/filter", {"prefix": "strautomaticruninput-auto", "limit": 10})
    assert [json.loads(i["value"]) for i in inputs] == [{"value": "hello"}, {"value": "world"}, {"value": "stop"}], inputs
    for item in inputs:
        assert item["flow_run_id"] == run_id and item["key"].startswith("strautomaticruninput-auto-"), item


def test_flow_run_input_api(api):
    run = _running_flow_run(api, "baton-input-raw")
    base = f"flow_runs/{run['id']}/input"
    prefix = f"baton-{uuid.uuid4().hex[:6]}"

    r = api.post(base, json={"key": f"{prefix}-a", "value": '{"n": 1}', "sender": "tests"})
    assert r.status_code == 201, r.text
    r = api.post(base, json={"key": f"{prefix}-a", "value": '{"n": 9}'})
    assert r.status_code == 409, r.text
    r = api.post(base, json={"key": f"{prefix}-b", "value": "plain text"})
    assert r.status_code == 201, r.text
    r = api.post(base, json={"key": "other-c", "value": "x"})
    assert r.status_code == 201, r.text

    found = post_json(api, f"{base}/filter", {"prefix": prefix, "limit": 10})
    assert [i["key"] for i in found] == [f"{prefix}-a", f"{prefix}-b"], found
    assert found[0]["value"] == '{"n": 1}' and found[0]["sender"] == "tests", found[0]
    assert found[1]["sender"] is None, found[1]
    assert {"id", "created", "updated", "flow_run_id", "key", "value", "sender"} <= set(found[0]), found[0]
    # limit defaults to 1; exclude_keys skips keys already seen.
    assert [i["key"] for i in post_json(api, f"{base}/filter", {"prefix": prefix})] == [f"{prefix}-a"]
    only_b = post_json(api, f"{base}/filter", {"prefix": prefix, "limit": 10, "exclude_keys": [f"{prefix}-a"]})
    assert [i["key"] for i in only_b] == [f"{prefix}-b"], only_b

    r = api.get(f"{base}/{prefix}-a")
    assert r.status_code == 200 and r.text == '{"n": 1}', (r.status_code, r.text)
    assert r.headers["content-type"].startswith("text/plain"), r.headers
    r = api.get(f"{base}/{prefix}-b")
    assert r.status_code == 200 and r.text == "plain text", (r.status_code, r.text)

    assert api.delete(f"{base}/{prefix}-a").status_code == 204
    assert api.get(f"{base}/{prefix}-a").status_code == 404
    assert api.delete(f"{base}/{prefix}-a").status_code == 404
    assert [i["key"] for i in post_json(api, f"{base}/filter", {"prefix": prefix, "limit": 10})] == [f"{prefix}-b"]
    assert api.get(f"{base}/never-stored").status_code == 404


# ---------------------------------------------------------------------------
# 4. suspend in a served deployment


@pytest.fixture(scope="module")
def suspend_deployment(api, start_serve):
    proc = start_serve("suspend_serve.py", {"PREFECT_RUNNER_POLL_FREQUENCY": "1"})

    def registered():
        if not proc.running():
            raise Exited(f"the serve script exited early\n{proc.describe()}")
        r = api.get("deployments/name/baton-suspend/suspender")
        assert r.status_code == 200, f"-> {r.status_code}: {r.text[:300]}"
        return r.json()

    deployment = wait_for(registered, timeout=SERVE_DEADLINE_S, interval=0.5, what="deployment baton-suspend/suspender")
    return deployment, proc


def marker_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_suspend_exits_and_resumes_in_a_new_process(baton, api, prefect_cli, suspend_deployment, tmp_path):
    deployment, serve = suspend_deployment
    assert {"baton", "suspend"} <= set(deployment["tags"]), deployment["tags"]
    marker = tmp_path / "marker.txt"
    result = prefect_cli("deployment", "run", "baton-suspend/suspender", "--param", f"marker={marker}")
    assert result.returncode == 0, result.describe()
    run_id = run_id_from(result.stdout)

    run = wait_paused(api, run_id, name="Suspended")
    details = run["state"]["state_details"]
    assert details["pause_reschedule"] is True, details
    assert details["pause_key"] == "1", details
    assert details["pause_timeout"], details

    # The flow's process exits; the run stays suspended.
    lines = wait_for(lambda: marker_lines(marker), timeout=10, what="the first attempt's marker")
    assert len(lines) == 1 and lines[0].startswith("start "), lines
    first_pid = int(lines[0].split()[1])
    wait_for(lambda: process_gone(first_pid), timeout=30, what=f"the suspended flow process {first_pid} to exit")
    assert get_json(api, f"flow_runs/{run_id}")["state"]["name"] == "Suspended"
    assert serve.running(), serve.describe()

    outcome, error, _ = control(baton, "resume", run_id)
    assert outcome == "ok", error
    done = wait_for_run(api, run_id, "COMPLETED", timeout=RUN_DEADLINE_S, context=serve.describe)

    lines = marker_lines(marker)
    assert len(lines) == 3, lines
    second_pid = int(lines[1].split()[1])
    assert lines[1] == f"start {second_pid}" and lines[2] == f"after {second_pid}", lines
    assert second_pid != first_pid, lines

    history = state_history(api, run_id)
    suspended_at = history.index(("PAUSED", "Suspended"))
    assert ("SCHEDULED", "Resuming") in history[suspended_at:], history
    assert history[-1] == ("COMPLETED", "Completed"), history
    assert done["deployment_id"] == deployment["id"], brief_run(done)
    assert "BATON-SUSPEND done" in "\n".join(log_messages(api, run_id)) or "BATON-SUSPEND done" in serve.stdout() + serve.stderr()


def test_suspend_with_input(baton, api, prefect_cli, suspend_deployment, tmp_path):
    deployment, serve = suspend_deployment
    marker = tmp_path / "marker.txt"
    result = prefect_cli(
        "deployment", "run", "baton-suspend/suspender", "--param", f"marker={marker}", "--param", "wait_for_input=true"
    )
    assert result.returncode == 0, result.describe()
    run_id = run_id_from(result.stdout)
    assert get_json(api, f"flow_runs/{run_id}")["parameters"] == {"marker": str(marker), "wait_for_input": True}
    paused = wait_paused(api, run_id, name="Suspended")
    assert paused["state"]["state_details"]["run_input_keyset"] == {
        "description": "suspended-1-description",
        "response": "suspended-1-response",
        "schema": "suspended-1-schema",
    }, paused["state"]["state_details"]
    wait_for(
        lambda: api.get(f"flow_runs/{run_id}/input/suspended-1-schema").status_code == 200,
        timeout=20,
        what="the suspend's input schema",
    )
    first = wait_for(lambda: marker_lines(marker), timeout=10, what="the first attempt's marker")
    wait_for(lambda: process_gone(int(first[0].split()[1])), timeout=30, what="the suspended flow process to exit")

    outcome, error, _ = control(baton, "resume", run_id, json.dumps({"go": "maybe"}))
    assert outcome == "RuntimeError" and "go" in error, (outcome, error)
    assert get_json(api, f"flow_runs/{run_id}")["state"]["name"] == "Suspended"

    outcome, error, _ = control(baton, "resume", run_id, json.dumps({"go": True, "note": "ship it"}))
    assert outcome == "ok", error
    wait_for_run(api, run_id, "COMPLETED", timeout=RUN_DEADLINE_S, context=serve.describe)
    lines = marker_lines(marker)
    assert len(lines) == 4 and lines[2] == "decision go=True note=ship it", lines


def test_suspend_without_deployment_is_refused(baton, api):
    result = run_flow_script(baton, "pause_flows.py", "suspend-local", timeout=RUN_DEADLINE_S)
    run_id = field_of(result.stdout + "\n" + result.stderr, "FLOW_RUN_ID")
    assert run_id, result.describe()
    assert result.returncode != 0, result.describe()
    assert "cannot be suspended" in result.stderr, result.describe()
    run = wait_for_run(api, run_id, "FAILED", timeout=RUN_DEADLINE_S, context=result.describe)
    assert ("PAUSED", "Suspended") not in state_history(api, run_id), state_history(api, run_id)
    assert run["state"]["type"] == "FAILED"
