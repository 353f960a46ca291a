"""Property-based fuzzing of every Baton endpoint with schemathesis, driven by /api/openapi.json.

    target/fuzz-venv/bin/python tests/fuzz/run.py      (scripts/fuzz.sh makes the venv and runs this)

Starts `baton serve --no-worker` (BATON_BIN, default target/debug/baton) on port 0 with a temp data dir,
seeds one object of every kind (so path ids hit real objects, not only 404s), then runs `st run` over
every operation except the endless SSE stream, with a fixed seed and a fixed number of examples per
operation (BATON_FUZZ_EXAMPLES, default 12), positive and negative data. Checks: no 5xx, every answer matches
its documented schema (derived from the handler's own answer type), and every error is
JSON with a `detail` (hooks.py). Afterwards the server must still answer and exit cleanly on SIGTERM, and
its log must show no panic. Exits non-zero on any failure.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEADLINE_S = 20.0


def request(api: str, method: str, path: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


def start(home: Path) -> tuple[subprocess.Popen, str, list[str]]:
    binary = os.environ.get("BATON_BIN") or str(REPO / "target" / "debug" / "baton")
    proc = subprocess.Popen(
        [binary, "serve", "--port", "0", "--home", str(home), "--no-worker"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "RUST_LOG": "warn"},
    )
    lines: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def drain() -> None:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            m = re.search(r"http://127\.0\.0\.1:\d+/api", line)
            if m and not found:
                found.append(m.group(0))
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    if not ready.wait(DEADLINE_S) or not found:
        proc.kill()
        sys.exit(f"fuzz: baton serve did not start:\n" + "\n".join(lines))
    return proc, found[0], lines


def seed(api: str) -> dict[str, list[str]]:
    """A few objects of every kind; returns the values each path parameter can take."""
    v: dict[str, list[str]] = {k: [] for k in (
        "flow_id", "flow_name", "run_id", "task_run_id", "deployment_id", "deployment_name",
        "schedule_id", "pool", "queue", "queue_id", "worker", "variable_id", "variable_name",
        "artifact_id", "artifact_key")}
    request(api, "POST", "/work_pools/", {"name": "fuzz-pool", "type": "process"})
    q = request(api, "POST", "/work_pools/fuzz-pool/queues", {"name": "fuzz-queue"})
    v["pool"] += ["fuzz-pool", "default"]
    v["queue"] += ["fuzz-queue", "default"]
    v["queue_id"].append(q["id"])
    request(api, "POST", "/work_pools/fuzz-pool/workers/heartbeat", {"name": "fuzz-worker"})
    v["worker"].append("fuzz-worker")
    for i in range(3):
        flow = request(api, "POST", "/flows/", {"name": f"fuzz-flow-{i}"})
        v["flow_id"].append(flow["id"])
        v["flow_name"].append(flow["name"])
        dep = request(api, "POST", "/deployments/", {
            "name": f"fuzz-dep-{i}", "flow_id": flow["id"], "work_pool_name": "fuzz-pool",
            "parameter_openapi_schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
            "schedules": [{"schedule": {"interval": 3600}, "active": True}],
        })
        v["deployment_id"].append(dep["id"])
        v["deployment_name"].append(dep["name"])
        v["schedule_id"] += [s["id"] for s in request(api, "GET", f"/deployments/{dep['id']}/schedules")]
        run = request(api, "POST", f"/deployments/{dep['id']}/create_flow_run", {"parameters": {"n": i}})
        v["run_id"].append(run["id"])
        task = request(api, "POST", "/task_runs/", {
            "flow_run_id": run["id"], "task_key": "t", "dynamic_key": str(i), "name": f"t-{i}"})
        v["task_run_id"].append(task["id"])
        request(api, "POST", "/logs/", [{"name": "fuzz", "level": 20, "message": "hello",
                                         "timestamp": "2026-01-01T00:00:00Z", "flow_run_id": run["id"]}])
        var = request(api, "POST", "/variables/", {"name": f"fuzz_var_{i}", "value": {"i": i}})
        v["variable_id"].append(var["id"])
        v["variable_name"].append(var["name"])
        art = request(api, "POST", "/artifacts/", {"key": f"fuzz-key-{i}", "type": "markdown",
                                                   "data": "# hi", "flow_run_id": run["id"]})
        v["artifact_id"].append(art["id"])
        v["artifact_key"].append(art["key"])
    return v


# path regex -> {parameter: seeded values key}
BINDINGS = [
    (r"^/flows/", {"path.id": "flow_id", "path.name": "flow_name"}),
    (r"^/flow_runs/", {"path.id": "run_id"}),
    (r"^/baton/flow_runs/", {"path.id": "run_id"}),
    (r"^/flow_run_states/", {"query.flow_run_id": "run_id"}),
    (r"^/task_runs/", {"path.id": "task_run_id"}),
    (r"^/task_run_states/", {"query.task_run_id": "task_run_id"}),
    (r"^/deployments/name/", {"path.flow": "flow_name", "path.name": "deployment_name"}),
    (r"^/deployments/\{id\}", {"path.id": "deployment_id", "path.schedule_id": "schedule_id"}),
    (r"^/baton/deployments/\{id\}", {"path.id": "deployment_id"}),
    (r"^/work_pools/", {"path.name": "pool", "path.queue": "queue", "path.worker": "worker"}),
    (r"^/work_queues/", {"path.id": "queue_id"}),
    (r"^/variables/", {"path.id": "variable_id", "path.name": "variable_name"}),
    (r"^/artifacts/", {"path.id": "artifact_id", "path.key": "artifact_key"}),
]


def config(values: dict[str, list[str]], path: Path) -> None:
    out = ["[dictionaries]"]
    for key, vals in values.items():
        out.append(f"{key} = {{ values = {json.dumps(vals)} }}")
    for regex, params in BINDINGS:
        out.append("\n[[operations]]")
        out.append(f"include-path-regex = {json.dumps(regex)}")
        out.append("[operations.parameters]")
        for param, key in params.items():
            out.append(f'"{param}" = {{ dictionary = "{key}", probability = 0.7 }}')
    path.write_text("\n".join(out) + "\n")


def main() -> int:
    examples = os.environ.get("BATON_FUZZ_EXAMPLES", "12")
    with tempfile.TemporaryDirectory(prefix="baton-fuzz-") as tmp:
        tmp_path = Path(tmp)
        proc, api, log = start(tmp_path / "home")
        try:
            cfg = tmp_path / "schemathesis.toml"
            config(seed(api), cfg)
            st = Path(sys.executable).with_name("st")
            cmd = [str(st), "--config-file", str(cfg), "run", f"{api}/openapi.json", "--url", api,
                   "--checks", "not_a_server_error,response_schema_conformance,error_is_json_with_detail",
                   "--phases", "examples,coverage,fuzzing", "--mode", "all",
                   "--max-examples", examples, "--seed", "20261126", "--request-timeout", "10",
                   "--exclude-path", "/baton/live", "--workers", "1", "--no-color",
                   "--report", "junit", "--report-dir", str(REPO / "target" / "fuzz-report")]
            env = {**os.environ, "PYTHONPATH": str(HERE), "SCHEMATHESIS_HOOKS": "hooks"}
            started = time.monotonic()
            rc = subprocess.run(cmd, env=env, cwd=tmp).returncode
            print(f"fuzz: schemathesis exit {rc} after {time.monotonic() - started:.0f} s")
            alive = proc.poll() is None and request(api, "GET", "/health") is True
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(DEADLINE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = "killed after SIGTERM deadline"
        panics = [line for line in log if "panic" in line.lower()]
        problems = []
        if rc != 0:
            problems.append(f"schemathesis found failures (exit {rc})")
        if not alive:
            problems.append("the server stopped answering during the run")
        if code != 0:
            problems.append(f"baton serve exit status {code} on SIGTERM")
        if panics:
            problems.append("panics in the server log:\n" + "\n".join(panics[:20]))
        if problems:
            print("fuzz: FAILED\n" + "\n".join(problems))
            return 1
        print("fuzz: 1 passed, 0 failed")
        return 0


if __name__ == "__main__":
    sys.exit(main())
