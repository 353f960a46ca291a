#!/usr/bin/env python3
"""Dispatch latency of Baton's in-process worker: run created -> PENDING (claimed) -> RUNNING (child started).

Starts `baton serve` (target/release/baton, else target/debug/baton; or $BATON_BIN) on a free loopback port
with a temporary data dir, deploys a command (`true`) on the default pool, creates N runs one after another
(each after the previous finished), and prints p50/p99/max of both latencies from the runs' state history.
Standard library only. Usage: bench/dispatch.py [N]   (default 100)
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from common import binary


def call(api: str, method: str, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api + path, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def ts(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    home = tempfile.mkdtemp(prefix="baton-bench-")
    proc = subprocess.Popen([binary(), "serve", "--port", "0", "--home", home], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/api", line)
        if not m:
            sys.exit(f"baton did not start: {line!r}")
        api = m.group(0)
        flow = call(api, "POST", "/flows/", {"name": "bench"})
        dep = call(api, "POST", "/deployments/", {"name": "noop", "flow_id": flow["id"], "work_pool_name": "default",
                                                  "job_variables": {"command": "true"}})
        claim, start = [], []
        for _ in range(n):
            run = call(api, "POST", f"/deployments/{dep['id']}/create_flow_run", {})
            deadline = time.monotonic() + 30
            while True:
                r = call(api, "GET", f"/flow_runs/{run['id']}")
                if r["state_type"] in ("COMPLETED", "FAILED", "CRASHED"):
                    break
                if time.monotonic() > deadline:
                    sys.exit(f"run {run['id']} did not finish")
                time.sleep(0.005)
            states = {s["type"]: ts(s["timestamp"]) for s in call(api, "GET", f"/flow_run_states/?flow_run_id={run['id']}")}
            created = ts(run["created"])
            claim.append((states["PENDING"] - created) * 1000)
            start.append((states["RUNNING"] - created) * 1000)
        print(f"dispatch latency over {n} runs (ms): p50 / p99 / max")
        print(f"  created -> PENDING (claimed):       {pct(claim, 50):7.2f} / {pct(claim, 99):7.2f} / {max(claim):7.2f}")
        print(f"  created -> RUNNING (child started): {pct(start, 50):7.2f} / {pct(start, 99):7.2f} / {max(start):7.2f}")
        print(f"  mean created -> RUNNING: {statistics.mean(start):.2f} ms")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
