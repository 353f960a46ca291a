"""Concurrency and rate limits with the real client: what a user relies on.

1. A tag limit (`prefect concurrency-limit create TAG 1`) runs tagged tasks one at a time, and `inspect` shows
   the task run holding the slot; `ls`, `reset` and `delete` answer as the CLI expects.
2. A global limit (`prefect gcl create NAME --limit 2`) lets at most 2 of 6 threads into
   `concurrency(NAME)`; asking for more slots than the limit fails at once; `gcl` ls/inspect/update/
   disable/enable/delete.
3. A rate limit (`--slot-decay-per-second 5`) spaces `rate_limit()` calls out.
4. The lease of a holder killed with SIGKILL expires and a waiter gets the slot (slow: about 75 s).
5. Deployment concurrency with Prefect's own process worker: ENQUEUE runs one at a time, CANCEL_NEW cancels.
6. Bad input over raw HTTP gets the status codes the client depends on.

Tagged tasks whose tags have no limit are covered by test_tagged_tasks.py.

Every test makes its own limits (names end in a random suffix, the server may be shared) and deletes them.
Deselect the slow tests with `-k "not slow"`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from conftest import FLOWS_DIR, BackgroundProcess, flow_env, prefect_executable, run_prefect_cli
from helpers import brief_run, get_json, is_uuid, post_json, wait_for
from worker_helpers import RunEnded, parse_time, wait_for_run

SCRIPT_TIMEOUT_S = 90.0


def uid() -> str:
    return uuid.uuid4().hex[:8]


def q(name: str) -> str:
    return quote(name, safe="")


@pytest.fixture
def cleanup(api):
    """Remember the limits a test makes; delete them afterwards (whatever state the test left them in)."""

    class Made:
        def __init__(self):
            self.tags: list[str] = []
            self.names: list[str] = []

        def tag(self, tag: str) -> str:
            self.tags.append(tag)
            return tag

        def limit(self, name: str) -> str:
            self.names.append(name)
            return name

    made = Made()
    yield made
    for tag in made.tags:
        api.delete(f"concurrency_limits/tag/{q(tag)}")
    for name in made.names:
        api.delete(f"v2/concurrency_limits/{q(name)}")


def start_script(server, tmp_path: Path, tag: str, script: str, *args: str) -> BackgroundProcess:
    """A script from tests/prefect/flows in the background, with its own PREFECT_HOME; output in files."""
    home = tmp_path / f"{tag}-home"
    home.mkdir()
    return BackgroundProcess(
        [sys.executable, str(FLOWS_DIR / script), *args],
        env=flow_env(server.api_url, home),
        cwd=FLOWS_DIR,
        log_dir=tmp_path,
        tag=tag,
    )


def finish(proc: BackgroundProcess, timeout: float) -> int:
    try:
        return proc.process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"did not finish within {timeout:.0f}s\n{proc.describe()}") from None


def gcl(api, name: str) -> dict:
    return get_json(api, f"v2/concurrency_limits/{q(name)}")


def cli_json(result) -> object:
    assert result.returncode == 0, result.describe()
    try:
        return json.loads(result.stdout)
    except ValueError:
        raise AssertionError(f"not JSON:\n{result.describe()}") from None


def one_line(text: str) -> str:
    return " ".join(text.split())


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The largest number of [start, end) intervals that contain one instant."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals], key=lambda x: (x[0], x[1]))
    inside = best = 0
    for _, step in events:
        inside += step
        best = max(best, inside)
    return best


# ---------------------------------------------------------------------------------------------------------
# 1. Tag limits


def test_tag_limit_runs_tagged_tasks_one_at_a_time(baton, api, prefect_cli, cleanup, tmp_path):
    tag = cleanup.tag(f"crunch-{uid()}")
    r = prefect_cli("concurrency-limit", "create", tag, "1")
    assert r.returncode == 0, r.describe()
    assert "Created concurrency limit" in r.stdout and tag in r.stdout, r.describe()
    v1 = get_json(api, f"concurrency_limits/tag/{q(tag)}")
    assert v1["tag"] == tag and v1["concurrency_limit"] == 1 and v1["active_slots"] == [], v1

    out = tmp_path / "intervals"
    out.mkdir()
    proc = start_script(baton, tmp_path, "tag-tasks", "conc_tag_tasks.py", tag, str(out), "4", "2.0")
    seen: list[list[str]] = []
    try:
        # Poll `inspect` while the flow runs: the slot's holder is the task run that is running.
        deadline = time.monotonic() + SCRIPT_TIMEOUT_S
        while proc.running() and time.monotonic() < deadline:
            data = cli_json(prefect_cli("concurrency-limit", "inspect", tag, "-o", "json"))
            assert data["tag"] == tag and data["concurrency_limit"] == 1, data
            seen.append(list(data["active_slots"]))
        code = finish(proc, 5.0)
    finally:
        proc.close()
    assert code == 0, proc.describe()
    flow_run_id = next(
        (line.split("=", 1)[1].strip() for line in proc.stdout().splitlines() if line.startswith("FLOW_RUN_ID=")),
        None,
    )
    assert is_uuid(flow_run_id), proc.describe()

    records = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    assert sorted(r["i"] for r in records) == [0, 1, 2, 3], records
    records.sort(key=lambda r: r["start"])
    for a, b in zip(records, records[1:]):
        assert b["start"] >= a["end"], f"tasks {a['i']} and {b['i']} overlapped: {records}"

    tasks = post_json(api, "task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run_id]}}})
    task_ids = {t["id"] for t in tasks}
    assert {r["task_run_id"] for r in records} <= task_ids, (records, [brief_run(t) for t in tasks])
    assert all(t["state_type"] == "COMPLETED" for t in tasks), [brief_run(t) for t in tasks]
    assert all(len(slots) <= 1 for slots in seen), f"more holders than the limit: {seen}"
    holders = {h for slots in seen for h in slots}
    assert holders, f"`inspect` never showed a task run holding the slot while the flow ran: {seen}"
    assert holders <= task_ids, (holders, task_ids)

    # Afterwards nothing holds the slot.
    data = cli_json(prefect_cli("concurrency-limit", "inspect", tag, "-o", "json"))
    assert data["active_slots"] == [], data
    r = prefect_cli("concurrency-limit", "inspect", tag)
    assert r.returncode == 0 and tag in r.stdout, r.describe()

    listed = cli_json(prefect_cli("concurrency-limit", "ls", "--limit", "200", "-o", "json"))
    mine = [x for x in listed if x["tag"] == tag]
    assert len(mine) == 1 and mine[0]["concurrency_limit"] == 1 and mine[0]["active_slots"] == [], listed
    r = prefect_cli("concurrency-limit", "ls")
    assert r.returncode == 0 and "Concurrency Limits" in r.stdout, r.describe()

    r = prefect_cli("concurrency-limit", "reset", tag)
    assert r.returncode == 0 and "Reset concurrency limit" in r.stdout, r.describe()
    nope = f"nope-{uid()}"
    r = prefect_cli("concurrency-limit", "reset", nope)
    assert r.returncode == 1 and "No concurrency limit found" in r.stdout, r.describe()
    r = prefect_cli("concurrency-limit", "inspect", nope)
    assert r.returncode == 1 and "No concurrency limit found" in r.stdout, r.describe()

    r = prefect_cli("--no-prompt", "concurrency-limit", "delete", tag)
    assert r.returncode == 0 and "Deleted concurrency limit" in r.stdout, r.describe()
    assert api.get(f"concurrency_limits/tag/{q(tag)}").status_code == 404
    r = prefect_cli("--no-prompt", "concurrency-limit", "delete", tag)
    assert r.returncode == 1 and "No concurrency limit found" in r.stdout, r.describe()


# ---------------------------------------------------------------------------------------------------------
# 2. Global concurrency limits


def test_global_limit_admits_at_most_limit_threads(baton, api, prefect_cli, run_flow, cleanup):
    name = cleanup.limit(f"warehouse-{uid()}")
    r = prefect_cli("gcl", "create", name, "--limit", "2")
    assert r.returncode == 0 and "Created global concurrency limit" in r.stdout, r.describe()

    result = run_flow("conc_global.py", "threads", name, "6", "1.0", timeout=SCRIPT_TIMEOUT_S)
    assert result.returncode == 0, result.describe()
    intervals = json.loads(result.field("INTERVALS") or "null")
    assert intervals and sorted(i["i"] for i in intervals) == list(range(6)), result.describe()
    assert int(result.field("MAX_INSIDE")) <= 2, result.describe()
    assert max_overlap([(i["enter"], i["exit"]) for i in intervals]) <= 2, intervals
    # Every thread released its slot on the way out.
    assert gcl(api, name)["active_slots"] == 0, gcl(api, name)

    # More slots than the limit can ever give: an error at once, not a wait.
    result = run_flow("conc_global.py", "over", name, "3", timeout=SCRIPT_TIMEOUT_S)
    assert result.returncode == 0, result.describe()
    assert result.field("ENTERED") is None, result.describe()
    assert result.field("ERROR_TYPE") == "ConcurrencySlotAcquisitionError", result.describe()
    assert "greater than the limit" in (result.field("ERROR") or ""), result.describe()
    assert float(result.field("ELAPSED")) < 20.0, result.describe()
    assert gcl(api, name)["active_slots"] == 0, gcl(api, name)


def test_gcl_cli_lifecycle(api, prefect_cli, cleanup):
    name = cleanup.limit(f"warehouse-{uid()}")
    r = prefect_cli("gcl", "create", name, "--limit", "2")
    assert r.returncode == 0, r.describe()
    assert "Created global concurrency limit" in r.stdout and name in one_line(r.stdout), r.describe()
    r = prefect_cli("gcl", "create", name, "--limit", "2")
    assert r.returncode == 1 and "already exists" in r.stdout, r.describe()

    listed = cli_json(prefect_cli("gcl", "ls", "-o", "json"))
    mine = [x for x in listed if x["name"] == name]
    assert len(mine) == 1, listed
    assert mine[0]["limit"] == 2 and mine[0]["active"] is True and mine[0]["active_slots"] == 0, mine
    r = prefect_cli("gcl", "ls")
    assert r.returncode == 0 and "Global Concurrency Limits" in r.stdout, r.describe()

    shown = cli_json(prefect_cli("gcl", "inspect", name, "-o", "json"))
    assert shown["name"] == name and shown["limit"] == 2 and shown["active_slots"] == 0, shown
    assert shown["slot_decay_per_second"] == 0 and shown["active"] is True and is_uuid(shown["id"]), shown

    r = prefect_cli("gcl", "update", name, "--limit", "3")
    assert r.returncode == 0 and "Updated global concurrency limit" in r.stdout, r.describe()
    assert cli_json(prefect_cli("gcl", "inspect", name, "-o", "json"))["limit"] == 3
    nope = f"nope-{uid()}"
    for args in (("gcl", "update", nope, "--limit", "2"), ("gcl", "inspect", nope), ("--no-prompt", "gcl", "delete", nope)):
        r = prefect_cli(*args)
        assert r.returncode == 1 and "not found" in r.stdout, r.describe()

    r = prefect_cli("gcl", "disable", name)
    assert r.returncode == 0 and "Disabled global concurrency limit" in r.stdout, r.describe()
    assert gcl(api, name)["active"] is False
    r = prefect_cli("gcl", "disable", name)
    assert r.returncode == 1 and "already disabled" in r.stdout, r.describe()
    r = prefect_cli("gcl", "enable", name)
    assert r.returncode == 0 and "Enabled global concurrency limit" in r.stdout, r.describe()
    assert gcl(api, name)["active"] is True

    r = prefect_cli("--no-prompt", "gcl", "delete", name)
    assert r.returncode == 0 and "Deleted global concurrency limit" in r.stdout, r.describe()
    assert api.get(f"v2/concurrency_limits/{q(name)}").status_code == 404
    r = prefect_cli("gcl", "inspect", name)
    assert r.returncode == 1 and "not found" in r.stdout, r.describe()


# ---------------------------------------------------------------------------------------------------------
# 3. Rate limits

RATE_CALLS = 20
RATE_LIMIT = 2
RATE_DECAY = 5.0
# The first RATE_LIMIT calls go through at once; each later one needs one slot to decay (1/5 s):
# (20 - 2) / 5 = 3.6 s at the least.
RATE_MIN_S = (RATE_CALLS - RATE_LIMIT) / RATE_DECAY
# A refused call sleeps a random 0.75-1.3 x 0.2 s (Retry-After) before trying again, so against Prefect's
# server 20 calls took 4.4-5.0 s on an idle machine and up to 6.5 s on a busy one. The bound only catches
# gross over-throttling (a fixed 1 s wait per refusal would take 18 s).
RATE_MAX_S = 10.0


def test_rate_limit_spaces_calls_out(api, prefect_cli, run_flow, cleanup):
    name = cleanup.limit(f"api-{uid()}")
    r = prefect_cli("gcl", "create", name, "--limit", str(RATE_LIMIT), "--slot-decay-per-second", str(RATE_DECAY))
    assert r.returncode == 0, r.describe()
    assert gcl(api, name)["slot_decay_per_second"] == RATE_DECAY

    result = run_flow("conc_global.py", "rate", name, str(RATE_CALLS), timeout=SCRIPT_TIMEOUT_S)
    assert result.returncode == 0, result.describe()
    elapsed, after_first = float(result.field("ELAPSED")), float(result.field("AFTER_FIRST"))
    print(f"\n{RATE_CALLS} rate_limit() calls: {elapsed:.2f}s ({after_first:.2f}s after the first)")
    assert elapsed >= RATE_MIN_S, f"{RATE_CALLS} calls in {elapsed:.2f}s, faster than {RATE_MIN_S}s\n{result.describe()}"
    assert after_first < RATE_MAX_S, f"{RATE_CALLS} calls took {after_first:.2f}s\n{result.describe()}"


# ---------------------------------------------------------------------------------------------------------
# 4. Lease expiry (slow by nature: the lease lasts 60 s)

LEASE_S = 60.0
EARLIEST_S = 50.0  # after the holder got the slot
LATEST_S = 100.0  # after the kill


def test_slow_lease_of_killed_holder_expires(baton, api, prefect_cli, cleanup, tmp_path):
    """A process holding a slot under a 60 s lease dies (SIGKILL): nothing releases the slot, so a waiter
    gets it only when the lease has expired: not before ~50 s after the slot was taken, within 100 s of
    the kill."""
    name = cleanup.limit(f"held-{uid()}")
    r = prefect_cli("gcl", "create", name, "--limit", "1")
    assert r.returncode == 0, r.describe()

    holder = start_script(baton, tmp_path, "holder", "conc_holder.py", "hold", name)
    waiter = None
    try:
        def holding():
            if "holding" in holder.stdout():
                return True
            if not holder.running():
                raise RunEnded(f"the holder exited\n{holder.describe()}")
            return False

        wait_for(holding, timeout=45.0, interval=0.1, what="the holder to take the slot")
        assert holder.running(), holder.describe()
        held_at = time.monotonic()
        assert gcl(api, name)["active_slots"] == 1, gcl(api, name)

        os.kill(holder.pid, signal.SIGKILL)
        holder.process.wait(timeout=10)
        killed_at = time.monotonic()

        waiter = start_script(baton, tmp_path, "waiter", "conc_holder.py", "wait", name)
        acquired_at = None
        while time.monotonic() < killed_at + LATEST_S:
            if "acquired" in waiter.stdout():
                acquired_at = time.monotonic()
                break
            assert waiter.running(), f"the waiter exited without the slot\n{waiter.describe()}"
            time.sleep(0.25)
        assert acquired_at is not None, (
            f"the waiter did not get the slot within {LATEST_S:.0f}s of the kill; limit now {gcl(api, name)}\n"
            f"{waiter.describe()}"
        )
        print(f"\nslot taken over {acquired_at - held_at:.1f}s after it was held, {acquired_at - killed_at:.1f}s after the kill")
        assert acquired_at - held_at >= EARLIEST_S, (
            f"the waiter got the slot {acquired_at - held_at:.1f}s after the holder took it, before its "
            f"{LEASE_S:.0f}s lease could expire"
        )
        assert finish(waiter, 30.0) == 0, waiter.describe()
    finally:
        holder.close()
        if waiter is not None:
            waiter.close()
    wait_for(lambda: gcl(api, name)["active_slots"] == 0, timeout=10, what="the waiter's slot to be released")


# ---------------------------------------------------------------------------------------------------------
# 5. Deployment concurrency with Prefect's own process worker

LONG_RUN_S = 30.0
RUN_DEADLINE_S = 60.0
# ENQUEUE puts the second run back for 30 s each time it finds the slot taken.
ENQUEUED_DEADLINE_S = 150.0


class Deployments:
    def __init__(self, server, tmp_path: Path):
        self.server = server
        self.home = tmp_path / "prefect-home"
        self.home.mkdir()
        self.project = tmp_path / "project"
        self.project.mkdir()
        (self.project / "conc_deploy_flow.py").write_text((FLOWS_DIR / "conc_deploy_flow.py").read_text())
        self.worker: BackgroundProcess | None = None

    def cli(self, *args: str):
        return run_prefect_cli(self.server.api_url, self.home, *args, cwd=self.project)

    def context(self) -> str:
        parts = []
        if self.worker is not None:
            parts.append("--- prefect worker ---\n" + self.worker.describe())
        if self.server.process is not None:
            parts.append("--- baton ---\n" + self.server.output_tail(80))
        return "\n".join(parts)


def renewals(baton) -> float:
    """How many lease renewals Baton has answered (from its request metrics)."""
    root = baton.api_url.rstrip("/").removesuffix("/api")
    text = httpx.get(root + "/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("baton_http_request_duration_seconds_count{") and "/leases/{lease_id}/renew" in line
    )


def deployment_limit(api, deployment_id: str) -> dict:
    """The deployment's limit in the v2 list (`prefect gcl ls` shows it as `deployment:<id>`)."""
    listed = [x for x in post_json(api, "v2/concurrency_limits/filter", {}) if x["name"] == f"deployment:{deployment_id}"]
    assert len(listed) == 1, f"no single v2 limit named deployment:{deployment_id}: {listed}"
    return listed[0]


