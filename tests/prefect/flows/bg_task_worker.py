"""A task worker: `prefect.task_worker.serve(...)` until SIGINT (test_background_tasks.py).

BATON_TASKS: comma-separated names from bg_tasks.TASKS (default add,record,shout).
BATON_TASK_LIMIT: the worker's `limit` (concurrent task runs; default Prefect's 10).
Prints TASK_WORKER_PID=<pid> at start.
"""

import os
import signal

from prefect.task_worker import serve

from bg_tasks import TASKS

if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    names = os.environ.get("BATON_TASKS", "add,record,shout").split(",")
    limit = int(os.environ.get("BATON_TASK_LIMIT", "10"))
    print(f"TASK_WORKER_PID={os.getpid()}", flush=True)
    serve(*(TASKS[name] for name in names), limit=limit)
