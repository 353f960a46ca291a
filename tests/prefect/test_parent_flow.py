"""A parent flow with tasks, a retried task, a subflow and log_prints, run by the real SDK.

The script runs once per module (fixture `parent`); each test then checks one
aspect of what Baton recorded, over plain HTTP.
"""

from __future__ import annotations

import pytest

from helpers import brief_run, get_json, is_uuid, post_json, wait_for

SCRIPT = "parent_with_subflow.py"

# Lines print()ed by the flows; log_prints=True turns each into a log record.
PARENT_PRINTS = [
    "BATON-PRINT parent starting",
    "BATON-PRINT extract produced 4 values",
    "BATON-PRINT flaky attempt 1",
    "BATON-PRINT flaky attempt 2",
    "BATON-PRINT parent result 20",
]
CHILD_PRINTS = ["BATON-PRINT child received 10", "BATON-PRINT double 10"]


@pytest.fixture(scope="module")
def parent(run_flow):
    return run_flow(SCRIPT)


@pytest.fixture(scope="module")
def ids(parent):
    """(parent flow run id, child flow run id) as printed by the script."""
    if parent.returncode != 0:
        pytest.fail(f"flow script failed, nothing to check\n{parent.describe()}", pytrace=False)
    parent_id = parent.field("FLOW_RUN_ID")
    child_id = parent.field("CHILD_FLOW_RUN_ID")
    assert is_uuid(parent_id) and is_uuid(child_id), parent.describe()
    return parent_id, child_id


def test_script_exits_zero(parent):
    assert parent.returncode == 0, parent.describe()
    assert parent.field("FLAKY_ATTEMPTS") == "2", parent.describe()
    assert is_uuid(parent.field("FLOW_RUN_ID")), parent.describe()


def test_parent_flow_run_completed(api, ids):
    parent_id, _ = ids

    def completed():
        run = get_json(api, f"flow_runs/{parent_id}")
        assert run["state_type"] == "COMPLETED", brief_run(run)
        return run

    run = wait_for(completed, what="parent flow run COMPLETED")
    assert run["id"] == parent_id
    assert run["state"]["type"] == "COMPLETED", run["state"]
    assert run["state_name"] == "Completed"
    assert run["parent_task_run_id"] is None
    assert run["parameters"] == {"n": 4}
    flow = get_json(api, f"flows/{run['flow_id']}")
    assert flow["name"] == "baton-parent-flow"


def test_subflow_run_linked_to_parent_task_run(api, ids):
    parent_id, child_id = ids
    body = {"flow_runs": {"parent_task_run_id": {"is_null_": False}}}

    def find_child():
        runs = post_json(api, "flow_runs/filter", body)
        found = [r for r in runs if r["id"] == child_id]
        assert found, (
            f"subflow run {child_id} not returned by {body}; got {[brief_run(r) for r in runs]}; "
            f"all runs: {[brief_run(r) for r in post_json(api, 'flow_runs/filter', {})]}"
        )
        assert all(r["parent_task_run_id"] for r in runs), [brief_run(r) for r in runs]
        child = found[0]
        assert child["state_type"] == "COMPLETED", brief_run(child)
        return child

    child = wait_for(find_child, what="subflow run COMPLETED with a parent_task_run_id")
    assert child["state"]["type"] == "COMPLETED"
    assert child["parameters"] == {"total": 10}
    flow = get_json(api, f"flows/{child['flow_id']}")
    assert flow["name"] == "baton-child-flow"

    tracking = get_json(api, f"task_runs/{child['parent_task_run_id']}")
    assert tracking["id"] == child["parent_task_run_id"]
    assert tracking["flow_run_id"] == parent_id, brief_run(tracking)

    # The parent run itself has no parent; filtering on is_null_ true finds it.
    top = post_json(api, "flow_runs/filter", {"flow_runs": {"parent_task_run_id": {"is_null_": True}}})
    assert parent_id in [r["id"] for r in top], [brief_run(r) for r in top]
    assert child_id not in [r["id"] for r in top]


