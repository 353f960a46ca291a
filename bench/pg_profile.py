#!/usr/bin/env python3
"""What one request costs Baton on PostgreSQL: starts one server on a fresh database that logs every statement
with its duration (ALTER DATABASE ... SET log_min_duration_statement = 0), sends each kind of request one at a
time (after a warm-up, so prepared statements are cached), and reads the cluster's log back: statements and
round trips per request, the server-side time they took, and the statements themselves. Then, without the
logging, wrk at 8 connections on create_flow_run and set_state, with the CPU each process group used per request.

Usage: bench/pg_profile.py [--n 20] [--database-url URL] [--log FILE]
The cluster is --database-url, else $BATON_TEST_DATABASE_URL, else scripts/pg.sh's (its log: <dir>/pg.log).
Needs read access to the cluster's log file (--log, default from scripts/pg.sh's state file).
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import loadgen
from common import machine_ticks
import pgdb
from servers import Api, Server

LINE = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] LOG:  duration: ([\d.]+) ms  (statement|parse|bind|execute)( [^:]*)?: (.*)$")


def log_path(arg: str | None) -> str:
    if arg:
        return arg
    state = next((l for l in open(subprocess.run(["sh", "-c", "ls /tmp/baton-pg-*.env | head -1"],
                                                 stdout=subprocess.PIPE, text=True).stdout.strip())
                  if l.startswith("BATON_PG_DIR=")), None)
    if not state:
        sys.exit("no scripts/pg.sh cluster: pass --log")
    return state.split("=", 1)[1].strip() + "/pg.log"


def read_from(path: str, offset: int):
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace").splitlines()


def backend_pids(cluster, db: str) -> set:
    out = subprocess.run([pgdb.psql(), "-X", "-At", "-d", cluster.url, "-c",
                          f"SELECT pid FROM pg_stat_activity WHERE datname = '{db}'"],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return {l.strip() for l in out.splitlines() if l.strip()}


def measure(label: str, n: int, send, path: str, pids):
    off = os.path.getsize(path)
    t0 = time.perf_counter()
    for i in range(n):
        send(i)
    wall = (time.perf_counter() - t0) / n
    time.sleep(0.5)  # let the log catch up
    pids = pids()
    lines = [m for m in map(LINE.match, read_from(path, off)) if m and m.group(1) in pids]
    kinds = collections.Counter(m.group(3) for m in lines)
    ms = collections.defaultdict(float)
    texts = collections.Counter()
    for m in lines:
        ms[m.group(3)] += float(m.group(2))
        if m.group(3) in ("statement", "execute"):
            texts[re.sub(r"\s+", " ", m.group(5))[:150]] += 1
    stmts = kinds["statement"] + kinds["execute"]
    print(f"\n== {label}: {n} requests, {wall * 1000:.2f} ms each (sequential, one connection)")
    print(f"   per request: {stmts / n:.1f} statements ({kinds['statement'] / n:.1f} simple-protocol, "
          f"{kinds['execute'] / n:.1f} prepared), {kinds['parse'] / n:.1f} parses; server time "
          f"{sum(ms.values()) / n:.3f} ms (execute {ms['execute'] / n:.3f}, bind {ms['bind'] / n:.3f}, "
          f"parse {ms['parse'] / n:.3f}, simple {ms['statement'] / n:.3f})")
    for text, c in texts.most_common(30):
        print(f"   {c / n:5.2f}x  {text}")


def ticks(pids) -> float:
    """CPU seconds (user + system) the processes have used so far."""
    total = 0
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    return machine_ticks()[0] / os.sysconf("SC_CLK_TCK")


def cpu_split(label: str, run, server_pid: int, pids):
    """Runs `run()` (wrk) and prints where the CPU went: PostgreSQL sessions of the database, Baton, wrk."""
    pg = pids()
    before = (ticks(pg), ticks([server_pid]), os.times(), machine_busy())
    t0 = time.perf_counter()
    w = run()
    wall = time.perf_counter() - t0
    after = (ticks(pg), ticks([server_pid]), os.times(), machine_busy())
    pg_s, baton_s = after[0] - before[0], after[1] - before[1]
    wrk_s = (after[2].children_user + after[2].children_system) - (before[2].children_user + before[2].children_system)
    busy, reqs = after[3] - before[3], w["requests"]
    print(f"\n== {label} under wrk (8 connections): {w['ok_rps']:.0f} 2xx/s, p50 {w['p50_ms']:.2f} ms, "
          f"p99 {w['p99_ms']:.2f} ms, non-2xx {w['non2xx']}")
    print(f"   CPU per request: PostgreSQL {pg_s / reqs * 1e6:.0f} us, Baton {baton_s / reqs * 1e6:.0f} us, "
          f"wrk {wrk_s / reqs * 1e6:.0f} us; machine busy {busy / wall:.2f} of {os.cpu_count()} cores "
          f"(others {(busy - pg_s - baton_s - wrk_s) / wall:.2f})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--database-url", default=os.environ.get("BATON_TEST_DATABASE_URL"))
    ap.add_argument("--log")
    ap.add_argument("--seconds", type=float, default=5, help="per wrk run of the CPU split")
    a = ap.parse_args()
    cluster = pgdb.Cluster(a.database_url)
    path = log_path(a.log)
    root = tempfile.mkdtemp(prefix="baton-pgprof-")
    s = None
    try:
        url = cluster.database("prof")
        db = url.rsplit("/", 1)[1]
        cluster.sql(f"ALTER DATABASE {db} SET log_min_duration_statement = 0")
        s = Server("baton", root + "/home", ["--no-worker", "--database", url])
        s.start()
        fx = loadgen.Fixture(s.api)
        api = Api(s.port)
        pids = lambda: backend_pids(cluster, db)  # noqa: E731
        created = []

        def create(_):
            created.append(api.call("POST", f"/deployments/{fx.deployment_id}/create_flow_run", {})["id"])

        states = ["PENDING", "RUNNING", "COMPLETED"]

        def set_state(i):
            api.call("POST", f"/flow_runs/{created[i // 3]}/set_state",
                     {"state": {"type": states[i % 3], "name": states[i % 3].title()}, "force": False})

        filt = {"flow_runs": {"state": {"type": {"any_": ["COMPLETED", "FAILED"]}}},
                "sort": "EXPECTED_START_TIME_DESC", "limit": 50}
        for i in range(5):  # warm-up: prepare the statements
            create(i)
        for i in range(15):
            set_state(i)
        api.call("POST", "/flow_runs/filter", filt)
        created.clear()
        measure("create_flow_run", a.n, create, path, pids)
        measure("set_state (PENDING, RUNNING, COMPLETED in turn)", 3 * a.n, set_state, path, pids)
        measure("flow_runs/filter limit 50", a.n, lambda i: api.call("POST", "/flow_runs/filter", filt), path, pids)
        due = {"scheduled_before": loadgen.iso(loadgen.datetime.now(loadgen.timezone.utc)), "limit": 10}
        measure("get_scheduled_flow_runs limit 10", a.n,
                lambda i: api.call("POST", f"/work_pools/{fx.pool}/get_scheduled_flow_runs", due), path, pids)
        cluster.sql(f"ALTER DATABASE {db} RESET log_min_duration_statement")
        s.stop()  # sessions restart without statement logging
        s.start()
        pids = lambda: backend_pids(cluster, db)  # noqa: E731
        scratch = tempfile.mkdtemp(dir=root)
        base = f"http://127.0.0.1:{s.port}"
        for name in ("create_flow_run", "set_state"):
            cpu_split(name, lambda: loadgen.run_workload(name, base, fx, a.seconds, 8, scratch), s.proc.pid, pids)
    finally:
        if s:
            s.stop()
        cluster.close()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
