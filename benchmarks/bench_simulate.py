"""Benchmarks of numeric.simulate, reported as ratios measured in one run.

Run: ``python benchmarks/bench_simulate.py [--quick]``. Prints

1. batched simulator vs a plain per-network Python loop doing the same steps
   (same reduced matrices, 2-D matmuls one network at a time), per network-step;
2. the closed-form trajectory vs the simulator vs scipy ``solve_ivp`` on the
   mode ODEs, for the mode strengths of one network at every step;
3. the simulator's achieved GFLOP/s next to the machine's large-matmul rate
   measured in the same run.

Timings are the best of several repeats (``time.perf_counter``). Targets from
issue 4: >= 10x on 256 networks of n1 = 2, k1 = k2 = 1; >= 1x on n1 = 4,
k1 = k2 = 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from numeric.matrices import mode_vectors  # noqa: E402
from numeric.simulate import init, step  # noqa: E402
from theory.architectures import get_architecture  # noqa: E402
from theory.dataset import Dataset  # noqa: E402


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def flops_per_network_step(system, state) -> int:
    total = 0
    for ms, w in zip(system.modules, state.weights):
        p, q = ms.Sx.shape[1], ms.Syx.shape[1]
        if len(w) == 2:
            h = w[0].shape[1]
            # W1 Sx (h p p), W2 (W1 Sx) (q h p), W2^T E (h q p), E W1^T (q p h)
            total += 2 * (h * p * p + 3 * q * h * p)
        else:
            total += 2 * q * p * p
    return total


def loop_steps(system, state, steps: int) -> None:
    """The same update, one network at a time with 2-D arrays."""
    nets = [[[w[b].copy() for w in ws] for ws in state.weights] for b in range(system.batch)]
    stats = [(ms.Sx[0], ms.Syx[0]) for ms in system.modules]
    lrs = system.lr.tolist()
    for _ in range(steps):
        for b, net in enumerate(nets):
            lr = lrs[b]
            for i, (Sx, Syx) in enumerate(stats):
                if len(net[i]) == 2:
                    W1, W2 = net[i]
                    E = Syx - W2 @ (W1 @ Sx)
                    net[i] = [W1 + lr * (W2.T @ E), W2 + lr * (E @ W1.T)]
                else:
                    (W,) = net[i]
                    net[i] = [W + lr * (Syx - W @ Sx)]


def batched_steps(system, state, steps: int) -> None:
    for _ in range(steps):
        state = step(system, state)


def batching(d: Dataset, arch: str, batch: int, steps: int, repeats: int) -> tuple[float, float, float]:
    system, state = init([d], arch, lr=0.05, seeds=range(batch), init="random")
    t_batch = best(lambda: batched_steps(system, state, steps), repeats) / (steps * batch)
    loop_n = max(1, steps // 10)
    t_loop = best(lambda: loop_steps(system, state, loop_n), repeats) / (loop_n * batch)
    gflops = flops_per_network_step(system, state) / t_batch / 1e9
    return t_batch, t_loop, gflops


def matmul_rate(n: int, repeats: int) -> float:
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    A @ B
    return 2 * n**3 / best(lambda: A @ B, repeats) / 1e9


def trajectories(d: Dataset, arch: str, steps: int, repeats: int) -> tuple[float, float, float]:
    lr, a0 = 0.05, 1e-3
    modes = [(float(mv.singular_value), float(mv.eigenvalue))
             for m in get_architecture(arch).modules for mv in mode_vectors(d, m)]
    t = np.arange(steps + 1, dtype=float)

    try:
        from numeric.trajectory import theory_trajectory

        def closed():
            theory_trajectory(d, arch, lr=lr, a0=a0, steps=steps)
        closed()
    except ImportError:  # before numeric.trajectory existed: the same closed form, written here
        def closed():
            for pi, lam in modes:
                (pi / lam) / (1.0 - (1.0 - pi / (lam * a0)) * np.exp(-2.0 * pi * lr * t))

    def ivp():
        pis = np.array([p for p, _ in modes])
        lams = np.array([la for _, la in modes])
        solve_ivp(lambda _s, a: 2 * lr * a * (pis - lams * a), (0, steps), np.full(len(modes), a0),
                  t_eval=t, rtol=1e-8, atol=1e-12)

    def sim():
        from numeric.simulate import simulate
        simulate(d, arch, lr=lr, steps=steps, a0=a0, every=1)

    return best(closed, repeats), best(sim, repeats), best(ivp, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = parser.parse_args()
    steps, repeats = (100, 2) if args.quick else (400, 5)

    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs")
    peak = matmul_rate(2048 if args.quick else 4096, repeats)
    print(f"large-matmul rate (float64, n = {2048 if args.quick else 4096}): {peak:.1f} GFLOP/s")
    print()
    print("1. batched simulator vs per-network Python loop (dense, random init, per network-step)")
    for d, target in ((Dataset(2, 1, 1, 1, 1), 10.0), (Dataset(4, 2, 2, 2, 1), 1.0)):
        tb, tl, gf = batching(d, "dense", 256, steps, repeats)
        verdict = "ok" if tl / tb >= target else "BELOW TARGET"
        print(f"   n1={d.n1} k1=k2={d.k1}, 256 networks: batched {tb * 1e6:.3f} us, loop {tl * 1e6:.3f} us, "
              f"ratio {tl / tb:.1f}x (target >= {target:g}x: {verdict}); "
              f"achieved {gf:.2f} GFLOP/s = {gf / peak:.2%} of large matmul")
    d = Dataset(6, 3, 2, 2, 1)
    tb, tl, gf = batching(d, "dense", 64, max(steps // 4, 10), max(repeats // 2, 1))
    print(f"   n1=6 k1=k2=2, 64 networks: ratio {tl / tb:.1f}x; achieved {gf:.2f} GFLOP/s = {gf / peak:.2%}")
    print()
    print(f"2. mode strengths of one dense network at every step, {steps * 10} steps (n1=3, k1=k2=1)")
    tc, ts, ti = trajectories(Dataset(3, 1, 1, 1, 1), "dense", steps * 10, repeats)
    print(f"   closed form {tc * 1e3:.2f} ms, simulator {ts * 1e3:.2f} ms, solve_ivp {ti * 1e3:.2f} ms: "
          f"simulator / closed form {ts / tc:.1f}x, solve_ivp / closed form {ti / tc:.1f}x")


if __name__ == "__main__":
    main()
