"""A deployed flow that always raises: its run must end FAILED."""

from prefect import flow


@flow
def doomed_flow() -> None:
    raise ValueError("BATON-DOOMED this flow always fails")
