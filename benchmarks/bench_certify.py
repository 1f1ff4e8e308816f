"""Certifying the spectrum of one n1 = 6 dataset at 50 digits, against a full 50-digit SVD.

Run: ``python benchmarks/bench_certify.py [--k 1] [--dps 50]``. Both timings
come from the same run on the same machine, so the ratio is what to read:
the certificate evaluates closed forms and checks ``Syx v = pi u``,
``Syx^T u = pi v``, ``Sx v = lambda v``, orthonormality and completeness, where
the SVD has to find the decomposition from scratch (mpmath's ``svd_r``).
"""

from __future__ import annotations

import argparse
import time

import mpmath

from numeric.certify import eigenbasis_checks, run_checks, spectrum_checks
from numeric.matrices import statistics
from theory.dataset import Dataset
from theory.spectrum import derive_module_spectrum


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=1, help="k1 = k2 (default 1)")
    parser.add_argument("--dps", type=int, default=50, help="digits (default 50)")
    args = parser.parse_args()
    d = Dataset(6, 3, args.k, args.k, "3/2")
    derive_module_spectrum()  # symbolic derivation is cached; not part of either timing

    start = time.perf_counter()
    checks = run_checks(lambda x: [*spectrum_checks(x), *eigenbasis_checks(x)], [d], args.dps)
    certify_s = time.perf_counter() - start
    worst = max(c.residual for c in checks)

    with mpmath.workdps(args.dps):
        syx = statistics(d, "mpmath").Syx
        start = time.perf_counter()
        mpmath.svd_r(mpmath.matrix(syx.tolist()), compute_uv=True)
        svd_s = time.perf_counter() - start

    print(f"dataset {d}: Syx is {d.n_out} x {d.n_in}, {args.dps} digits")
    print(f"certificate (build vectors + residuals, {len(checks)} checks): {certify_s:8.2f} s, "
          f"largest relative residual {worst:.2e}")
    print(f"full mpmath SVD with vectors:                          {svd_s:8.2f} s")
    print(f"ratio SVD / certificate:                               {svd_s / certify_s:8.1f}x")


if __name__ == "__main__":
    main()