class LimitChecks:
    """What the deployment's limit shows, checked along the way and reported at the end of the test: the
    runs' behaviour (one at a time, CANCEL_NEW) matters most and is asserted first. The limit is read from
    the v2 list and must also be the one the deployment embeds as `global_concurrency_limit` (which the UI
    reads), with the same active slots."""

    def __init__(self, api):
        self.api = api
        self.problems: list[str] = []

    def slots(self, deployment_id: str, moment: str, steady: bool = False) -> "int | None":
        """`steady`: nothing can take or release a slot now, so the embedded copy must show the same count."""
        try:
            listed = deployment_limit(self.api, deployment_id)
        except AssertionError as exc:
            self.note(f"{moment}: {exc}")
            return None
        d = get_json(self.api, f"deployments/{deployment_id}")
        embedded = d.get("global_concurrency_limit") or {}
        if embedded.get("id") != listed["id"] or (steady and embedded.get("active_slots") != listed["active_slots"]):
            shown = {k: d.get(k) for k in ("concurrency_limit", "global_concurrency_limit", "concurrency_options")}
            self.note(f"{moment} (deployment {deployment_id} embeds): {shown}; the v2 list has {listed}")
        return listed["active_slots"]

    def expect(self, deployment_id: str, active_slots: int, moment: str) -> None:
        got = self.slots(deployment_id, moment, steady=True)
        if got is not None and got != active_slots:
            self.note(f"{moment}: active_slots {got}, expected {active_slots}")

    def note(self, problem: str) -> None:
        kind = problem.split(":", 1)[0]
        if not any(p.split(":", 1)[0] == kind for p in self.problems):  # the first of each kind is enough
            self.problems.append(problem)


