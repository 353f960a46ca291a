"""The client side of the HA test: a load of flow runs driven through Baton's API by the test itself
(it plays the worker: SCHEDULED → PENDING → RUNNING → COMPLETED through set_state), spread round-robin over
the replicas that are up, and the killer that SIGKILLs the leader mid-load and restarts it; plus `psql`,
which the checks use to read the database directly.

What counts: a write is acknowledged when it got a 2xx answer (for set_state: status ACCEPT). A request
without a usable answer (connection refused or reset, timeout, 5xx) is ambiguous: the write may or may not
have been committed. The run's state is then read back (from another replica, after a pause that lets a
commit already on its way land) and the write retried only if it did not happen, so the client never
itself duplicates a transition. Run creation carries an idempotency key, so retrying it is safe.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

OP_DEADLINE_S = 40.0  # the longest one write may take, retries included
READ_BACK_PAUSE_S = 0.5
LOAD_KEY = "ha-load-"
PSQL_DEADLINE_S = 60.0


def psql_bin() -> str:
    found = shutil.which("psql")
    if found:
        return found
    return str(Path(os.environ.get("BATON_PG_BIN", "/usr/lib/postgresql/15/bin")) / "psql")


def psql(url: str, sql: str) -> "list[list[str]]":
    """Rows of `sql` run on `url`, each a list of text fields (tab-separated, unaligned output)."""
    done = subprocess.run(
        [psql_bin(), "-X", "-A", "-t", "-q", "-F", "\t", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
        capture_output=True, text=True, timeout=PSQL_DEADLINE_S, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"psql failed ({done.returncode}) on {sql!r}: {done.stderr}"
    return [line.split("\t") for line in done.stdout.splitlines() if line != ""]


@dataclass
class Ack:
    run_id: str
    state_type: str  # SCHEDULED for the creation
    state_id: str
    replica: int
    at: float = field(default_factory=time.time)


@dataclass
class Load:
    replicas: list  # conftest.Replica
    flow_id: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    rr: Any = field(default_factory=itertools.count)
    acks: "list[Ack]" = field(default_factory=list)
    known: "dict[str, str]" = field(default_factory=dict)  # run id -> last state known committed
    last_ack: "dict[str, str]" = field(default_factory=dict)  # run id -> last state acknowledged
    runs: "dict[int, str]" = field(default_factory=dict)  # job index -> run id
    failed: int = 0  # requests without a usable answer
    failed_by_replica: "dict[int, int]" = field(default_factory=dict)
    applied_unacknowledged: int = 0  # ambiguous writes found committed when read back
    in_flight: "dict[int, int]" = field(default_factory=dict)
    problems: "list[str]" = field(default_factory=list)  # answers a correct server never gives
    jobs_done: int = 0

    def _note(self, **kw: Any) -> None:
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)

    def send(self, method: str, path: str, body: "dict | None" = None) -> "httpx.Response | None":
        """One request to the next replica that is up; None when it got no usable answer."""
        for _ in range(len(self.replicas)):
            rep = self.replicas[next(self.rr) % len(self.replicas)]
            h = rep.handle()
            if h is not None:
                break
        else:
            time.sleep(0.1)
            return None
        client, _server = h
        with self.lock:
            self.in_flight[rep.index] = self.in_flight.get(rep.index, 0) + 1
        try:
            resp = client.request(method, path, json=body)
        except httpx.TransportError:
            resp = None
        finally:
            with self.lock:
                self.in_flight[rep.index] -= 1
        if resp is None or resp.status_code >= 500:
            with self.lock:
                self.failed += 1
                self.failed_by_replica[rep.index] = self.failed_by_replica.get(rep.index, 0) + 1
            return None
        resp.replica = rep.index  # type: ignore[attr-defined]
        return resp

    def _ack(self, run_id: str, state_type: str, state_id: str, replica: int) -> None:
        with self.lock:
            self.acks.append(Ack(run_id, state_type, state_id, replica))
            self.known[run_id] = state_type
            self.last_ack[run_id] = state_type

    def _problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def create(self, i: int) -> "str | None":
        body = {
            "flow_id": self.flow_id,
            "name": f"ha-load-{i}",
            "idempotency_key": f"{LOAD_KEY}{i}",
            "state": {"type": "SCHEDULED"},
        }
        deadline = time.monotonic() + OP_DEADLINE_S
        while time.monotonic() < deadline:
            resp = self.send("POST", "flow_runs/", body)
            if resp is None:
                time.sleep(0.2)
                continue
            if resp.status_code in (200, 201):
                run = resp.json()
                self._ack(run["id"], "SCHEDULED", run["state"]["id"], resp.replica)  # type: ignore[attr-defined]
                return run["id"]
            self._problem(f"create {i}: {resp.status_code} {resp.text[:300]}")
            return None
        self._problem(f"create {i}: no answer within {OP_DEADLINE_S}s")
        return None

    def read_state(self, run_id: str) -> "str | None":
        resp = self.send("GET", f"flow_runs/{run_id}")
        if resp is None or resp.status_code != 200:
            return None
        return resp.json().get("state_type")

    def propose(self, run_id: str, target: str) -> bool:
        """Moves the run to `target`; True once it is known to be there."""
        deadline = time.monotonic() + OP_DEADLINE_S
        while time.monotonic() < deadline:
            resp = self.send("POST", f"flow_runs/{run_id}/set_state", {"state": {"type": target}})
            if resp is not None and resp.status_code in (200, 201):
                out = resp.json()
                state = out.get("state") or {}
                if out.get("status") == "ACCEPT" and state.get("type") == target:
                    self._ack(run_id, target, state["id"], resp.replica)  # type: ignore[attr-defined]
                    return True
                # Refused: fine only if an earlier ambiguous attempt did it (checked just below).
            elif resp is not None:
                self._problem(f"{run_id} → {target}: {resp.status_code} {resp.text[:300]}")
                return False
            # Ambiguous or refused: did the write happen? Read back before retrying.
            while time.monotonic() < deadline:
                time.sleep(READ_BACK_PAUSE_S)
                current = self.read_state(run_id)
                if current is not None:
                    break
            else:
                break
            if current == target:
                with self.lock:
                    self.known[run_id] = target
                    self.applied_unacknowledged += 1
                return True
            if resp is not None:  # refused while not in the target state: a real refusal
                self._problem(f"{run_id} → {target}: {resp.text[:300]} (run is {current})")
                return False
        self._problem(f"{run_id} → {target}: not done within {OP_DEADLINE_S}s")
        return False

    def job(self, i: int) -> None:
        run_id = self.create(i)
        if run_id is None:
            return
        with self.lock:
            self.runs[i] = run_id
        for target in ("PENDING", "RUNNING", "COMPLETED"):
            if not self.propose(run_id, target):
                return
        self._note(jobs_done=1)


@dataclass
class Kill:
    """What the killer saw."""

    victim: int = -1
    killed_wall: float = 0.0  # time.time() of the SIGKILL
    in_flight_at_kill: int = 0
    takeover_s: "float | None" = None
    new_leader: int = -1
    restarted_wall: float = 0.0
    error: "BaseException | None" = None


def find_leader(replicas: list, timeout: float) -> "list[int]":
    """Indexes of the replicas reporting `baton_leader 1`, once exactly one does (else what was seen last)."""
    deadline = time.monotonic() + timeout
    while True:
        seen = [r.leads() for r in replicas]
        leaders = [i for i, s in enumerate(seen) if s]
        if len(leaders) == 1 or time.monotonic() >= deadline:
            return leaders
        time.sleep(0.1)


def kill_leader_then_restart(
    load: Load, at: float, takeover_deadline: float, restart_after: float, out: Kill
) -> None:
    """At monotonic time `at`: SIGKILL the leader, time the takeover, restart it on the same home."""
    try:
        time.sleep(max(0.0, at - time.monotonic()))
        leaders = find_leader(load.replicas, 5.0)
        assert len(leaders) == 1, f"before the kill, replicas leading: {leaders}"
        victim = load.replicas[leaders[0]]
        out.victim = victim.index
        # Kill it while it has requests to answer (if that comes within a few seconds).
        busy_deadline = time.monotonic() + 3.0
        while time.monotonic() < busy_deadline:
            with load.lock:
                out.in_flight_at_kill = load.in_flight.get(victim.index, 0)
            if out.in_flight_at_kill:
                break
            time.sleep(0.001)
        started = time.monotonic()
        out.killed_wall = time.time()
        victim.kill()
        deadline = started + takeover_deadline
        while time.monotonic() < deadline and out.takeover_s is None:
            for r in load.replicas:
                if r is not victim and r.leads():
                    out.takeover_s = time.monotonic() - started
                    out.new_leader = r.index
                    break
            else:
                time.sleep(0.05)
        time.sleep(max(0.0, started + restart_after - time.monotonic()))
        victim.start()
        out.restarted_wall = time.time()
    except BaseException as exc:  # reported by the test thread
        out.error = exc
