"""Variables with the real client: `prefect.variables.Variable` in a flow script and the `prefect variable` CLI."""

from __future__ import annotations

import json


def test_variable_sdk_in_a_flow(api, run_flow):
    r = api.post("variables/", json={"name": "plain_number", "value": 7})
    assert r.status_code == 201, r.text
    result = run_flow("variables_flow.py")
    assert result.returncode == 0, result.describe()
    assert result.field("SECOND_SET") == "refused", result.describe()
    assert result.field("MISSING") == "'fallback'", result.describe()
    assert result.field("RESULT") == "us:1", result.describe()
    assert result.field("NUMBER") == "7", result.describe()
    assert result.field("AFTER_UNSET") == "None", result.describe()
    stored = api.get("variables/name/pipeline_conf").json()
    assert stored["value"] == {"region": "us", "shards": [1]}, stored
    assert api.get("variables/name/plain_number").status_code == 404


def test_prefect_variable_cli(api, prefect_cli):
    r = prefect_cli("variable", "set", "cli_var", "hello")
    assert r.returncode == 0, r.describe()
    r = prefect_cli("variable", "set", "cli_json", '{"k": [1, 2]}', "--tag", "a")
    assert r.returncode == 0, r.describe()
    r = prefect_cli("variable", "set", "cli_var", "again")
    assert r.returncode != 0, r.describe()
    r = prefect_cli("variable", "set", "cli_var", "replaced", "--overwrite")
    assert r.returncode == 0, r.describe()
    r = prefect_cli("variable", "get", "cli_var")
    assert r.returncode == 0 and "replaced" in r.stdout, r.describe()
    r = prefect_cli("variable", "ls")
    assert r.returncode == 0, r.describe()
    assert "cli_var" in r.stdout and "cli_json" in r.stdout, r.describe()
    r = prefect_cli("variable", "inspect", "cli_json")
    assert r.returncode == 0 and "cli_json" in r.stdout, r.describe()
    assert api.get("variables/name/cli_json").json()["value"] == {"k": [1, 2]}
    assert api.get("variables/name/cli_json").json()["tags"] == ["a"]
    r = prefect_cli("variable", "unset", "cli_var")
    assert r.returncode == 0, r.describe()
    assert api.get("variables/name/cli_var").status_code == 404
    r = prefect_cli("variable", "inspect", "cli_var")
    assert r.returncode != 0, r.describe()
    r = prefect_cli("variable", "ls", "--output", "json")
    assert r.returncode == 0, r.describe()
    names = [v["name"] for v in json.loads(r.stdout)]
    assert "cli_json" in names and "cli_var" not in names, names
