"""Shared by the bench scripts: which Baton binary to measure."""
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
