"""Prints the TOKEN its deployment's job variables put in the environment (from a Secret block)."""

import os

from prefect import flow


@flow(log_prints=True)
def show_token() -> None:
    print(f"TOKEN={os.environ.get('TOKEN')}")
