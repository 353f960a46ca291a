"""The 2.x tutorial's first step: a flow with tasks, run as a script, tracked by the API."""

from p2helpers import get_json, post_json, wait_for


def test_script_flow_with_tasks_completes(run_script, api):
    res = run_script("tutorial_flow.py", "4")
    assert res.returncode == 0, res.describe()
    assert res.field("STATE") == "COMPLETED", res.describe()
    assert res.field("RESULT") == "TOTAL 6", res.describe()
    flow_run_id = res.field("FLOW_RUN_ID")
    assert flow_run_id, res.describe()

    run = get_json(api, f"flow_runs/{flow_run_id}")
    assert run["state"]["type"] == "COMPLETED", run
    assert run["parameters"] == {"n": 4}, run
    flow = get_json(api, f"flows/{run['flow_id']}")
    assert flow["name"] == "tutorial-flow", flow

    task_runs = post_json(api, "task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run_id]}}})
    assert len(task_runs) == 5, [(t["name"], t["state"]) for t in task_runs]
    assert all(t["state"]["type"] == "COMPLETED" for t in task_runs), [
        (t["name"], t["state"]["type"]) for t in task_runs
    ]
    names = sorted(t["name"].rsplit("-", 1)[0] for t in task_runs)
    assert names == ["add"] * 4 + ["shout"], names

    def log_seen():
        logs = post_json(api, "logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run_id]}}})
        return [entry for entry in logs if "total is 6" in entry["message"]]

    wait_for(log_seen, timeout=10, what="the flow's log line in /logs/filter")
