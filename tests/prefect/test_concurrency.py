"""Concurrency and rate limits with the real client: what a user relies on.

1. A tag limit (`prefect concurrency-limit create TAG 1`) runs tagged tasks one at a time, and `inspect` shows
   the task run holding the slot; `ls`, `reset` and `delete` answer as the CLI expects.
2. A global limit (`prefect gcl create NAME --limit 2`) lets at most 2 of 6 threads into
   `concurrency(NAME)`; asking for more slots than the limit fails at once; `gcl` ls/inspect/update/
   disable/enable/delete.
3. A rate limit (`--slot-decay-per-second 5`) spaces `rate_limit()` calls out.
6. Bad input over raw HTTP gets the status codes the client depends on.

Leases (a killed holder, deployment concurrency with the stock worker) are in test_concurrency_leases.py;
tagged tasks whose tags have no limit in test_tagged_tasks.py.

Every test makes its own limits (names end in a random suffix, the server may be shared) and deletes them.
"""

from __future__ import annotations

import json
import time
import uuid

from conc_helpers import SCRIPT_TIMEOUT_S, cleanup, cli_json, finish, gcl, max_overlap, one_line, q, start_script, uid  # noqa: F401 (cleanup is a fixture)
from helpers import brief_run, get_json, is_uuid, post_json


# ---------------------------------------------------------------------------------------------------------
# 1. Tag limits


