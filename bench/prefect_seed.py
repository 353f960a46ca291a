"""Run with the Prefect venv's python and PREFECT_HOME set, while that server is stopped: inserts N flow runs
(states spread like `baton seed`'s, expected starts over the past 7 days) straight into Prefect's database
through its own ORM, because creating 10,000 runs through Prefect's API takes the better part of an hour.
Usage: prefect_seed.py N FLOW_ID DEPLOYMENT_ID"""
import asyncio
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from prefect.server.database import provide_database_interface

STATES = [("COMPLETED", "Completed")] * 7 + [("FAILED", "Failed"), ("CANCELLED", "Cancelled"), ("CRASHED", "Crashed")]


async def main(n: int, flow_id: str, deployment_id: str):
    db = provide_database_interface()
    now = datetime.now(timezone.utc)
    rng = random.Random(7)
    async with db.session_context(begin_transaction=True) as session:
        for start in range(0, n, 1000):
            runs, states = [], []
            for i in range(start, min(n, start + 1000)):
                rid, sid = uuid.uuid4(), uuid.uuid4()
                t = now - timedelta(seconds=rng.uniform(0, 7 * 86400))
                st, name = rng.choice(STATES)
                runs.append(dict(id=rid, name=f"seed-{i}", flow_id=uuid.UUID(flow_id), deployment_id=uuid.UUID(deployment_id),
                                 state_type=st, state_name=name, state_timestamp=t, expected_start_time=t,
                                 next_scheduled_start_time=t, start_time=t, end_time=t + timedelta(seconds=3),
                                 total_run_time=timedelta(seconds=3), run_count=1, work_queue_name="default"))
                states.append(dict(id=sid, flow_run_id=rid, type=st, name=name, timestamp=t))
            await session.execute(sa.insert(db.FlowRun), runs)
            await session.execute(sa.insert(db.FlowRunState), states)
        await session.execute(sa.text("UPDATE flow_run SET state_id = (SELECT s.id FROM flow_run_state s "
                                      "WHERE s.flow_run_id = flow_run.id) WHERE state_id IS NULL"))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
