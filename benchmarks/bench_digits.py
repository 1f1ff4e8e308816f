"""Benchmark of ``modspec experiment digits``: time per seed, extrapolated to 10 seeds.

Run: ``python benchmarks/bench_digits.py [--seeds N]`` (default 2). Runs
``proofs.empirical.digits_experiment`` (dense, split, segregated; r = 0, 1, 3;
300 steps) for N seeds, prints the time per seed, its extrapolation to 10
seeds against the 10-minute target of issue 11, and, measured in the same
run, the time of one float32 matmul of the size of the dense first layer so
that machines (and loads) can be compared as a ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from proofs.empirical import digits_experiment  # noqa: E402

#: Target of issue 11: ``modspec experiment digits --seeds 10`` in under 10 minutes on 2 cores.
TARGET_SECONDS = 600.0


def matmul_seconds(repeats: int = 50) -> float:
    """Best time of a (64 x 192) @ (192 x 500) float32 product (the dense first layer of one network)."""
    rng = np.random.default_rng(0)
    a, b = rng.random((64, 192), dtype=np.float32), rng.random((192, 500), dtype=np.float32)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=2, help="seeds to run (default 2)")
    args = p.parse_args()
    mm = matmul_seconds()
    cpu0 = time.process_time()
    rep = digits_experiment(seeds=args.seeds)
    cpu = (time.process_time() - cpu0) / args.seeds
    per_seed = rep.seconds_per_seed
    print(f"seeds run: {args.seeds}; wall {rep.seconds:.1f} s; per seed: wall {per_seed:.1f} s, CPU {cpu:.1f} s "
          f"(3 arrangements x 3 values of r, 300 steps; one BLAS thread, so CPU time is the time on an idle core)")
    print(f"extrapolated to 10 seeds: wall {10 * per_seed:.0f} s ({10 * per_seed / TARGET_SECONDS:.2f} of the 600 s "
          f"target) at this run's load; {10 * cpu:.0f} s ({10 * cpu / TARGET_SECONDS:.2f}) on an idle core")
    print(f"one first-layer matmul: {mm * 1e6:.0f} us; seed time / matmul time = {per_seed / mm:.3g}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