def test_tag_limit_runs_tagged_tasks_one_at_a_time(baton, api, prefect_cli, cleanup, tmp_path):
    tag = cleanup.tag(f"crunch-{uid()}")
    r = prefect_cli("concurrency-limit", "create", tag, "1")
    assert r.returncode == 0, r.describe()
    assert "Created concurrency limit" in r.stdout and tag in r.stdout, r.describe()
    v1 = get_json(api, f"concurrency_limits/tag/{q(tag)}")
    assert v1["tag"] == tag and v1["concurrency_limit"] == 1 and v1["active_slots"] == [], v1

    out = tmp_path / "intervals"
    out.mkdir()
    proc = start_script(baton, tmp_path, "tag-tasks", "conc_tag_tasks.py", tag, str(out), "4", "2.0")
    seen: list[list[str]] = []
    try:
        # Poll `inspect` while the flow runs: the slot's holder is the task run that is running.
        deadline = time.monotonic() + SCRIPT_TIMEOUT_S
        while proc.running() and time.monotonic() < deadline:
            data = cli_json(prefect_cli("concurrency-limit", "inspect", tag, "-o", "json"))
            assert data["tag"] == tag and data["concurrency_limit"] == 1, data
            seen.append(list(data["active_slots"]))
        code = finish(proc, 5.0)
    finally:
        proc.close()
    assert code == 0, proc.describe()
    flow_run_id = next(
        (line.split("=", 1)[1].strip() for line in proc.stdout().splitlines() if line.startswith("FLOW_RUN_ID=")),
        None,
    )
    assert is_uuid(flow_run_id), proc.describe()

    records = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    assert sorted(r["i"] for r in records) == [0, 1, 2, 3], records
    records.sort(key=lambda r: r["start"])
    for a, b in zip(records, records[1:]):
        assert b["start"] >= a["end"], f"tasks {a['i']} and {b['i']} overlapped: {records}"

    tasks = post_json(api, "task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run_id]}}})
    task_ids = {t["id"] for t in tasks}
    assert {r["task_run_id"] for r in records} <= task_ids, (records, [brief_run(t) for t in tasks])
    assert all(t["state_type"] == "COMPLETED" for t in tasks), [brief_run(t) for t in tasks]
    assert all(len(slots) <= 1 for slots in seen), f"more holders than the limit: {seen}"
    holders = {h for slots in seen for h in slots}
    assert holders, f"`inspect` never showed a task run holding the slot while the flow ran: {seen}"
    assert holders <= task_ids, (holders, task_ids)

    # Afterwards nothing holds the slot.
    data = cli_json(prefect_cli("concurrency-limit", "inspect", tag, "-o", "json"))
    assert data["active_slots"] == [], data
    r = prefect_cli("concurrency-limit", "inspect", tag)
    assert r.returncode == 0 and tag in r.stdout, r.describe()

    listed = cli_json(prefect_cli("concurrency-limit", "ls", "--limit", "200", "-o", "json"))
    mine = [x for x in listed if x["tag"] == tag]
    assert len(mine) == 1 and mine[0]["concurrency_limit"] == 1 and mine[0]["active_slots"] == [], listed
    r = prefect_cli("concurrency-limit", "ls")
    assert r.returncode == 0 and "Concurrency Limits" in r.stdout, r.describe()

    r = prefect_cli("concurrency-limit", "reset", tag)
    assert r.returncode == 0 and "Reset concurrency limit" in r.stdout, r.describe()
    nope = f"nope-{uid()}"
    r = prefect_cli("concurrency-limit", "reset", nope)
    assert r.returncode == 1 and "No concurrency limit found" in r.stdout, r.describe()
    r = prefect_cli("concurrency-limit", "inspect", nope)
    assert r.returncode == 1 and "No concurrency limit found" in r.stdout, r.describe()

    r = prefect_cli("--no-prompt", "concurrency-limit", "delete", tag)
    assert r.returncode == 0 and "Deleted concurrency limit" in r.stdout, r.describe()
    assert api.get(f"concurrency_limits/tag/{q(tag)}").status_code == 404
    r = prefect_cli("--no-prompt", "concurrency-limit", "delete", tag)
    assert r.returncode == 1 and "No concurrency limit found" in r.stdout, r.describe()


# ---------------------------------------------------------------------------------------------------------
# 2. Global concurrency limits


def test_global_limit_admits_at_most_limit_threads(baton, api, prefect_cli, run_flow, cleanup):
    name = cleanup.limit(f"warehouse-{uid()}")
    r = prefect_cli("gcl", "create", name, "--limit", "2")
    assert r.returncode == 0 and "Created global concurrency limit" in r.stdout, r.describe()

    result = run_flow("conc_global.py", "threads", name, "6", "1.0", timeout=SCRIPT_TIMEOUT_S)
    assert result.returncode == 0, result.describe()
    intervals = json.loads(result.field("INTERVALS") or "null")
    assert intervals and sorted(i["i"] for i in intervals) == list(range(6)), result.describe()
    assert int(result.field("MAX_INSIDE")) <= 2, result.describe()
    assert max_overlap([(i["enter"], i["exit"]) for i in intervals]) <= 2, intervals
    # Every thread released its slot on the way out.
    assert gcl(api, name)["active_slots"] == 0, gcl(api, name)

    # More slots than the limit can ever give: an error at once, not a wait.
    result = run_flow("conc_global.py", "over", name, "3", timeout=SCRIPT_TIMEOUT_S)
    assert result.returncode == 0, result.describe()
    assert result.field("ENTERED") is None, result.describe()
    assert result.field("ERROR_TYPE") == "ConcurrencySlotAcquisitionError", result.describe()
    assert "greater than the limit" in (result.field("ERROR") or ""), result.describe()
    assert float(result.field("ELAPSED")) < 20.0, result.describe()
    assert gcl(api, name)["active_slots"] == 0, gcl(api, name)


def test_gcl_cli_lifecycle(api, prefect_cli, cleanup):
    name = cleanup.limit(f"warehouse-{uid()}")
    r = prefect_cli("gcl", "create", name, "--limit", "2")
    assert r.returncode == 0, r.describe()
    assert "Created global concurrency limit" in r.stdout and name in one_line(r.stdout), r.describe()
    r = prefect_cli("gcl", "create", name, "--limit", "2")
    assert r.returncode == 1 and "already exists" in r.stdout, r.describe()

    listed = cli_json(prefect_cli("gcl", "ls", "-o", "json"))
    mine = [x for x in listed if x["name"] == name]
    assert len(mine) == 1, listed
    assert mine[0]["limit"] == 2 and mine[0]["active"] is True and mine[0]["active_slots"] == 0, mine
    r = prefect_cli("gcl", "ls")
    assert r.returncode == 0 and "Global Concurrency Limits" in r.stdout, r.describe()

    shown = cli_json(prefect_cli("gcl", "inspect", name, "-o", "json"))
    assert shown["name"] == name and shown["limit"] == 2 and shown["active_slots"] == 0, shown
    assert shown["slot_decay_per_second"] == 0 and shown["active"] is True and is_uuid(shown["id"]), shown

    r = prefect_cli("gcl", "update", name, "--limit", "3")
    assert r.returncode == 0 and "Updated global concurrency limit" in r.stdout, r.describe()
    assert cli_json(prefect_cli("gcl", "inspect", name, "-o", "json"))["limit"] == 3
    nope = f"nope-{uid()}"
    for args in (("gcl", "update", nope, "--limit", "2"), ("gcl", "inspect", nope), ("--no-prompt", "gcl", "delete", nope)):
        r = prefect_cli(*args)
        assert r.returncode == 1 and "not found" in r.stdout, r.describe()

    r = prefect_cli("gcl", "disable", name)
    assert r.returncode == 0 and "Disabled global concurrency limit" in r.stdout, r.describe()
    assert gcl(api, name)["active"] is False
    r = prefect_cli("gcl", "disable", name)
    assert r.returncode == 1 and "already disabled" in r.stdout, r.describe()
    r = prefect_cli("gcl", "enable", name)
    assert r.returncode == 0 and "Enabled global concurrency limit" in r.stdout, r.describe()
    assert gcl(api, name)["active"] is True

    r = prefect_cli("--no-prompt", "gcl", "delete", name)
    assert r.returncode == 0 and "Deleted global concurrency limit" in r.stdout, r.describe()
    assert api.get(f"v2/concurrency_limits/{q(name)}").status_code == 404
    r = prefect_cli("gcl", "inspect", name)
    assert r.returncode == 1 and "not found" in r.stdout, r.describe()


# ---------------------------------------------------------------------------------------------------------
# 3. Rate limits

RATE_CALLS = 20
RATE_LIMIT = 2
RATE_DECAY = 5.0
# The first RATE_LIMIT calls go through at once; each later one needs one slot to decay (1/5 s):
# (20 - 2) / 5 = 3.6 s at the least.
RATE_MIN_S = (RATE_CALLS - RATE_LIMIT) / RATE_DECAY
# A refused call sleeps a random 0.75-1.3 x 0.2 s (Retry-After) before trying again, so against Prefect's
# server 20 calls took 4.4-5.0 s on an idle machine and up to 6.5 s on a busy one. The bound only catches
# gross over-throttling (a fixed 1 s wait per refusal would take 18 s).
RATE_MAX_S = 10.0


def test_rate_limit_spaces_calls_out(api, prefect_cli, run_flow, cleanup):
    name = cleanup.limit(f"api-{uid()}")
    r = prefect_cli("gcl", "create", name, "--limit", str(RATE_LIMIT), "--slot-decay-per-second", str(RATE_DECAY))
    assert r.returncode == 0, r.describe()
    assert gcl(api, name)["slot_decay_per_second"] == RATE_DECAY

    result = run_flow("conc_global.py", "rate", name, str(RATE_CALLS), timeout=SCRIPT_TIMEOUT_S)
    assert result.returncode == 0, result.describe()
    elapsed, after_first = float(result.field("ELAPSED")), float(result.field("AFTER_FIRST"))
    print(f"\n{RATE_CALLS} rate_limit() calls: {elapsed:.2f}s ({after_first:.2f}s after the first)")
    assert elapsed >= RATE_MIN_S, f"{RATE_CALLS} calls in {elapsed:.2f}s, faster than {RATE_MIN_S}s\n{result.describe()}"
    assert after_first < RATE_MAX_S, f"{RATE_CALLS} calls took {after_first:.2f}s\n{result.describe()}"


# ---------------------------------------------------------------------------------------------------------
# 6. Bad input over raw HTTP


def test_bad_input_answers(api, cleanup):
    name = cleanup.limit(f"bad-{uid()}")

    r = api.post("v2/concurrency_limits/", json={"name": name, "limit": -1})
    assert r.status_code == 422, r.text
    assert api.get(f"v2/concurrency_limits/{q(name)}").status_code == 404
    created = post_json(api, "v2/concurrency_limits/", {"name": name, "limit": 2}, expect=201)
    assert created["name"] == name and created["limit"] == 2 and created["active_slots"] == 0, created
    r = api.post("v2/concurrency_limits/", json={"name": name, "limit": 5})
    assert r.status_code == 409, r.text
    assert gcl(api, name)["limit"] == 2

    for path in ("v2/concurrency_limits/filter", "concurrency_limits/filter"):
        r = api.post(path, json={"limit": 201})
        assert r.status_code == 422, (path, r.text)

    unknown_tag = f"unknown-{uid()}"
    for method, path in (
        ("GET", f"concurrency_limits/tag/{unknown_tag}"),
        ("GET", f"concurrency_limits/{uuid.uuid4()}"),
        ("DELETE", f"concurrency_limits/tag/{unknown_tag}"),
        ("POST", f"concurrency_limits/tag/{unknown_tag}/reset"),
        ("GET", f"v2/concurrency_limits/{unknown_tag}"),
    ):
        r = api.request(method, path, json={} if method == "POST" else None)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert "not found" in r.json().get("detail", "").lower(), (method, path, r.text)

    for path, body in (
        ("v2/concurrency_limits/increment", {"names": [name], "slots": 3, "mode": "concurrency"}),
        ("v2/concurrency_limits/increment-with-lease", {"names": [name], "slots": 3, "lease_duration": 60}),
    ):
        r = api.post(path, json=body)
        assert r.status_code == 422, (path, r.text)
        assert "Slots requested is greater than the limit" in r.json().get("detail", ""), (path, r.text)
    assert gcl(api, name)["active_slots"] == 0

    missing = f"missing-{uid()}"
    assert post_json(api, "v2/concurrency_limits/increment", {"names": [missing], "slots": 1}) == []
    granted = post_json(api, "v2/concurrency_limits/increment-with-lease", {"names": [missing], "slots": 1, "lease_duration": 60})
    assert granted["limits"] == [], granted
    api.post("v2/concurrency_limits/decrement-with-lease", json={"lease_id": granted["lease_id"]})

    # Releasing twice is harmless: 204 both times, and the second release frees nobody else's slot.
    first = post_json(api, "v2/concurrency_limits/increment-with-lease", {"names": [name], "slots": 1, "lease_duration": 60})
    assert [lim["name"] for lim in first["limits"]] == [name] and is_uuid(first["lease_id"]), first
    assert gcl(api, name)["active_slots"] == 1
    for _ in range(2):
        r = api.post("v2/concurrency_limits/decrement-with-lease", json={"lease_id": first["lease_id"]})
        assert r.status_code == 204, r.text
        assert gcl(api, name)["active_slots"] == 0, gcl(api, name)
    second = post_json(api, "v2/concurrency_limits/increment-with-lease", {"names": [name], "slots": 1, "lease_duration": 60})
    r = api.post("v2/concurrency_limits/decrement-with-lease", json={"lease_id": first["lease_id"]})
    assert r.status_code == 204, r.text
    assert gcl(api, name)["active_slots"] == 1, "releasing a released lease freed another holder's slot"

    r = api.post(f"v2/concurrency_limits/leases/{first['lease_id']}/renew", json={"lease_duration": 60})
    assert r.status_code == 410, r.text
    r = api.post(f"v2/concurrency_limits/leases/{second['lease_id']}/renew", json={"lease_duration": 60})
    assert r.status_code == 204, r.text
    r = api.post("v2/concurrency_limits/decrement-with-lease", json={"lease_id": second["lease_id"]})
    assert r.status_code == 204, r.text
    assert gcl(api, name)["active_slots"] == 0