def test_deployment_concurrency_with_stock_worker(baton, api, tmp_path):
    x = uid()
    pool = f"conc-pool-{x}"
    ctx = Deployments(baton, tmp_path)
    deployment_ids: list[str] = []
    checks = LimitChecks(api)
    try:
        r = ctx.cli("work-pool", "create", "--type", "process", pool)
        assert r.returncode == 0, r.describe()
        names = {"ENQUEUE": f"conc-enqueue-{x}", "CANCEL_NEW": f"conc-cancel-{x}"}
        for strategy, name in names.items():
            r = ctx.cli(
                "--no-prompt", "deploy", "conc_deploy_flow.py:conc_sleeper", "-n", name, "-p", pool,
                "--concurrency-limit", "1", "--collision-strategy", strategy,
            )
            assert r.returncode == 0, r.describe()
        deps = {s: get_json(api, f"deployments/name/baton-conc-sleeper/{n}") for s, n in names.items()}
        deployment_ids.extend(d["id"] for d in deps.values())
        for strategy, d in deps.items():
            assert (d.get("concurrency_options") or {}).get("collision_strategy") == strategy, d
            checks.expect(d["id"], 0, f"after deploy ({strategy})")
            try:
                if deployment_limit(api, d["id"])["limit"] != 1:
                    checks.note(f"after deploy, limit ({strategy}): {deployment_limit(api, d['id'])}")
            except AssertionError:
                pass  # noted above
        enq, can = deps["ENQUEUE"]["id"], deps["CANCEL_NEW"]["id"]

        env = flow_env(
            baton.api_url, ctx.home, {"PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_WORKER_PREFETCH_SECONDS": "5"}
        )
        ctx.worker = BackgroundProcess(
            [str(prefect_executable()), "worker", "start", "--pool", pool, "--name", f"conc-worker-{x}"],
            env=env, cwd=ctx.project, log_dir=tmp_path, tag="worker",
        )

        def create_run(deployment_id: str, seconds: float) -> str:
            run = post_json(
                api, f"deployments/{deployment_id}/create_flow_run", {"parameters": {"seconds": seconds}}, expect=201
            )
            return run["id"]

        renewed_before = renewals(baton) if baton.process is not None else 0.0
        run1 = create_run(enq, LONG_RUN_S)
        run_a = create_run(can, 12.0)
        first = wait_for_run(api, run1, "RUNNING", timeout=RUN_DEADLINE_S, context=ctx.context)
        lease_id = first["state"]["state_details"].get("deployment_concurrency_lease_id")
        if not is_uuid(lease_id):
            checks.note(f"run 1 RUNNING without a deployment_concurrency_lease_id: {first['state']}")
        checks.expect(enq, 1, "while run 1 runs (ENQUEUE)")
        if baton.process is not None and is_uuid(lease_id):
            # Baton only (its /metrics counts requests by route): the run's engine renews the slot's lease.
            wait_for(
                lambda: renewals(baton) > renewed_before,
                timeout=15,
                what="the engine to renew its deployment slot's lease",
            )

        run2 = create_run(enq, 1.0)
        wait_for_run(api, run_a, "RUNNING", timeout=RUN_DEADLINE_S, context=ctx.context)
        checks.expect(can, 1, "while run A runs (CANCEL_NEW)")
        run_b = create_run(can, 1.0)

        # Watch both ENQUEUE runs until the second completes: never both RUNNING. Meanwhile CANCEL_NEW
        # cancels run B while run A holds the slot.
        cancelled_b = None
        deadline = time.monotonic() + ENQUEUED_DEADLINE_S
        while True:
            r1, r2 = get_json(api, f"flow_runs/{run1}"), get_json(api, f"flow_runs/{run2}")
            s1, s2 = r1["state"]["type"], r2["state"]["type"]
            assert not (s1 == "RUNNING" and s2 == "RUNNING"), (brief_run(r1), brief_run(r2))
            for run in (r1, r2):
                if run["state"]["type"] in {"FAILED", "CRASHED", "CANCELLED"}:
                    raise AssertionError(f"run ended {brief_run(run)} {run['state'].get('message')!r}\n{ctx.context()}")
            if s1 == "RUNNING" or s2 == "RUNNING":
                slots = checks.slots(enq, "while a run runs (ENQUEUE)")
                assert slots is None or slots <= 1, f"{slots} slots of a limit of 1 taken"
            if cancelled_b is None:
                rb = get_json(api, f"flow_runs/{run_b}")
                if rb["state"]["type"] in {"CANCELLED", "COMPLETED", "FAILED", "CRASHED"}:
                    cancelled_b = rb
                    assert rb["state"]["type"] == "CANCELLED", (brief_run(rb), rb["state"].get("message"))
                    assert rb["run_count"] == 0, f"the cancelled run ran: {brief_run(rb)}"
                    ra = get_json(api, f"flow_runs/{run_a}")
                    # It was cancelled because run A held the slot (A sleeps 12 s, the worker polls every 2 s).
                    assert ra["state"]["type"] in {"RUNNING", "COMPLETED"}, brief_run(ra)
            if s2 == "COMPLETED":
                break
            assert time.monotonic() < deadline, (
                f"the enqueued run did not complete within {ENQUEUED_DEADLINE_S:.0f}s: {brief_run(r1)} {brief_run(r2)}\n"
                f"{ctx.context()}"
            )
            time.sleep(0.3)
        assert cancelled_b is not None, f"run B never ended: {brief_run(get_json(api, f'flow_runs/{run_b}'))}"

        r1 = wait_for_run(api, run1, "COMPLETED", timeout=5, context=ctx.context)
        r2 = get_json(api, f"flow_runs/{run2}")
        assert r1["start_time"] and r1["end_time"] and r2["start_time"] and r2["end_time"], (r1, r2)
        assert parse_time(r2["start_time"]) >= parse_time(r1["end_time"]), (
            f"the runs overlapped: run 1 {r1['start_time']}..{r1['end_time']}, run 2 {r2['start_time']}..{r2['end_time']}"
        )
        print(
            f"\nENQUEUE: run 1 {r1['start_time']}..{r1['end_time']}, run 2 {r2['start_time']}..{r2['end_time']}; "
            f"CANCEL_NEW: run B {cancelled_b['state']['name']} {cancelled_b['state'].get('message')!r}"
        )
        wait_for_run(api, run_a, "COMPLETED", timeout=RUN_DEADLINE_S, context=ctx.context)
        for dep in (enq, can):
            try:
                wait_for(
                    lambda: deployment_limit(api, dep)["active_slots"] == 0,
                    timeout=10, what=f"the slot of deployment {dep} to be released",
                )
            except AssertionError as exc:
                checks.note(f"after the runs: {exc}")
            checks.expect(dep, 0, f"after the runs ({dep})")
        assert not checks.problems, "the deployment's concurrency limit:\n" + "\n".join(checks.problems)
    finally:
        if ctx.worker is not None:
            if ctx.worker.stop(signal.SIGINT, 30.0) is None:
                ctx.worker.stop(signal.SIGINT, 30.0)
            ctx.worker.close()
        for dep in deployment_ids:
            api.delete(f"deployments/{dep}")
        api.delete(f"work_pools/{pool}")


