"""Deployed and run by an agent, then cancelled while it sleeps. Writes its PID so the test can check that
the agent killed the process."""

import os
import time
from pathlib import Path

from prefect import flow


@flow
def sleeper(pid_file: str = "", seconds: int = 120) -> None:
    if pid_file:
        tmp = Path(pid_file + ".tmp")
        tmp.write_text(str(os.getpid()))
        tmp.rename(pid_file)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.2)
