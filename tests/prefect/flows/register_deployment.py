"""Registers a deployment without serving it (`to_deployment(...).apply()`), then runs the flow once
as a plain script so there is a finished run with log lines."""

from prefect import flow
from prefect.runtime import flow_run


@flow(name="baton-cli-flow", log_prints=True)
def chatty(who: str = "nobody") -> str:
    print(f"BATON-CLI says hi to {who}")
    return str(flow_run.id)


if __name__ == "__main__":
    deployment_id = chatty.to_deployment(
        name="cli-dep", cron="0 0 * * *", parameters={"who": "the scheduler"}, tags=["cli"]
    ).apply()
    print(f"DEPLOYMENT_ID={deployment_id}", flush=True)
    print(f"FLOW_RUN_ID={chatty(who='the logs')}", flush=True)
