"""Shared by the bench scripts: which Baton binary to measure, and how busy the machine has been."""
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def binary() -> str:
    """$BATON_BIN, else target/release/baton, else target/debug/baton."""
    if os.environ.get("BATON_BIN"):
        return os.environ["BATON_BIN"]
    for profile in ("release", "debug"):
        p = REPO / "target" / profile / "baton"
        if p.exists():
            return str(p)
    sys.exit("build baton first (cargo build --release)")


def machine_ticks() -> tuple:
    """(busy, steal, total) clock ticks of all cores since boot, from /proc/stat (busy leaves out idle,
    I/O wait and the time the hypervisor took)."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle, steal = f[3] + f[4], (f[7] if len(f) > 7 else 0)
    total = sum(f[:8])
    return total - idle - steal, steal, total
