"""A deployed flow for deployment concurrency limits: it sleeps SECONDS (in short steps) and returns.
The test reads the runs' start and end times from the API."""

import time

from prefect import flow


@flow(name="baton-conc-sleeper")
def conc_sleeper(seconds: float = 20.0) -> float:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    return seconds
