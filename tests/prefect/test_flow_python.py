"""Issue 13's story: `baton serve` started outside the venv (no VIRTUAL_ENV, and the python3 on its PATH has no
prefect), a flow deployed with the real `prefect deploy` from a project without a `.venv`. Its run must not
start under a Python without Prefect: it ends FAILED with one line naming the interpreter and the three fixes
(shown by `baton flow-run why`). Deploying again with `--job-variable python=<venv>/bin/python`, as the
message says, makes the same deployment's run COMPLETE."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import baton_bin, run_prefect_cli, venv_dir
from helpers import log_messages
from worker_helpers import copy_project, run_id_from, wait_for_run

RUN_DEADLINE_S = 60.0
FIXES = ("--job-variable python=", ".venv", "baton serve --python")


def has_prefect(python: str, path: str) -> bool:
    probe = subprocess.run(
        [python, "-c", "import prefect"],
        env={"PATH": path},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )
    return probe.returncode == 0


def path_without_prefect(tmp: Path) -> str:
    """A PATH without the test venv whose `python3` cannot import prefect: the machine's own when it lacks
    prefect, else a shim that runs it without site-packages."""
    venv_bin = str(venv_dir() / "bin")
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and d != venv_bin]
    path = os.pathsep.join(dirs)
    python3 = shutil.which("python3", path=path)
    if python3 and not has_prefect(python3, path):
        return path
    real = python3 or os.path.realpath(venv_dir() / "bin" / "python")
    shim_dir = tmp / "shim-bin"
    shim_dir.mkdir()
    shim = shim_dir / "python3"
    shim.write_text(f'#!/bin/sh\nexec "{real}" -S "$@"\n')
    shim.chmod(0o755)
    path = os.pathsep.join([str(shim_dir), *dirs])
    assert not has_prefect("python3", path), "the shim must hide prefect"
    return path


@pytest.fixture(scope="module")
def setup(baton_factory, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("flow-python")
    project = copy_project(tmp / "project")
    assert not any((d / v).exists() for d in [project, *project.parents] for v in (".venv", "venv")), (
        "the story needs a project without a virtualenv above it"
    )
    prefect_home = tmp_path_factory.mktemp("prefect-home")
    server = baton_factory(
        env={"VIRTUAL_ENV": "", "PATH": path_without_prefect(tmp), "PREFECT_HOME": str(prefect_home)},
        baton_only=True,
    )

    def cli(*args):
        result = run_prefect_cli(server.api_url, prefect_home, *args, cwd=project)
        assert result.returncode == 0, result.describe()
        return result

    return server, cli


def run_deployment(server, cli, want):
    run_id = run_id_from(cli("deployment", "run", "my-flow/x", "--param", "name=Ada").stdout)
    with server.client() as api:
        run = wait_for_run(
            api, run_id, want, timeout=RUN_DEADLINE_S, context=lambda: server.output_tail(60)
        )
        return run, log_messages(api, run_id)


def test_without_prefect_the_run_fails_with_one_line_that_says_how_to_fix_it(setup):
    server, cli = setup
    cli("--no-prompt", "deploy", "my_flow.py:my_flow", "-n", "x", "-p", "default")
    run, logs = run_deployment(server, cli, "FAILED")
    message = run["state"]["message"]
    assert "\n" not in message, message
    assert "python3 (found on the PATH) cannot import prefect" in message, message
    for fix in FIXES:
        assert fix in message, (fix, message)
    assert any("cannot import prefect" in line for line in logs), logs
    assert not any("ModuleNotFoundError" in line for line in logs), ("nothing was started", logs)

    why = subprocess.run(
        [str(baton_bin()), "--api", server.api_url, "flow-run", "why", run["id"]],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert why.returncode == 0, why.stderr
    assert message in why.stdout, why.stdout


def test_the_python_job_variable_makes_the_same_run_complete(setup):
    server, cli = setup
    python = str(venv_dir() / "bin" / "python")
    cli("--no-prompt", "deploy", "my_flow.py:my_flow", "-n", "x", "-p", "default",
        "--job-variable", f"python={python}")
    with server.client() as api:
        deployment = api.get("deployments/name/my-flow/x").json()
    assert deployment["job_variables"] == {"python": python}, deployment
    run, _ = run_deployment(server, cli, "COMPLETED")
    assert run["parameters"] == {"name": "Ada"}, run
