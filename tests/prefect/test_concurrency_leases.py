"""Concurrency leases with the real client.

4. The lease of a holder killed with SIGKILL expires and a waiter gets the slot (slow: about 75 s).
5. Deployment concurrency with Prefect's own process worker: ENQUEUE runs one at a time, CANCEL_NEW cancels.

Deselect the slow test with `-k "not slow"`.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from conc_helpers import cleanup, finish, gcl, start_script, uid  # noqa: F401 (cleanup is a fixture)
from conftest import FLOWS_DIR, BackgroundProcess, flow_env, prefect_executable, run_prefect_cli
from helpers import brief_run, get_json, is_uuid, post_json, wait_for
from worker_helpers import RunEnded, parse_time, wait_for_run


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
