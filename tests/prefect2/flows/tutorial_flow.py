"""A flow with tasks, run as a plain script (the 2.x tutorial's first step)."""

import sys

from prefect import flow, get_run_logger, task


@task
def add(x: int, y: int) -> int:
    return x + y


@task
def shout(total: int) -> str:
    get_run_logger().info("total is %s", total)
    return f"TOTAL {total}"


@flow(name="tutorial-flow")
def tutorial_flow(n: int = 3) -> str:
    total = 0
    for i in range(n):
        total = add(total, i)
    return shout(total)


if __name__ == "__main__":
    state = tutorial_flow(n=int(sys.argv[1]) if len(sys.argv) > 1 else 3, return_state=True)
    print(f"STATE={state.type.value}")
    print(f"RESULT={state.result()}")
    print(f"FLOW_RUN_ID={state.state_details.flow_run_id}")
