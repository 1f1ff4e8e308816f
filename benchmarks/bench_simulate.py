"""Benchmarks of numeric.simulate, reported as ratios measured in one run.

Run: ``python benchmarks/bench_simulate.py [--quick]``. Prints

1. the simulator with default checkpointing (``run`` with ``every = steps / 100``:
   mode strengths after every step, block norms, rho, novel error and loss at
   101 checkpoints) against a plain per-network numpy loop that only steps
   (same reduced matrices, 2-D matmuls, one network at a time), per
   network-step, for n1 = 2..7, k1 = k2 = 1, 2, on 16 networks and on one
   network (random init, dense); targets from issue 14: >= 1.5x on 16
   networks, >= 1x on one;
2. the cost of observing the mode strengths after every step (``run`` against
   bare ``step`` calls on the same system);
3. the achieved FLOP rate of the batched step at n1 >= 5 against the machine's
   large-matmul rate measured in the same run (target >= 50%);
4. BLAS threads: the batched step on 1 thread against the default count;
5. ``simulate`` at n1 = 10, k1 = k2 = 8 (spectral init, dense): setup time and
   peak memory, in a fresh process (targets: < 10 s, < 1 GB).

Timings are the best of several repeats (``time.perf_counter``); the machine's
load is printed, because the cores may be shared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from threadpoolctl import threadpool_limits  # noqa: E402

from numeric.simulate import BLAS_THREADS, init, run, step  # noqa: E402
from theory.dataset import Dataset  # noqa: E402


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def module_flops(system, state) -> int:
    total = 0
    for ms, w in zip(system.modules, state.weights):
        p, q, h = ms.stats.Sx.shape[-1], ms.stats.Syx.shape[-2], w[0].shape[-2]
        total += 2 * (h * p * p + 3 * q * h * p)
    return total


def loop_steps(system, state, steps: int) -> None:
    """The same update, one network at a time with 2-D arrays."""
    nets = [[[w[b].copy() for w in ws] for ws in state.weights] for b in range(system.batch)]
    stats = [(ms.stats.Sx[b], ms.stats.Syx[b]) for b in range(1) for ms in system.modules]
    lrs = system.lr.tolist()
    for _ in range(steps):
        for b, net in enumerate(nets):
            lr = lrs[b]
            for i, (Sx, Syx) in enumerate(stats):
                W1, W2 = net[i]
                E = Syx - W2 @ (W1 @ Sx)
                net[i] = [W1 + lr * (W2.T @ E), W2 + lr * (E @ W1.T)]


def bare_steps(system, state, steps: int) -> None:
    for _ in range(steps):
        state = step(system, state)


#: The CLI's default checkpoint interval for its default 1000 steps (``every = steps // 100``).
EVERY = 10


def simulator_vs_loop(d: Dataset, batch: int, steps: int, repeats: int, init_name: str) -> tuple[float, float]:
    system, state = init([d], "dense", lr=1e-3, seeds=range(batch), init=init_name)
    t_run = best(lambda: run(system, state, steps=steps, every=EVERY), repeats) / (steps * batch)
    loop_n = max(1, steps // (10 if batch > 1 else 1))
    t_loop = best(lambda: loop_steps(system, state, loop_n), repeats) / (loop_n * batch)
    return t_run, t_loop


def matmul_rate(n: int, repeats: int) -> float:
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    A @ B
    return 2 * n**3 / best(lambda: A @ B, repeats) / 1e9


BIG = """
import resource, time
t0 = time.perf_counter()
from numeric.simulate import _blas_threads, init, simulate
from theory.dataset import Dataset
d = Dataset(10, 5, 8, 8, 1)
with _blas_threads():
    t1 = time.perf_counter()
    system, state = init([d], "dense", lr=0.01)
    t2 = time.perf_counter()
