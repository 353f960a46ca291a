"""The scheduler with many deployments each on a minutely cron: how long until every deployment has its runs
ahead, and (with a worker) how late the runs of the next minute start."""
import statistics
import time
from datetime import datetime, timedelta, timezone

from dispatch_cmp import ts


def iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def scheduled_count(api) -> int:
    return api.call("POST", "/flow_runs/count", {"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}})


def create_deployments(api, n: int, pool: str, budget_s: float, command: bool):
    """Creates up to `n` deployments with a `* * * * *` cron within `budget_s`; returns (ids, seconds)."""
    fid = api.call("POST", "/flows/", {"name": "minutely"})["id"]
    ids, t0 = [], time.monotonic()
    for i in range(n):
        if time.monotonic() - t0 > budget_s:
            break
        body = {"name": f"m{i}", "flow_id": fid, "work_pool_name": pool,
                "schedules": [{"schedule": {"cron": "* * * * *", "timezone": "UTC"}, "active": True}]}
        if command:
            body["job_variables"] = {"command": "true"}
        try:
            ids.append(api.call("POST", "/deployments/", body)["id"])
        except (RuntimeError, OSError):  # Prefect answers 503 (or drops the connection) when busy: not created
            pass
    return ids, time.monotonic() - t0


def runs_ahead(api, ids, created_at: float, budget_s: float) -> dict:
    """Polls the number of SCHEDULED runs until it stops growing (3 s unchanged) or `budget_s` passes."""
    last, last_change, t_end = -1, time.monotonic(), time.monotonic() + budget_s
    while time.monotonic() < t_end:
        c = scheduled_count(api)
        if c != last:
            last, last_change = c, time.monotonic()
        elif c >= 3 * len(ids) and time.monotonic() - last_change > 3:
            break
        time.sleep(0.1)
    step = max(1, len(ids) // 20)
    sample = [api.call("POST", "/flow_runs/count", {"deployments": {"id": {"any_": [d]}}}) for d in ids[::step]]
    return {"deployments": len(ids), "scheduled_runs": last, "seconds_after_last_deployment": max(0.0, last_change - created_at),
            "plateau": time.monotonic() < t_end, "min_runs_per_sampled_deployment": min(sample) if sample else 0}


def start_lag(api, ids, wait_s: float) -> dict:
    """Waits for the next minute's runs to come due and finish, then reads PENDING/RUNNING lag behind schedule."""
    now = datetime.now(timezone.utc)
    minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    time.sleep(max(0.0, (minute - now).total_seconds()) + wait_s)
    runs, offset = [], 0
    while offset < 2 * len(ids) + 400:
        page = api.call("POST", "/flow_runs/filter", {"flow_runs": {"expected_start_time": {
            "after_": iso(minute), "before_": iso(minute + timedelta(milliseconds=999))}}, "limit": 200, "offset": offset})
        runs.extend(page)
        offset += 200
        if len(page) < 200:
            break
    due = minute.timestamp()
    started = sorted((ts(r["start_time"]) - due) * 1000 for r in runs if r.get("start_time"))
    pct = lambda v, p: v[min(len(v) - 1, round(p * (len(v) - 1)))]
    return {"due_runs": len(runs), "started": len(started),
            "start_lag_p50_ms": statistics.median(started) if started else None,
            "start_lag_p99_ms": pct(started, 0.99) if started else None,
            "start_lag_max_ms": started[-1] if started else None}
