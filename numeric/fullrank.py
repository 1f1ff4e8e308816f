"""Monte Carlo estimates of claim T11's probabilities, with Wilson intervals.

The exact counts of :mod:`theory.fullrank` stop at ``MAX_EXACT_N1``; beyond
it (and as an independent check inside it) this module draws j distinct codes
uniformly without replacement and decides each draw *exactly*: ranks are
computed modulo a prime p. Reduction mod p can only lower a rank, and it
lowers it only if p divides every non-zero r x r minor of the matrix; by
Hadamard's inequality such a minor of +-1 code columns and unit axis columns
(each column of an r x r minor has norm at most sqrt(r)) is at most
``n1**(n1/2)`` in absolute value. Below p, a non-zero minor stays non-zero
mod p and the rank mod p is the rank over the rationals.

Two primes: :func:`rank_mod_p` (one matrix, Python integers) uses
``2**61 - 1``, above ``16**8`` (n1 <= MAX_ESTIMATE_N1); :func:`ranks_mod_q`
(many matrices at once, numpy int64) uses ``q = 2**31 - 1``, so that a
product of two residues fits in int64, and is exact for n1 <= 15
(``15**7.5 ~ 6.6e8 < q < 16**8``). Estimates at n1 = 16 take the first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory.fullrank import check_fullrank_args

__all__ = ["MAX_ESTIMATE_N1", "MAX_BATCHED_N1", "Z95", "Estimate", "wilson_interval", "estimate_probability",
           "rank_mod_p", "ranks_mod_q"]

#: Largest n1 of an estimate: n1**(n1/2) < 2**61 - 1 keeps ranks mod p exact (16**8 ~ 4.3e9).
MAX_ESTIMATE_N1 = 16
#: The prime of the exact modular ranks of one matrix (Python integers).
_PRIME = 2**61 - 1
#: The prime of the batched ranks: residues below 2**31, so a product of two fits in int64.
_Q = 2**31 - 1
#: Largest n1 whose ranks :func:`ranks_mod_q` decides exactly: n1**(n1/2) < 2**31 - 1 (15**7.5 ~ 6.6e8).
MAX_BATCHED_N1 = 15
#: Entries (draws x vectors x n1) decided per batch: bounds the memory of an estimate.
_BATCH_ENTRIES = 2**20
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


def _inverse_mod_q(a: np.ndarray) -> np.ndarray:
    """``a**(q-2) mod q`` elementwise (Fermat: the inverse of every non-zero residue), by repeated squaring."""
    result = np.ones_like(a)
    base = a % _Q
    e = _Q - 2
    while e:
        if e & 1:
            result = result * base % _Q
        base = base * base % _Q
        e >>= 1
    return result


def ranks_mod_q(vectors: np.ndarray) -> np.ndarray:
    """Ranks of a stack of integer matrices (..., m, n): rows are the vectors, by elimination mod q = 2**31 - 1.

    Every matrix is reduced at once, one column at a time: the first unused row
    with a non-zero entry in the column becomes that column's pivot (scaled to
    1) and the column is cleared from every other row. Equal to the rank over
    the rationals when no non-zero minor is a multiple of q (module docstring:
    +-1 codes and unit axes with n <= MAX_BATCHED_N1).
    """
    A = np.asarray(vectors, dtype=np.int64) % _Q
    if A.ndim < 2:
        raise ValueError(f"vectors must be a stack of matrices (..., m, n); got shape {A.shape}")
    lead, (m, n) = A.shape[:-2], A.shape[-2:]
    A = A.reshape(-1, m, n).copy()
    S = A.shape[0]
    used = np.zeros((S, m), dtype=bool)
    rank = np.zeros(S, dtype=np.int64)
    every = np.arange(S)
    for col in range(n):
        candidates = (A[:, :, col] != 0) & ~used
        found = candidates.any(axis=1)
        pivot = candidates.argmax(axis=1)
        row = A[every, pivot]  # (S, n)
        row = row * _inverse_mod_q(np.where(found, row[:, col], 1))[:, None] % _Q
        factor = A[:, :, col] * found[:, None]  # nothing is cleared where the column has no pivot
        A = (A - factor[:, :, None] * row[:, None, :]) % _Q
        A[every[found], pivot[found]] = row[found]
        used[every[found], pivot[found]] = True
        rank += found
    return rank.reshape(lead)


def _code(index: int, n1: int) -> list[int]:
    """Code number ``index`` in the documented item order (``itertools.product((-1, 1), repeat=n1)``)."""
    return [1 if (index >> (n1 - 1 - k)) & 1 else -1 for k in range(n1)]


def _hits(draws: Any, n1: int, n2: int) -> int:
    """Draws whose codes hold the first n2 axes in their span, one rank at a time (any n1 <= MAX_ESTIMATE_N1)."""
    axes = [[int(i == k) for k in range(n1)] for i in range(n2)]
    hits = 0
    for chosen in draws:
        codes = [_code(int(i), n1) for i in chosen]
        rank = rank_mod_p(codes, n1)
        hits += rank == n1 or rank_mod_p(codes + axes, n1) == rank
    return hits


def _hits_batched(draws: Any, samples: int, n1: int, n2: int, j: int) -> int:
    """:func:`_hits` for n1 <= MAX_BATCHED_N1, the draws decided many at a time by :func:`ranks_mod_q`."""
    shifts = np.arange(n1 - 1, -1, -1)
    axes = np.eye(n2, n1, dtype=np.int64)
    per = max(1, _BATCH_ENTRIES // ((j + n2) * n1))
    hits = 0
    for start in range(0, samples, per):
        chosen = np.array([next(draws) for _ in range(min(per, samples - start))])  # (s, j) code indices
        codes = np.where((chosen[:, :, None] >> shifts) & 1, 1, -1)  # (s, j, n1), _code's order
        rank = ranks_mod_q(codes)
        with_axes = ranks_mod_q(np.concatenate([codes, np.broadcast_to(axes, (len(codes), n2, n1))], axis=1))
        hits += int(np.count_nonzero((rank == n1) | (with_axes == rank)))
    return hits


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
    draws = (rng.choice(2**n1, size=j, replace=False) for _ in range(samples))
    hits = _hits_batched(draws, samples, n1, n2, j) if n1 <= MAX_BATCHED_N1 else _hits(draws, n1, n2)
    low, high = wilson_interval(hits, samples)
    return Estimate(n1, n2, j, hits, samples, low, high, seed)
