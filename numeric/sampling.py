"""Reproducible samples of the dataset space, degenerate cases always included."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np
import sympy as sp

from theory.dataset import SELECTION, Dataset
from theory.examples import DEGENERATE
from theory.family import Family

__all__ = ["DEGENERATE", "sample_datasets", "iter_datasets", "draw_dataset", "DRAWERS", "MAX_DRAWS"]

#: Draws after which a filter that accepts too few datasets is reported instead of looping forever.
MAX_DRAWS = 10_000


def _random_r(rng: np.random.Generator, lo: int, hi: int, known: dict) -> sp.Expr:
    """A rational p/q (p in [lo, hi], q in [1, 8]) or a surd sqrt(m)/q: exact, so certificates are exact in input."""
    if rng.random() < 0.3:
        return sp.sqrt(int(rng.integers(2, 12))) / int(rng.integers(1, 4))
    return sp.Rational(int(rng.integers(lo, hi + 1)), int(rng.integers(1, 9)))


def _random_integer(rng: np.random.Generator, lo: int, hi: int, known: dict) -> int:
    return int(rng.integers(lo, hi + 1))


def _random_readout(rng: np.random.Generator, lo: int, hi: int, known: dict) -> tuple:
    """A rational n2 x n1 readout, n2 in [lo, hi]: full rank, rank-deficient (repeated or zero rows) or zero."""
    n1, n2 = known["n1"], int(rng.integers(lo, hi + 1))
    shape = rng.random()
    rows = [[sp.Rational(int(rng.integers(-4, 5)), int(rng.integers(1, 4))) for _ in range(n1)] for _ in range(n2)]
    if shape < 0.15:
        rows = [[sp.Integer(0)] * n1 for _ in range(n2)]
    elif shape < 0.45 and n2 >= 2:
        rows[-1] = [2 * x for x in rows[0]]  # rank deficient: a multiple of the first row
    return tuple(tuple(row) for row in rows)


#: Parameter kind -> drawer ``(rng, lo, hi, known) -> value``; kinds without one are never drawn.
DRAWERS: dict[str, Callable[[np.random.Generator, Any, Any, dict], Any]] = {
    "integer": _random_integer, "real": _random_r, "matrix": _random_readout,
}


def _resolve(bound: int | str, known: dict, options: dict) -> Any:
    return bound if not isinstance(bound, str) else known[bound] if bound in known else options[bound]


def draw_dataset(family: Family, rng: np.random.Generator, **options: int) -> Any:
    """One dataset of ``family``, each parameter drawn in order from its ``sample`` range.

    ``options`` resolve named bounds (``max_n1``, ``max_k``); parameters
    without a ``sample`` range take their default.
    """
    known: dict[str, Any] = {}
    for p in family.parameters:
        if p.sample is not None:
            lo, hi = (_resolve(b, known, options) for b in p.sample)
            known[p.name] = DRAWERS[p.kind](rng, lo, hi, known)
    return family.build(**known)


def iter_datasets(seed: int = 0, *, max_n1: int = 4, max_k: int = 3, family: Family = SELECTION) -> Iterator[Any]:
    """The family's degenerate datasets, then an endless reproducible stream of drawn ones."""
    rng = np.random.default_rng(seed)
    yield from (d for _, d in family.corners())
    while True:
        yield draw_dataset(family, rng, max_n1=max_n1, max_k=max_k)


def sample_datasets(
    n: int, seed: int = 0, *, max_n1: int = 4, max_k: int = 3, applies: Callable[[Dataset], bool] | None = None,
    family: Family = SELECTION,
) -> tuple[Dataset, ...]:
    """``n`` datasets: the degenerate ones first, then random generic ones.

    Random draws use ``numpy.random.default_rng(seed)``, so the same seed gives
    the same samples. ``n`` below the number of degenerate cases still returns
    every degenerate case (they are never skipped). With ``applies``, only
    datasets it accepts are kept, and drawing continues until there are ``n``
    (``ValueError`` if MAX_DRAWS draws do not give them).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"samples must be an integer >= 1; got {n!r}")
    keep = applies or (lambda d: True)
    out: list[Dataset] = []
    corners = len(family.corners())
    for i, d in enumerate(iter_datasets(seed, max_n1=max_n1, max_k=max_k, family=family)):
        if len(out) >= n and i >= corners:
            break
        if i >= MAX_DRAWS:
            raise ValueError(f"applies accepted {len(out)} of {MAX_DRAWS} drawn datasets; {n} are needed")
        if keep(d):
            out.append(d)
    return tuple(out)
