"""Walkthrough 4 with Baton's own worker: `prefect work-pool create/ls`, `baton serve --pool`, `prefect deploy`,
`prefect deployment run`. The in-process worker runs the deployed flows under Prefect's engine (with the
test venv's python, through VIRTUAL_ENV): task runs, logs exactly once, worker labels, a quick start, a
failing flow and a flow-level retry."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from conftest import run_prefect_cli, venv_dir
from helpers import brief_run, get_json, log_messages, post_json, wait_for
from worker_helpers import (
    copy_project,
    parse_time,
    process_gone,
    run_id_from,
    task_runs_of,
    wait_for_run,
)

POOL = "my-process-pool"
RUN_DEADLINE_S = 60.0
# Logs and task runs reach the API after the final state: the engine flushes them as it exits.
FLUSH_DEADLINE_S = 20.0
START_BOUND_S = 15.0
PROCESS_JOB_CONFIGURATION_KEYS = {"command", "env", "labels", "name", "stream_output", "working_dir"}

# entrypoint -> (flow name, deployment name)
DEPLOYMENTS = {
    "my_flow.py:my_flow": ("my-flow", "my-deployment"),
    "doomed_flow.py:doomed_flow": ("doomed-flow", "doomed"),
    "flaky_flow.py:flaky_flow": ("flaky-flow", "flaky"),
}


class Ctx:
    def __init__(self, factory, tmp_path_factory):
        self.factory = factory
        self.home = tmp_path_factory.mktemp("baton-home")
        self.prefect_home = tmp_path_factory.mktemp("prefect-home")
        self.project = copy_project(tmp_path_factory.mktemp("project") / "my-project")
        self.server = None

    def cli(self, *args, **kwargs):
        return run_prefect_cli(self.server.api_url, self.prefect_home, *args, cwd=self.project, **kwargs)

    def baton_context(self) -> str:
        return "--- baton ---\n" + self.server.output_tail(80) if self.server and self.server.process else ""


@pytest.fixture(scope="module")
def ctx(baton_factory, tmp_path_factory):
    return Ctx(baton_factory, tmp_path_factory)


@pytest.fixture(scope="module")
def plain_server(ctx):
    """A Baton with default options: its in-process worker serves only `default`."""
    ctx.server = ctx.factory(home=ctx.home, baton_only=True)
    return ctx.server


@pytest.fixture(scope="module")
def pool_created(ctx, plain_server):
    return ctx.cli("work-pool", "create", "--type", "process", POOL)


@pytest.fixture(scope="module")
def api(ctx, plain_server):
    """An httpx client that follows `ctx.server` (Baton is restarted on the same data home)."""

    class Follow:
        def __getattr__(self, name):
            client = ctx.__dict__.setdefault("_clients", {}).get(ctx.server.api_url)
            if client is None:
                client = ctx.server.client()
                ctx._clients[ctx.server.api_url] = client
            return getattr(client, name)

    yield Follow()
    for client in ctx.__dict__.get("_clients", {}).values():
        client.close()


def test_work_pool_create(api, pool_created):
    assert pool_created.returncode == 0, pool_created.describe()
    pool = get_json(api, f"work_pools/{POOL}")
    assert pool["name"] == POOL and pool["type"] == "process", pool
    template = pool["base_job_template"]
    assert set(template["job_configuration"]) == PROCESS_JOB_CONFIGURATION_KEYS, template
    props = template["variables"]["properties"]
    assert {"command", "env", "working_dir"} <= set(props), sorted(props)


def test_work_pool_ls(ctx, pool_created):
    result = ctx.cli("work-pool", "ls")
    assert result.returncode == 0, result.describe()
    rows = [line for line in result.stdout.splitlines() if POOL in line]
    assert len(rows) == 1 and "process" in rows[0], result.describe()


@pytest.fixture(scope="module")
def worker_server(ctx, plain_server, pool_created):
    """Restart Baton on the same data home with its worker serving POOL, running flows with the venv's
    python; the flow processes inherit an isolated PREFECT_HOME."""
    before = get_json(ctx.server.client(), f"work_pools/{POOL}") if pool_created.returncode == 0 else None
    ctx.factory.stop(plain_server)
    ctx.server = ctx.factory(
        args=["--pool", POOL],
        env={"VIRTUAL_ENV": str(venv_dir()), "PREFECT_HOME": str(ctx.prefect_home)},
        home=ctx.home,
        baton_only=True,
    )
    return ctx.server, before


def test_restart_keeps_the_pool(api, worker_server):
    _, before = worker_server
    if before is None:
        pytest.skip("work-pool create failed (see test_work_pool_create)")
    after = get_json(api, f"work_pools/{POOL}")
    assert after["id"] == before["id"], (before, after)
    assert after["base_job_template"] == before["base_job_template"], (
        "serving the pool must not replace the template `prefect work-pool create` stored",
        before["base_job_template"],
        after["base_job_template"],
    )


@pytest.fixture(scope="module")
def deployed(ctx, worker_server):
    results = {}
    for entrypoint, (_, name) in DEPLOYMENTS.items():
        results[entrypoint] = ctx.cli("--no-prompt", "deploy", entrypoint, "-n", name, "-p", POOL)
    return results


def deployment(api, deployed, entrypoint):
    result = deployed[entrypoint]
    assert result.returncode == 0, result.describe()
    flow_name, name = DEPLOYMENTS[entrypoint]
    return get_json(api, f"deployments/name/{flow_name}/{name}")


@pytest.mark.parametrize("entrypoint", list(DEPLOYMENTS))
def test_prefect_deploy(ctx, api, deployed, entrypoint):
    d = deployment(api, deployed, entrypoint)
    assert d["entrypoint"] == entrypoint, d
    assert d["work_pool_name"] == POOL, d
    assert d["schedules"] == [], d["schedules"]
    assert d["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(ctx.project)}}
    ], d["pull_steps"]


@pytest.fixture(scope="module")
def triggered(ctx, api, deployed):
    """Start all three runs at once (they run concurrently): my-flow with the CLI, the others with the API."""
    out = {}
    run = ctx.cli("deployment", "run", "my-flow/my-deployment", "--param", "name=Ada")
    out["my_flow.py:my_flow"] = (run, time.time())
    for entrypoint in ("doomed_flow.py:doomed_flow", "flaky_flow.py:flaky_flow"):
        if deployed[entrypoint].returncode == 0:
            d = deployment(api, deployed, entrypoint)
            out[entrypoint] = post_json(api, f"deployments/{d['id']}/create_flow_run", {}, expect=201)
    return out


def my_flow_run(ctx, api, triggered):
    result, returned_at = triggered["my_flow.py:my_flow"]
    assert result.returncode == 0, result.describe()
    run_id = run_id_from(result.stdout)
    run = wait_for_run(api, run_id, "COMPLETED", timeout=RUN_DEADLINE_S, context=ctx.baton_context)
    return run, returned_at


def test_deployment_run_completes_under_prefect_engine(ctx, api, triggered):
    run, _ = my_flow_run(ctx, api, triggered)
    assert run["parameters"] == {"name": "Ada"}, run["parameters"]
    assert run["run_count"] == 1, brief_run(run)

    def settled():
        # The engine reports task states as events, sent in batches after the flow's own final state (which
        # goes through the API): the task run's last state may land a moment after the flow run's.
        tasks = task_runs_of(api, run["id"])
        assert tasks and all(t["state"]["type"] == "COMPLETED" for t in tasks), [brief_run(t) for t in tasks]
        return tasks

    tasks = wait_for(settled, timeout=FLUSH_DEADLINE_S, what="the flow's task run to complete")
    assert len(tasks) == 1, [brief_run(t) for t in tasks]
    assert tasks[0]["task_key"] and tasks[0]["name"].startswith("shout"), brief_run(tasks[0])


def test_printed_line_logged_exactly_once(ctx, api, triggered):
    run, _ = my_flow_run(ctx, api, triggered)
    def flushed():
        messages = log_messages(api, run["id"])
        # The flow's "Finished in state" line is the last the engine logs.
        assert sum(m.startswith("Finished in state") for m in messages) >= 2, messages
        return messages

    messages = wait_for(flushed, timeout=FLUSH_DEADLINE_S, what="the run's logs")
    hits = [m for m in messages if "BATON-WORKER-FLOW HELLO-ADA" in m]
    assert len(hits) == 1, messages
    assert hits[0] == "BATON-WORKER-FLOW HELLO-ADA", hits
    # The engine's own lines, also once each.
    finished = [m for m in messages if m.startswith("Finished in state Completed")]
    assert len(finished) == 2, messages  # the task's and the flow's


def test_worker_labels(ctx, api, triggered):
    run, _ = my_flow_run(ctx, api, triggered)
    labels = run.get("labels") or {}
    assert labels.get("prefect.worker.name"), labels
    assert labels.get("prefect.work-pool.name") == POOL, labels


def test_run_starts_quickly(ctx, api, triggered):
    run, returned_at = my_flow_run(ctx, api, triggered)
    started = parse_time(run["start_time"]).timestamp()
    latency = started - returned_at
    print(f"\nin-process worker: run started {latency:.2f}s after `prefect deployment run` returned")
    assert latency < START_BOUND_S, (latency, run["start_time"], datetime.fromtimestamp(returned_at, timezone.utc))


def test_raising_flow_fails(ctx, api, triggered):
    created = triggered.get("doomed_flow.py:doomed_flow")
    assert created, "the doomed-flow deployment was not created (see test_prefect_deploy)"
    run = wait_for_run(api, created["id"], "FAILED", timeout=RUN_DEADLINE_S, context=ctx.baton_context)
    assert run["run_count"] == 1, brief_run(run)
    assert "BATON-DOOMED" in (run["state"].get("message") or ""), run["state"]
    wait_for(
        lambda: any("BATON-DOOMED" in m for m in log_messages(api, run["id"])),
        timeout=FLUSH_DEADLINE_S,
        what="the exception in the run's logs",
    )


def test_flow_retry_completes_on_second_attempt(ctx, api, triggered):
    created = triggered.get("flaky_flow.py:flaky_flow")
    assert created, "the flaky-flow deployment was not created (see test_prefect_deploy)"
    run = wait_for_run(api, created["id"], "COMPLETED", timeout=RUN_DEADLINE_S, context=ctx.baton_context)
    assert run["run_count"] == 2, brief_run(run)
    messages = wait_for(
        lambda: [m for m in log_messages(api, run["id"]) if "BATON-FLAKY second attempt" in m],
        timeout=FLUSH_DEADLINE_S,
        what="the second attempt's printed line in the logs",
    )
    assert messages == ["BATON-FLAKY second attempt succeeds"], log_messages(api, run["id"])


def test_flow_retry_stays_in_one_process(ctx, api, triggered):
    """The engine retries the flow in its own process: the server turns the first FAILED into AwaitingRetry
    (SCHEDULED, due at once with retry_delay_seconds=0) and the engine proposes Running again. The worker
    must not take that AwaitingRetry run for a new scheduled run and start a second process for it."""
    created = triggered.get("flaky_flow.py:flaky_flow")
    assert created, "the flaky-flow deployment was not created (see test_prefect_deploy)"
    run = wait_for_run(api, created["id"], "COMPLETED", timeout=RUN_DEADLINE_S, context=ctx.baton_context)
    # Once the run's (latest) process has exited, everything it logged has been flushed.
    pid = int(str(get_json(api, f"flow_runs/{run['id']}").get("infrastructure_pid") or 0).rsplit(":", 1)[-1])
    if pid:
        wait_for(lambda: process_gone(pid), timeout=FLUSH_DEADLINE_S, what=f"process {pid} to exit")
    states = get_json(api, f"flow_run_states/?flow_run_id={run['id']}")
    names = [s["name"] for s in sorted(states, key=lambda s: s["timestamp"])]
    messages = log_messages(api, run["id"])
    # Prefect's server marks such a run `empirical_policy.retry_type = "in_process"` and leaves it out of
    # get_scheduled_flow_runs; a second engine process finds the run already final and logs MissingResult.
    assert names == ["Scheduled", "Pending", "Running", "AwaitingRetry", "Running", "Completed"], (
        f"states {names}; empirical_policy {run.get('empirical_policy')}; logs:\n" + "\n".join(messages)
    )
    assert not [m for m in messages if "Engine execution exited with unexpected exception" in m], messages


def test_run_processes_exit(ctx, api, triggered):
    """After their runs end, the flow processes exit by themselves (before Baton stops)."""
    run, _ = my_flow_run(ctx, api, triggered)
    runs = [run] + [get_json(api, f"flow_runs/{c['id']}") for k, c in triggered.items() if isinstance(c, dict)]
    for r in runs:
        pid = r.get("infrastructure_pid")
        assert pid, ("Baton's worker records the run's process as infrastructure_pid", brief_run(r))
        pid = int(str(pid).rsplit(":", 1)[-1])
        wait_for(lambda: process_gone(pid), timeout=FLUSH_DEADLINE_S, what=f"process {pid} of run {r['id']} to exit")


WATCH_DEADLINE_S = 90.0


def test_deployment_run_watch_exits_0_and_streams_logs(ctx, api, deployed):
    """`prefect deployment run --watch` follows the run over the events and logs websockets and exits with
    the run's outcome: 0 for COMPLETED, with the flow's own log lines printed."""
    assert deployed["my_flow.py:my_flow"].returncode == 0, deployed["my_flow.py:my_flow"].describe()
    result = ctx.cli(
        "deployment", "run", "my-flow/my-deployment", "--param", "name=Watcher", "--watch",
        timeout=WATCH_DEADLINE_S,
    )
    assert result.returncode == 0, result.describe() + ctx.baton_context()
    assert "stream closed unexpectedly" not in result.stdout + result.stderr, result.describe()
    assert "BATON-WORKER-FLOW HELLO-WATCHER" in result.stdout, result.describe()


def test_deployment_run_watch_exits_1_on_failure(ctx, api, deployed):
    assert deployed["doomed_flow.py:doomed_flow"].returncode == 0
    result = ctx.cli("deployment", "run", "doomed-flow/doomed", "--watch", timeout=WATCH_DEADLINE_S)
    assert result.returncode == 1, result.describe() + ctx.baton_context()
    assert "stream closed unexpectedly" not in result.stdout + result.stderr, result.describe()
    assert "BATON-DOOMED" in result.stdout, result.describe()


def test_flow_run_watch_follows_a_running_run(ctx, api, deployed, tmp_path):
    """`prefect flow-run watch ID` on a run that is still going: it streams until the run completes."""
    dep = ctx.cli("--no-prompt", "deploy", "sleeper_flow.py:sleeper_flow", "-n", "watched", "-p", POOL)
    assert dep.returncode == 0, dep.describe()
    d = get_json(api, "deployments/name/sleeper-flow/watched")
    pid_file = tmp_path / "watched.pid"
    run = post_json(
        api, f"deployments/{d['id']}/create_flow_run",
        {"parameters": {"pid_file": str(pid_file), "seconds": 4}}, expect=201,
    )
    result = ctx.cli("flow-run", "watch", run["id"], timeout=WATCH_DEADLINE_S)
    assert result.returncode == 0, result.describe() + ctx.baton_context()
    assert "already finished" not in result.stdout, "the run ended before the watch began"
    assert "finished successfully" in result.stdout, result.describe()
    assert get_json(api, f"flow_runs/{run['id']}")["state_type"] == "COMPLETED"
