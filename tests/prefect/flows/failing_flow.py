"""A flow that raises ValueError("boom"); the script must exit non-zero."""

from prefect import flow, task
from prefect.runtime import flow_run


@task
def fine() -> int:
    return 1


@flow(name="baton-failing-flow")
def failing() -> None:
    # Plain stdout (log_prints is off), so the test can cross-check the run it finds.
    print(f"FLOW_RUN_ID={flow_run.id}", flush=True)
    fine()
    raise ValueError("boom")


if __name__ == "__main__":
    failing()
