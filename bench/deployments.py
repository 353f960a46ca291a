#!/usr/bin/env python3
"""Baton alone: creates N deployments on a minutely cron through the API from one client (as the scheduler
row of bench/compare.py does), printing the time every 500. Then it waits until every deployment has its
runs ahead and prints the resident memory at once, after --idle seconds, and the server's peak (the
kernel's high-water mark, VmHWM, so a short jump between readings is not missed). It also prints where the
CPU went while the deployments were created: the server's threads by name (and the runs it started), this
client, and how busy the whole machine was. `--pool NAME` puts the deployments in a new pool that has no
worker, so no run starts meanwhile; by default they go to `default`, where the in-process worker starts
every run that falls due (`true`)."""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sched_cmp  # noqa: E402
from common import machine_ticks  # noqa: E402
from one import TICKS, thread_cpu  # noqa: E402
from servers import Server, wipe  # noqa: E402


def peak_mb(pid: int) -> float:
    """The process's own peak resident memory since it started (its children not counted)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def with_children(pid: int) -> dict:
    """The server's CPU ticks by thread name, and its reaped children's (the runs it started) as `runs`."""
    out = thread_cpu(pid)
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    out["runs"] = int(fields[13]) + int(fields[14])
    return out


def cpu_report(pid: int, cpu0: dict, own0, m0: tuple, wall: float):
    """CPU seconds spent since the readings `cpu0` (the server's threads), `own0` (this process) and `m0`
    (the machine) were taken."""
    cpu1, own1, m1 = with_children(pid), os.times(), machine_ticks()
    per = {k: (v - cpu0.get(k, 0)) / TICKS for k, v in cpu1.items()}
    server = sum(per.values())
    mine = own1.user + own1.system - own0.user - own0.system
    busy, _, total = (m1[i] - m0[i] for i in range(3))
    cores = os.cpu_count() or 1
    parts = "  ".join(f"{k} {v:.1f}" for k, v in sorted(per.items(), key=lambda kv: -kv[1]) if v >= 0.1)
    print(f"CPU s while creating: server {server:.1f} ({parts}), this client {mine:.1f}; machine "
          f"{100 * busy / max(total, 1):.0f} % of {cores} cores busy ({busy / TICKS:.1f} of "
          f"{cores * wall:.1f} core-seconds)", flush=True)


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
        cpu0, own0, m0 = with_children(s.proc.pid), os.times(), machine_ticks()
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
        cpu_report(s.proc.pid, cpu0, own0, m0, created)
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
