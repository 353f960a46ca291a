"""Creates markdown, table, link and progress artifacts from a flow and a task, and moves the progress."""

from prefect import flow, task
from prefect.artifacts import (
    Artifact,
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)


@task
def summarise(rows: list[dict]) -> int:
    create_table_artifact(table=rows, key="row-table", description="rows seen")
    return len(rows)


@flow
def report(version: int) -> str:
    progress_id = create_progress_artifact(progress=0.0, key="load-progress")
    n = summarise([{"name": "a", "value": 1}, {"name": "b", "value": 2}])
    update_progress_artifact(artifact_id=progress_id, progress=50.0)
    create_markdown_artifact(markdown=f"# Report v{version}\n{n} rows", key="daily-report")
    create_link_artifact(link="https://example.com/data.csv", link_text="data", key="data-link")
    update_progress_artifact(artifact_id=progress_id, progress=100.0)
    return str(progress_id)


if __name__ == "__main__":
    first = report(1)
    second = report(2)
    print("PROGRESS_ID=" + second)
    latest = Artifact.get("daily-report")
    print("LATEST_DATA=" + repr(latest.data if latest else None))
