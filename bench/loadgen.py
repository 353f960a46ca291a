"""The HTTP workloads at a fixed concurrency, driven by wrk (a native load generator: a Python client would be
the bottleneck) with bench/lua/bench.lua. Each workload returns wrk's counts and latency percentiles."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua" / "bench.lua"


def ensure_wrk() -> str:
    """Path of wrk; installs Debian's package when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is needed: apt-get install wrk")
    return found


def iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def wrk(url: str, seconds: float, conns: int, env: dict) -> dict:
    """Runs wrk with one thread per connection; returns the BENCHJSON line as a dict plus derived rates."""
    cmd = [ensure_wrk(), "-t", str(conns), "-c", str(conns), "-d", f"{max(1, round(seconds))}s",
           "--timeout", "120s", "-s", str(LUA), url]
    out = subprocess.run(cmd, env=dict(os.environ, **env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=seconds + 180).stdout
    line = next((l for l in out.splitlines() if l.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {out[-800:]}")
    r = json.loads(line[len("BENCHJSON "):])
    secs = r["duration_us"] / 1e6
    r["rps"] = r["requests"] / secs if secs else 0.0
    r["ok_rps"] = (r["requests"] - r["non2xx"]) / secs if secs else 0.0
    r["p50_ms"], r["p99_ms"] = r["p50_us"] / 1000, r["p99_us"] / 1000
    return r


class Fixture:
    """What every workload needs on one server: a process pool, a flow, a deployment and a run id."""

    def __init__(self, api, pool="bench"):
        self.pool = pool
        try:
            api.call("POST", "/work_pools/", {"name": pool, "type": "process"})
        except RuntimeError as e:
            if "409" not in str(e):
                raise
        self.flow_id = api.call("POST", "/flows/", {"name": "bench"})["id"]
        self.deployment_id = api.call("POST", "/deployments/", {"name": "bench", "flow_id": self.flow_id,
                                                                 "work_pool_name": pool})["id"]
        self.run_id = api.call("POST", f"/deployments/{self.deployment_id}/create_flow_run", {})["id"]


WORKLOADS = ["create_flow", "create_deployment", "create_flow_run", "get_scheduled_flow_runs",
             "set_state", "logs_100", "filter_50"]


def run_workload(name: str, base: str, fx: Fixture, seconds: float, conns: int, scratch: str, ports=()) -> dict:
    """One workload against the server at `base` (http://host:port); `scratch` holds the created run ids.
    With `ports` (replicas on 127.0.0.1), wrk's connection i goes to ports[i % len(ports)] (see bench.lua)."""
    env = {"BENCH_IDS_DIR": scratch, "BENCH_FLOW_ID": fx.flow_id, "BENCH_POOL": fx.pool}
    if ports:
        env["BENCH_PORTS"] = ",".join(str(p) for p in ports)
    body = None
    if name == "create_flow":
        env["BENCH_MODE"], url = "flow", base + "/api/flows/"
    elif name == "create_deployment":
        env["BENCH_MODE"], url = "deployment", base + "/api/deployments/"
    elif name == "create_flow_run":
        for f in Path(scratch).glob("ids-*"):
            f.unlink()
        env["BENCH_MODE"], url = "run", base + f"/api/deployments/{fx.deployment_id}/create_flow_run"
    elif name == "get_scheduled_flow_runs":
        url = base + f"/api/work_pools/{fx.pool}/get_scheduled_flow_runs"
        body = {"scheduled_before": iso(datetime.now(timezone.utc) + timedelta(seconds=10)), "limit": 10}
    elif name == "set_state":
        env["BENCH_MODE"], url = "set_state", base + "/api/flow_runs/"
    elif name == "logs_100":
        url = base + "/api/logs/"
        now = datetime.now(timezone.utc)
        body = [{"name": "bench", "level": 20, "message": f"bench log line {i} " + "x" * 60,
                 "timestamp": iso(now), "flow_run_id": fx.run_id} for i in range(100)]
    elif name == "filter_50":
        url = base + "/api/flow_runs/filter"
        body = {"flow_runs": {"state": {"type": {"any_": ["COMPLETED", "FAILED"]}}},
                "sort": "EXPECTED_START_TIME_DESC", "limit": 50}
    else:
        raise ValueError(name)
    if body is not None:
        fd, path = tempfile.mkstemp(dir=scratch, suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(body, f)
        env["BENCH_MODE"], env["BENCH_BODY_FILE"] = "static", path
    r = wrk(url, seconds, conns, env)
    if name == "logs_100":
        r["lines_per_s"] = r["ok_rps"] * 100
    return r
