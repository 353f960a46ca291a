"""The real `prefect work-queue` commands against Baton: create with a priority and a limit, inspect (with
the queue's status), pause, resume, set and clear the concurrency limit, read-runs (a poll of the queue),
slots, ls and delete. The CLI finds a queue by pool and name, then works on it by id
(`/work_queues/{id}...`). Each command's exit code is checked, then the stored queue through the API.

Names are unique per run and the pool, deployment and flow are deleted at the end, so that the module can
also run against a shared `prefect server` (BATON_TEST_API_URL)."""

from __future__ import annotations

import json
import uuid

import pytest

from helpers import get_json, is_uuid, post_json

SUFFIX = uuid.uuid4().hex[:8]
POOL = f"wq-cli-pool-{SUFFIX}"
QUEUE = f"wq-cli-{SUFFIX}"


def queue(api) -> dict:
    return get_json(api, f"work_pools/{POOL}/queues/{QUEUE}")


def ok(result) -> None:
    assert result.returncode == 0, result.describe()


@pytest.fixture(scope="module")
def pool(api, prefect_cli):
    ok(prefect_cli("work-pool", "create", POOL, "--type", "process"))
    yield POOL
    api.delete(f"work_pools/{POOL}")


@pytest.fixture(scope="module")
def facts():
    """What earlier tests saw, for later ones."""
    return {}


def test_create_with_priority_and_limit(api, pool, prefect_cli, facts):
    result = prefect_cli("work-queue", "create", QUEUE, "--pool", pool, "--priority", "5", "--limit", "3")
    ok(result)
    assert "concurrency limit - 3" in result.stdout, result.describe()
    q = queue(api)
    assert (q["priority"], q["concurrency_limit"], q["is_paused"]) == (5, 3, False), q
    assert q["active_slots"] == 0 and q["status"] == "NOT_READY", q
    assert is_uuid(q["id"]) and q["id"] in result.stdout, result.describe()
    facts["queue_id"] = q["id"]


def test_inspect_shows_the_status(pool, prefect_cli, facts):
    result = prefect_cli("work-queue", "inspect", QUEUE, "--pool", pool)
    ok(result)
    assert "WorkQueueStatusDetail(" in result.stdout and "healthy=False" in result.stdout, result.describe()

    as_json = prefect_cli("work-queue", "inspect", QUEUE, "--pool", pool, "-o", "json")
    ok(as_json)
    shown = json.loads(as_json.stdout)
    assert shown["id"] == facts["queue_id"] and shown["concurrency_limit"] == 3, shown
    assert shown["status_details"] == {
        "healthy": False,
        "late_runs_count": 0,
        "last_polled": None,
        "health_check_policy": {"maximum_late_runs": 0, "maximum_seconds_since_last_polled": 60},
    }, shown


def test_inspect_by_id_without_a_pool(prefect_cli, facts):
    result = prefect_cli("work-queue", "inspect", facts["queue_id"])
    ok(result)
    assert f"name='{QUEUE}'" in result.stdout, result.describe()


def test_inspect_by_name_without_a_pool(api, prefect_cli):
    if api.get("work_pools/default-agent-pool").status_code == 200:
        pytest.skip("the server has a default agent pool: queues named without a pool are looked up there")
    result = prefect_cli("work-queue", "inspect", QUEUE)
    ok(result)
    assert f"work_pool_name='{POOL}'" in result.stdout, result.describe()


def test_pause_and_resume(api, pool, prefect_cli):
    ok(prefect_cli("work-queue", "pause", QUEUE, "--pool", pool))
    q = queue(api)
    assert q["is_paused"] is True and q["status"] == "PAUSED", q

    ok(prefect_cli("work-queue", "resume", QUEUE, "--pool", pool))
    q = queue(api)
    assert q["is_paused"] is False and q["status"] == "NOT_READY", q


def test_set_and_clear_the_concurrency_limit(api, pool, prefect_cli, facts):
    ok(prefect_cli("work-queue", "set-concurrency-limit", QUEUE, "7", "--pool", pool))
    assert queue(api)["concurrency_limit"] == 7

    ok(prefect_cli("work-queue", "clear-concurrency-limit", QUEUE, "--pool", pool))
    q = queue(api)
    assert q["concurrency_limit"] is None and q["active_slots"] is None, q

    ok(prefect_cli("work-queue", "set-concurrency-limit", facts["queue_id"], "2"))
    assert queue(api)["concurrency_limit"] == 2, "by id, without a pool"


@pytest.fixture(scope="module")
def scheduled_run(api, pool):
    """A deployment in the queue with one run due now."""
    flow = post_json(api, "flows/", {"name": f"wq-cli-flow-{SUFFIX}"}, expect=201)
    dep = post_json(
        api,
        "deployments/",
        {"name": "d", "flow_id": flow["id"], "work_pool_name": pool, "work_queue_name": QUEUE},
        expect=201,
    )
    run = post_json(api, f"deployments/{dep['id']}/create_flow_run", {}, expect=201)
    assert run["state_type"] == "SCHEDULED", run
    yield run
    api.delete(f"deployments/{dep['id']}")
    api.delete(f"flows/{flow['id']}")


def test_read_runs_polls_the_queue(api, pool, prefect_cli, scheduled_run):
    result = prefect_cli("work-queue", "read-runs", QUEUE, "--pool", pool)
    ok(result)
    assert f"Read 1 runs for work queue '{QUEUE}'" in result.stdout, result.describe()
    assert scheduled_run["id"] in result.stdout, result.describe()
    q = queue(api)
    assert q["last_polled"] is not None and q["status"] == "READY", q

    shown = json.loads(prefect_cli("work-queue", "inspect", QUEUE, "--pool", pool, "-o", "json").stdout)
    assert shown["status_details"]["last_polled"] is not None, shown


def test_slots(pool, prefect_cli):
    result = prefect_cli("work-queue", "slots", QUEUE, "--pool", pool)
    ok(result)
    assert "No flow runs occupying slots." in result.stdout, result.describe()


def cells(result, needle: str) -> list[str]:
    """The cells of the table row that mentions `needle`."""
    row = next((line for line in result.stdout.splitlines() if needle in line), "")
    return [cell.strip() for cell in row.split("│") if cell.strip()]


def test_ls(pool, prefect_cli, facts):
    in_pool = prefect_cli("work-queue", "ls", "--pool", pool)
    ok(in_pool)
    assert cells(in_pool, QUEUE) == [QUEUE, "5", "2"], in_pool.describe()

    everywhere = prefect_cli("work-queue", "ls")
    ok(everywhere)
    assert cells(everywhere, QUEUE) == [QUEUE, POOL, facts["queue_id"], "2"], everywhere.describe()


def test_delete(api, pool, prefect_cli, facts):
    ok(prefect_cli("work-queue", "delete", QUEUE, "--pool", pool))
    assert api.get(f"work_pools/{pool}/queues/{QUEUE}").status_code == 404
    assert api.get(f"work_queues/{facts['queue_id']}").status_code == 404

    again = prefect_cli("work-queue", "delete", facts["queue_id"])
    assert again.returncode == 1, again.describe()
