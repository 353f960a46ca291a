"""`flow.serve` of a flow that sleeps until cancelled (for cancelling a served run)."""

import signal
import time

from prefect import flow


@flow(name="baton-serve-sleeper", log_prints=True)
def sleeper(seconds: float = 120.0) -> None:
    print("SLEEPER-STARTED")
    time.sleep(seconds)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sleeper.serve(name="sleepy")
