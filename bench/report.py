"""Collects the numbers of bench/compare.py and prints them as one table: median (min-max) per server and
the Baton/Prefect ratio of the medians."""
import os
import platform
import statistics
import subprocess
from datetime import datetime, timezone


def machine() -> dict:
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal:")), "0")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    return {"cores": os.cpu_count(), "cpu": cpu, "ram_gb": round(int(mem) / 1024 / 1024, 1), "kernel": platform.release(),
            "load_before": os.getloadavg(), "when": datetime.now(timezone.utc).isoformat(timespec="seconds")}


class Results:
    def __init__(self, machine_info: dict):
        self.machine = machine_info
        self.rows = {}  # metric -> {"unit", "lower", "baton": [..], "prefect": [..]}
        self.raw, self.sched, self.dispatch, self.burst = [], [], [], []

    def add(self, metric: str, unit: str, kind: str, value: float, lower: bool):
        row = self.rows.setdefault(metric, {"unit": unit, "lower_is_better": lower, "baton": [], "prefect": []})
        row[kind].append(value)

    def add_dispatch(self, label: str, out: dict):
        self.dispatch.append({"worker": label, **out})
        stages = "  ".join(f"{k} p50 {v['p50_ms']:.1f} / p99 {v['p99_ms']:.1f} ms" for k, v in out.items()
                           if isinstance(v, dict) and "p50_ms" in v)
        print(f"  dispatch {label}: {out['runs']} runs ({out['not_completed']} not completed)  {stages}", flush=True)

    def add_burst(self, label: str, out: dict):
        self.burst.append({"what": label, **out})
        print(f"  burst {label}: {out}", flush=True)

    def to_json(self, args: dict) -> dict:
        return {"machine": self.machine, "args": args, "metrics": self.rows, "load_runs": self.raw,
                "dispatch": [{k: ({kk: vv for kk, vv in v.items() if kk != "all_ms"} if isinstance(v, dict) else v)
                              for k, v in d.items()} for d in self.dispatch], "scheduler": self.sched,
                "burst": self.burst}


def fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}" if abs(v) >= 1 else f"{v:.3f}"


def cell(vals) -> str:
    if not vals:
        return "-"
    return f"{fmt(statistics.median(vals))} ({fmt(min(vals))}-{fmt(max(vals))})" if len(vals) > 1 else fmt(vals[0])


def print_table(res: Results):
    m = res.machine
    print(f"\nmachine: {m['cores']} cores ({m['cpu']}), {m['ram_gb']} GB RAM; load before {m['load_before']}, "
          f"after {m.get('load_after')}")
    print(f"\n{'metric':<44} {'unit':<8} {'Baton median (min-max)':>28} {'Prefect median (min-max)':>28} {'Baton/Prefect':>14}")
    for metric, row in res.rows.items():
        b, p = row["baton"], row["prefect"]
        ratio = "-"
        if b and p and statistics.median(p):
            ratio = f"{statistics.median(b) / statistics.median(p):.3g}"
        print(f"{metric:<44} {row['unit']:<8} {cell(b):>28} {cell(p):>28} {ratio:>14}")
    if res.dispatch:
        print(f"\n{'dispatch (ms after created)':<48} {'runs':>5} {'PENDING p50/p99':>18} {'RUNNING p50/p99':>18} {'COMPLETED p50/p99':>20}")
        for d in res.dispatch:
            c = lambda k: f"{d[k]['p50_ms']:.1f} / {d[k]['p99_ms']:.1f}" if d.get(k) else "-"
            print(f"{d['worker']:<48} {d['runs']:>5} {c('pending'):>18} {c('running'):>18} {c('completed'):>20}")
            if d.get("runs_per_worker") is not None:
                print(f"{'':<4}runs started per worker: {d['runs_per_worker']}")
    for b in res.burst:
        lag = b.get("start_lag") or {}
        last = f"{lag['p50_ms']:.0f} / {lag['p99_ms']:.0f} / {lag['max_ms']:.0f} ms" if lag else "-"
        print(f"\nburst: {b['what']}: {b['started']} of {b['runs']} started (created before due: "
              f"{b['created_before_due']}); start lag p50 / p99 / last: {last}")
    if res.sched:
        print("\nscheduler (minutely cron):")
        for s in res.sched:
            print("  " + ", ".join(f"{k}={fmt(v) if isinstance(v, float) else v}" for k, v in s.items()))
