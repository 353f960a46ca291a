"""`prefect work-pool create --type docker|kubernetes` against Baton: the CLI finds no such worker installed,
reads the type's default base job template from `/collections/views/aggregate-worker-metadata`, and creates
the pool with it. Names are unique per run and the pools are deleted at the end (so the module can also run
against a shared `prefect server`)."""

from __future__ import annotations

import uuid

import pytest

from helpers import get_json

SUFFIX = uuid.uuid4().hex[:8]


@pytest.mark.parametrize(
    "kind, keys",
    [
        ("docker", {"image", "networks", "volumes", "registry_credentials"}),
        ("kubernetes", {"namespace", "job_manifest", "cluster_config"}),
    ],
)
def test_a_pool_of_another_worker_type_gets_its_job_template(api, prefect_cli, kind, keys):
    name = f"{kind}-pool-{SUFFIX}"
    result = prefect_cli("work-pool", "create", name, "--type", kind)
    try:
        assert result.returncode == 0, result.describe()
        pool = get_json(api, f"work_pools/{name}")
        assert pool["type"] == kind, pool
        template = pool["base_job_template"]
        assert keys <= set(template["job_configuration"]), template["job_configuration"]
        assert keys - {"job_manifest"} <= set(template["variables"]["properties"]), template["variables"]
    finally:
        api.delete(f"work_pools/{name}")
