"""Flows that pause themselves (test_pause_input.py). Run as a script: `python pause_flows.py MODE [ARG]`.

MODE:
- pause    -- a task, `pause_flow_run(timeout=60)`, another task; returns "resumed".
- timeout  -- `pause_flow_run(timeout=ARG seconds)` that nobody resumes (the run must end Failed).
- input    -- `pause_flow_run(wait_for_input=Approval)`; prints the approver and amount it receives.
- receive  -- `receive_input(str)`: prints every message until it gets "stop".
- suspend-local -- `suspend_flow_run()` in a run without a deployment (Prefect refuses: the run fails).

The runs are tagged baton and pause.

Each prints FLOW_RUN_ID=<id> as soon as it runs, so the test can find its run, and RESULT=... at the end.
The pauses poll every second (the default is 10 s) so a resume is seen quickly.
"""

import sys

from prefect import flow, tags, task
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.input import RunInput
from prefect.input.run_input import receive_input
from prefect.runtime import flow_run


class Approval(RunInput):
    approver: str
    amount: int


@task
def step(label: str) -> str:
    print(f"BATON-STEP {label}")
    return label


def announce() -> None:
    print(f"FLOW_RUN_ID={flow_run.id}", flush=True)


@flow(name="baton-pause", log_prints=True)
def pausing() -> str:
    announce()
    step("before")
    pause_flow_run(timeout=60, poll_interval=1)
    step("after")
    return "resumed"


@flow(name="baton-pause-timeout", log_prints=True)
def pause_times_out(seconds: int = 3) -> str:
    announce()
    pause_flow_run(timeout=seconds, poll_interval=1)
    return "never"


@flow(name="baton-pause-input", log_prints=True)
def asks_for_approval() -> str:
    announce()
    approval = pause_flow_run(wait_for_input=Approval, timeout=60, poll_interval=1)
    print(f"APPROVER={approval.approver}")
    print(f"AMOUNT={approval.amount}")
    print(f"AMOUNT_TYPE={type(approval.amount).__name__}")
    return f"{approval.approver}:{approval.amount}"


@flow(name="baton-receive-input", log_prints=True)
def receiver() -> list:
    announce()
    seen = []
    for message in receive_input(str, timeout=60, poll_interval=0.5):
        print(f"RECEIVED={message}")
        if message == "stop":
            break
        seen.append(message)
    return seen


@flow(name="baton-suspend-local", log_prints=True)
def suspends_without_deployment() -> str:
    announce()
    suspend_flow_run(timeout=30)
    return "not suspended"


if __name__ == "__main__":
    mode = sys.argv[1]
    with tags("baton", "pause"):
        if mode == "pause":
            result = pausing()
        elif mode == "timeout":
            result = pause_times_out(int(sys.argv[2]))
        elif mode == "input":
            result = asks_for_approval()
        elif mode == "receive":
            result = receiver()
        elif mode == "suspend-local":
            result = suspends_without_deployment()
        else:
            raise SystemExit(f"unknown mode {mode}")
    print(f"RESULT={result}")
