"""Tagged tasks (issue 13, item 0): every task with a tag makes the engine take concurrency slots of
`tag:<name>` under a lease. With no limit on those names the tasks run at once and everything COMPLETES."""

from __future__ import annotations

import pytest

from helpers import brief_run, get_json, is_uuid, post_json


@pytest.fixture(scope="module")
def tagged(run_flow):
    return run_flow("tagged_tasks.py")


def test_script_succeeds(tagged):
    assert tagged.returncode == 0, tagged.describe()
    assert "ConcurrencySlotAcquisitionError" not in tagged.stderr, tagged.describe()


@pytest.mark.parametrize("field", ["SYNC_RUN_ID", "ASYNC_RUN_ID"])
def test_flow_and_tasks_completed(api, tagged, field):
    run_id = tagged.field(field)
    assert is_uuid(run_id), tagged.describe()
    run = get_json(api, f"flow_runs/{run_id}")
    assert run["state_type"] == "COMPLETED", brief_run(run)
    tasks = post_json(api, "task_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}})
    assert tasks, f"no task runs recorded for {run_id}"
    assert all(t["state_type"] == "COMPLETED" for t in tasks), [brief_run(t) for t in tasks]
    tagged_runs = [t for t in tasks if t["tags"]]
    assert tagged_runs, [t["tags"] for t in tasks]


def test_tags_recorded(api, tagged):
    run_id = tagged.field("SYNC_RUN_ID")
    tasks = post_json(api, "task_runs/filter", {"flow_runs": {"id": {"any_": [run_id]}}})
    tag_sets = sorted(sorted(t["tags"]) for t in tasks)
    assert ["etl"] in tag_sets, tag_sets
    assert ["team-a"] in tag_sets, tag_sets
    assert ["etl", "team-a"] in tag_sets, tag_sets


def test_lease_calls_answer_as_prefect(api):
    """The calls themselves: a lease with no limits, renewal, release, and the bounds Prefect checks."""
    granted = post_json(
        api,
        "v2/concurrency_limits/increment-with-lease",
        {"names": ["tag:nolimit"], "slots": 1, "mode": "concurrency", "lease_duration": 60,
         "holder": {"type": "task_run", "id": "00000000-0000-0000-0000-000000000001"}},
    )
    assert granted["limits"] == [] and is_uuid(granted["lease_id"]), granted
    lease = granted["lease_id"]
    r = api.post(f"v2/concurrency_limits/leases/{lease}/renew", json={"lease_duration": 120})
    assert r.status_code == 204, r.text
    r = api.post("v2/concurrency_limits/decrement-with-lease", json={"lease_id": lease})
    assert r.status_code == 204, r.text
    r = api.post(f"v2/concurrency_limits/leases/{lease}/renew", json={"lease_duration": 120})
    assert r.status_code == 410, r.text
    r = api.post("v2/concurrency_limits/decrement-with-lease", json={"lease_id": lease})
    assert r.status_code == 204, r.text
    for bad in ({"names": [], "slots": 1}, {"names": ["a"], "slots": 0},
                {"names": ["a"], "slots": 1, "lease_duration": 30},
                {"names": ["a"], "slots": 1, "mode": "sometimes"}):
        r = api.post("v2/concurrency_limits/increment-with-lease", json=bad)
        assert r.status_code == 422, (bad, r.status_code, r.text)
    assert post_json(api, "v2/concurrency_limits/increment", {"names": ["x"], "slots": 1}) == []
    assert post_json(api, "v2/concurrency_limits/decrement", {"names": ["x"], "slots": 1}) == []
