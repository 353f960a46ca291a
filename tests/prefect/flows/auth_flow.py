"""A flow whose in-process deployment run must authenticate too (Baton passes PREFECT_API_AUTH_STRING)."""

from prefect import flow, task


@task
def double(x: int) -> int:
    return 2 * x


@flow(name="auth-flow", log_prints=True)
def auth_flow(x: int = 21) -> int:
    y = double(x)
    print(f"doubled to {y}")
    return y
