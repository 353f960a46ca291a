"""High availability on PostgreSQL: three replicas share a database; a load of flow runs (created and
driven to COMPLETED by the test itself, round-robin over the replicas) keeps going while the leader is
SIGKILLed, another replica takes over, and the killed one is restarted on the same home. Afterwards nothing
acknowledged is lost, no transition is duplicated, no idempotency key is shared, every schedule slot of the
100 deployments in the test's window has exactly one run, and the new leader went on scheduling.

Needs BATON_TEST_DATABASE_URL (skipped otherwise); see conftest.py.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ha_load import LOAD_KEY, Kill, Load, find_leader, kill_leader_then_restart, psql

DEPLOYMENTS = 100
INTERVAL_S = 5  # schedule interval: several slots pass during the load
AHEAD = 2  # max_scheduled_runs: the leader keeps only 10 s of runs ahead, so it must keep scheduling
RATE = 20  # flow runs started per second
LOAD_S = 25
KILL_AT_S = 6  # into the load
TAKEOVER_DEADLINE_S = 10
RESTART_AFTER_S = 4  # after the kill
SLOT_MARGIN_S = 2
LOAD_WORKERS = 48


@dataclass
class Run:
    """The facts the checks read."""

    db: str
    load: Load
    kill: Kill
    deployments: "dict[str, dict]"  # id -> {"schedule_id", "created"}
    anchor: datetime
    load_started_wall: float
    load_ended_wall: float
    checked_wall: float
    jobs: int
    replicas: list


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def wall(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def in_chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i : i + n]


# ---------------------------------------------------------------------------------------------- checks


def check_acknowledged(r: Run) -> "list[str]":
    """Every acknowledged run exists, read through the API, in the state last known committed (the last
    acknowledged one, or later when an unanswered write was found applied); every acknowledged state is
    in the run's history."""
    errors = []
    known = dict(r.load.known)
    api = next(rep for rep in r.replicas if rep.handle() is not None).handle()[0]
    found: "dict[str, str]" = {}
    for chunk in in_chunks(sorted(known), 100):
        resp = api.post("flow_runs/filter", json={"flow_runs": {"id": {"any_": chunk}}, "limit": 200})
        assert resp.status_code == 200, resp.text
        found.update({run["id"]: run["state_type"] for run in resp.json()})
    for run_id, state in known.items():
        if run_id not in found:
            errors.append(f"acknowledged run {run_id} is missing")
        elif found[run_id] != state:
            errors.append(f"run {run_id} is {found[run_id]}, acknowledged {r.load.last_ack.get(run_id)}, known {state}")
    # The database's current-state columns agree: the type known, and the state acknowledged last.
    last_id = {a.run_id: a.state_id for a in r.load.acks}  # acks are appended in order per run
    cols = psql(r.db, f"SELECT id, state_type, state_id FROM flow_runs WHERE idempotency_key LIKE '{LOAD_KEY}%'")
    for run_id, state_type, state_id in cols:
        if run_id in known and state_type != known[run_id]:
            errors.append(f"run {run_id} has state_type {state_type} in the database, known {known[run_id]}")
        if run_id in known and known[run_id] == r.load.last_ack.get(run_id) and state_id != last_id[run_id]:
            errors.append(f"run {run_id}'s current state is {state_id}, acknowledged last {last_id[run_id]}")
    rows = psql(r.db, f"SELECT id, flow_run_id, type FROM flow_run_states WHERE flow_run_id IN "
                      f"(SELECT id FROM flow_runs WHERE idempotency_key LIKE '{LOAD_KEY}%')")
    stored = {row[0]: (row[1], row[2]) for row in rows}
    for a in r.load.acks:
        if stored.get(a.state_id) != (a.run_id, a.state_type):
            errors.append(f"acknowledged state {a.state_id} ({a.run_id} {a.state_type}, via replica "
                          f"{a.replica}) is stored as {stored.get(a.state_id)}")
    # A retried creation may be answered with the run made before; an accepted transition is new each time.
    moves = [a.state_id for a in r.load.acks if a.state_type != "SCHEDULED"]
    if len(set(moves)) != len(moves):
        errors.append("two accepted transitions were answered with the same state")
    return errors


