"""docs/tutorial.md part 2, run as written: each `sh` block in order, with the real Prefect SDK and CLI (the
test venv's `python` and `prefect` first on PATH) against a Baton whose in-process worker runs the flows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO, venv_dir
from helpers import wait_for

BLOCK_TIMEOUT_S = 120


def sh_blocks(doc: str, start: str, end: str) -> list[str]:
    part = doc.split(start, 1)[1].split(end, 1)[0]
    blocks, current = [], None
    for line in part.splitlines():
        if current is None and line.rstrip() == "```sh":
            current = []
        elif current is not None and line.rstrip() == "```":
            blocks.append("\n".join(current) + "\n")
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def test_part_two_runs_as_written(baton_factory, tmp_path):
    server = baton_factory(env={"VIRTUAL_ENV": str(venv_dir())}, baton_only=True)
    doc = (REPO / "docs" / "tutorial.md").read_text()
    blocks = sh_blocks(doc, "<!-- part2:start -->", "<!-- part2:end -->")
    assert len(blocks) >= 2
    work = tmp_path / "project"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PREFECT_API_URL=server.api_url,
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_CLI_PROMPT="false",
        COLUMNS="200",
    )
    for block in blocks:
        out = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block],
            cwd=work, env=env, capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S, stdin=subprocess.DEVNULL,
        )
        assert out.returncode == 0, f"block failed:\n{block}\n--- stdout ---\n{out.stdout}\n--- stderr ---\n{out.stderr}"
    with server.client() as api:
        dep = api.get("deployments/name/hello/hello-deployment").json()

        def completed_run():
            # The run `prefect deployment run` made, not one of the cron schedule's: at 06:30 in Berlin the
            # schedule's first run falls due while the test runs, and completes too (with the default name).
            body = {"flow_runs": {"deployment_id": {"any_": [dep["id"]]}, "state": {"type": {"any_": ["COMPLETED"]}}}}
            runs = [r for r in api.post("flow_runs/filter", json=body).json() if not r["auto_scheduled"]]
            return runs[0] if runs else None

        run = wait_for(completed_run, timeout=90, what="the deployment run to complete under Baton's worker")
        assert run["parameters"]["name"] == "Baton"
        schedules = api.get(f"deployments/{dep['id']}/schedules").json()
        assert any(s["schedule"].get("cron") == "30 6 * * *" for s in schedules)
