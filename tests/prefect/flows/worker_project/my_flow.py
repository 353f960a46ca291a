"""Walkthrough 4's flow: one task and log_prints, deployed with `prefect deploy my_flow.py:my_flow`."""

from prefect import flow, task


@task
def shout(name: str) -> str:
    return f"HELLO-{name.upper()}"


@flow(log_prints=True)
def my_flow(name: str = "world") -> str:
    message = shout(name)
    print(f"BATON-WORKER-FLOW {message}")
    return message
