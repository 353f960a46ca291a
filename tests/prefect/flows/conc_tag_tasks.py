"""Tasks tagged with a tag that has a concurrency limit (`prefect concurrency-limit create TAG 1`).

    python conc_tag_tasks.py TAG OUT_DIR [N] [SECONDS]

The flow submits N tasks tagged TAG at once. Each task, once it runs, writes OUT_DIR/<i>.json with its
task run id and the monotonic times at which its body started and ended (it sleeps SECONDS in between),
so the test can check that no two bodies overlapped."""

import json
import os
import sys
import time
from pathlib import Path

from prefect import flow, task
from prefect.runtime import flow_run, task_run

TAG, OUT_DIR = sys.argv[1], Path(sys.argv[2])
N = int(sys.argv[3]) if len(sys.argv) > 3 else 4
SECONDS = float(sys.argv[4]) if len(sys.argv) > 4 else 1.5


@task(tags=[TAG])
def crunch(i: int) -> int:
    start = time.monotonic()
    time.sleep(SECONDS)
    end = time.monotonic()
    record = {"i": i, "task_run_id": str(task_run.id), "start": start, "end": end, "pid": os.getpid()}
    tmp = OUT_DIR / f".{i}.json.tmp"
    tmp.write_text(json.dumps(record))
    tmp.rename(OUT_DIR / f"{i}.json")
    return i


@flow(name="baton-conc-tag-tasks")
def crunch_all() -> str:
    futures = [crunch.submit(i) for i in range(N)]
    assert sorted(f.result() for f in futures) == list(range(N))
    return str(flow_run.id)


if __name__ == "__main__":
    print(f"FLOW_RUN_ID={crunch_all()}", flush=True)
