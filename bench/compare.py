#!/usr/bin/env python3
"""Baton against the real Prefect 3.9.1 server on the same machine: the same workloads against each,
alternating, with medians, spreads and the Baton/Prefect ratio. Prints a table and writes JSON.

Phases (all by default; choose with --only a,b,...):
  start      cold start to the first 200 (fresh and existing data dir), idle RSS of the process tree
  load       wrk at --conns (8) connections: create flow, create deployment, create_flow_run,
             get_scheduled_flow_runs, set_state (PENDING -> RUNNING -> COMPLETED of the runs just created),
             logs (batches of 100), flow_runs/filter (limit 50) with --runs (10,000) runs present; RSS after load
  dispatch   created -> PENDING -> RUNNING -> COMPLETED for Baton's in-process worker, `baton worker start` and a
             stock `prefect worker start` (against Baton and against Prefect); 8 `baton worker start` on one pool
             with runs created at 50/s (and how many each started); a burst: 1,000 runs due in the same second
             on the in-process worker (--limit 64), each child's start lag behind that second
  scheduler  1,000 and 10,000 deployments on a minutely cron: runs ahead, and start lag when due (Baton)
With --database postgres (load phase only), Baton keeps its data in a fresh PostgreSQL database (--database-url,
else $BATON_TEST_DATABASE_URL, else the throwaway cluster of scripts/pg.sh, reused or started) and --replicas N
servers share it; one wrk spreads its connections over them (connection i to replica i mod N), so throughput is
their total and the latency percentiles are over all requests. The filter workload's 10,000 runs are written
through the API there (create_flow_run/bulk), as `baton seed` writes only SQLite. Prefect only runs with
--prefect. Each Prefect workload is capped (--prefect-seconds per load workload, --cap-seconds for dispatch and
scheduler) and the table says what it managed within the cap.

Usage: bench/compare.py [--prefect] [--rounds 3] [--seconds 10] [--only load,start] [--json FILE] [--quick]
                        [--database sqlite|postgres] [--database-url URL] [--replicas N]
Needs wrk (installed with apt-get when missing and root) and, with --prefect, the venv from
scripts/prefect-venv.sh 3.9.1 (created when missing). Binary: $BATON_BIN, else target/release/baton.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import burst
import dispatch_cmp
import loadgen
import pgdb
import sched_cmp
from common import binary
from report import Results, machine, print_table
from servers import Server, new_home, prefect_venv, wipe


def seed(kind: str, home_root: str, runs: int):
    """A data dir holding `runs` finished runs, the bench fixture, and stopped server; returns (home, fixture)."""
    home = new_home(kind, home_root)
    if kind == "baton":
        subprocess.run([binary(), "seed", "--home", home, "--runs", str(runs), "--logs", "0"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    s = Server(kind, home, ["--no-worker"] if kind == "baton" else [])
    try:
        s.start()
        fx = loadgen.Fixture(s.api)
    finally:  # never leave a server running when setup fails
        s.stop()
    if kind == "prefect":
        venv = prefect_venv()
        subprocess.run([str(venv / "bin" / "python"), str(Path(__file__).parent / "prefect_seed.py"), str(runs),
                        fx.flow_id, fx.deployment_id], check=True, env=dict(os.environ, PREFECT_HOME=home))
    return home, fx


def seed_pg(cluster, root: str, runs: int, key_file: str):
    """A fresh PostgreSQL database holding `runs` finished runs (written through the API) and the bench fixture;
    returns (database URL, fixture). The server that wrote them is stopped."""
    url = cluster.database()
    s = Server("baton", new_home("baton", root), pg_args(url, key_file))
    try:
        s.start()
        fx = loadgen.Fixture(s.api)
        t0 = time.monotonic()
        pgdb.seed_runs(s.port, runs)
        print(f"  seeded {runs} runs into {url} in {time.monotonic() - t0:.1f}s", flush=True)
    finally:
        s.stop()
    return url, fx


def pg_args(url: str, key_file: str):
    return ["--no-worker", "--database", url, "--secrets-key-file", key_file]


def phase_start(res: Results, kinds, homes, rounds: int, root: str):
    for r in range(rounds):
        for kind in kinds if r % 2 == 0 else kinds[::-1]:
            fresh = new_home(kind, root)
            s = Server(kind, fresh, ["--no-worker"] if kind == "baton" else [])
            res.add("start, fresh data dir", "s", kind, s.start(), lower=True)
            s.stop()
            wipe(fresh)
            s = Server(kind, homes[kind], ["--no-worker"] if kind == "baton" else [])
            res.add("start, existing data dir", "s", kind, s.start(), lower=True)
            time.sleep(10)
            res.add("idle RSS (process tree, 10 s after start)", "MB", kind, s.rss_mb(), lower=True)
            s.stop()


def phase_load(res: Results, kinds, homes, fixtures, a, root: str, pg_url=None):
    """With `pg_url`, Baton is a.replicas servers on that PostgreSQL database (each with its own data dir)."""
    servers = {k: [Server(k, homes[k], ["--no-worker"] if k == "baton" else [])] for k in kinds
               if not (pg_url and k == "baton")}
    if pg_url:
        key = root + "/secrets.key"
        servers["baton"] = [Server("baton", new_home("baton", root), pg_args(pg_url, key)) for _ in range(a.replicas)]
    for group in servers.values():
        for s in group:
            s.start()
    ports = {k: [s.port for s in g] if len(g) > 1 else () for k, g in servers.items()}
    if pg_url:
        print(f"  Baton: {a.replicas} replica(s) on {pg_url}, ports {[s.port for s in servers['baton']]}; "
              f"wrk at {a.conns} connections, connection i to replica i mod {a.replicas}", flush=True)
    scratch = {k: tempfile.mkdtemp(prefix=f"ids-{k}-", dir=root) for k in kinds}
    try:
        for r in range(a.rounds):
            for name in loadgen.WORKLOADS:
                for kind in kinds if r % 2 == 0 else kinds[::-1]:
                    secs = a.seconds if kind == "baton" else a.prefect_seconds
                    base = f"http://127.0.0.1:{servers[kind][0].port}"
                    w = loadgen.run_workload(name, base, fixtures[kind], secs, a.conns, scratch[kind], ports[kind])
                    unit = "lines/s" if name == "logs_100" else "req/s"
                    res.add(f"{name} throughput (2xx)", unit, kind, w.get("lines_per_s", w["ok_rps"]), lower=False)
                    res.add(f"{name} p50", "ms", kind, w["p50_ms"], lower=True)
                    res.add(f"{name} p99", "ms", kind, w["p99_ms"], lower=True)
                    res.add(f"{name} non-2xx share", "%", kind, 100 * w["non2xx"] / max(1, w["requests"]), lower=True)
                    res.raw.append({"workload": name, "kind": kind, "round": r, "seconds_cap": secs, **w})
                    print(f"  round {r} {name:<24} {kind:<7} {w['ok_rps']:10.1f} 2xx/s  p50 {w['p50_ms']:8.2f} ms  "
                          f"p99 {w['p99_ms']:9.2f} ms  non-2xx {w['non2xx']}", flush=True)
        for kind, group in servers.items():
            res.add("RSS after load (process tree)", "MB", kind, sum(s.rss_mb() for s in group), lower=True)
    finally:
        for group in servers.values():
            for s in group:
                s.stop()


def phase_dispatch(res: Results, kinds, a, root: str):
    venv = prefect_venv() if "prefect" in kinds else None
    n_fast, n_flow = (5, 1) if a.quick else (50, 3)
    b = Server("baton", new_home("baton", root), ["--limit", "8"], env={"VIRTUAL_ENV": str(venv)} if venv else {})
    b.start()
    try:
        api = b.api
        out = dispatch_cmp.measure(api, dispatch_cmp.deploy(api, "default", "command"), n_fast, a.cap_seconds)
        res.add_dispatch("in-process worker, command `true`", out)
        w = dispatch_cmp.start_worker("baton", b.url, "remote", venv or Path("/nonexistent"), binary(), root + "/bw.log")
        try:
            time.sleep(1)
            out = dispatch_cmp.measure(api, dispatch_cmp.deploy(api, "remote", "command"), n_fast, a.cap_seconds)
            res.add_dispatch("baton worker start, command `true`", out)
        finally:
            dispatch_cmp.stop_worker(w)
        phase_remote(res, b, a, root)
        if venv:
            out = dispatch_cmp.measure(api, dispatch_cmp.deploy(api, "default", "flow"), n_flow, a.cap_seconds)
            res.add_dispatch("in-process worker, Prefect flow", out)
            for label, url_api, server in (("Baton", b.url, None), ("Prefect", None, "prefect")):
                p = Server("prefect", new_home("prefect", root)) if server else None
                if p:
                    p.start()
                    url_api = p.url
                papi = p.api if p else api
                w = dispatch_cmp.start_worker("prefect", url_api, "pw", venv, binary(), root + "/pw.log")
                try:
                    out = dispatch_cmp.measure(papi, dispatch_cmp.deploy(papi, "pw", "flow"), n_flow, a.cap_seconds)
                    res.add_dispatch(f"stock prefect worker -> {label}, Prefect flow", out)
                finally:
                    dispatch_cmp.stop_worker(w)
                    if p:
                        p.stop()
    finally:
        b.stop()


def phase_remote(res: Results, b: Server, a, root: str):
    """Runs created at a steady rate on a pool served by several `baton worker start` processes."""
    workers, n, rate = (2, 20, 20) if a.quick else (8, 400, 50)
    dep = dispatch_cmp.deploy(b.api, "remote8", "command")
    procs = burst.start_remote_workers(b.url, "remote8", workers, root)
    try:
        time.sleep(1)
        out = burst.remote(b.api, dep, n, rate, a.cap_seconds)
    finally:
        for p in procs:
            dispatch_cmp.stop_worker(p)
    res.add_dispatch(f"{workers} baton worker start, {rate} runs/s, `true`", {**out, "not_completed": n - out["completed_runs"]})


def phase_burst(res: Results, a, root: str):
    """`n` runs due in the same second on the in-process worker (`--limit 64`)."""
    n = 50 if a.quick else 1000
    b = Server("baton", new_home("baton", root), ["--limit", "64"])
    b.start()
    try:
        out = burst.burst(b.api, dispatch_cmp.deploy(b.api, "default", "command"), n, cap_s=a.cap_seconds)
    finally:
        b.stop()
    res.add_burst(f"{n} runs due at once, in-process worker --limit 64, `true`", out)


def phase_scheduler(res: Results, kinds, a, root: str):
    sizes = [50] if a.quick else [1000, 10000]
    capped = False
    for n in sizes:
        for kind in kinds:
            if kind == "prefect" and capped:
                res.sched.append({"deployments_asked": n, "kind": kind, "skipped": "the smaller size hit the cap"})
                continue
            s = Server(kind, new_home(kind, root), ["--limit", "32"] if kind == "baton" else [])
            s.start()
            try:
                api, budget = s.api, a.cap_seconds
                pool = "default" if kind == "baton" else "bench"
                if kind == "prefect":
                    api.call("POST", "/work_pools/", {"name": pool, "type": "process"})
                ids, secs = sched_cmp.create_deployments(api, n, pool, budget, command=kind == "baton")
                out = sched_cmp.runs_ahead(api, ids, time.monotonic(), 600 if kind == "baton" else 90)
                out["create_seconds"] = secs
                if kind == "baton" and not a.quick:
                    out.update(sched_cmp.start_lag(api, ids, 30 if n <= 1000 else 60))
                capped = capped or (kind == "prefect" and len(ids) < n)
                res.sched.append({"deployments_asked": n, "kind": kind, **out})
                print(f"  scheduler {n} {kind}: {out}", flush=True)
            finally:
                s.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prefect", action="store_true", help="also measure the real Prefect 3.9.1 server")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10, help="per Baton load workload")
    ap.add_argument("--prefect-seconds", type=float, default=20, help="cap per Prefect load workload")
    ap.add_argument("--cap-seconds", type=float, default=120, help="cap per dispatch / scheduler measurement")
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--runs", type=int, default=10_000, help="runs present for the filter workload")
    ap.add_argument("--only", default=None, help="phases (default: all; with --database postgres: load)")
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite",
                    help="where Baton keeps its data in the load phase")
    ap.add_argument("--database-url", default=os.environ.get("BATON_TEST_DATABASE_URL"),
                    help="PostgreSQL server (its maintenance database) to create the bench databases on")
    ap.add_argument("--replicas", type=int, default=1, help="Baton servers on the one PostgreSQL database")
    ap.add_argument("--json", default="target/bench/compare.json")
    ap.add_argument("--quick", action="store_true", help="smoke mode: Baton only, seconds per phase")
    a = ap.parse_args()
    if a.quick:
        a.prefect, a.rounds, a.seconds, a.runs, a.cap_seconds = False, 1, 1, 200, 20
    kinds = ["baton", "prefect"] if a.prefect else ["baton"]
    pg = a.database == "postgres"
    if a.only is None:
        a.only = "load" if pg else "start,load,dispatch,scheduler"
    phases = a.only.split(",")
    if pg and phases != ["load"]:
        sys.exit("--database postgres measures the load phase only (--only load)")
    if a.replicas > 1 and not pg:
        sys.exit("--replicas needs --database postgres")
    cluster = pgdb.Cluster(a.database_url) if pg else None
    pg_url = None
    res = Results(machine())
    res.machine["baton_database"] = f"postgres, {a.replicas} replica(s)" if pg else "sqlite"
    root = tempfile.mkdtemp(prefix="baton-compare-")
    try:
        homes, fixtures = {}, {}
        if "start" in phases or "load" in phases:
            for k in kinds:
                if pg and k == "baton":
                    pg_url, fixtures[k] = seed_pg(cluster, root, a.runs, root + "/secrets.key")
                else:
                    homes[k], fixtures[k] = seed(k, root, a.runs)
        if "start" in phases:
            print("start ...", flush=True)
            phase_start(res, kinds, homes, a.rounds, root)
        if "load" in phases:
            print("load ...", flush=True)
            phase_load(res, kinds, homes, fixtures, a, root, pg_url)
        if "dispatch" in phases:
            print("dispatch ...", flush=True)
            phase_dispatch(res, kinds, a, root)
            phase_burst(res, a, root)
        if "scheduler" in phases:
            print("scheduler ...", flush=True)
            phase_scheduler(res, kinds, a, root)
    finally:  # whatever was measured is reported, also when a phase failed
        shutil.rmtree(root, ignore_errors=True)
        if cluster:
            cluster.close()
        res.machine["load_after"] = os.getloadavg()
        print_table(res)
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(res.to_json(vars(a)), indent=1))
        print(f"\nJSON: {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
