#!/usr/bin/env python3
"""Baton alone: creates N deployments on a minutely cron through the API from one client (as the scheduler
row of bench/compare.py does), printing the time every 500. Then it waits until every deployment has its
runs ahead and prints the resident memory at once, after --idle seconds, and the server's peak (the
kernel's high-water mark, VmHWM, so a short jump between readings is not missed). `--pool NAME` puts the
deployments in a new pool that has no worker, so no run starts meanwhile; by default they go to `default`,
where the in-process worker starts every run that falls due (`true`)."""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sched_cmp  # noqa: E402
from servers import Server, wipe  # noqa: E402


def peak_mb(pid: int) -> float:
    """The process's own peak resident memory since it started (its children not counted)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("count", type=int, nargs="?", default=10_000)
    ap.add_argument("--cap-seconds", type=float, default=90, help="stop creating after this long")
    ap.add_argument("--pool", default="default")
    ap.add_argument("--idle", type=float, default=12, help="seconds to wait before the second memory reading")
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="bench-deployments-")
    s = Server("baton", os.path.join(root, "home"), ["--limit", "32"])
    s.start()
    try:
        api = s.api
        if a.pool != "default":
            api.call("POST", "/work_pools/", {"name": a.pool, "type": "process"})
        fid = api.call("POST", "/flows/", {"name": "minutely"})["id"]
        ids, t0 = [], time.monotonic()
        for i in range(a.count):
            if time.monotonic() - t0 > a.cap_seconds:
                break
            body = {"name": f"m{i}", "flow_id": fid, "work_pool_name": a.pool, "job_variables": {"command": "true"},
                    "schedules": [{"schedule": {"cron": "* * * * *", "timezone": "UTC"}, "active": True}]}
            ids.append(api.call("POST", "/deployments/", body)["id"])
            if (i + 1) % 500 == 0:
                print(f"{i + 1:>6} deployments  {time.monotonic() - t0:6.1f} s", flush=True)
        created = time.monotonic() - t0
        print(f"created {len(ids)} in {created:.1f} s", flush=True)
        ahead = sched_cmp.runs_ahead(api, ids, time.monotonic(), 300)
        print(f"runs ahead: {ahead}", flush=True)
        print(f"RSS {s.rss_mb():.1f} MB", flush=True)
        time.sleep(a.idle)
        print(f"RSS {s.rss_mb():.1f} MB after {a.idle:g} s", flush=True)
        print(f"RSS peak {peak_mb(s.proc.pid):.1f} MB", flush=True)
    finally:
        s.stop()
        wipe(root)


if __name__ == "__main__":
    main()
