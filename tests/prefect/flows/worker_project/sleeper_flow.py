"""A deployed flow that sleeps for a minute (in one-second steps) after writing its PID to a file,
so a test can cancel it and check that its process is gone."""

import os
import time
from pathlib import Path

from prefect import flow


@flow
def sleeper_flow(pid_file: str, seconds: int = 60) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    for _ in range(seconds):
        time.sleep(1)
