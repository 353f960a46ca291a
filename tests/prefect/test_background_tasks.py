"""Background tasks with the real SDK: `task.delay()` / `task.apply_async()` in one process, executed by task
workers (`prefect.task_worker.serve(...)`) in others over the websocket /api/task_runs/subscriptions/scheduled.

1. A task worker (serving add and shout) is listed by POST /task_workers/filter with its task keys (and filtered by key).
2. `add.delay(2, 3).result()` is 5; `shout.apply_async(("hello",)).result()` is "HELLO!"; the task runs are
   recorded (no flow run, tags, Completed).
3. Two workers (serving record, limit 1 each) share a batch of 20 one-second tasks: each runs exactly once, both workers take part.
4. A task submitted while no worker serves it waits (Scheduled), and runs when a worker for it starts.
5. A stopped worker disappears from /task_workers/filter.

Parameters and results travel through shared local storage (PREFECT_LOCAL_STORAGE_PATH), as Prefect requires
for background tasks across processes. Flows: flows/bg_tasks.py, flows/bg_task_worker.py, flows/bg_submit.py.
Wire details: /work/notes/pause-tasks-wire.md.
"""

from __future__ import annotations

import json
import socket
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import FLOWS_DIR, BackgroundProcess, flow_env, run_flow_script
from helpers import brief_run, get_json, post_json, wait_for

START_DEADLINE_S = 60.0
RESULT_DEADLINE_S = 120.0
BATCH = 20
TASK_KEY_PREFIXES = ("add-", "shout-")  # what the module's worker serves (record: the batch test's workers)


class Exited(Exception):
    """Not an AssertionError, so `wait_for` stops at once."""


