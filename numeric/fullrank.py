"""Monte Carlo estimates of claim T11's probabilities, with Wilson intervals.

The exact counts of :mod:`theory.fullrank` stop at ``MAX_EXACT_N1``; beyond
it (and as an independent check inside it) this module draws j distinct codes
uniformly without replacement and decides each draw *exactly*: ranks are
computed modulo the prime ``p = 2**61 - 1``. Reduction mod p can only lower a
rank, and it lowers it only if p divides every non-zero r x r minor of the
matrix; by Hadamard's inequality such a minor of +-1 code columns and unit
axis columns is at most ``n1**(n1/2)`` in absolute value, below p for
``n1 <= MAX_ESTIMATE_N1``, so a non-zero minor stays non-zero mod p and the
rank mod p is the rank over the rationals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.fullrank import check_fullrank_args

__all__ = ["MAX_ESTIMATE_N1", "Z95", "Estimate", "wilson_interval", "estimate_probability", "rank_mod_p"]

#: Largest n1 of an estimate: n1**(n1/2) < 2**61 - 1 keeps ranks mod p exact (16**8 ~ 4.3e9).
MAX_ESTIMATE_N1 = 16
#: The prime of the exact modular ranks.
_PRIME = 2**61 - 1
#: Two-sided 95% standard normal quantile, Phi^-1(0.975).
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate: ``successes`` of ``samples`` draws and its Wilson interval ``[low, high]``."""

    n1: int
    n2: int
    j: int
    successes: int
    samples: int
    low: float
    high: float
    seed: int
    confidence: float = 0.95

    @property
    def value(self) -> float:
        return self.successes / self.samples


def wilson_interval(successes: int, samples: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (covers 0 and 1 sensibly, unlike the Wald interval)."""
    if samples < 1 or not 0 <= successes <= samples:
        raise ValueError(f"successes must be in [0, samples] and samples >= 1; got {successes}, {samples}")
    n, p = samples, successes / samples
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # At p = 0 (p = 1) the lower (upper) end is exactly 0 (1); rounding must not move it.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == samples else min(1.0, centre + half)
    return low, high


def rank_mod_p(vectors: list[list[int]], n: int) -> int:
    """Rank of integer vectors of length n, by elimination modulo p = 2**61 - 1 (exact for small entries)."""
    basis: dict[int, list[int]] = {}  # pivot column -> row with 1 at the pivot
    for vec in vectors:
        v = [x % _PRIME for x in vec]
        for col in range(n):
            if v[col]:
                row = basis.get(col)
                if row is None:
                    inv = pow(v[col], _PRIME - 2, _PRIME)
                    basis[col] = [x * inv % _PRIME for x in v]
                    break
                f = v[col]
                v = [(a - f * b) % _PRIME for a, b in zip(v, row)]
        if len(basis) == n:
            break
    return len(basis)


def _code(index: int, n1: int) -> list[int]:
    """Code number ``index`` in the documented item order (``itertools.product((-1, 1), repeat=n1)``)."""
    return [1 if (index >> (n1 - 1 - k)) & 1 else -1 for k in range(n1)]


def estimate_probability(n1: Any, j: Any, n2: Any = None, *, samples: int = 20_000, seed: int = 0) -> Estimate:
    """Estimate the probability that j distinct uniform codes span R^n1 (``n2 = n1``) or hold n2 axes.

    A draw succeeds when ``rank(B_T) = rank([B_T, e_0, ..., e_{n2-1}])`` (for
    n2 = n1 that is ``rank(B_T) = n1``). Draws use
    ``numpy.random.default_rng(seed)``.
    """
    n1, n2, j = check_fullrank_args(n1, n2, j, max_n1=MAX_ESTIMATE_N1)
    if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= 10**7:
        raise ValueError(f"samples must be an integer in [1, 10000000]; got {samples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0; got {seed!r}")
    rng = np.random.default_rng(seed)
    axes = [[int(i == k) for k in range(n1)] for i in range(n2)]
    hits = 0
    for _ in range(samples):
        chosen = rng.choice(2**n1, size=j, replace=False)
        codes = [_code(int(i), n1) for i in chosen]
        rank = rank_mod_p(codes, n1)
        hits += rank == n1 or rank_mod_p(codes + axes, n1) == rank
    low, high = wilson_interval(hits, samples)
    return Estimate(n1, n2, j, hits, samples, low, high, seed)
