#!/usr/bin/env python3
"""Which b-trees each write dirties, for profiling: seeds 10,000 runs, starts Baton, creates N runs (argument,
default 30), then sends their state changes (PENDING, RUNNING, COMPLETED) and N more creates one at a time,
reading the WAL frames each request appended. Prints the frames per request by b-tree (names from SQLite's
`dbstat`, through Python's sqlite3). Requests are sequential, so no two share a commit; under concurrent
load, writes that share a commit share pages too."""
import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # noqa: E402
from compare import seed  # noqa: E402
from servers import Server, wipe  # noqa: E402


def frames(wal):
    """[(salt, index, pgno, commit)] of the WAL's valid-looking frames (same salt as the header)."""
    try:
        data = Path(wal).read_bytes()
    except FileNotFoundError:
        return []
    if len(data) < 32:
        return []
    page = struct.unpack(">I", data[8:12])[0]
    salt = data[16:24]
    out, off, i = [], 32, 0
    while off + 24 + page <= len(data):
        pgno, commit = struct.unpack(">II", data[off:off + 8])
        if data[off + 8:off + 16] != salt:
            break
        out.append((salt, i, pgno, commit))
        off += 24 + page
        i += 1
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    root = tempfile.mkdtemp(prefix="walpages-")
    try:
        home, _ = seed("baton", root, 10_000)
        srv = Server("baton", home)
        srv.start()
        api = srv.api
        fx = loadgen.Fixture(api)
        db = os.path.join(home, "baton.db")
        wal = db + "-wal"
        runs = [api.call("POST", f"/deployments/{fx.deployment_id}/create_flow_run", {})["id"] for _ in range(n)]
        per = collections.defaultdict(collections.Counter)
        counts = collections.defaultdict(list)

        def step(label, fn):
            time.sleep(0.05)
            before = frames(wal)
            fn()
            time.sleep(0.002)
            after = frames(wal)
            if before and after and before[0][0] == after[0][0]:
                new = after[len(before):]
            else:
                new = after
            counts[label].append(len(new))
            for f in new:
                per[label][f[2]] += 1

        for kind in ("PENDING", "RUNNING", "COMPLETED"):
            for r in runs:
                step(kind, lambda r=r: api.call("POST", f"/flow_runs/{r}/set_state",
                                                {"state": {"type": kind}, "force": False}))
        for _ in range(n):
            step("create_flow_run", lambda: api.call("POST", f"/deployments/{fx.deployment_id}/create_flow_run", {}))
        srv.stop()
        copy = os.path.join(root, "copy.db")
        shutil.copy(db, copy)
        if os.path.exists(wal):
            shutil.copy(wal, copy + "-wal")
        c = sqlite3.connect(copy)
        names = dict(c.execute("SELECT pageno, name FROM dbstat"))
        for label, ctr in per.items():
            by = collections.Counter()
            for pg, k in ctr.items():
                by[names.get(pg, f"?{pg}")] += k
            total = sum(counts[label])
            print(f"{label}: {total / len(counts[label]):.1f} frames per write (min {min(counts[label])}, "
                  f"max {max(counts[label])})")
            for name, k in by.most_common():
                print(f"    {name:40} {k / len(counts[label]):5.2f}")
    finally:
        if 'srv' in locals() and srv.proc and srv.proc.poll() is None:
            srv.stop()
        wipe(root)


if __name__ == "__main__":
    main()
