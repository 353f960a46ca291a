"""Deployed with `prefect deployment build flows/hello.py:hello ... --apply` and run by an agent."""

import os
from pathlib import Path

from prefect import flow, get_run_logger, task


@task
def greet(name: str) -> str:
    return f"Hello {name}!"


@flow
def hello(name: str = "world", marker: str = "") -> str:
    message = greet(name)
    get_run_logger().info(message)
    if marker:
        Path(marker).write_text(f"{message} pid={os.getpid()}\n")
    return message
