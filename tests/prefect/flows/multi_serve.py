"""Walkthrough 3: `serve(a.to_deployment(...), b.to_deployment(...))` serves two flows from one process."""

import signal
import time

from prefect import flow, serve


@flow(name="slow-flow", log_prints=True)
def slow(seconds: float = 0.5) -> None:
    time.sleep(seconds)
    print("BATON-SLOW done")


@flow(name="fast-flow", log_prints=True)
def fast() -> None:
    print("BATON-FAST ran")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    slow_deploy = slow.to_deployment(name="sleeper", interval=45)
    fast_deploy = fast.to_deployment(name="fast")
    serve(slow_deploy, fast_deploy)
