"""`baton serve --auth user:pass` with the real client: a flow script with PREFECT_API_AUTH_STRING runs to
COMPLETED (over HTTP and the events-in websocket, which carries its task runs), a wrong credential fails and
writes nothing, a deployment run by the in-process worker under Prefect's engine authenticates with the
credentials Baton passes it, and a stock Prefect worker and `flow.serve` work through it."""

from __future__ import annotations

import os
import subprocess

import httpx

from conftest import FLOWS_DIR, baton_bin, run_flow_script, venv_dir
from helpers import wait_for

AUTH = "admin:correct horse"


def client(server, auth: "tuple[str, str] | None" = ("admin", "correct horse")) -> httpx.Client:
    return httpx.Client(base_url=server.api_url.rstrip("/") + "/", auth=auth, timeout=10.0)


def test_flow_script_with_auth_string(baton_factory):
    server = baton_factory(args=["--auth", AUTH], baton_only=True)
    with client(server, auth=None) as anon:
        r = anon.post("flow_runs/filter", json={})
        assert r.status_code == 401 and r.json()["detail"] == "Unauthorized", r.text
        assert anon.get("health").status_code == 200

    ok = run_flow_script(server, "trivial_flow.py", extra_env={"PREFECT_API_AUTH_STRING": AUTH})
    assert ok.returncode == 0, ok.describe()
    run_id = ok.field("FLOW_RUN_ID")
    with client(server) as api:
        run = api.get(f"flow_runs/{run_id}").json()
        assert run["state"]["type"] == "COMPLETED", run
        tasks = api.post("task_runs/filter", json={"flow_runs": {"id": {"any_": [run_id]}}}).json()
        assert [t["state"]["type"] for t in tasks] == ["COMPLETED"], tasks

    bad = run_flow_script(
        server, "trivial_flow.py", extra_env={"PREFECT_API_AUTH_STRING": "admin:wrong"}, timeout=90
    )
    assert bad.returncode != 0, bad.describe()
    assert "401" in bad.stderr or "Unauthorized" in bad.stderr, bad.describe()
    none = run_flow_script(server, "trivial_flow.py", timeout=90)
    assert none.returncode != 0, none.describe()
    with client(server) as api:
        assert api.post("flow_runs/count", json={}).json() == 1


