"""One slot of a global concurrency limit, held by a process that then dies, and a second process waiting.

    python conc_holder.py hold NAME
        Takes `concurrency(NAME, occupy=1, lease_duration=60)`, prints "holding" and sleeps forever
        (the test kills it with SIGKILL, so the slot is never released: only the lease can expire).
    python conc_holder.py wait NAME
        Prints "waiting", then waits up to 120 s for `concurrency(NAME, occupy=1)` and prints "acquired".
"""

import sys
import time

from prefect.concurrency.sync import concurrency

if __name__ == "__main__":
    mode, name = sys.argv[1], sys.argv[2]
    if mode == "hold":
        with concurrency(name, occupy=1, lease_duration=60):
            print("holding", flush=True)
            while True:
                time.sleep(3600)
    elif mode == "wait":
        print("waiting", flush=True)
        with concurrency(name, occupy=1, timeout_seconds=120):
            print("acquired", flush=True)
    else:
        sys.exit(f"unknown mode {mode}")
