"""PostgreSQL for bench/compare.py --database postgres: the cluster (an explicit URL, else the throwaway cluster
of scripts/pg.sh, reused when running, started otherwise), one fresh database per server start, and a history
of finished runs written through the API (`baton seed` writes only a data dir's SQLite file)."""
import glob
import shutil
import subprocess
import threading
import uuid
from urllib.parse import urlsplit, urlunsplit

from common import REPO
from servers import Api

PG_SH = REPO / "scripts" / "pg.sh"


def psql() -> str:
    found = shutil.which("psql") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[::-1]), None)
    if not found:
        raise RuntimeError("psql is needed for --database postgres")
    return found


class Cluster:
    """The PostgreSQL server the bench uses. `url` names its maintenance database (where CREATE DATABASE runs);
    `started` says whether we started it (and so stop it in close())."""

    def __init__(self, url: str | None):
        self.started = False
        if not url:
            got = subprocess.run([str(PG_SH), "url"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if got.returncode == 0 and got.stdout.strip():
                url = got.stdout.strip().splitlines()[-1]
            else:
                out = subprocess.run([str(PG_SH), "start"], check=True, stdout=subprocess.PIPE, text=True).stdout
                url, self.started = out.strip().splitlines()[-1], True
        self.url = url
        self.made = []

    def sql(self, statement: str):
        subprocess.run([psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url, "-c", statement], check=True,
                       stdout=subprocess.DEVNULL)

    def database(self, prefix: str = "bench") -> str:
        """A fresh, empty database; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.sql(f"CREATE DATABASE {name}")
        self.made.append(name)
        p = urlsplit(self.url)
        return urlunsplit((p.scheme, p.netloc, "/" + name, p.query, p.fragment))

    def close(self):
        """Drops the databases made here; stops the cluster only when we started it."""
        for name in self.made:
            try:
                self.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            except subprocess.CalledProcessError:
                pass
        self.made = []
        if self.started:
            subprocess.run([str(PG_SH), "stop"], check=False)
            self.started = False


def seed_runs(port: int, runs: int, threads: int = 2):
    """`runs` finished runs (9 in 10 COMPLETED, else FAILED) of a deployment in the pool "seed", written with
    create_flow_run/bulk (100 per request), as the history the filter workload reads."""
    api = Api(port)
    try:
        api.call("POST", "/work_pools/", {"name": "seed", "type": "process"})
    except RuntimeError as e:
        if "409" not in str(e):
            raise
    flow = api.call("POST", "/flows/", {"name": "seed"})["id"]
    dep = api.call("POST", "/deployments/", {"name": "seed", "flow_id": flow, "work_pool_name": "seed"})["id"]
    batches = [min(100, runs - i) for i in range(0, runs, 100)]
    errors = []

    def work(mine):
        c = Api(port)
        try:
            for k, n in mine:
                failed = [(k * 100 + j) % 10 == 9 for j in range(n)]
                body = [{"state": {"type": "FAILED", "name": "Failed"} if f else
                         {"type": "COMPLETED", "name": "Completed"}} for f in failed]
                out = c.call("POST", f"/deployments/{dep}/create_flow_run/bulk", body)
                errors.extend(r for r in out["results"] if r.get("status") != "CREATED")
        except Exception as e:  # reported after join
            errors.append(e)

    parts = [[(k, n) for k, n in enumerate(batches) if k % threads == t] for t in range(threads)]
    ts = [threading.Thread(target=work, args=(p,)) for p in parts]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise RuntimeError(f"seeding runs failed: {errors[0]}")