def test_deployment_run_by_the_in_process_worker(baton_factory):
    server = baton_factory(
        args=["--auth", AUTH], env={"VIRTUAL_ENV": str(venv_dir())}, baton_only=True
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "BATON_"))}
    env.update(BATON_AUTH_STRING=AUTH, NO_COLOR="1")

    def baton(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(baton_bin()), "--api", server.api_url, *args],
            cwd=FLOWS_DIR, env=env, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    d = baton("deploy", "auth_flow.py:auth_flow", "-n", "locked")
    assert d.returncode == 0, d.stdout + d.stderr
    r = baton("deployment", "run", "auth-flow/locked", "--param", "x=5", "--watch")
    assert r.returncode == 0, r.stdout + r.stderr + "\n--- baton ---\n" + server.output_tail(80)
    with client(server) as api:
        runs = api.post("flow_runs/filter", json={"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}).json()
        assert len(runs) == 1, runs
        run_id = runs[0]["id"]

        def logged():
            logs = api.post("logs/filter", json={"logs": {"flow_run_id": {"any_": [run_id]}}}).json()
            return any("doubled to 10" in l["message"] for l in logs) or None

        wait_for(logged, timeout=20, what="the flow's own log line, sent by Prefect's engine with the auth")
    env.pop("BATON_AUTH_STRING")
    denied = baton("deployment", "ls")
    assert denied.returncode == 1 and "Unauthorized" in denied.stderr, denied.stdout + denied.stderr


def test_stock_prefect_worker_with_auth(baton_factory, tmp_path):
    """`prefect worker start` (REST heartbeats on 3.8, the workers/connect websocket on 3.9) polls, claims and
    runs a deployed flow to COMPLETED through a server that requires auth."""
    from conftest import BackgroundProcess, flow_env, prefect_executable, run_prefect_cli
    from worker_helpers import copy_project, run_id_from, wait_for_run

    server = baton_factory(args=["--auth", AUTH, "--no-worker"], baton_only=True)
    home = tmp_path / "prefect-home"
    home.mkdir()
    project = copy_project(tmp_path / "project")
    creds = {"PREFECT_API_AUTH_STRING": AUTH}

    def cli(*args: str, **kwargs):
        return run_prefect_cli(server.api_url, home, *args, cwd=project, extra_env=creds, **kwargs)

    r = cli("work-pool", "create", "--type", "process", "locked-pool")
    assert r.returncode == 0, r.describe()
    env = flow_env(server.api_url, home, {**creds, "PREFECT_WORKER_QUERY_SECONDS": "2"})
    worker = BackgroundProcess(
        [str(prefect_executable()), "worker", "start", "--pool", "locked-pool", "--name", "locked-worker"],
        env=env, cwd=project, log_dir=tmp_path, tag="worker",
    )
    try:
        r = cli("--no-prompt", "deploy", "my_flow.py:my_flow", "-n", "locked", "-p", "locked-pool")
        assert r.returncode == 0, r.describe()
        r = cli("deployment", "run", "my-flow/locked", "--param", "name=Ada")
        assert r.returncode == 0, r.describe()
        run_id = run_id_from(r.stdout)
        with client(server) as api:
            context = lambda: worker.describe() + "\n--- baton ---\n" + server.output_tail(60)  # noqa: E731
            run = wait_for_run(api, run_id, "COMPLETED", timeout=90, context=context)
            assert (run.get("labels") or {}).get("prefect.worker.name") == "locked-worker", run
            workers = api.post("work_pools/locked-pool/workers/filter", json={}).json()
            assert [w["status"] for w in workers if w["name"] == "locked-worker"] == ["ONLINE"], workers
        # `--watch` follows the run over the events and logs websockets, which authenticate by token.
        r = cli("deployment", "run", "my-flow/locked", "--param", "name=Watch", "--watch", timeout=120)
        assert r.returncode == 0, r.describe() + "\n" + worker.describe()
        assert "BATON-WORKER-FLOW HELLO-WATCH" in r.stdout, r.describe()
    finally:
        worker.close()
    denied = run_prefect_cli(server.api_url, home, "work-pool", "ls", cwd=project)
    assert denied.returncode != 0, denied.describe()


def test_flow_serve_runs_and_cancels_with_auth(baton_factory):
    """`flow.serve` through a server with auth: the runner registers, picks up a run, and ends it when it is
    cancelled. (Whether the runner heard of the cancellation over the events websocket or by polling is not
    visible here; tests/api/auth.rs checks the websocket token gate itself.)"""
    from conftest import FLOWS_DIR, ServeProcess
    from worker_helpers import wait_for_run

    server = baton_factory(args=["--auth", AUTH, "--no-worker"], baton_only=True)
    proc = ServeProcess(
        server, FLOWS_DIR / "serve_sleeper.py",
        {"PREFECT_API_AUTH_STRING": AUTH, "PREFECT_RUNNER_POLL_FREQUENCY": "2"},
    )
    try:
        with client(server) as api:
            def registered():
                assert proc.running(), proc.describe()
                r = api.get("deployments/name/baton-serve-sleeper/sleepy")
                return r.json() if r.status_code == 200 else None

            dep = wait_for(registered, timeout=45, what="the served deployment")
            r = api.post(f"deployments/{dep['id']}/create_flow_run", json={})
            assert r.status_code == 201, r.text
            run_id = r.json()["id"]
            context = lambda: proc.describe() + "\n--- baton ---\n" + server.output_tail(60)  # noqa: E731
            wait_for_run(api, run_id, "RUNNING", timeout=60, context=context)
            r = api.post(f"flow_runs/{run_id}/set_state", json={"state": {"type": "CANCELLING"}})
            assert r.status_code in (200, 201) and r.json()["status"] == "ACCEPT", r.text
            wait_for_run(api, run_id, "CANCELLED", timeout=45, context=context)
    finally:
        proc.close()
