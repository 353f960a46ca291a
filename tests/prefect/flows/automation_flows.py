"""Deployments for the automation tests, served from one process with `serve(...)`:

- baton-auto-doomed/doomed fails at once (the trigger of run-deployment and notification automations);
- baton-auto-echo/echo prints its parameters and returns (what a run-deployment action starts);
- baton-auto-sleeper/sleeper sleeps SECONDS in short steps (what a proactive automation cancels).
"""

import signal
import time

from prefect import flow, serve


@flow(name="baton-auto-doomed", log_prints=True)
def doomed() -> None:
    print("BATON-DOOMED failing")
    raise ValueError("doomed on purpose")


@flow(name="baton-auto-echo", log_prints=True)
def echo(source: str = "nobody", note: str = "") -> str:
    print(f"BATON-ECHO source={source} note={note}")
    return source


@flow(name="baton-auto-sleeper", log_prints=True)
def sleeper(seconds: float = 60.0) -> float:
    print("BATON-SLEEPER started")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    return seconds


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    serve(
        doomed.to_deployment(name="doomed"),
        echo.to_deployment(name="echo"),
        sleeper.to_deployment(name="sleeper"),
    )
