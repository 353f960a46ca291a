"""Dispatch latency, run created -> PENDING (claimed) -> RUNNING -> COMPLETED, read from each run's state
history, for a given server and worker. Runs are created one after another (each after the previous ended)."""
import os
import statistics
import subprocess
import time
from datetime import datetime
from pathlib import Path

FLOWS = Path(__file__).resolve().parent / "flows"


def ts(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def deploy(api, pool: str, kind: str) -> str:
    """A deployment on `pool`: kind "command" runs `true`; kind "flow" runs bench/flows/noop.py with Prefect."""
    try:
        api.call("POST", "/work_pools/", {"name": pool, "type": "process"})
    except RuntimeError as e:
        if "409" not in str(e):
            raise
    if kind == "command":
        fid = api.call("POST", "/flows/", {"name": "bench-true"})["id"]
        body = {"name": f"true-{pool}", "flow_id": fid, "work_pool_name": pool, "job_variables": {"command": "true"}}
    else:
        fid = api.call("POST", "/flows/", {"name": "noop"})["id"]
        body = {"name": f"noop-{pool}", "flow_id": fid, "work_pool_name": pool, "entrypoint": "noop.py:noop",
                "path": str(FLOWS), "pull_steps": [
                    {"prefect.deployments.steps.set_working_directory": {"directory": str(FLOWS)}}]}
    return api.call("POST", "/deployments/", body)["id"]


def measure(api, deployment_id: str, n: int, budget_s: float, run_timeout_s: float = 120) -> dict:
    """Creates up to `n` runs within `budget_s`; returns latencies (ms) per stage and how many finished."""
    stages = {"pending": [], "running": [], "completed": []}
    t_end = time.monotonic() + budget_s
    done = failed = 0
    while done + failed < n and time.monotonic() < t_end:
        run = api.call("POST", f"/deployments/{deployment_id}/create_flow_run", {})
        deadline = time.monotonic() + run_timeout_s
        state = None
        while time.monotonic() < deadline:
            state = api.call("GET", f"/flow_runs/{run['id']}")["state_type"]
            if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                break
            time.sleep(0.01)
        if state != "COMPLETED":
            failed += 1
            continue
        hist = api.call("GET", f"/flow_run_states/?flow_run_id={run['id']}")
        first = {}
        for s in sorted(hist, key=lambda s: ts(s["timestamp"])):
            first.setdefault(s["type"], ts(s["timestamp"]))
        created = ts(run["created"])
        for key, typ in (("pending", "PENDING"), ("running", "RUNNING"), ("completed", "COMPLETED")):
            if typ in first:
                stages[key].append((first[typ] - created) * 1000)
        done += 1
    out = {"runs": done, "not_completed": failed}
    for k, v in stages.items():
        v.sort()
        out[k] = {"p50_ms": statistics.median(v), "p99_ms": v[min(len(v) - 1, round(0.99 * (len(v) - 1)))],
                  "max_ms": v[-1], "all_ms": v} if v else None
    return out


def start_worker(kind: str, api_url: str, pool: str, venv: Path, bin_: str, log_path: str,
                 extra=()) -> subprocess.Popen:
    """`baton worker start` or a stock `prefect worker start` on `pool`, talking to `api_url` (`extra`: more
    arguments)."""
    env = dict(os.environ, PREFECT_API_URL=api_url, VIRTUAL_ENV=str(venv), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PATH=f"{venv / 'bin'}:{os.environ.get('PATH', '')}")
    if kind == "baton":
        cmd = [bin_, "worker", "start", "--pool", pool, "--api", api_url, *extra]
    else:
        cmd = [str(venv / "bin" / "prefect"), "worker", "start", "--pool", pool, "--type", "process", *extra]
    log = open(log_path, "ab")
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def stop_worker(proc: subprocess.Popen):
    if proc.poll() is None and proc.pid > 1:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