def check_load_runs_finished(r: Run) -> "list[str]":
    """Every job of the load created its run and drove it to COMPLETED; no load run is left PENDING or
    RUNNING; each one's history holds each state exactly once (SCHEDULED, PENDING, RUNNING, COMPLETED)."""
    errors = [f"client saw: {p}" for p in r.load.problems[:20]]
    if r.load.jobs_done != r.jobs:
        errors.append(f"{r.jobs - r.load.jobs_done} of {r.jobs} load jobs did not finish")
    rows = psql(r.db, f"SELECT id, state_type FROM flow_runs WHERE idempotency_key LIKE '{LOAD_KEY}%'")
    if len(rows) != r.jobs:
        errors.append(f"{len(rows)} load runs stored for {r.jobs} jobs")
    stuck = [row for row in rows if row[1] in ("PENDING", "RUNNING")]
    if stuck:
        errors.append(f"{len(stuck)} load runs left PENDING/RUNNING: {stuck[:10]}")
    history = psql(r.db, f"SELECT s.flow_run_id, s.type, count(*) FROM flow_run_states s JOIN flow_runs f "
                         f"ON f.id = s.flow_run_id WHERE f.idempotency_key LIKE '{LOAD_KEY}%' GROUP BY 1, 2")
    per_run: "dict[str, dict[str, int]]" = defaultdict(dict)
    for run_id, kind, n in history:
        per_run[run_id][kind] = int(n)
    want = {"SCHEDULED": 1, "PENDING": 1, "RUNNING": 1, "COMPLETED": 1}
    wrong = {k: v for k, v in per_run.items() if v != want}
    if wrong:
        errors.append(f"{len(wrong)} load runs with a lost or repeated transition: {list(wrong.items())[:10]}")
    if len(per_run) != len(rows):
        errors.append(f"{len(rows) - len(per_run)} load runs without any state history")
    return errors


def check_idempotency_keys(r: Run) -> "list[str]":
    dup = psql(r.db, "SELECT idempotency_key, count(*) FROM flow_runs WHERE idempotency_key IS NOT NULL "
                     "GROUP BY 1 HAVING count(*) > 1")
    return [f"{len(dup)} idempotency keys shared by several runs: {dup[:10]}"] if dup else []


