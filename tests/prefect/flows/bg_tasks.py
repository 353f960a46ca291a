"""Background tasks shared by the task worker and the submitters (test_background_tasks.py). Both sides import
this module, so the task keys match.

`record` writes one file per execution into `out_dir`, named after its item, the worker's pid and a random id:
a task run executed twice leaves two files for the same item. `sleep_s` makes it last a while.
"""

import os
import time
import uuid

from prefect import task


@task(tags=["baton", "bg"])
def add(a: int, b: int) -> int:
    print(f"BATON-ADD {a}+{b} in {os.getpid()}")
    return a + b


@task(tags=["baton", "bg"])
def record(item: int, out_dir: str, sleep_s: float = 0.0) -> dict:
    time.sleep(sleep_s)
    path = os.path.join(out_dir, f"{item}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    with open(path, "w") as f:
        f.write(str(item))
    return {"item": item, "pid": os.getpid()}


@task
def shout(word: str) -> str:
    return word.upper() + "!"


@task
def late(word: str) -> str:
    """Served only by a worker started after the run was submitted."""
    return f"late {word}"


TASKS = {"add": add, "record": record, "shout": shout, "late": late}
