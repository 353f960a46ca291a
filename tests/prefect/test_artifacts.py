"""Artifacts with the real client: `prefect.artifacts` inside a flow and a task, read back over the API."""

from __future__ import annotations

import json


def test_artifacts_from_a_flow(api, run_flow):
    result = run_flow("artifacts_flow.py")
    assert result.returncode == 0, result.describe()
    assert result.field("LATEST_DATA") == repr("# Report v2\n2 rows"), result.describe()
    progress_id = result.field("PROGRESS_ID")

    progress = api.get(f"artifacts/{progress_id}").json()
    assert progress["type"] == "progress", progress
    assert progress["data"] == 100.0, progress
    run_id = progress["flow_run_id"]
    assert run_id, progress

    in_run = api.post("artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run_id]}}})
    assert in_run.status_code == 200, in_run.text
    by_key = {a["key"]: a for a in in_run.json()}
    assert set(by_key) == {"load-progress", "row-table", "daily-report", "data-link"}, in_run.json()
    assert by_key["daily-report"]["type"] == "markdown"
    assert by_key["daily-report"]["data"] == "# Report v2\n2 rows"
    # Prefect stores a link artifact as markdown.
    assert by_key["data-link"]["data"] == "[data](https://example.com/data.csv)", by_key["data-link"]
    table = by_key["row-table"]
    assert table["type"] == "table"
    assert table["task_run_id"], table
    assert json.loads(table["data"]) == [{"name": "a", "value": 1}, {"name": "b", "value": 2}]
    task_run = api.get(f"task_runs/{table['task_run_id']}")
    assert task_run.status_code == 200 and task_run.json()["flow_run_id"] == run_id, task_run.text

    assert api.post("artifacts/count", json={}).json() == 8
    latest = api.post("artifacts/latest/filter", json={"sort": "KEY_ASC"}).json()
    assert [c["key"] for c in latest] == ["daily-report", "data-link", "load-progress", "row-table"]
    report = api.get("artifacts/daily-report/latest").json()
    assert report["latest_id"] == by_key["daily-report"]["id"], report
    assert api.post("artifacts/latest/count", json={}).json() == 4


def test_prefect_artifact_cli(api, prefect_cli, run_flow):
    if api.post("artifacts/latest/count", json={}).json() == 0:
        result = run_flow("artifacts_flow.py")
        assert result.returncode == 0, result.describe()
    r = prefect_cli("artifact", "ls")
    assert r.returncode == 0, r.describe()
    for key in ("daily-report", "data-link", "load-progress", "row-table"):
        assert key in r.stdout, r.describe()
    r = prefect_cli("artifact", "ls", "--all", "--output", "json")
    assert r.returncode == 0, r.describe()
    assert sum(a["key"] == "daily-report" for a in json.loads(r.stdout)) == 2, r.stdout
    r = prefect_cli("artifact", "inspect", "daily-report")
    assert r.returncode == 0 and "Report v2" in r.stdout, r.describe()
    r = prefect_cli("artifact", "delete", "row-table")
    assert r.returncode == 0, r.describe()
    assert api.get("artifacts/row-table/latest").status_code == 404
    assert api.post("artifacts/count", json={"artifacts": {"key": {"any_": ["row-table"]}}}).json() == 0
