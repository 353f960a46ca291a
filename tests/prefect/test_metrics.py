"""`GET /metrics` read by the Prometheus client library's own OpenMetrics parser, after a real flow run."""

from __future__ import annotations

import httpx
from prometheus_client.openmetrics.parser import text_string_to_metric_families


def samples(baton) -> dict:
    root = baton.api_url.rsplit("/api", 1)[0]
    r = httpx.get(root + "/metrics", timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/openmetrics-text"), r.headers
    out: dict = {}
    for family in text_string_to_metric_families(r.text):  # raises on any invalid line
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_parse_and_count_a_flow_run(baton, run_flow):
    before = samples(baton)
    assert before[("baton_flow_runs", (("state", "COMPLETED"),))] == 0
    result = run_flow("trivial_flow.py")
    assert result.returncode == 0, result.describe()
    after = samples(baton)
    assert after[("baton_flow_runs", (("state", "COMPLETED"),))] == 1
    routes = {dict(labels).get("route") for (name, labels) in after if name.startswith("baton_http_request_duration_seconds")}
    assert "/api/flow_runs/{id}/set_state" in routes, sorted(r for r in routes if r)
    assert "/api/flow_runs/" in routes
    assert after[("baton_database_size_bytes", ())] > 0