del system, state
res = simulate(d, "dense", lr=0.01, steps=5, every=1)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes, steps and repeats")
    args = parser.parse_args()
    repeats = 2 if args.quick else 3
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
          f"simulator BLAS threads {BLAS_THREADS}")
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        peak1 = matmul_rate(1024 if args.quick else 2048, repeats)
    peak = matmul_rate(1024 if args.quick else 2048, repeats)
    print(f"large-matmul rate (float64): {peak1:.1f} GFLOP/s on {BLAS_THREADS} thread, {peak:.1f} on the default")
    print()
    print(f"1. simulator (checkpoints every {EVERY} steps, modes every step) vs per-network numpy loop (steps")
    print("   only, same reduced matrices, one BLAS thread for both), dense; ratio = loop / simulator per network-step")
    sizes = [(2, 1), (4, 2), (6, 2)] if args.quick else [(n1, k) for n1 in range(2, 8) for k in (1, 2)]
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        for init_name in ("spectral", "random"):
            for n1, k in sizes:
                d = Dataset(n1, max(1, n1 // 2), k, k, 1)
                steps = 1000 if n1 <= 4 else (100 if n1 <= 6 else 30)
                t16, l16 = simulator_vs_loop(d, 16, steps, repeats, init_name)
                t1, l1 = simulator_vs_loop(d, 1, steps, repeats, init_name)
                print(f"   {init_name:8} n1={n1} k={k}: 16 networks {t16 * 1e6:8.2f} us vs loop {l16 * 1e6:8.2f} us: "
                      f"{l16 / t16:5.2f}x (>= 1.5x {'ok' if l16 / t16 >= 1.5 else 'BELOW'}); one network "
                      f"{t1 * 1e6:8.2f} us vs {l1 * 1e6:8.2f} us: {l1 / t1:5.2f}x (>= 1x {'ok' if l1 / t1 >= 1 else 'BELOW'})",
                      flush=True)
    print()
    print("2. cost of observing mode strengths after every step (run with checkpoints only at the ends vs bare steps)")
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        for n1, k, batch in ((2, 1, 16), (4, 2, 16), (6, 2, 16)):
            d = Dataset(n1, n1 // 2, k, k, 1)
            system, state = init([d], "dense", lr=1e-3, seeds=range(batch))
            steps = 400 if n1 <= 4 else 100
            t_run = best(lambda: run(system, state, steps=steps, every=steps), repeats)
            t_bare = best(lambda: bare_steps(system, state, steps), repeats)
            print(f"   n1={n1} k={k}, {batch} networks, spectral: run / bare steps = {t_run / t_bare:.2f}", flush=True)
    print()
    print("3. achieved FLOP rate of the batched step (random init, 16 networks)")
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        for n1, k in ((5, 2), (6, 2), (7, 2)) if not args.quick else ((6, 2),):
            d = Dataset(n1, n1 // 2, k, k, 1)
            system, state = init([d], "dense", lr=1e-3, seeds=range(16), init="random")
            steps = 20
            t = best(lambda: bare_steps(system, state, steps), repeats) / (steps * 16)
            rate = module_flops(system, state) / t / 1e9
            print(f"   n1={n1} k={k}: {rate:.1f} GFLOP/s = {rate / peak1:.0%} of the 1-thread large-matmul rate "
                  f"({rate / peak:.0%} of the default)", flush=True)
    print()
    print("4. BLAS threads for the batched step (n1 = 6, k = 2, 16 networks, random init)")
    d = Dataset(6, 3, 2, 2, 1)
    system, state = init([d], "dense", lr=1e-3, seeds=range(16), init="random")
    with threadpool_limits(limits=1, user_api="blas"):
        t1 = best(lambda: bare_steps(system, state, 10), repeats)
    t2 = best(lambda: bare_steps(system, state, 10), repeats)
    print(f"   default threads / 1 thread = {t2 / t1:.2f} (> 1: one thread is faster)")
    print()
    print("5. simulate at n1 = 10, k1 = k2 = 8, dense, spectral init (fresh process)")
    out = subprocess.run([sys.executable, "-c", BIG], capture_output=True, text=True,
                         cwd=os.path.join(os.path.dirname(__file__), ".."),
                         env={**os.environ, "PYTHONPATH": os.path.join(os.path.dirname(__file__), "..")})
    if out.returncode:
        print(out.stderr)
    else:
        imp, setup, run100, mem = map(float, out.stdout.split())
        print(f"   import {imp:.1f} s, setup (init incl. derivations) {setup:.1f} s (< 10 s), "
              f"simulate with 5 steps {run100:.1f} s, peak memory {mem:.0f} MB (< 1024 MB)")


if __name__ == "__main__":
    main()
