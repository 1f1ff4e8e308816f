"""Certificates of every theorem on one dataset at 50 digits, and the old SVD / dense routes they replaced.

Run: ``python benchmarks/bench_certify.py [--n1 6 8] [--k 2] [--dps 50] [--no-old]``.

Part 1 (issue 14's targets): the certificate of every catalogue theorem that
applies to D(n1, n1/2, k, k, 3/2), timed one by one, at ``dps`` digits; the
symbolic derivations are warmed first (not part of any timing). Targets: all
theorems under 10 s at n1 = 6, k = 2 (118 s before), under 60 s at n1 = 8.

Part 2 (ratios in one run, n1 = 6 only): the two maps the certificates need,
each by the route used before (kept here, callable from this benchmark only)
and by the current one, on the same dataset:

* least-squares map ``Y X^+``: mpmath's SVD of X (``svd_r``) against the small
  ``F F^T + c I`` system (``numeric.maps.least_squares_solver``);
* spectral map ``sum a U V^T``: dense mpf products against integer cores
  (``numeric.maps.spectral_map``).

Note the machine load (``uptime``) next to the numbers: the cores are shared,
so the totals also give the process CPU time, which other jobs inflate less.
"""

from __future__ import annotations

import argparse
import os
import time

import mpmath
import numpy as np

from numeric.certify import residual_tolerance, run_checks
from numeric import maps
from numeric.maps import fro, least_squares_map, spectral_map, zeros
from numeric.matrices import data_matrices, mode_vectors, module_slices
from proofs.catalogue import CATALOGUE
from theory.architectures import get_architecture
from theory.dataset import Dataset
from theory.observables import derive_observables


def _old_pinv(A: np.ndarray) -> np.ndarray:
    """The pseudo-inverse route used before: mpmath's SVD, singular values below 10**(-dps/2) dropped."""
    m, n = A.shape
    U, S, V = mpmath.svd_r(mpmath.matrix(A.tolist()))
    cutoff = max(S) * mpmath.mpf(10) ** (-mpmath.mp.dps // 2)
    out = zeros((n, m), "mpmath")
    for k in range(len(S)):
        if S[k] > cutoff:
            u = np.array([U[i, k] for i in range(m)], dtype=object)
            v = np.array([V[k, j] for j in range(n)], dtype=object)
            out += np.outer(v, u) / S[k]
    return out


def old_least_squares_map(d: Dataset, arch: str) -> np.ndarray:
    """``Y_m X_m^+`` per module through the SVD (the route before issue 14)."""
    X, Y = data_matrices(d, "mpmath")
    W = zeros((d.n_out, d.n_in), "mpmath")
    for module in get_architecture(arch).modules:
        rows, cols = module_slices(d, module)
        W[np.ix_(rows, cols)] = Y[rows, :] @ _old_pinv(X[cols, :])
    return W


def old_spectral_map(d: Dataset, arch: str, strengths: dict) -> np.ndarray:
    """``sum a U V^T`` by dense mpf products (the route before issue 14)."""
    W = zeros((d.n_out, d.n_in), "mpmath")
    for module in get_architecture(arch).modules:
        rows, cols = module_slices(d, module)
        for mv in mode_vectors(d, module, "mpmath"):
            W[np.ix_(rows, cols)] += strengths[mv.mode.name] * (mv.U @ mv.V.T)
    return W


def _timed(fn, *args):
    """``(result, wall seconds, process CPU seconds)``: on shared cores wall time counts other jobs too."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - start, time.process_time() - cpu


def certify_all(d: Dataset, dps: int) -> tuple[float, float]:
    """Time every applicable theorem's certificate on ``d``; print one line each; return the wall and CPU totals."""
    tol = residual_tolerance(dps)
    total = cpu_total = 0.0
    for theorem in CATALOGUE:
        if not theorem.applies(d):
            print(f"  {theorem.id:4s} does not apply")
            continue
        checks, seconds, cpu = _timed(run_checks, theorem.run_certificate, [d], dps)
        total += seconds
        cpu_total += cpu
        worst = max(c.residual for c in checks)
        failed = sum(not c.residual <= tol for c in checks)
        print(f"  {theorem.id:4s} {seconds:8.2f} s ({cpu:6.2f} s CPU) {len(checks):4d} checks, worst residual {worst:.1e}"
              + (f", {failed} FAILED" if failed else ""), flush=True)
    return total, cpu_total


def compare_routes(d: Dataset, dps: int) -> None:
    """The old and current routes of the two maps, same dataset, same run."""
    names = list(derive_observables("dense").strengths)
    strengths = {n: mpmath.mpf(i + 2) / 7 for i, n in enumerate(names)}
    with mpmath.workdps(dps):
        mode_vectors(d, backend="mpmath")  # built once, used by both spectral routes
        maps._least_squares_map.cache_clear()  # part 1 left the maps of d in the cache
        maps._module_least_squares.cache_clear()
        old_ls, t_old_ls, c_old_ls = _timed(old_least_squares_map, d, "dense")
        new_ls, t_new_ls, c_new_ls = _timed(least_squares_map, d, "dense", "mpmath")
        old_sp, t_old_sp, c_old_sp = _timed(old_spectral_map, d, "dense", strengths)
        new_sp, t_new_sp, c_new_sp = _timed(spectral_map, d, "dense", strengths, "mpmath")
        gap_ls = float(fro(old_ls - new_ls) / fro(new_ls))
        gap_sp = float(fro(old_sp - new_sp) / fro(new_sp))
    print(f"  least-squares map (dense): SVD {t_old_ls:7.2f} s ({c_old_ls:6.2f} s CPU), small system {t_new_ls:6.2f} s "
          f"({c_new_ls:5.2f} s CPU), CPU ratio {c_old_ls / c_new_ls:6.1f}x, relative gap {gap_ls:.1e}")
    print(f"  spectral map (dense):    dense {t_old_sp:7.2f} s ({c_old_sp:6.2f} s CPU), integer cores {t_new_sp:5.2f} s "
          f"({c_new_sp:5.2f} s CPU), CPU ratio {c_old_sp / c_new_sp:6.1f}x, relative gap {gap_sp:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n1", type=int, nargs="+", default=[6, 8], help="n1 of the datasets (default 6 8)")
    parser.add_argument("--k", type=int, default=2, help="k1 = k2 (default 2)")
    parser.add_argument("--dps", type=int, default=50, help="digits (default 50)")
    parser.add_argument("--no-old", action="store_true", help="skip the old routes (part 2)")
    args = parser.parse_args()
    for theorem in CATALOGUE:  # warm the symbolic derivations: not part of any timing
        theorem.run_proof()
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min)")
    for n1 in args.n1:
        d = Dataset(n1, n1 // 2, args.k, args.k, "3/2")
        print(f"certificates on {d} at {args.dps} digits (n_out x n_in = {d.n_out} x {d.n_in}):")
        total, cpu = certify_all(d, args.dps)
        print(f"  all theorems: {total:.2f} s wall, {cpu:.2f} s CPU  (load average {os.getloadavg()[0]:.2f})")
    if not args.no_old:
        d = Dataset(6, 3, args.k, args.k, "3/2")
        print(f"old and current routes of the maps on {d}:")
        compare_routes(d, args.dps)
        print(f"  (load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
