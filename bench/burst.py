"""Two dispatch rows of issue 20, read from the runs themselves (their start times and state history):

- burst: `n` runs of a command deployment, all scheduled for the same instant on the in-process worker; how
  late after that instant each child process started (the run's start_time, set when the worker reports
  RUNNING right after spawning it). The target: the last within 1 s.
- remote: runs created at a steady rate on a pool served only by `baton worker start` processes; created ->
  PENDING (claimed) -> RUNNING (child started) per run, and how many runs each worker started (from the
  worker's own "started process" line in each run's logs), so an idle worker while runs wait shows.

Standard library only; used by compare.py (phase "dispatch") and runnable alone:
    bench/burst.py burst [N] | remote [WORKERS] [RUNS]      (starts its own `baton serve`)
"""
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dispatch_cmp
from common import binary
from servers import Api


def iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def pct(v, p):
    return v[min(len(v) - 1, round(p * (len(v) - 1)))]


def summary(values_ms) -> dict:
    v = sorted(values_ms)
    if not v:
        return {}
    return {"min_ms": v[0], "p10_ms": pct(v, 0.10), "p50_ms": statistics.median(v), "p90_ms": pct(v, 0.90),
            "p99_ms": pct(v, 0.99), "max_ms": v[-1]}


def runs_of(api, deployment_id: str, limit: int) -> list:
    runs, offset = [], 0
    while offset <= limit:
        page = api.call("POST", "/flow_runs/filter", {"deployments": {"id": {"any_": [deployment_id]}},
                                                       "limit": 200, "offset": offset})
        runs.extend(page)
        offset += 200
        if len(page) < 200:
            break
    return runs


def burst(api, deployment_id: str, n: int, lead_s: float = 4.0, clients: int = 4, cap_s: float = 120) -> dict:
    """Creates `n` runs scheduled at one instant `lead_s` ahead (from `clients` threads), waits until every run
    ended or `cap_s` passed, and returns each child's start lag behind that instant."""
    due = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=lead_s + 1)
    body = {"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": iso(due)}}}
    errors = []

    def create(count: int):
        c = Api(api.port)
        try:
            for _ in range(count):
                c.call("POST", f"/deployments/{deployment_id}/create_flow_run", body)
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            errors.append(str(e))

    threads = [threading.Thread(target=create, args=(n // clients + (i < n % clients),)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    created_by = datetime.now(timezone.utc)
    deadline = time.monotonic() + (due - created_by).total_seconds() + cap_s
    runs = []
    while time.monotonic() < deadline:
        time.sleep(1)
        runs = runs_of(api, deployment_id, n)
        if runs and all(r["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") for r in runs):
            break
    lags = [(ts(r["start_time"]) - due.timestamp()) * 1000 for r in runs if r.get("start_time")]
    return {"runs": len(runs), "started": len(lags), "errors": errors[:3],
            "created_before_due": created_by < due,
            "completed": sum(r["state_type"] == "COMPLETED" for r in runs), "start_lag": summary(lags)}


def remote(api, deployment_id: str, n: int, rate: float, cap_s: float = 120) -> dict:
    """Creates `n` runs at `rate` per second from one client, then reads each run's created -> PENDING ->
    RUNNING latencies and which worker started it."""
    ids = []
    t0 = time.monotonic()
    for i in range(n):
        wait = t0 + i / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        ids.append(api.call("POST", f"/deployments/{deployment_id}/create_flow_run", {})["id"])
    deadline = time.monotonic() + cap_s
    runs = []
    while time.monotonic() < deadline:
        runs = runs_of(api, deployment_id, n)
        if len(runs) >= n and all(r["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") for r in runs):
            break
        time.sleep(0.5)
    created_at = {r["id"]: ts(r["created"]) for r in runs}
    pending, running = [], []
    for rid in ids:
        first = {}
        for s in sorted(api.call("GET", f"/flow_run_states/?flow_run_id={rid}"), key=lambda s: ts(s["timestamp"])):
            first.setdefault(s["type"], ts(s["timestamp"]))
        created = created_at.get(rid)
        if created and "PENDING" in first:
            pending.append((first["PENDING"] - created) * 1000)
        if created and "RUNNING" in first:
            running.append((first["RUNNING"] - created) * 1000)
    per_worker = Counter()
    for i in range(0, len(ids), 100):
        logs = api.call("POST", "/logs/filter", {"logs": {"flow_run_id": {"any_": ids[i:i + 100]}}, "limit": 200})
        for line in logs:
            m = re.match(r"Worker '([^']+)' started process", line.get("message", ""))
            if m:
                per_worker[m.group(1)] += 1
    return {"runs": len(ids), "completed_runs": sum(r["state_type"] == "COMPLETED" for r in runs),
            "pending": summary(pending), "running": summary(running), "runs_per_worker": dict(per_worker)}


def ts(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def start_remote_workers(url: str, pool: str, count: int, root: str, limit: int = 4):
    """`count` `baton worker start` processes on `pool`, named w0..w{count-1}."""
    procs = []
    for i in range(count):
        p = dispatch_cmp.start_worker("baton", url, pool, Path("/nonexistent"), binary(), f"{root}/w{i}.log",
                                      extra=["--name", f"w{i}", "--limit", str(limit)])
        procs.append(p)
    return procs


def main(argv) -> int:
    from servers import Server, new_home
    what = argv[1] if len(argv) > 1 else "burst"
    root = tempfile.mkdtemp(prefix="baton-burst-")
    if what == "burst":
        n = int(argv[2]) if len(argv) > 2 else 1000
        s = Server("baton", new_home("baton", root), ["--limit", "64"])
        s.start()
        try:
            dep = dispatch_cmp.deploy(s.api, "default", "command")
            print(burst(s.api, dep, n))
        finally:
            s.stop()
    else:
        workers = int(argv[2]) if len(argv) > 2 else 8
        n = int(argv[3]) if len(argv) > 3 else 200
        s = Server("baton", new_home("baton", root), ["--no-worker"])
        s.start()
        procs = []
        try:
            dep = dispatch_cmp.deploy(s.api, "remote", "command")
            procs = start_remote_workers(s.url, "remote", workers, root)
            time.sleep(1)
            print(remote(s.api, dep, n, rate=50))
        finally:
            for p in procs:
                dispatch_cmp.stop_worker(p)
            s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
