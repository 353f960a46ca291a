"""`flow.serve` of a flow that suspends itself (test_pause_input.py).

baton-suspend/suspender: appends "start <pid>" to MARKER at every start, calls `suspend_flow_run(timeout=...)`
(the process exits; the run stays Paused, named Suspended), and once resumed -- in a new process, which runs
the flow from the top, the suspend having already fired -- appends "after <pid>" and returns.
With `wait_for_input=True` the suspend waits for a `Decision` (resume with run_input {"go": bool, "note": str}).
"""

import os
import signal

from prefect import flow
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput


class Decision(RunInput):
    go: bool
    note: str = ""


def mark(path: str, line: str) -> None:
    with open(path, "a") as f:
        f.write(line + "\n")


@flow(name="baton-suspend", log_prints=True)
def suspender(marker: str, wait_for_input: bool = False) -> str:
    mark(marker, f"start {os.getpid()}")
    if wait_for_input:
        decision = suspend_flow_run(wait_for_input=Decision, timeout=120)
        mark(marker, f"decision go={decision.go} note={decision.note}")
    else:
        suspend_flow_run(timeout=120)
    mark(marker, f"after {os.getpid()}")
    print("BATON-SUSPEND done")
    return "done"


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    suspender.serve(name="suspender", tags=["baton", "suspend"])
