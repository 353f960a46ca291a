"""A parent flow with tasks, a task that fails once and is retried, and a subflow.

Prints the parent flow run id as `FLOW_RUN_ID=<uuid>` and the subflow's as
`CHILD_FLOW_RUN_ID=<uuid>`. Every print() inside the flows/tasks is also sent
to the API as a log line (log_prints=True).
"""

from prefect import flow, task
from prefect.runtime import flow_run

# The retry happens in this same process, so a module-level counter is enough.
ATTEMPTS = {"flaky": 0}


@task
def extract(n: int) -> list[int]:
    print(f"BATON-PRINT extract produced {n} values")
    return list(range(1, n + 1))


@task(retries=1, retry_delay_seconds=0)
def flaky(values: list[int]) -> int:
    ATTEMPTS["flaky"] += 1
    print(f"BATON-PRINT flaky attempt {ATTEMPTS['flaky']}")
    if ATTEMPTS["flaky"] == 1:
        raise RuntimeError("flaky fails on its first attempt")
    return sum(values)


@task
def double(x: int) -> int:
    print(f"BATON-PRINT double {x}")
    return 2 * x


@flow(name="baton-child-flow", log_prints=True)
def child(total: int) -> tuple[int, str]:
    print(f"BATON-PRINT child received {total}")
    return double(total), str(flow_run.id)


@flow(name="baton-parent-flow", log_prints=True)
def parent(n: int = 4) -> tuple[str, str]:
    print("BATON-PRINT parent starting")
    values = extract(n)
    total = flaky(values)
    result, child_id = child(total)
    print(f"BATON-PRINT parent result {result}")
    assert result == 2 * sum(range(1, n + 1)), result
    return str(flow_run.id), child_id


if __name__ == "__main__":
    parent_id, child_id = parent()
    print(f"FLAKY_ATTEMPTS={ATTEMPTS['flaky']}")
    print(f"CHILD_FLOW_RUN_ID={child_id}")
    print(f"FLOW_RUN_ID={parent_id}", flush=True)
