#!/usr/bin/env python3
"""What one wake-up across CPUs costs on this machine: two processes pass a byte back and forth through
pipes, both on one CPU and then on two, and the round trip is timed. Each request to Baton crosses threads
at least four times (load generator -> HTTP side -> writer -> HTTP side -> load generator); on a machine
where waking a thread on the other CPU is slow, a closed loop of a few connections leaves the CPUs idle
between those hops (see BENCH.md, "Writes, ninth round"). With --gap, the pinger spins that many µs between
round trips, so the other CPU has time to go idle, as it does between a server's requests.

    python3 bench/wakeup.py [--rounds 20000] [--gap 0 50 200 1000]
"""
import argparse
import os
import time


def pingpong(cpus, rounds, gap_us):
    """Median and mean round trip in µs, the pinger on cpus[0] and the ponger on cpus[1]."""
    a_r, a_w = os.pipe()
    b_r, b_w = os.pipe()
    mask = os.sched_getaffinity(0)
    pid = os.fork()
    if pid == 0:
        os.close(a_w)
        os.close(b_r)
        os.sched_setaffinity(0, {cpus[1]})
        try:
            for _ in range(rounds):
                byte = os.read(a_r, 1)
                if not byte:
                    break  # the pinger stopped early
                os.write(b_w, byte)
        finally:
            os._exit(0)
    os.sched_setaffinity(0, {cpus[0]})
    samples = []
    try:
        for _ in range(rounds):
            if gap_us:
                until = time.perf_counter_ns() + gap_us * 1000
                while time.perf_counter_ns() < until:
                    pass
            t0 = time.perf_counter_ns()
            os.write(a_w, b"x")
            os.read(b_r, 1)
            samples.append(time.perf_counter_ns() - t0)
    finally:
        # Closing first ends the ponger's reads (end of file) if the loop stopped early.
        for fd in (a_r, a_w, b_r, b_w):
            os.close(fd)
        os.waitpid(pid, 0)
        os.sched_setaffinity(0, mask)
    samples.sort()
    return samples[len(samples) // 2] / 1000, sum(samples) / len(samples) / 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20000)
    ap.add_argument("--gap", type=int, nargs="+", default=[0, 50, 200, 1000], help="µs spun between round trips")
    a = ap.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("needs two CPUs")
    print(f"{'gap µs':>7}  {'one CPU p50/mean µs':>20}  {'two CPUs p50/mean µs':>21}")
    for gap in a.gap:
        one = pingpong((cpus[0], cpus[0]), a.rounds, gap)
        two = pingpong((cpus[0], cpus[1]), a.rounds, gap)
        print(f"{gap:>7}  {one[0]:>9.1f} / {one[1]:<8.1f}  {two[0]:>10.1f} / {two[1]:<8.1f}")


if __name__ == "__main__":
    main()
