"""The other side of a pause, run as its own process (test_pause_input.py):

    python pause_control.py resume RUN_ID [JSON_RUN_INPUT]   -- prefect.flow_runs.resume_flow_run
    python pause_control.py send RUN_ID MESSAGE...           -- prefect.input.run_input.send_input
    python pause_control.py suspend RUN_ID                  -- suspend_flow_run(flow_run_id=RUN_ID)

Prints OUTCOME=ok, or OUTCOME=<exception class> and ERROR=<message> when the SDK refuses; exits 0 either way.
"""

import json
import sys
from uuid import UUID

from prefect.flow_runs import resume_flow_run, suspend_flow_run
from prefect.input.run_input import send_input


def main() -> None:
    op, run_id = sys.argv[1], UUID(sys.argv[2])
    try:
        if op == "resume":
            run_input = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
            resume_flow_run(run_id, run_input=run_input)
        elif op == "send":
            for message in sys.argv[3:]:
                send_input(message, flow_run_id=run_id)
        elif op == "suspend":
            suspend_flow_run(flow_run_id=run_id)
        else:
            raise SystemExit(f"unknown op {op}")
    except Exception as exc:  # the test asserts on what the SDK raised
        print(f"OUTCOME={type(exc).__name__}")
        print("ERROR=" + str(exc).replace("\n", " "))
        return
    print("OUTCOME=ok")


if __name__ == "__main__":
    main()