# ---------------------------------------------------------------------------------------------------------
# 6. Bad input over raw HTTP


def test_bad_input_answers(api, cleanup):
    name = cleanup.limit(f"bad-{uid()}")

    r = api.post("v2/concurrency_limits/", json={"name": name, "limit": -1})
    assert r.status_code == 422, r.text
    assert api.get(f"v2/concurrency_limits/{q(name)}").status_code == 404
    created = post_json(api, "v2/concurrency_limits/", {"name": name, "limit": 2}, expect=201)
    assert created["name"] == name and created["limit"] == 2 and created["active_slots"] == 0, created
    r = api.post("v2/concurrency_limits/", json={"name": name, "limit": 5})
    assert r.status_code == 409, r.text
    assert gcl(api, name)["limit"] == 2

    for path in ("v2/concurrency_limits/filter", "concurrency_limits/filter"):
        r = api.post(path, json={"limit": 201})
        assert r.status_code == 422, (path, r.text)

    unknown_tag = f"unknown-{uid()}"
    for method, path in (
        ("GET", f"concurrency_limits/tag/{unknown_tag}"),
        ("GET", f"concurrency_limits/{uuid.uuid4()}"),
        ("DELETE", f"concurrency_limits/tag/{unknown_tag}"),
        ("POST", f"concurrency_limits/tag/{unknown_tag}/reset"),
        ("GET", f"v2/concurrency_limits/{unknown_tag}"),
    ):
        r = api.request(method, path, json={} if method == "POST" else None)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert "not found" in r.json().get("detail", "").lower(), (method, path, r.text)

    for path, body in (
        ("v2/concurrency_limits/increment", {"names": [name], "slots": 3, "mode": "concurrency"}),
        ("v2/concurrency_limits/increment-with-lease", {"names": [name], "slots": 3, "lease_duration": 60}),
    ):
        r = api.post(path, json=body)
        assert r.status_code == 422, (path, r.text)
        assert "Slots requested is greater than the limit" in r.json().get("detail", ""), (path, r.text)
    assert gcl(api, name)["active_slots"] == 0

    missing = f"missing-{uid()}"
    assert post_json(api, "v2/concurrency_limits/increment", {"names": [missing], "slots": 1}) == []
    granted = post_json(api, "v2/concurrency_limits/increment-with-lease", {"names": [missing], "slots": 1, "lease_duration": 60})
    assert granted["limits"] == [], granted
    api.post("v2/concurrency_limits/decrement-with-lease", json={"lease_id": granted["lease_id"]})

    # Releasing twice is harmless: 204 both times, and the second release frees nobody else's slot.
    first = post_json(api, "v2/concurrency_limits/increment-with-lease", {"names": [name], "slots": 1, "lease_duration": 60})
    assert [lim["name"] for lim in first["limits"]] == [name] and is_uuid(first["lease_id"]), first
    assert gcl(api, name)["active_slots"] == 1
    for _ in range(2):
        r = api.post("v2/concurrency_limits/decrement-with-lease", json={"lease_id": first["lease_id"]})
        assert r.status_code == 204, r.text
        assert gcl(api, name)["active_slots"] == 0, gcl(api, name)
    second = post_json(api, "v2/concurrency_limits/increment-with-lease", {"names": [name], "slots": 1, "lease_duration": 60})
    r = api.post("v2/concurrency_limits/decrement-with-lease", json={"lease_id": first["lease_id"]})
    assert r.status_code == 204, r.text
    assert gcl(api, name)["active_slots"] == 1, "releasing a released lease freed another holder's slot"

    r = api.post(f"v2/concurrency_limits/leases/{first['lease_id']}/renew", json={"lease_duration": 60})
    assert r.status_code == 410, r.text
    r = api.post(f"v2/concurrency_limits/leases/{second['lease_id']}/renew", json={"lease_duration": 60})
    assert r.status_code == 204, r.text
    r = api.post("v2/concurrency_limits/decrement-with-lease", json={"lease_id": second["lease_id"]})
    assert r.status_code == 204, r.text
    assert gcl(api, name)["active_slots"] == 0
