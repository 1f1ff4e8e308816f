"""Benchmarks of numeric.simulate, reported as ratios measured in one run.

Run: ``python benchmarks/bench_simulate.py [--quick]``. Prints

1. the simulator with default checkpointing (``run`` with checkpoints every
   10 steps, the CLI's default for its default 1000 steps: mode strengths
   after every step, block norms, rho, novel error and loss at every
   checkpoint, divergence checks after every step) against a plain
   per-network numpy loop that only steps (the same reduced matrices, 2-D
   matmuls, one network at a time, no observables), per network-step, for
   n1 = 2..7, k1 = k2 = 1, 2, spectral and random init, on 16 networks and on
   one network; targets from issue 14: >= 1.5x on 16 networks, >= 1x on one.
   Judged in wall time on the machine's cores: the simulator with its default
   threads (``run``'s ``threads``: the batch split over the cores once the
   networks are large enough) against the loop at the faster of one BLAS
   thread and BLAS's default count. Also printed: the same in CPU time with
   everything on one thread (what batching alone gains on one core), and a
   second loop that applies the diagonal ``Sx`` of the reduced coordinates
   as a column scaling, as the simulator does (the part of the speed-up that
   comes from the basis, not from batching);
2. the cost of the observables: ``run`` with default checkpointing against
   ``run`` with checkpoints only at the ends, and against bare ``step`` calls;
3. the achieved FLOP rate of the batched step at n1 >= 5 (the operations the
   step performs, in wall time with the default threads) against the
   machine's large-matmul rate on its default BLAS threads, measured in the
   same run (target >= 50%); and on one thread against one thread;
4. BLAS threads: the batched step on 1 thread against the default count;
5. ``simulate`` at n1 = 10, k1 = k2 = 8 (spectral init, dense): setup time and
   peak memory, in a fresh process (targets: < 10 s, < 1 GB).

The last lines are a table of every target with ``pass`` / ``MISS``.
Timings are the best of several repeats, the compared variants interleaved,
in CPU time of the process (BLAS on one thread; wall time for the large
matmul and the multi-threaded BLAS comparison); the machine's load average
is printed with each section, because the cores may be shared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from numeric.simulate import BLAS_THREADS, _blas_count, _parts, init, run, step  # noqa: E402
from theory.dataset import Dataset  # noqa: E402

#: The CLI's default checkpoint interval for its default 1000 steps (``every = steps // 100``).
EVERY = 10


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def best_of(fns, repeats: int, clock=time.process_time) -> list[float]:
    """Best time of each function over ``repeats`` rounds, the functions interleaved within a round.

    CPU time of this process by default: with BLAS on one thread it is the compute time, and unlike
    wall time it does not count the time other jobs hold the shared cores (pass ``time.perf_counter``
    to measure wall time, e.g. for multi-threaded BLAS).
    """
    times = [[] for _ in fns]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = clock()
            fn()
            times[i].append(clock() - t0)
    return [min(t) for t in times]


def diagonal(S: np.ndarray) -> np.ndarray | None:
    """diag(S) when S has exact zeros off its diagonal (as the simulator's reduced Sx usually has)."""
    d = np.diag(S)
    return d.copy() if np.count_nonzero(S) == np.count_nonzero(d) else None


def loop_steps(system, state, steps: int, use_diagonal: bool = False) -> None:
    """The same gradient-descent update, one network at a time with 2-D arrays (depth-2 modules).

    ``use_diagonal``: multiply by a diagonal Sx as a column scaling instead of a matmul.
    """
    nets = [[[w[b].copy() for w in ws] for ws in state.weights] for b in range(system.batch)]
    stats = [(ms.stats.Sx[0], ms.stats.Syx[0]) for ms in system.modules]
    diags = [diagonal(Sx) if use_diagonal else None for Sx, _ in stats]
    lrs = system.lr.tolist()
    for _ in range(steps):
        for b, net in enumerate(nets):
            lr = lrs[b]
            for i, (Sx, Syx) in enumerate(stats):
                W1, W2 = net[i]
                E = Syx - W2 @ (W1 * diags[i] if diags[i] is not None else W1 @ Sx)
                net[i] = [W1 + lr * (W2.T @ E), W2 + lr * (E @ W1.T)]


def bare_steps(system, state, steps: int) -> None:
    for _ in range(steps):
        state = step(system, state)


def threads_used(system, state) -> str:
    """How ``run`` uses the cores by default: sub-batches on threads, or BLAS threads for too few networks."""
    parts = len(_parts(system, state, None))
    if parts > 1:
        return f"{parts} threads"
    blas = _blas_count(state, None)
    if blas is not None:
        return f"1 thread, BLAS on {blas} while stepping"
    return "1 thread"


def step_flops(system, state) -> int:
    """Floating-point operations of one batched gradient-descent step as the simulator performs it."""
    total = 0
    for ms, w in zip(system.modules, state.weights):
        p, q, h = ms.stats.Sx.shape[-1], ms.stats.Syx.shape[-2], w[0].shape[-2]
        sx = h * p if diagonal(ms.stats.Sx[0]) is not None else 2 * h * p * p
        total += system.batch * (sx + 2 * 3 * q * h * p)
    return total


def loop_flops(system, state) -> int:
    """Floating-point operations of one step of :func:`loop_steps` per network (dense Sx: four products)."""
    total = 0
    for ms, w in zip(system.modules, state.weights):
        p, q, h = ms.stats.Sx.shape[-1], ms.stats.Syx.shape[-2], w[0].shape[-2]
        total += 2 * h * p * p + 2 * 3 * q * h * p
    return total


def matmul_rate(n: int, repeats: int, clock=time.process_time) -> float:
    """GFLOP/s of an n x n float64 matmul (CPU time on one BLAS thread, like the step; wall time otherwise)."""
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    A @ B
    return 2 * n**3 / best_of([lambda: A @ B], repeats, clock=clock)[0] / 1e9


BIG = """
import resource, time
t0 = time.perf_counter()
from numeric.simulate import _blas_threads, init, simulate
from theory.dataset import Dataset
d = Dataset(10, 5, 8, 8, 1)
with _blas_threads():
    t1, c1 = time.perf_counter(), time.process_time()
    system, state = init([d], "dense", lr=0.01)
    t2, c2 = time.perf_counter(), time.process_time()
del system, state
res = simulate(d, "dense", lr=0.01, steps=5, every=1)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, c2 - c1, t3 - t2, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes, steps and repeats")
    parser.add_argument("--n1", type=int, nargs="+", choices=range(2, 8), metavar="N1",
                        help="section 1 at these n1 only (2..7), k = 1 and 2; sections 2-5 as usual")
    args = parser.parse_args()
    repeats = 3 if args.quick else 5
    targets: list[tuple[str, str, bool | None]] = []  # (target, measured, passed; None = not a pass/fail target)
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, {load()}, simulator BLAS threads {BLAS_THREADS}")
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        peak1 = matmul_rate(1024 if args.quick else 2048, repeats)
    peak = matmul_rate(1024 if args.quick else 2048, repeats, clock=time.perf_counter)
    print(f"large-matmul rate (float64): {peak1:.1f} GFLOP/s on {BLAS_THREADS} thread, {peak:.1f} on the default")
    print()
    blas_default = max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
    print(f"1. simulator (checkpoints every {EVERY} steps, modes and checks every step) vs per-network numpy loop")
    print("   (steps only, same reduced matrices), dense; ratio = loop / simulator per network-step. 'wall': the")
    print(f"   simulator on its default threads against the loop at the faster of 1 and {blas_default} BLAS threads, wall")
    print("   time (the targets); 'one core': everything on one thread, CPU time; 'diag loop' also scales by the")
    print("   diagonal Sx instead of a matmul, as the simulator does; 'no checkpoints': the loop against the simulator")
    print("   observing only the ends (one core); 'loop at': the loop's FLOP rate against the 1-thread large-matmul")
    print("   rate. A loop near the peak bounds every one-core ratio by (its FLOPs per step / the simulator's) / (its")
    print("   fraction of the peak)")
    sizes = [(2, 1), (4, 2), (6, 2)] if args.quick else [(n1, k) for n1 in range(2, 8) for k in (1, 2)]
    if args.n1:
        sizes = [(n1, k) for n1 in sorted(set(args.n1)) for k in (1, 2)]
    worst16, worst1 = {}, {}
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        for init_name in ("spectral", "random"):
            print(f"   {init_name} init ({load()})")
            for n1, k in sizes:
                d = Dataset(n1, max(1, n1 // 2), k, k, 1)
                # the CLI's default run (1000 steps, checkpoints every 10): a run's setup (ring, scratch
                # arrays, about 1 ms) weighs as it does there; 300 at n1 = 7 bound the benchmark's time
                steps = 1000 if n1 <= 6 else 300
                cells = []
                for batch in (16, 1):
                    system, state = init([d], "dense", lr=1e-3, seeds=range(batch), init=init_name)
                    n_loop = max(EVERY, steps // (10 if batch > 1 else 1))
                    t_run, t_ends, t_loop, t_diag = best_of([
                        lambda: run(system, state, steps=steps, every=EVERY, threads=1),
                        lambda: run(system, state, steps=steps, every=steps, threads=1),
                        lambda: loop_steps(system, state, n_loop),
                        lambda: loop_steps(system, state, n_loop, use_diagonal=True),
                    ], repeats)

                    def loop_default_blas() -> None:
                        with threadpool_limits(limits=blas_default, user_api="blas"):
                            loop_steps(system, state, n_loop)

                    w_run, w_loop1, w_loop2 = best_of([
                        lambda: run(system, state, steps=steps, every=EVERY),
                        lambda: loop_steps(system, state, n_loop),
                        loop_default_blas,
                    ], repeats, clock=time.perf_counter)
                    t_run, t_ends = t_run / (steps * batch), t_ends / (steps * batch)
                    t_loop, t_diag = t_loop / (n_loop * batch), t_diag / (n_loop * batch)
                    w_run, w_loop = w_run / (steps * batch), min(w_loop1, w_loop2) / (n_loop * batch)
                    loop_rate = loop_flops(system, state) / t_loop / 1e9
                    goal = 1.5 if batch > 1 else 1.0
                    ratio = w_loop / w_run
                    worst = worst16 if batch > 1 else worst1
                    worst[(init_name, n1, k)] = ratio
                    cells.append(f"{batch:2d} nets wall {ratio:5.2f}x ({'ok' if ratio >= goal else 'BELOW'} {goal}x; "
                                 f"{threads_used(system, state)}, {w_run * 1e6:.2f} us vs "
                                 f"{w_loop * 1e6:.2f}), one core {t_loop / t_run:5.2f}x, diag loop "
                                 f"{t_diag / t_run:5.2f}x, no checkpoints {t_loop / t_ends:5.2f}x, loop at "
                                 f"{loop_rate / peak1:4.0%} of peak")
                print(f"   n1={n1} k={k}: " + "; ".join(cells), flush=True)
    for batch, worst, goal in ((16, worst16, 1.5), (1, worst1, 1.0)):
        below = {key: v for key, v in worst.items() if v < goal}
        lo = min(worst, key=worst.get)
        measured = (f"min {worst[lo]:.2f}x at {lo[0]} n1={lo[1]} k={lo[2]}; "
                    + (f"below at {', '.join(f'{i} n1={n} k={kk}' for i, n, kk in below)}" if below else "all above"))
        targets.append((f"{'16 networks' if batch > 1 else 'one network'} >= {goal}x loop (n1 2..7, k 1, 2)",
                        measured, not below))
    print()
    print(f"2. cost of the observables, 16 networks, spectral ({load()})")
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        for n1, k in ((2, 1), (4, 2), (6, 2)):
            d = Dataset(n1, n1 // 2, k, k, 1)
            system, state = init([d], "dense", lr=1e-3, seeds=range(16))
            steps = 400 if n1 <= 4 else 100
            t_run, t_ends, t_bare = best_of([
                lambda: run(system, state, steps=steps, every=EVERY),
                lambda: run(system, state, steps=steps, every=steps),
                lambda: bare_steps(system, state, steps),
            ], repeats)
            print(f"   n1={n1} k={k}: run (every {EVERY}) / run (ends only) = {t_run / t_ends:.2f}, "
                  f"run (ends only) / bare step calls = {t_ends / t_bare:.2f}", flush=True)
    print()
    print(f"3. achieved FLOP rate of the batched step (random init, 16 networks, k = 2; {load()})")
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        for n1, k in ((5, 2), (6, 2), (7, 2)) if not args.quick else ((6, 2),):
            d = Dataset(n1, n1 // 2, k, k, 1)
            system, state = init([d], "dense", lr=1e-3, seeds=range(16), init="random")
            steps = 100  # long enough that splitting the batch over threads (copies, thread start) is amortized
            t1, tw = best_of([lambda: run(system, state, steps=steps, every=steps, threads=1),
                              lambda: run(system, state, steps=steps, every=steps)], repeats, clock=time.perf_counter)
            rate1, rate = step_flops(system, state) / (t1 / steps) / 1e9, step_flops(system, state) / (tw / steps) / 1e9
            print(f"   n1={n1} k={k}: {rate:.1f} GFLOP/s on {threads_used(system, state)} = {rate / peak:.0%} of the large-matmul "
                  f"rate on {blas_default} BLAS threads; on one thread {rate1:.1f} GFLOP/s = {rate1 / peak1:.0%} of "
                  "the 1-thread rate", flush=True)
            targets.append((f"FLOP rate >= 50% of large matmul, n1={n1} k={k}", f"{rate / peak:.0%} "
                            f"({rate:.1f} of {peak:.1f} GFLOP/s, wall; one thread {rate1 / peak1:.0%})",
                            rate >= 0.5 * peak))
    print()
    print(f"4. BLAS threads for the batched step (n1 = 6, k = 2, 16 networks, random init; {load()})")
    d = Dataset(6, 3, 2, 2, 1)
    system, state = init([d], "dense", lr=1e-3, seeds=range(16), init="random")

    def one_thread() -> None:
        with threadpool_limits(limits=1, user_api="blas"):
            bare_steps(system, state, 10)

    t1, t2 = best_of([one_thread, lambda: bare_steps(system, state, 10)], repeats, clock=time.perf_counter)
    print(f"   default threads / 1 thread = {t2 / t1:.2f} (> 1: one thread is faster)")
    targets.append(("BLAS threads for batched small matrices (measured)",
                    f"default / 1 thread = {t2 / t1:.2f}; simulator uses {BLAS_THREADS}", None))
    print()
    print(f"5. simulate at n1 = 10, k1 = k2 = 8, dense, spectral init (fresh process; {load()})")
    out = subprocess.run([sys.executable, "-c", BIG], capture_output=True, text=True,
                         cwd=os.path.join(os.path.dirname(__file__), ".."),
                         env={**os.environ, "PYTHONPATH": os.path.join(os.path.dirname(__file__), "..")})
    if out.returncode:
        print(out.stderr)
        targets.append(("n1=10 k=8 setup < 10 s and peak memory < 1 GB", "failed to run", False))
    else:
        imp, setup, setup_cpu, run5, mem = map(float, out.stdout.split())
        print(f"   import {imp:.1f} s, setup (init incl. derivations) {setup_cpu:.1f} s CPU, {setup:.1f} s wall "
              f"(< 10 s), simulate with 5 steps {run5:.1f} s wall, peak memory {mem:.0f} MB (< 1024 MB)")
        # judged on CPU time (one BLAS thread: the wall time of an idle machine); wall time printed next to it
        targets.append(("n1=10 k=8 setup < 10 s", f"{setup_cpu:.1f} s CPU ({setup:.1f} s wall)", setup_cpu < 10))
        targets.append(("n1=10 k=8 peak memory < 1 GB", f"{mem:.0f} MB", mem < 1024))
    print()
    print(f"Targets (issue 14; {load()}):")
    width = max(len(t) for t, _, _ in targets)
    for target, measured, passed in targets:
        verdict = "measured" if passed is None else ("pass" if passed else "MISS")
        print(f"   {target:<{width}}  {verdict:8}  {measured}")


if __name__ == "__main__":
    main()
