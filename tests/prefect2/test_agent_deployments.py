"""The 2.x deployments tutorial: `prefect deployment build ... --apply`, `prefect deployment apply`,
`ls`/`inspect`, an agent (`prefect agent start -q`) running `prefect deployment run`, and cancelling a
running flow run that the agent then kills.

The tests run in file order and share one server, project directory and agent."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from p2helpers import (
    Fatal,
    created_flow_run_id,
    deployment_by_name,
    flow_run_state,
    get_json,
    pid_alive,
    post_json,
    wait_for,
)

# Unique per session, so the suite can run again against the same long-running server.
SUFFIX = uuid.uuid4().hex[:8]
QUEUE = f"tutorial-queue-{SUFFIX}"
NAME = f"tutorial-{SUFFIX}"
RUN_DEADLINE_S = 60.0
CANCEL_DEADLINE_S = 45.0


def test_build_apply_saves_deployment_and_blocks(cli, api, project):
    res = cli("deployment", "build", "flows/hello.py:hello", "-n", NAME, "-q", QUEUE, "--apply")
    assert res.returncode == 0, res.describe()
    assert f"Deployment 'hello/{NAME}' successfully created" in res.stdout, res.describe()
    assert (project.root / "hello-deployment.yaml").is_file(), res.describe()

    dep = deployment_by_name(api, "hello", NAME)
    assert dep["name"] == NAME, dep
    assert dep["work_queue_name"] == QUEUE, dep
    assert dep["entrypoint"] == "flows/hello.py:hello", dep
    assert Path(dep["path"]).resolve() == project.root.resolve(), dep
    assert dep["parameter_openapi_schema"]["properties"].keys() >= {"name", "marker"}, dep
    flow = get_json(api, f"flows/{dep['flow_id']}")
    assert flow["name"] == "hello", flow

    # The infrastructure is saved as an (anonymous) Process block document.
    assert dep["infrastructure_document_id"], dep
    infra = get_json(api, f"block_documents/{dep['infrastructure_document_id']}")
    assert infra["block_type"]["slug"] == "process", infra
    assert infra["data"].get("type") == "process", infra
    # No -sb: no storage block, the flow is loaded from `path` on the agent's machine.
    assert dep.get("storage_document_id") is None, dep


def test_apply_yaml_file(cli, api, project):
    res = cli("deployment", "build", "flows/sleeper.py:sleeper", "-n", NAME, "-q", QUEUE)
    assert res.returncode == 0, res.describe()
    manifest = project.root / "sleeper-deployment.yaml"
    assert manifest.is_file(), res.describe()
    spec = yaml.safe_load(manifest.read_text())
    assert spec["name"] == NAME and spec["work_queue_name"] == QUEUE, spec
    r = api.get(f"deployments/name/sleeper/{NAME}")
    assert r.status_code == 404, f"build without --apply must not create the deployment: {r.text}"

    spec["tags"] = ["tutorial"]
    spec["description"] = "sleeps until cancelled"
    manifest.write_text(yaml.safe_dump(spec, sort_keys=False))
    res = cli("deployment", "apply", manifest.name)
    assert res.returncode == 0, res.describe()
    assert f"Deployment 'sleeper/{NAME}' successfully created" in res.stdout, res.describe()

    dep = deployment_by_name(api, "sleeper", NAME)
    assert dep["tags"] == ["tutorial"], dep
    assert dep["description"] == "sleeps until cancelled", dep
    assert dep["work_queue_name"] == QUEUE, dep
    assert dep["infrastructure_document_id"], dep

    # Applying again updates the same deployment.
    res = cli("deployment", "apply", manifest.name)
    assert res.returncode == 0, res.describe()
    assert deployment_by_name(api, "sleeper", NAME)["id"] == dep["id"]


def test_deployment_ls_and_inspect(cli, api):
    res = cli("deployment", "ls")
    assert res.returncode == 0, res.describe()
    assert f"hello/{NAME}" in res.stdout and f"sleeper/{NAME}" in res.stdout, res.describe()

    dep = deployment_by_name(api, "hello", NAME)
    res = cli("deployment", "inspect", f"hello/{NAME}")
    assert res.returncode == 0, res.describe()
    out = res.stdout
    assert dep["id"] in out, res.describe()
    assert f"'name': '{NAME}'" in out, res.describe()
    assert f"'work_queue_name': '{QUEUE}'" in out, res.describe()
    # inspect also prints the infrastructure block's data
    assert "'infrastructure'" in out and "'type': 'process'" in out, res.describe()

    res = cli("deployment", "inspect", "hello/no-such-deployment")
    assert res.returncode == 1, res.describe()
    assert "not found" in res.stdout.lower(), res.describe()


@pytest.fixture(scope="module")
def agent(start_agent, api):
    agent = start_agent(QUEUE)

    def polling():
        if not agent.running():
            raise Fatal(agent.describe())
        return "Agent started! Looking for work from queue(s)" in agent.output()

    wait_for(polling, timeout=30, what="the agent to start")
    return agent


def test_agent_runs_deployment_to_completion(agent, cli, api, project, tmp_path):
    marker = tmp_path / "hello.txt"
    res = cli("deployment", "run", f"hello/{NAME}", "--param", "name=Marvin", "--param", f"marker={marker}")
    assert res.returncode == 0, res.describe()
    flow_run_id = created_flow_run_id(res.stdout)

    def done():
        if not agent.running():
            raise Fatal("the agent exited")
        state = flow_run_state(api, flow_run_id)
        if state in ("FAILED", "CRASHED", "CANCELLED"):
            raise Fatal(f"the run ended {state}")
        return state == "COMPLETED"

    try:
        wait_for(done, timeout=RUN_DEADLINE_S, what=f"flow run {flow_run_id} to complete")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{agent.describe()}") from None
    assert marker.read_text().startswith("Hello Marvin!"), marker.read_text()
    run = get_json(api, f"flow_runs/{flow_run_id}")
    assert run["parameters"]["name"] == "Marvin", run
    assert run["work_queue_name"] == QUEUE, run
    assert run["infrastructure_pid"], run
    task_runs = post_json(api, "task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run_id]}}})
    assert [t["state"]["type"] for t in task_runs] == ["COMPLETED"], task_runs
    assert flow_run_id in agent.output(), agent.describe()


def test_cancel_running_flow_run_kills_process(agent, cli, api, tmp_path):
    pid_file = tmp_path / "sleeper.pid"
    res = cli("deployment", "run", f"sleeper/{NAME}", "--param", f"pid_file={pid_file}")
    assert res.returncode == 0, res.describe()
    flow_run_id = created_flow_run_id(res.stdout)

    def running():
        if not agent.running():
            raise Fatal("the agent exited")
        state = flow_run_state(api, flow_run_id)
        if state in ("FAILED", "CRASHED", "COMPLETED", "CANCELLED"):
            raise Fatal(f"the run ended {state}")
        return state == "RUNNING" and pid_file.is_file()

    try:
        wait_for(running, timeout=RUN_DEADLINE_S, what=f"flow run {flow_run_id} to be running")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{agent.describe()}") from None
    pid = int(pid_file.read_text())
    assert pid_alive(pid)

    res = cli("flow-run", "cancel", flow_run_id)
    assert res.returncode == 0, res.describe()
    assert "scheduled for cancellation" in res.stdout, res.describe()

    def cancelled():
        if not agent.running():
            raise Fatal("the agent exited")
        state = flow_run_state(api, flow_run_id)
        if state not in ("RUNNING", "CANCELLING", "CANCELLED"):
            raise Fatal(f"the run went {state}")
        return state == "CANCELLED"

    try:
        wait_for(cancelled, timeout=CANCEL_DEADLINE_S, what=f"flow run {flow_run_id} to be CANCELLED")
        wait_for(lambda: not pid_alive(pid), timeout=15, what=f"flow run process {pid} to exit")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{agent.describe()}") from None
    run = get_json(api, f"flow_runs/{flow_run_id}")
    assert run["state"]["name"] == "Cancelled", run
    assert f"Cancelled flow run '{flow_run_id}'" in agent.output(), agent.describe()
