"""Tasks with tags, as real projects have them: `@task(tags=...)`, sync and async, and tasks inside
`with tags(...)`. Prefect's task engine asks the server for concurrency slots of every tag (a lease
per task run), whether or not a limit exists."""

import asyncio

from prefect import flow, tags, task
from prefect.runtime import flow_run


@task(tags=["etl"])
def extract(n: int) -> list[int]:
    return list(range(n))


@task(tags=["etl", "db"])
async def load(rows: list[int]) -> int:
    await asyncio.sleep(0)
    return sum(rows)


@task
def plain(x: int) -> int:
    return x * 2


@flow(name="baton-tagged-sync")
def tagged_sync() -> str:
    rows = extract(4)
    with tags("team-a"):
        assert plain(21) == 42
        assert extract.submit(3).result() == [0, 1, 2]
    return str(flow_run.id)


@flow(name="baton-tagged-async")
async def tagged_async() -> str:
    with tags("team-b"):
        total = await load([1, 2, 3])
    assert total == 6
    futures = [load.submit([i]) for i in range(3)]
    assert sorted(f.result() for f in futures) == [0, 1, 2]
    return str(flow_run.id)


if __name__ == "__main__":
    print(f"SYNC_RUN_ID={tagged_sync()}", flush=True)
    print(f"ASYNC_RUN_ID={asyncio.run(tagged_async())}", flush=True)
