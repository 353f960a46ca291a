"""Start and stop the servers under test (Baton's release binary, the real Prefect 3.9.1 server) on loopback,
time their start to the first 200, and read the memory of their whole process tree. Standard library only."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from common import REPO, binary

PREFECT_VERSION = "3.9.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prefect_venv() -> Path:
    """The Prefect 3.9.1 venv, created by scripts/prefect-venv.sh when missing."""
    out = subprocess.run([str(REPO / "scripts" / "prefect-venv.sh"), PREFECT_VERSION], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return Path(out.strip().splitlines()[-1])


def tree_rss_kb(pid: int) -> int:
    """VmRSS of `pid` and every descendant, in kB."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(d))
            except (OSError, IndexError):
                pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class Api:
    """A tiny JSON client on one keep-alive connection."""

    def __init__(self, port: int, timeout: float = 120):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def call(self, method: str, path: str, body=None, ok=(200, 201, 204)):
        data = None if body is None else json.dumps(body)
        headers = {"content-type": "application/json"} if data is not None else {}
        for attempt in range(40):  # Prefect answers 503 while its database is busy: wait and retry
            try:
                self.conn.request(method, "/api" + path, body=data, headers=headers)
                r = self.conn.getresponse()
                raw = r.read()
                if r.status != 503 or attempt == 39:
                    break
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                if attempt >= 2:
                    raise
            time.sleep(0.5)
        if r.status not in ok:
            raise RuntimeError(f"{method} {path}: {r.status} {raw[:300]!r}")
        return json.loads(raw) if raw else None


def wait_200(port: int, deadline_s: float, proc: subprocess.Popen) -> float:
    """Seconds from now until GET /api/health answers 200 (polling every millisecond)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < deadline_s:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/api/health")
            if c.getresponse().status == 200:
                return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.001)
    raise RuntimeError(f"no 200 from port {port} within {deadline_s}s")


class Server:
    """One running server: `kind` is "baton" or "prefect"; `home` its data dir (kept across restarts)."""

    def __init__(self, kind: str, home: str, extra_args=(), env=None):
        self.kind, self.home, self.extra_args, self.env = kind, home, list(extra_args), env or {}
        self.proc = None
        self.port = 0
        self.log = open(home + ".log", "ab") if kind == "prefect" else subprocess.DEVNULL

    def command(self, port: int):
        if self.kind == "baton":
            return [binary(), "serve", "--port", str(port), "--home", self.home, *self.extra_args]
        venv = prefect_venv()
        return [str(venv / "bin" / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]

    def environ(self):
        env = dict(os.environ, **self.env)
        if self.kind == "prefect":
            env.pop("PREFECT_API_URL", None)
            env.update(PREFECT_HOME=self.home, PREFECT_SERVER_ANALYTICS_ENABLED="false")
        return env

    def start(self) -> float:
        """Starts the server and returns the seconds until its first 200."""
        self.port = free_port()
        self.proc = subprocess.Popen(self.command(self.port), env=self.environ(), stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return wait_200(self.port, 180, self.proc)

    @property
    def api(self) -> Api:
        return Api(self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def rss_mb(self) -> float:
        return tree_rss_kb(self.proc.pid) / 1024

    def stop(self):
        """SIGTERM to the server we started (by its pid), then SIGKILL after 30 s."""
        if self.proc and self.proc.poll() is None and self.proc.pid > 1:
            self.proc.send_signal(signal.SIGINT if self.kind == "prefect" else signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


def new_home(kind: str, root: str) -> str:
    home = tempfile.mkdtemp(prefix=f"{kind}-", dir=root)
    return home


def wipe(path: str):
    shutil.rmtree(path, ignore_errors=True)
