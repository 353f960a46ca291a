"""Walkthrough 6: a prefect.yaml with two deployments (an interval schedule with an anchor date, a weekday cron
in America/Chicago), `prefect --no-prompt deploy --all`: both deployments exist with those schedules,
parameters, tags and pull steps, and Baton's scheduler creates SCHEDULED runs for them. Baton runs no worker
here, so the scheduled runs stay SCHEDULED."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import run_prefect_cli
from helpers import brief_run, deployment_runs, get_json, wait_for
from worker_helpers import parse_time

FLOW_NAME = "yaml-flow"
SCHEDULE_DEADLINE_S = 20.0
CHICAGO = ZoneInfo("America/Chicago")

FLOW_SOURCE = '''\
from prefect import flow


@flow(log_prints=True)
def yaml_flow(name: str = "world", greeting: str = "hello") -> str:
    print(f"{greeting} {name}")
    return name
'''


def prefect_yaml(project_dir: str) -> str:
    # JSON strings are valid YAML scalars: the directory is quoted whatever it contains.
    return f"""\
name: baton-yaml-project
prefect-version: 3.0.0

build: null
push: null
pull:
- prefect.deployments.steps.set_working_directory:
    directory: {json.dumps(project_dir)}

deployments:
- name: yaml-interval
  version: "1.0"
  tags: [yaml, interval]
  description: Interval-scheduled deployment from prefect.yaml
  entrypoint: yaml_flow.py:yaml_flow
  parameters:
    name: interval
  work_pool:
    name: default
    work_queue_name: default
  schedules:
  - interval: 600
    anchor_date: "2026-01-01T00:00:00Z"
    timezone: UTC
- name: yaml-cron
  version: "2.0"
  tags: [yaml, cron]
  description: Weekday mornings in Chicago
  entrypoint: yaml_flow.py:yaml_flow
  parameters:
    name: cron
    greeting: howdy
  work_pool:
    name: default
  schedules:
  - cron: "0 9 * * 1-5"
    timezone: America/Chicago
"""


@pytest.fixture(scope="module")
def setup(baton_factory, tmp_path_factory):
    server = baton_factory(args=["--no-worker"])
    prefect_home = tmp_path_factory.mktemp("prefect-home")
    project = tmp_path_factory.mktemp("yaml-project")
    (project / "yaml_flow.py").write_text(FLOW_SOURCE)
    (project / "prefect.yaml").write_text(prefect_yaml(str(project)))
    result = run_prefect_cli(server.api_url, prefect_home, "--no-prompt", "deploy", "--all", cwd=project)
    return server, project, result


@pytest.fixture(scope="module")
def api(setup):
    server, _, _ = setup
    with server.client() as client:
        yield client


@pytest.fixture(scope="module")
def deployments(api, setup):
    _, _, result = setup
    assert result.returncode == 0, result.describe()
    return {
        name: get_json(api, f"deployments/name/{FLOW_NAME}/{name}") for name in ("yaml-interval", "yaml-cron")
    }


def test_deploy_all_succeeds(setup):
    _, _, result = setup
    assert result.returncode == 0, result.describe()
    out = " ".join(result.stdout.split())
    for name in ("yaml-interval", "yaml-cron"):
        assert f"Deployment '{FLOW_NAME}/{name}' successfully created" in out, result.describe()


def test_both_deployments_registered(api, deployments, setup):
    _, project, _ = setup
    interval, cron = deployments["yaml-interval"], deployments["yaml-cron"]
    assert interval["flow_id"] == cron["flow_id"], (interval["flow_id"], cron["flow_id"])
    expected_pull = [{"prefect.deployments.steps.set_working_directory": {"directory": str(project)}}]
    for d in (interval, cron):
        assert d["entrypoint"] == "yaml_flow.py:yaml_flow", d
        assert d["work_pool_name"] == "default", d
        assert d["pull_steps"] == expected_pull, d["pull_steps"]
        assert d["paused"] is False, d
        assert set(d["parameter_openapi_schema"]["properties"]) == {"name", "greeting"}, d[
            "parameter_openapi_schema"
        ]
    assert interval["parameters"] == {"name": "interval"}, interval["parameters"]
    assert cron["parameters"] == {"name": "cron", "greeting": "howdy"}, cron["parameters"]
    assert sorted(interval["tags"]) == ["interval", "yaml"], interval["tags"]
    assert sorted(cron["tags"]) == ["cron", "yaml"], cron["tags"]
    assert interval["version"] == "1.0" and cron["version"] == "2.0", (interval["version"], cron["version"])
    assert interval["description"] == "Interval-scheduled deployment from prefect.yaml", interval
    assert interval["work_queue_name"] == "default", interval["work_queue_name"]


def test_interval_schedule(deployments):
    d = deployments["yaml-interval"]
    assert len(d["schedules"]) == 1, d["schedules"]
    s = d["schedules"][0]
    assert s["active"] is True, s
    sched = s["schedule"]
    assert sched["interval"] == 600, sched
    assert parse_time(sched["anchor_date"]) == parse_time("2026-01-01T00:00:00Z"), sched
    assert sched["timezone"] == "UTC", sched


def test_cron_schedule(deployments):
    d = deployments["yaml-cron"]
    assert len(d["schedules"]) == 1, d["schedules"]
    s = d["schedules"][0]
    assert s["active"] is True, s
    sched = s["schedule"]
    assert sched["cron"] == "0 9 * * 1-5", sched
    assert sched["timezone"] == "America/Chicago", sched
    assert sched["day_or"] is True, sched


def scheduled_runs(api, d, at_least):
    def probe():
        runs = deployment_runs(api, d["id"], "SCHEDULED")
        assert len(runs) >= at_least, [brief_run(r) for r in runs]
        return runs

    return wait_for(probe, timeout=SCHEDULE_DEADLINE_S, interval=0.5, what=f"{at_least}+ SCHEDULED runs of {d['name']}")


def test_interval_runs_scheduled(api, deployments):
    d = deployments["yaml-interval"]
    runs = scheduled_runs(api, d, 3)
    anchor = parse_time("2026-01-01T00:00:00Z")
    starts = sorted(parse_time(r["expected_start_time"]) for r in runs)
    for r in runs:
        assert r["parameters"] == {"name": "interval"}, (brief_run(r), r["parameters"])
        assert r["auto_scheduled"] is True, brief_run(r)
    for t in starts:
        assert (t - anchor) % timedelta(minutes=10) == timedelta(0), (t, starts[:5])
    assert {b - a for a, b in zip(starts, starts[1:])} == {timedelta(minutes=10)}, starts[:10]


def test_cron_runs_scheduled(api, deployments):
    d = deployments["yaml-cron"]
    runs = scheduled_runs(api, d, 3)
    for r in runs:
        assert r["parameters"] == {"name": "cron", "greeting": "howdy"}, (brief_run(r), r["parameters"])
        local = parse_time(r["expected_start_time"]).astimezone(CHICAGO)
        assert (local.hour, local.minute, local.second) == (9, 0, 0), (r["expected_start_time"], local)
        assert local.weekday() < 5, (r["expected_start_time"], local)
    days = sorted(parse_time(r["expected_start_time"]).astimezone(CHICAGO).date() for r in runs)
    assert len(set(days)) == len(days), days