def check_slots(r: Run) -> "list[str]":
    """For each deployment, each slot from its creation (+margin) to the check (-margin) has exactly one
    run (by expected_start_time); no slot anywhere has two; no run is off the schedule's grid."""
    errors = []
    rows = psql(r.db, "SELECT deployment_id, expected_start_time, count(*) FROM flow_runs "
                      "WHERE deployment_id IS NOT NULL GROUP BY 1, 2")
    counts: "dict[str, Counter]" = defaultdict(Counter)
    for dep, at, n in rows:
        counts[dep][ts(at)] = int(n)
    step = timedelta(seconds=INTERVAL_S)
    upper = wall(r.checked_wall) - timedelta(seconds=SLOT_MARGIN_S)
    missing, doubled, off_grid, checked = [], [], [], 0
    for dep, d in r.deployments.items():
        c = counts.get(dep, Counter())
        for at, n in c.items():
            if (at - r.anchor) % step:
                off_grid.append((dep, at.isoformat()))
            if n > 1:
                doubled.append((dep, at.isoformat(), n))
        lower = d["created"] + timedelta(seconds=SLOT_MARGIN_S)
        slot = r.anchor + step * -(-(lower - r.anchor) // step)  # the first slot at or after `lower`
        while slot <= upper:
            checked += 1
            if c.get(slot, 0) != 1:
                missing.append((dep, slot.isoformat(), c.get(slot, 0)))
            slot += step
    if set(counts) - set(r.deployments):
        errors.append(f"runs of unknown deployments: {sorted(set(counts) - set(r.deployments))[:5]}")
    if checked < DEPLOYMENTS * (LOAD_S // INTERVAL_S - 2):
        errors.append(f"only {checked} slots in the window: the test's timing is off")
    if missing:
        errors.append(f"{len(missing)} of {checked} slots without exactly one run: {missing[:10]}")
    if doubled:
        errors.append(f"{len(doubled)} slots with several runs: {doubled[:10]}")
    if off_grid:
        errors.append(f"{len(off_grid)} runs off the schedule grid: {off_grid[:10]}")
    return errors


def check_scheduling_resumed(r: Run) -> "list[str]":
    """Each deployment has runs created after the kill for slots beyond what the killed leader had
    already scheduled (it kept AHEAD slots ahead)."""
    beyond = wall(r.kill.killed_wall) + timedelta(seconds=INTERVAL_S * AHEAD)
    rows = psql(r.db, "SELECT deployment_id, expected_start_time, created FROM flow_runs "
                      "WHERE deployment_id IS NOT NULL")
    resumed = Counter(dep for dep, at, created in rows
                      if ts(at) > beyond and ts(created) > wall(r.kill.killed_wall))
    idle = [dep for dep in r.deployments if resumed[dep] == 0]
    errors = [f"{len(idle)} deployments not scheduled after the kill: {idle[:5]}"] if idle else []
    if wall(r.checked_wall) - timedelta(seconds=SLOT_MARGIN_S) < beyond + timedelta(seconds=INTERVAL_S):
        errors.append("the test's timing is off: check_slots' window has no slot only the new leader made")
    return errors


def check_restarted_replica_serves(r: Run) -> "list[str]":
    """The killed replica, restarted on the same home and database, answered writes of the load again."""
    served = sum(1 for a in r.load.acks if a.replica == r.kill.victim and a.at > r.kill.restarted_wall)
    return [] if served else [f"replica {r.kill.victim} acknowledged no write after its restart"]


def check_all(r: Run) -> "dict[str, list[str]]":
    checks = [check_acknowledged, check_load_runs_finished, check_idempotency_keys, check_slots,
              check_scheduling_resumed, check_restarted_replica_serves]
    return {c.__name__: c(r) for c in checks}


# ------------------------------------------------------------------------------------------------ test


def make_deployments(replicas: list, flow_id: str, anchor: datetime) -> "dict[str, dict]":
    def one(i: int) -> "tuple[str, dict]":
        client = replicas[i % len(replicas)].handle()[0]
        resp = client.post("deployments/", json={
            "name": f"ha-{i:03d}",
            "flow_id": flow_id,
            "schedules": [{"schedule": {"interval": INTERVAL_S, "anchor_date": anchor.isoformat()},
                           "active": True, "max_scheduled_runs": AHEAD}],
        })
        assert resp.status_code in (200, 201), resp.text
        d = resp.json()
        return d["id"], {"schedule_id": d["schedules"][0]["id"], "created": ts(d["created"])}

    with ThreadPoolExecutor(max_workers=6) as pool:
        return dict(pool.map(one, range(DEPLOYMENTS)))


def test_leader_killed_under_load_loses_and_duplicates_nothing(replicas, database, capsys):
    leaders = find_leader(replicas, 20.0)
    assert len(leaders) == 1, f"replicas leading at start: {leaders}"
    client = replicas[0].handle()[0]
    resp = client.post("flows/", json={"name": "ha-flow"})
    assert resp.status_code in (200, 201), resp.text
    flow_id = resp.json()["id"]
    now = datetime.now(timezone.utc)
    anchor = now.replace(second=now.second - now.second % 10, microsecond=0) - timedelta(minutes=1)
    deployments = make_deployments(replicas, flow_id, anchor)

    load = Load(replicas=replicas, flow_id=flow_id)
    kill = Kill()
    jobs = RATE * LOAD_S
    start = time.monotonic()
    load_started_wall = time.time()
    killer = threading.Thread(
        target=kill_leader_then_restart,
        args=(load, start + KILL_AT_S, TAKEOVER_DEADLINE_S, RESTART_AFTER_S, kill),
        daemon=True,
    )
    killer.start()
    with ThreadPoolExecutor(max_workers=LOAD_WORKERS) as pool:
        for i in range(jobs):
            time.sleep(max(0.0, start + i / RATE - time.monotonic()))
            pool.submit(load.job, i)
        submitted_s = time.monotonic() - start
    load_ended_wall = time.time()
    killer.join(timeout=30)
    assert not killer.is_alive(), "the killer thread did not finish within 30 s"
    assert kill.victim >= 0 and kill.takeover_s is not None, (
        f"no other replica reported baton_leader 1 within {TAKEOVER_DEADLINE_S}s of killing replica "
        f"{kill.victim} (killer: {kill.error!r})")
    if kill.error is not None:
        raise kill.error
    final_leaders = find_leader(replicas, 10.0)
    assert len(final_leaders) == 1, f"after the restart, replicas leading: {final_leaders}"

    time.sleep(1.0)  # let the scheduler top up the slots due now
    r = Run(db=database, load=load, kill=kill, deployments=deployments, anchor=anchor,
            load_started_wall=load_started_wall, load_ended_wall=load_ended_wall,
            checked_wall=time.time(), jobs=jobs, replicas=replicas)
    failures = check_all(r)
    scheduled = psql(database, "SELECT count(*) FROM flow_runs WHERE deployment_id IS NOT NULL")[0][0]
    with capsys.disabled():
        print(
            f"\nHA summary: {len(load.runs)} load runs created ({jobs} jobs, {jobs / submitted_s:.1f}/s "
            f"over {submitted_s:.1f}s, all done after {load_ended_wall - load_started_wall:.1f}s), "
            f"{scheduled} scheduled runs, {len(load.acks)} acknowledged writes, "
            f"{load.failed} failed requests {dict(load.failed_by_replica)}, "
            f"{load.applied_unacknowledged} unanswered writes found applied; killed leader replica "
            f"{kill.victim} with {kill.in_flight_at_kill} requests in flight, replica {kill.new_leader} "
            f"led after {kill.takeover_s:.2f}s; {len(deployments)} deployments, "
            f"{sum(1 for _ in failures)} checks, failing: {[k for k, v in failures.items() if v]}"
        )
    bad = {k: v for k, v in failures.items() if v}
    assert not bad, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in bad.items())