@pytest.fixture(scope="module")
def storage(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("task-storage")
    return {"PREFECT_LOCAL_STORAGE_PATH": str(path), "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true"}


@pytest.fixture(scope="module")
def spawn_worker(baton, storage, tmp_path_factory):
    started: list[BackgroundProcess] = []

    def _spawn(tasks: str = "add,record,shout", limit: int = 10) -> BackgroundProcess:
        log_dir = tmp_path_factory.mktemp("task-worker")
        home = log_dir / "prefect-home"
        home.mkdir()
        env = flow_env(baton.api_url, home, {**storage, "BATON_TASKS": tasks, "BATON_TASK_LIMIT": str(limit)})
        proc = BackgroundProcess(
            [sys.executable, str(FLOWS_DIR / "bg_task_worker.py")], env=env, cwd=FLOWS_DIR, log_dir=log_dir, tag="worker"
        )
        started.append(proc)
        return proc

    yield _spawn
    for proc in started:
        proc.close()


def worker_id(proc: BackgroundProcess) -> str:
    """The client_id Prefect's task worker subscribes with."""
    return f"{socket.gethostname()}-{proc.pid}"


def task_workers(api, task_keys: "list[str] | None" = None) -> list[dict]:
    body = {"task_worker_filter": {"task_keys": task_keys}} if task_keys is not None else {}
    return post_json(api, "task_workers/filter", body)


def wait_listed(api, *procs: BackgroundProcess) -> dict:
    """Waits until every worker is listed; answers {identifier: entry}."""
    wanted = {worker_id(p): p for p in procs}

    def probe():
        for p in procs:
            if not p.running():
                raise Exited(f"a task worker exited\n{p.describe()}")
        listed = {w["identifier"]: w for w in task_workers(api)}
        missing = set(wanted) - set(listed)
        assert not missing, f"not listed: {sorted(missing)}; listed: {sorted(listed)}"
        return listed

    return wait_for(probe, timeout=START_DEADLINE_S, interval=0.3, what="the task workers to subscribe")


@pytest.fixture(scope="module")
def worker(api, spawn_worker):
    proc = spawn_worker(tasks="add,shout")
    wait_listed(api, proc)
    return proc


def submit(baton, storage, *args: str, timeout: float = RESULT_DEADLINE_S):
    result = run_flow_script(baton, "bg_submit.py", *args, timeout=timeout, extra_env=storage)
    assert result.returncode == 0, result.describe()
    raw = result.field("RESULT")
    assert raw is not None, result.describe()
    ids = [line.split("=", 1)[1] for line in result.stdout.splitlines() if line.startswith("TASK_RUN_ID=")]
    return json.loads(raw), ids, result


def test_task_worker_is_listed(api, worker):
    listed = wait_listed(api, worker)
    entry = listed[worker_id(worker)]
    keys = sorted(entry["task_keys"])
    assert len(keys) == 2 and all(any(k.startswith(p) for k in keys) for p in TASK_KEY_PREFIXES), entry
    assert entry["timestamp"], entry
    add_key = next(k for k in keys if k.startswith("add-"))
    by_key = task_workers(api, [add_key])
    assert worker_id(worker) in [w["identifier"] for w in by_key], by_key
    assert task_workers(api, ["no-such-task-00000000"]) == []


def test_delay_returns_the_result(baton, api, storage, worker):
    value, ids, result = submit(baton, storage, "add", "2", "3")
    assert value == 5, result.describe()
    assert len(ids) == 1, result.describe()

    def completed():
        run = get_json(api, f"task_runs/{ids[0]}")
        assert run["state"]["type"] == "COMPLETED", brief_run(run)
        return run

    run = wait_for(completed, timeout=20, what="the task run recorded Completed")
    assert run["flow_run_id"] is None, brief_run(run)
    assert run["task_key"].startswith("add-"), brief_run(run)
    assert set(run["tags"]) == {"baton", "bg"}, run["tags"]
    assert "BATON-ADD 2+3" in worker.stdout() + worker.stderr(), worker.describe()


def test_apply_async_returns_the_result(baton, api, storage, worker):
    value, ids, result = submit(baton, storage, "shout", "hello")
    assert value == "HELLO!", result.describe()
    run = get_json(api, f"task_runs/{ids[0]}")
    assert run["task_key"].startswith("shout-"), brief_run(run)


def test_two_workers_share_a_batch(baton, api, storage, spawn_worker, tmp_path):
    """Limit 1 per worker and 1 s per task: one worker can hold at most two runs at a time (one running, one
    waiting for a slot), so the server must hand the rest of the batch to the other."""
    w1, w2 = spawn_worker(tasks="record", limit=1), spawn_worker(tasks="record", limit=1)
    wait_listed(api, w1, w2)
    out_dir = tmp_path / "executions"
    out_dir.mkdir()

    value, ids, result = submit(baton, storage, "batch", str(BATCH), str(out_dir), "1.0")
    assert [v["item"] for v in value] == list(range(BATCH)), result.describe()
    assert len(set(ids)) == BATCH, result.describe()

    files = sorted(p.name for p in out_dir.iterdir())
    items = Counter(int(name.split("-")[0]) for name in files)
    twice = {item: n for item, n in items.items() if n != 1}
    assert not twice and set(items) == set(range(BATCH)), f"executions per item: {dict(items)}; files: {files}"
    pids = Counter(int(name.split("-")[1]) for name in files)
    print(f"\nexecutions per worker pid: {dict(pids)}")
    assert set(pids) <= {w1.pid, w2.pid}, (pids, w1.pid, w2.pid)
    assert set(pids) == {w1.pid, w2.pid}, f"one worker ran the whole batch: {dict(pids)}"
    assert Counter(v["pid"] for v in value) == pids, value

    def all_completed():
        runs = post_json(api, "task_runs/filter", {"task_runs": {"id": {"any_": ids}}, "limit": 200})
        not_done = [brief_run(r) for r in runs if r["state"]["type"] != "COMPLETED"]
        assert len(runs) == BATCH and not not_done, not_done or len(runs)
        return runs

    wait_for(all_completed, timeout=20, what="every task run recorded Completed")


def test_task_waits_for_a_worker(baton, api, storage, spawn_worker, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("late-submitter")
    home = log_dir / "prefect-home"
    home.mkdir()
    submitter = BackgroundProcess(
        [sys.executable, str(FLOWS_DIR / "bg_submit.py"), "late", "bird"],
        env=flow_env(baton.api_url, home, storage),
        cwd=FLOWS_DIR,
        log_dir=log_dir,
        tag="submitter",
    )
    try:

        def submitted():
            for line in submitter.stdout().splitlines():
                if line.startswith("TASK_RUN_ID="):
                    return line.split("=", 1)[1]
            if not submitter.running():
                raise Exited(submitter.describe())
            return None

        run_id = wait_for(submitted, timeout=START_DEADLINE_S, what="the late task's submission")
        run = get_json(api, f"task_runs/{run_id}")
        assert run["state"]["type"] == "SCHEDULED", brief_run(run)
        details = run["state"]["state_details"]
        assert details["deferred"] is True and details["task_parameters_id"], details
        assert run["flow_run_id"] is None, brief_run(run)
        assert submitter.running(), submitter.describe()

        late_worker = spawn_worker(tasks="late")
        try:
            code = submitter.process.wait(timeout=RESULT_DEADLINE_S)
        except Exception:
            raise AssertionError(f"{submitter.describe()}\n{late_worker.describe()}") from None
        assert code == 0, submitter.describe()
        assert "RESULT=" + json.dumps("late bird") in submitter.stdout(), submitter.describe()
    finally:
        submitter.close()


def test_stopped_worker_is_forgotten(api, spawn_worker):
    proc = spawn_worker(tasks="shout")
    wait_listed(api, proc)
    assert proc.stop() is not None, proc.describe()
    wait_for(
        lambda: worker_id(proc) not in [w["identifier"] for w in task_workers(api)],
        timeout=20,
        what="the stopped worker to leave /task_workers/filter",
    )
