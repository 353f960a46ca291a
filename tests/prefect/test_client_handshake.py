"""What every SDK process does first: version check, CSRF probe, events websocket."""

from __future__ import annotations

import uuid

from helpers import brief_run, get_json, is_uuid, post_json, wait_for

# A trivial flow takes ~3 s against Prefect's own server; a server that accepts the
# events websocket but never answers the auth message makes the script hang at exit.
PROMPT_EXIT_S = 30.0


def test_admin_version_is_prefect_3(api):
    version = get_json(api, "admin/version")
    assert isinstance(version, str) and version.startswith("3."), version


def test_csrf_token_reports_protection_disabled(api):
    r = api.get("csrf-token", params={"client": "x"})
    assert r.status_code == 422, (r.status_code, r.text)
    assert r.json() == {"detail": "CSRF protection is disabled."}, r.text


def test_missing_ids_are_404_with_detail(api):
    missing = uuid.uuid4()
    for path in (f"flow_runs/{missing}", f"task_runs/{missing}", f"flows/{missing}"):
        r = api.get(path)
        assert r.status_code == 404, (path, r.status_code, r.text)
        assert "detail" in r.json(), (path, r.text)


def test_trivial_flow_exits_promptly(api, run_flow):
    result = run_flow("trivial_flow.py", timeout=PROMPT_EXIT_S * 2)
    assert result.returncode == 0, result.describe()
    assert result.elapsed_s < PROMPT_EXIT_S, (
        f"took {result.elapsed_s:.1f}s (limit {PROMPT_EXIT_S:.0f}s)\n{result.describe()}"
    )
    # Nothing went wrong on the way: no version mismatch, no lost events.
    for bad in (
        "incompatible versions",
        "Failed to reach API",
        "Unable to connect",
        "EventsWorker' failed",
        "Traceback",
    ):
        assert bad not in result.stderr, f"{bad!r} in stderr\n{result.describe()}"

    run_id = result.field("FLOW_RUN_ID")
    assert is_uuid(run_id), result.describe()
    run = get_json(api, f"flow_runs/{run_id}")
    assert run["state_type"] == "COMPLETED", brief_run(run)

    # The task run arrives through the events websocket.
    def add_task_completed():
        runs = post_json(api, "task_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}})
        assert [r["name"].split("-")[0] for r in runs] == ["add"], [brief_run(r) for r in runs]
        assert runs[0]["state_type"] == "COMPLETED", brief_run(runs[0])
        return runs

    wait_for(add_task_completed, what="the add task run COMPLETED")
