#!/usr/bin/env python3
"""One load workload against Baton, for profiling: seeds --runs runs, starts the server, runs the workloads
named on the command line with wrk (as bench/compare.py does) and prints each result. With --perf, records
the server with `perf record -g` during the workloads (perf.data in --out). With --cpu, also prints the
server's CPU time per 2xx request, by thread name (the writer, the HTTP side, the checkpointer): a measure
that a busy neighbour on the machine changes far less than requests per second; the load generator's (wrk's)
CPU per request; how busy the whole machine was meanwhile (all cores, and the time the hypervisor took); and
how many writes shared each commit of the writer (from /metrics); and, by thread name, how long threads that
could run waited for a CPU (from /proc/<pid>/task/<tid>/schedstat): on a machine where waking a thread on
another CPU is slow, that wait is where a closed loop of a few connections loses its time (bench/wakeup.py)."""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402
from common import machine_ticks  # noqa: E402
from compare import seed  # noqa: E402
from servers import Server, wipe  # noqa: E402


TICKS = os.sysconf("SC_CLK_TCK")


def by_thread(pid: int, value) -> dict:
    """`value(task_dir)` of each of the process's threads, summed by thread name (a thread that ended meanwhile,
    or a file the kernel does not keep, is left out)."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            v = value(task)
        except (OSError, IndexError, ValueError):
            continue
        out[name] = out.get(name, 0) + v
    return out


def thread_cpu(pid: int) -> dict:
    """The process's CPU time so far (user + system, in clock ticks), summed by thread name."""
    def ticks(task):
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    return by_thread(pid, ticks)


def thread_waits(pid: int) -> dict:
    """Nanoseconds the process's threads have waited, runnable, for a CPU so far, summed by thread name."""
    return by_thread(pid, lambda task: int((task / "schedstat").read_text().split()[1]))


def write_counts(port: int) -> tuple:
    """(writes, commits) of the server's single writer so far, from its /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        text = r.read().decode()
    found = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in ("baton_database_writes", "baton_database_commits"):
            found[name] = float(value)
    return found.get("baton_database_writes", 0.0), found.get("baton_database_commits", 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("workloads", nargs="+", choices=loadgen.WORKLOADS)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--perf", action="store_true")
    ap.add_argument("--cpu", action="store_true", help="CPU µs per 2xx request by server thread")
    ap.add_argument("--out", default="target/bench")
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="bench-one-")
    perf = None
    try:
        home, _ = seed("baton", root, a.runs)
        srv = Server("baton", home)
        srv.start()
        fx = loadgen.Fixture(srv.api)
        if a.perf:
            os.makedirs(a.out, exist_ok=True)
            perf = subprocess.Popen(["perf", "record", "-g", "-p", str(srv.proc.pid), "-o",
                                     os.path.join(a.out, "perf.data")], stderr=subprocess.DEVNULL)
        scratch = tempfile.mkdtemp(dir=root)
        for w in a.workloads:
            before = thread_cpu(srv.proc.pid) if a.cpu else None
            waits0 = thread_waits(srv.proc.pid) if a.cpu else None
            m0, c0 = machine_ticks(), os.times()
            w0 = write_counts(srv.port) if a.cpu else None
            r = loadgen.run_workload(w, f"http://127.0.0.1:{srv.port}", fx, a.seconds, a.conns, scratch)
            extra = f"  lines/s {r['lines_per_s']:,.0f}" if "lines_per_s" in r else ""
            print(f"{w:26} {r['ok_rps']:10,.0f} 2xx/s  p50 {r['p50_ms']:8.2f} ms  p99 {r['p99_ms']:8.2f} ms"
                  f"  non-2xx {r['non2xx']}{extra}", flush=True)
            if before is not None:
                after, ok = thread_cpu(srv.proc.pid), max(r["requests"] - r["non2xx"], 1)
                per = {k: (after.get(k, 0) - before.get(k, 0)) * 1e6 / TICKS / ok for k in after}
                parts = "  ".join(f"{k} {v:.0f}" for k, v in sorted(per.items(), key=lambda kv: -kv[1]) if v >= 0.5)
                waits1 = thread_waits(srv.proc.pid)
                waited = {k: (waits1.get(k, 0) - waits0.get(k, 0)) / 1e3 / ok for k in waits1}
                c1, m1 = os.times(), machine_ticks()
                load = (c1.children_user + c1.children_system - c0.children_user - c0.children_system) * 1e6 / ok
                busy, steal, total = (m1[i] - m0[i] for i in range(3))
                cores = os.cpu_count() or 1
                print(f"{'':26} CPU µs per request: total {sum(per.values()):.0f}  {parts}  (wrk {load:.0f})",
                      flush=True)
                print(f"{'':26} machine: {100 * busy / max(total, 1):.0f} % of {cores} cores busy, "
                      f"{100 * steal / max(total, 1):.0f} % taken by the hypervisor", flush=True)
                print(f"{'':26} waiting for a CPU, µs per request: "
                      + "  ".join(f"{k} {v:.0f}" for k, v in sorted(waited.items(), key=lambda kv: -kv[1])
                                  if v >= 0.5), flush=True)
                w1 = write_counts(srv.port)
                print(f"{'':26} writer: {(w1[0] - w0[0]) / max(w1[1] - w0[1], 1):.2f} writes per commit",
                      flush=True)
    finally:
        if perf is not None and perf.poll() is None and perf.pid > 1:
            perf.send_signal(signal.SIGINT)
            perf.wait(timeout=60)
        if 'srv' in locals():
            srv.stop()
        wipe(root)


if __name__ == "__main__":
    main()
