"""A deployed flow with `retries=1` that fails on its first attempt only: COMPLETED with run_count 2.

The first attempt leaves a marker file (named after the flow run) in the working directory, so a rerun in
a fresh process would fail again: only the engine's in-process retry can succeed.
"""

from pathlib import Path

from prefect import flow
from prefect.runtime import flow_run


@flow(retries=1, retry_delay_seconds=0, log_prints=True)
def flaky_flow() -> str:
    marker = Path(f".attempted-{flow_run.id}")
    if not marker.exists():
        marker.write_text("1")
        raise RuntimeError("BATON-FLAKY first attempt fails")
    print("BATON-FLAKY second attempt succeeds")
    return "ok"