def test_subflow_tracking_task_run_mirrors_child_state(api, ids):
    """Prefect's server copies each subflow state onto the parent task run
    (state_details.child_flow_run_id = subflow id); the SDK never sets it."""
    _, child_id = ids
    child = get_json(api, f"flow_runs/{child_id}")
    assert child["parent_task_run_id"], brief_run(child)

    def tracking_completed():
        tr = get_json(api, f"task_runs/{child['parent_task_run_id']}")
        assert tr["state_type"] == "COMPLETED", brief_run(tr)
        return tr

    tr = wait_for(tracking_completed, what="subflow tracking task run COMPLETED")
    assert tr["state"]["type"] == "COMPLETED"
    assert tr["state"]["state_details"].get("child_flow_run_id") == child_id, tr["state"]
    assert tr["name"].startswith("baton-child-flow"), brief_run(tr)
    assert tr["run_count"] == 1, brief_run(tr)
    # ...and the subflow's own states point back at the tracking task run.
    child = get_json(api, f"flow_runs/{child_id}")
    assert child["state"]["state_details"].get("task_run_id") == child["parent_task_run_id"], (
        child["state"]
    )


def test_parent_task_runs_completed_and_retry_counted(api, ids):
    parent_id, child_id = ids
    body = {"flow_runs": {"id": {"any_": [parent_id]}}}

    def all_completed():
        runs = post_json(api, "task_runs/filter", body)
        names = sorted(r["name"] for r in runs)
        # extract, flaky and the subflow's tracking task run
        assert len(runs) >= 3, f"expected >= 3 task runs, got {names}"
        not_done = [brief_run(r) for r in runs if r["state_type"] != "COMPLETED"]
        assert not not_done, f"task runs not COMPLETED: {not_done}"
        return runs

    runs = wait_for(all_completed, what="every task run of the parent COMPLETED")
    by_prefix = {}
    for r in runs:
        assert r["flow_run_id"] == parent_id, brief_run(r)
        assert r["state"]["type"] == "COMPLETED", brief_run(r)
        by_prefix.setdefault(r["name"].split("-")[0], []).append(r)
    assert sorted(by_prefix) == ["baton", "extract", "flaky"], sorted(r["name"] for r in runs)
    (flaky,) = by_prefix["flaky"]
    assert flaky["run_count"] == 2, brief_run(flaky)
    assert flaky["task_key"].startswith("flaky"), brief_run(flaky)
    (extract,) = by_prefix["extract"]
    assert extract["run_count"] == 1, brief_run(extract)

    # The subflow's own task ran inside the child run.
    child_runs = post_json(api, "task_runs/filter", {"flow_runs": {"id": {"any_": [child_id]}}})
    assert [r["name"].split("-")[0] for r in child_runs] == ["double"], [
        brief_run(r) for r in child_runs
    ]
    assert child_runs[0]["state_type"] == "COMPLETED", brief_run(child_runs[0])


def _logs(api, flow_run_id):
    return post_json(
        api,
        "logs/filter",
        {"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "sort": "TIMESTAMP_ASC"},
    )


def test_printed_lines_are_logged(api, ids):
    parent_id, child_id = ids

    def has_prints():
        logs = _logs(api, parent_id)
        messages = [log["message"] for log in logs]
        missing = [p for p in PARENT_PRINTS if p not in messages]
        assert not missing, f"missing {missing} in {messages}"
        return logs

    logs = wait_for(has_prints, what="parent print() lines in the logs")
    messages = [log["message"] for log in logs]
    # Sorted ascending by timestamp, so the prints come in program order.
    positions = [messages.index(p) for p in PARENT_PRINTS]
    assert positions == sorted(positions), messages
    stamps = [log["timestamp"] for log in logs]
    assert stamps == sorted(stamps), stamps
    assert all(log["flow_run_id"] == parent_id for log in logs)

    # prints inside tasks carry the task run id
    flaky_logs = [log for log in logs if log["message"].startswith("BATON-PRINT flaky")]
    assert flaky_logs and all(is_uuid(log["task_run_id"]) for log in flaky_logs), flaky_logs
    flaky_run = get_json(api, f"task_runs/{flaky_logs[0]['task_run_id']}")
    assert flaky_run["name"].startswith("flaky"), brief_run(flaky_run)
    parent_level = next(log for log in logs if log["message"] == PARENT_PRINTS[0])
    assert parent_level["task_run_id"] is None, parent_level
    assert parent_level["level"] == 20, parent_level

    child_messages = [log["message"] for log in wait_for(
        lambda: [log for log in _logs(api, child_id) if log["message"] in CHILD_PRINTS],
        what="subflow print() lines in the logs",
    )]
    assert sorted(child_messages) == sorted(CHILD_PRINTS), child_messages
    assert not set(CHILD_PRINTS) & set(messages), "subflow prints logged on the parent run"
