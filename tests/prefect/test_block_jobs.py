"""A Secret block in a deployment's job variables, `env: {TOKEN: "{{ prefect.blocks.secret.api-key }}"}`:
through the real `prefect deploy --job-variable` (which resolves it at deploy time, as Prefect does) and
through the API with the placeholder kept (Baton's worker resolves it when the run starts). Either way the
flow sees the secret's value. Also: a LocalFileSystem block as result storage, read back by another process."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import FLOWS_DIR, run_prefect_cli, venv_dir
from helpers import log_messages, wait_for
from worker_helpers import copy_project, run_id_from, wait_for_run

SECRET = "job-zq-7731"
PLACEHOLDER = "{{ prefect.blocks.secret.api-key }}"
RUN_DEADLINE_S = 90.0


def save_secret(api) -> None:
    t = api.get("block_types/slug/secret").json()
    schemas = api.post("block_schemas/filter", json={"block_schemas": {"block_type_id": {"any_": [t["id"]]}}}).json()
    body = {"name": "api-key", "data": {"value": SECRET}, "block_type_id": t["id"], "block_schema_id": schemas[0]["id"]}
    r = api.post("block_documents/", json=body)
    assert r.status_code == 201, r.text


def saw_token(api, run_id: str) -> None:
    """The flow's printed line (its logs may arrive just after the run completes)."""

    def probe():
        lines = log_messages(api, run_id)
        assert any(f"TOKEN={SECRET}" in line for line in lines), lines
        return lines

    wait_for(probe, timeout=15, interval=0.2, what=f"run {run_id} to log TOKEN={SECRET}")


def test_secret_in_job_variables_reaches_the_flow(baton_factory, tmp_path_factory):
    # The in-process worker runs the flow with the test venv's python (found through VIRTUAL_ENV).
    baton = baton_factory(env={"VIRTUAL_ENV": str(venv_dir())})
    with baton.client() as api:
        check_secret_in_job_variables(baton, api, tmp_path_factory)


def check_secret_in_job_variables(baton, api, tmp_path_factory):
    save_secret(api)
    project = copy_project(tmp_path_factory.mktemp("blocks") / "project", FLOWS_DIR / "block_project")
    home = tmp_path_factory.mktemp("prefect-home")

    def cli(*args):
        result = run_prefect_cli(baton.api_url, home, *args, cwd=project)
        assert result.returncode == 0, result.describe()
        return result

    # A JSON object is how Prefect's CLI takes a job variable whose value is an object.
    cli("--no-prompt", "deploy", "env_flow.py:show_token", "-n", "at-deploy", "-p", "default",
        "--job-variable", json.dumps({"env": {"TOKEN": PLACEHOLDER}}))
    deployed = api.get("deployments/name/show-token/at-deploy").json()
    assert deployed["job_variables"]["env"] == {"TOKEN": SECRET}, "prefect deploy resolves it at deploy time"
    run_id = run_id_from(cli("deployment", "run", "show-token/at-deploy").stdout)
    wait_for_run(api, run_id, "COMPLETED", timeout=RUN_DEADLINE_S)
    saw_token(api, run_id)

    body = {k: deployed[k] for k in ("flow_id", "entrypoint", "path", "pull_steps", "work_pool_name")}
    body.update(name="at-run", job_variables={"env": {"TOKEN": PLACEHOLDER}})
    r = api.post("deployments/", json=body)
    assert r.status_code in (200, 201), r.text
    assert r.json()["job_variables"]["env"]["TOKEN"] == PLACEHOLDER, "kept as written"
    run = api.post(f"deployments/{r.json()['id']}/create_flow_run", json={}).json()
    wait_for_run(api, run["id"], "COMPLETED", timeout=RUN_DEADLINE_S)
    saw_token(api, run["id"])


WRITE = """
import sys
from prefect import flow
from prefect.filesystems import LocalFileSystem

LocalFileSystem(basepath=sys.argv[1]).save("results", overwrite=True)

@flow(persist_result=True, result_storage=LocalFileSystem.load("results"))
def compute() -> dict:
    return {"answer": 42}

print("RUN_ID=" + str(compute(return_state=True).state_details.flow_run_id))
"""

READ = """
import asyncio, sys
from prefect.client.orchestration import get_client

async def main(run_id):
    async with get_client() as client:
        run = await client.read_flow_run(run_id)
        print("RESULT=" + repr(await run.state.result()))

asyncio.run(main(sys.argv[1]))
"""


def test_local_file_system_as_result_storage(baton, run_flow, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("results")
    (tmp / "write.py").write_text(WRITE)
    (tmp / "read.py").write_text(READ)
    wrote = run_flow(tmp / "write.py", str(tmp / "store"))
    assert wrote.returncode == 0, wrote.describe()
    assert any((tmp / "store").iterdir()), "the result file is in the block's directory"
    read = run_flow(tmp / "read.py", wrote.field("RUN_ID"))
    assert read.returncode == 0, read.describe()
    assert read.field("RESULT") == "{'answer': 42}", read.describe()
