"""A trivial flow with one task: measures how long a plain run takes end to end."""

from prefect import flow, task
from prefect.runtime import flow_run


@task
def add(a: int, b: int) -> int:
    return a + b


@flow(name="baton-trivial-flow")
def trivial() -> str:
    assert add(1, 2) == 3
    return str(flow_run.id)


if __name__ == "__main__":
    print(f"FLOW_RUN_ID={trivial()}", flush=True)
