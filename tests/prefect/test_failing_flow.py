"""A flow that raises ValueError("boom"): the script fails and the run is FAILED."""

from __future__ import annotations

import pytest

from helpers import brief_run, get_json, is_uuid, post_json, wait_for

FLOW_NAME = "baton-failing-flow"


@pytest.fixture(scope="module")
def failing(run_flow):
    return run_flow("failing_flow.py")


def test_script_exits_nonzero(failing):
    assert failing.returncode != 0, failing.describe()
    assert "ValueError" in failing.stderr and "boom" in failing.stderr, failing.describe()


def test_flow_run_failed(api, failing):
    printed_id = failing.field("FLOW_RUN_ID")
    assert is_uuid(printed_id), failing.describe()

    flow = get_json(api, f"flows/name/{FLOW_NAME}")
    assert flow["name"] == FLOW_NAME and is_uuid(flow["id"]), flow

    body = {"flows": {"id": {"any_": [flow["id"]]}}}

    def failed_run():
        runs = post_json(api, "flow_runs/filter", body)
        found = [r for r in runs if r["id"] == printed_id]
        assert found, f"{printed_id} not among {[brief_run(r) for r in runs]}"
        run = found[0]
        assert run["state_type"] == "FAILED", brief_run(run)
        return run

    run = wait_for(failed_run, what=f"the one {FLOW_NAME} run FAILED")
    assert run["flow_id"] == flow["id"]
    assert run["state"]["type"] == "FAILED"
    assert run["state_name"] == "Failed"
    assert "boom" in (run["state"].get("message") or ""), run["state"]

    fetched = get_json(api, f"flow_runs/{printed_id}")
    assert fetched["state_type"] == "FAILED", brief_run(fetched)
