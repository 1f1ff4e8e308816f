"""Exact T11 probabilities for every j at n1 = 5 (and 6), against brute-force enumeration at n1 = 4.

Run: ``python benchmarks/bench_fullrank.py [--n1-max 6]``. Every timing comes
from the same run: the lattice count (``theory.fullrank``, cold caches) for all
j and all n2 at each n1, and, as the yardstick, brute-force enumeration of all
2**16 subsets at n1 = 4 (exact ranks mod p). Brute force at n1 = 5 would visit
2**32 subsets; its time is extrapolated from n1 = 4 per subset and printed as
a ratio. Target: all j at n1 = 5 under 60 s.
"""

from __future__ import annotations

import argparse
import itertools
import time

from numeric.fullrank import rank_mod_p
from theory import fullrank


def _cold_exact(n1: int) -> float:
    for cached in (fullrank.flats, fullrank._exact_span_vectors, fullrank.span_counts):
        cached.cache_clear()
    start = time.perf_counter()
    for n2 in range(n1 + 1):
        fullrank.span_counts(n1, n2)
    return time.perf_counter() - start


def _brute_force(n1: int) -> tuple[float, int]:
    codes = [list(c) for c in itertools.product((-1, 1), repeat=n1)]
    start = time.perf_counter()
    spanning = 0
    for mask in range(1, 2 ** len(codes)):
        spanning += rank_mod_p([c for i, c in enumerate(codes) if mask >> i & 1], n1) == n1
    return time.perf_counter() - start, spanning


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n1-max", type=int, default=6, help="largest n1 counted exactly (default 6)")
    args = parser.parse_args()
    brute_s, spanning = _brute_force(4)
    assert spanning == sum(fullrank.span_counts(4).spanning), "lattice count disagrees with brute force"
    per_subset = brute_s / 2**16
    print(f"brute force n1 = 4: {brute_s:.2f} s for 2^16 subsets ({per_subset * 1e6:.1f} us per subset)")
    for n1 in range(3, args.n1_max + 1):
        seconds = _cold_exact(n1)
        flats = len(fullrank.flats(n1))
        line = f"exact n1 = {n1}: {flats} flats, all j and all n2 in {seconds:.2f} s"
        if n1 >= 5:
            line += f"; brute force extrapolated {per_subset * 2 ** 2**n1 / seconds:.3g}x slower"
        print(line)


if __name__ == "__main__":
    main()
