"""Submit background tasks and wait for their results (test_background_tasks.py):

    python bg_submit.py add A B            -- add.delay(A, B).result()
    python bg_submit.py shout WORD         -- shout.apply_async((WORD,)).result()
    python bg_submit.py batch N OUT_DIR [SLEEP_S] -- record.delay(i, OUT_DIR, SLEEP_S) for i in range(N), then
                                              every result
    python bg_submit.py late WORD          -- late.delay(WORD).result()

Prints TASK_RUN_ID=<id> per submitted run as soon as it is submitted, then RESULT=<json>.
"""

import json
import sys

from bg_tasks import add, late, record, shout

RESULT_TIMEOUT_S = 90


def main() -> None:
    mode = sys.argv[1]
    if mode == "add":
        future = add.delay(int(sys.argv[2]), int(sys.argv[3]))
        print(f"TASK_RUN_ID={future.task_run_id}", flush=True)
        result = future.result(timeout=RESULT_TIMEOUT_S)
    elif mode == "shout":
        future = shout.apply_async((sys.argv[2],))
        print(f"TASK_RUN_ID={future.task_run_id}", flush=True)
        result = future.result(timeout=RESULT_TIMEOUT_S)
    elif mode == "late":
        future = late.delay(sys.argv[2])
        print(f"TASK_RUN_ID={future.task_run_id}", flush=True)
        result = future.result(timeout=RESULT_TIMEOUT_S)
    elif mode == "batch":
        n, out_dir = int(sys.argv[2]), sys.argv[3]
        sleep_s = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
        futures = []
        for i in range(n):
            futures.append(record.delay(i, out_dir, sleep_s))
            print(f"TASK_RUN_ID={futures[-1].task_run_id}", flush=True)
        result = [f.result(timeout=RESULT_TIMEOUT_S) for f in futures]
    else:
        raise SystemExit(f"unknown mode {mode}")
    print("RESULT=" + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
