"""A Prefect flow that does nothing: what the dispatch benchmark runs through `python -m prefect.engine`."""
from prefect import flow


@flow(name="noop")
def noop():
    return None
