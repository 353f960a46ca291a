"""Walkthrough 2: `flow.serve(...)` with a cron schedule, tags, description, version and default parameters.

Long-running: it polls Baton for scheduled runs until it gets SIGINT, then pauses its deployment.
"""

import signal

from prefect import flow


@flow(name="baton-serve-flow", log_prints=True)
def greet(name: str = "world", greeting: str = "hello") -> str:
    line = f"BATON-SERVED {greeting} {name}"
    print(line)
    return line


if __name__ == "__main__":
    # A background job may inherit SIGINT as ignored; Ctrl-C must stop the server.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    greet.serve(
        name="my-first-deployment",
        cron="* * * * *",
        tags=["baton", "tutorial"],
        description="Greets someone on a schedule.",
        version="tutorial/1.2",
        parameters={"greeting": "howdy"},
    )
