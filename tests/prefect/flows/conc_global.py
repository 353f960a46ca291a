"""Global concurrency limits and rate limits with the SDK (`prefect.concurrency.sync`).

    python conc_global.py threads NAME [THREADS] [SECONDS]
        A flow starts THREADS threads; each enters `concurrency(NAME, occupy=1)`, notes when it got in and
        when it left (monotonic), and holds the slot SECONDS. Prints INTERVALS=<json> and MAX_INSIDE=<n>
        (the most threads seen inside at the same time).
    python conc_global.py over NAME OCCUPY
        `concurrency(NAME, occupy=OCCUPY, timeout_seconds=20)` on a limit smaller than OCCUPY. Prints
        ERROR_TYPE, ERROR and ELAPSED (seconds until the error), or ENTERED=yes if it got in.
    python conc_global.py rate NAME [CALLS]
        CALLS calls of `rate_limit(NAME)`. Prints ELAPSED (seconds for all of them) and AFTER_FIRST (seconds
        from the return of the first call, which also pays for the client's start-up, to the last).
"""

import json
import sys
import threading
import time

from prefect import flow
from prefect.concurrency.sync import concurrency, rate_limit


@flow(name="baton-conc-threads")
def threads_flow(name: str, n: int, seconds: float) -> list[dict]:
    lock = threading.Lock()
    inside = 0
    max_inside = 0
    intervals: list[dict] = []

    def worker(i: int) -> None:
        nonlocal inside, max_inside
        with concurrency(name, occupy=1):
            entered = time.monotonic()
            with lock:
                inside += 1
                max_inside = max(max_inside, inside)
            time.sleep(seconds)
            with lock:
                inside -= 1
            left = time.monotonic()
        with lock:
            intervals.append({"i": i, "enter": entered, "exit": left})

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"MAX_INSIDE={max_inside}", flush=True)
    return intervals


def over(name: str, occupy: int) -> None:
    start = time.monotonic()
    try:
        with concurrency(name, occupy=occupy, timeout_seconds=20):
            print("ENTERED=yes", flush=True)
    except Exception as exc:  # the test checks the type and message
        print(f"ELAPSED={time.monotonic() - start:.3f}", flush=True)
        print(f"ERROR_TYPE={type(exc).__name__}", flush=True)
        print(f"ERROR={' '.join(str(exc).split())}", flush=True)


def rate(name: str, calls: int) -> None:
    start = time.monotonic()
    rate_limit(name)
    after_first = time.monotonic()
    for _ in range(calls - 1):
        rate_limit(name)
    end = time.monotonic()
    print(f"ELAPSED={end - start:.3f}", flush=True)
    print(f"AFTER_FIRST={end - after_first:.3f}", flush=True)


if __name__ == "__main__":
    mode, name = sys.argv[1], sys.argv[2]
    if mode == "threads":
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 6
        seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
        intervals = threads_flow(name, n, seconds)
        print(f"INTERVALS={json.dumps(intervals)}", flush=True)
    elif mode == "over":
        over(name, int(sys.argv[3]))
    elif mode == "rate":
        rate(name, int(sys.argv[3]) if len(sys.argv) > 3 else 20)
    else:
        sys.exit(f"unknown mode {mode}")
