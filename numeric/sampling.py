"""Reproducible samples of the dataset space, degenerate cases always included."""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
import sympy as sp

from theory.dataset import Dataset
from theory.examples import DEGENERATE

__all__ = ["DEGENERATE", "sample_datasets", "iter_datasets"]

def _random_r(rng: np.random.Generator) -> sp.Expr:
    """A rational in [0, 3] or a surd sqrt(m)/q: exact, so certificates are exact in input."""
    if rng.random() < 0.3:
        return sp.sqrt(int(rng.integers(2, 12))) / int(rng.integers(1, 4))
    return sp.Rational(int(rng.integers(1, 25)), int(rng.integers(1, 9)))


def iter_datasets(seed: int = 0, *, max_n1: int = 4, max_k: int = 3) -> Iterator[Dataset]:
    """The degenerate datasets, then an endless reproducible stream of generic ones."""
    rng = np.random.default_rng(seed)
    yield from (d for _, d in DEGENERATE)
    while True:
        n1 = int(rng.integers(1, max_n1 + 1))
        yield Dataset(
            n1=n1, n2=int(rng.integers(0, n1 + 1)), k1=int(rng.integers(1, max_k + 1)),
            k2=int(rng.integers(1, max_k + 1)), r=_random_r(rng),
        )


def sample_datasets(
    n: int, seed: int = 0, *, max_n1: int = 4, max_k: int = 3, applies: Callable[[Dataset], bool] | None = None,
) -> tuple[Dataset, ...]:
    """``n`` datasets: the degenerate ones first, then random generic ones.

    Random draws use ``numpy.random.default_rng(seed)``, so the same seed gives
    the same samples. ``n`` below the number of degenerate cases still returns
    every degenerate case (they are never skipped). With ``applies``, only
    datasets it accepts are kept, and drawing continues until there are ``n``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"samples must be an integer >= 1; got {n!r}")
    keep = applies or (lambda d: True)
    out: list[Dataset] = []
    for i, d in enumerate(iter_datasets(seed, max_n1=max_n1, max_k=max_k)):
        if len(out) >= n and i >= len(DEGENERATE):
            break
        if keep(d):
            out.append(d)
    return tuple(out)
