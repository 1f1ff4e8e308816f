"""Exact probability that random training codes allow systematic generalization (claim T11).

Draw ``j`` distinct codes uniformly without replacement from the ``P = 2**n1``
codes ``{-1, +1}**n1``. This module counts, exactly, the j-subsets whose span

* (a) is all of ``R^n1`` (the dense network's c -> 0 limit and the segregated
  Omega module with n2 = n1 then generalize with zero error), and
* (b) contains a given set of ``n2`` coordinate axes (the segregated Omega
  module then generalizes with zero error for that selection).

By the symmetry of the code set under permutations of the coordinates, (b)
does not depend on *which* n2 axes are selected; the first n2 are used.

Method (not brute force)
------------------------
Every subset T spans a *flat*: a subspace spanned by codes, identified with
the set of codes it contains. Flats, ordered by inclusion, form a lattice L.
Write ``c(W)`` for the number of codes in a flat W. The j-subsets contained in
W number ``C(c(W), j)``, and each spans exactly one flat below W, so

.. math::

    \\binom{c(W)}{j} = \\sum_{W' \\le W} f_j(W'),

where ``f_j(W)`` counts the j-subsets spanning exactly W. Solving this
triangular system (Moebius inversion over L, bottom-up by rank) gives every
``f_j`` at once; (a) is ``f_j(R^n1)`` and (b) the sum of ``f_j(W)`` over the
flats W containing the axes. The flats are generated rank by rank: if the
integer rows of ``N`` span the orthogonal complement of a flat F (so
``F = ker N``), then a code w lies in ``span(F + v)`` iff ``N w`` is parallel
to ``N v``; grouping the codes by the direction of ``N w`` yields every flat
covering F, and the complement of the cover is ``{y in rowspace(N): y . v = 0}``.

Cost: L has 538 flats for n1 = 5 (against 2**32 subsets) and 12,364 for
n1 = 6, and the inversion takes about L**2 / 2 containment tests and vector
additions, each vector (over j = 0..P) packed into one Python integer: well
under a second for n1 = 5, about half a minute for n1 = 6. n1 = 7 has far
more flats still, so the exact range is ``n1 <= MAX_EXACT_N1``; beyond it,
``numeric.fullrank`` estimates by Monte Carlo.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

__all__ = [
    "MAX_EXACT_N1", "Flat", "SpanCounts", "code_vectors", "flats", "span_counts", "span_probability",
    "axes_probability", "check_fullrank_args",
]

#: Largest n1 with exact counts (n1 = 6: 12,364 flats, about 30 s; the inversion is quadratic in their number).
MAX_EXACT_N1 = 6


def _check_int(name: str, value: Any, lo: int, hi: int, why: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}] ({why}); got {value!r}")
    return int(value)


def check_fullrank_args(n1: Any, n2: Any = None, j: Any = None, *, max_n1: int = MAX_EXACT_N1) -> tuple[int, int, int | None]:
    """Validate ``(n1, n2, j)`` of a T11 question; ``n2`` defaults to ``n1`` (spanning).

    ``n1 > max_n1`` is refused with the reason and a pointer to the estimate.
    """
    if isinstance(n1, int) and not isinstance(n1, bool) and n1 > max_n1 and max_n1 == MAX_EXACT_N1:
        raise ValueError(
            f"n1 must be an integer in [1, {MAX_EXACT_N1}] for exact counts (the lattice of code-spanned "
            f"subspaces grows too fast beyond n1 = {MAX_EXACT_N1}); got {n1}: use the Monte Carlo estimate instead"
        )
    n1 = _check_int("n1", n1, 1, max_n1, "compositional input features")
    n2 = n1 if n2 is None else _check_int("n2", n2, 0, n1, "selected axes, at most n1")
    if j is not None:
        j = _check_int("j", j, 1, 2**n1, "training codes, at least 1 and at most P = 2**n1")
    return n1, n2, j


def code_vectors(n1: int) -> tuple[tuple[int, ...], ...]:
    """The 2**n1 codes in the documented item order, ``itertools.product((-1, 1), repeat=n1)``."""
    return tuple(itertools.product((-1, 1), repeat=n1))


@dataclass(frozen=True)
class Flat:
    """A subspace spanned by codes: ``mask`` has bit i set iff code i lies in it.

    ``complement`` holds integer rows spanning its orthogonal complement
    (``n1 - rank`` of them), so the flat is their common kernel.
    """

    mask: int
    rank: int
    complement: tuple[tuple[int, ...], ...]

    @property
    def size(self) -> int:
        """Number of codes in the flat."""
        return bin(self.mask).count("1")

    def contains_axes(self, n2: int) -> bool:
        """True when ``e_0, ..., e_{n2-1}`` lie in the flat (their images under the complement vanish)."""
        return all(row[i] == 0 for row in self.complement for i in range(n2))


def _primitive(v: tuple[int, ...]) -> tuple[int, ...]:
    """``v`` divided by the gcd of its entries, first non-zero entry positive."""
    g = math.gcd(*v)
    v = tuple(x // g for x in v)
    first = next(x for x in v if x)
    return v if first > 0 else tuple(-x for x in v)


def _dot(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    return sum(x * y for x, y in zip(a, b))


def _orthogonal_rows(u: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Integer basis of ``{c : c . u = 0}`` in Z^m for non-zero u (m - 1 vectors)."""
    i = next(k for k, x in enumerate(u) if x)
    out = []
    for k in range(len(u)):
        if k != i:
            c = [0] * len(u)
            c[k], c[i] = u[i], -u[k]
            out.append(tuple(c))
    return out


def _covers(flat: Flat, codes: tuple[tuple[int, ...], ...]) -> list[Flat]:
    """The flats of rank ``flat.rank + 1`` that contain ``flat``."""
    N = flat.complement
    groups: dict[tuple[int, ...], int] = {}
    for i, w in enumerate(codes):
        image = tuple(_dot(row, w) for row in N)
        if any(image):
            key = _primitive(image)
            groups[key] = groups.get(key, 0) | (1 << i)
    out = []
    for u, extra in groups.items():
        rows = []
        for c in _orthogonal_rows(u):
            row = tuple(sum(ck * N[k][col] for k, ck in enumerate(c)) for col in range(len(codes[0])))
            rows.append(_primitive(row))
        out.append(Flat(flat.mask | extra, flat.rank + 1, tuple(rows)))
    return out


@lru_cache(maxsize=None)
def flats(n1: int) -> tuple[Flat, ...]:
    """Every flat of the codes of ``{-1, 1}**n1``, by increasing rank (the bottom ``{0}`` first)."""
    n1 = _check_int("n1", n1, 1, MAX_EXACT_N1, "exact range")
    codes = code_vectors(n1)
    eye = tuple(tuple(int(i == k) for k in range(n1)) for i in range(n1))
    level = {0: Flat(0, 0, eye)}
    out: list[Flat] = []
    for _ in range(n1 + 1):
        out.extend(level.values())
        nxt: dict[int, Flat] = {}
        for flat in level.values():
            for cover in _covers(flat, codes):
                nxt.setdefault(cover.mask, cover)
        level = nxt
    return tuple(out)


def _pack(values: list[int], width: int) -> int:
    """One integer holding ``values`` in fields of ``width`` bits (each value must be < 2**width)."""
    return sum(v << (width * i) for i, v in enumerate(values))


def _unpack(x: int, length: int, width: int) -> tuple[int, ...]:
    mask = (1 << width) - 1
    return tuple((x >> (width * i)) & mask for i in range(length))


@dataclass(frozen=True)
class SpanCounts:
    """Exact counts of the j-subsets of the 2**n1 codes, for j = 0..P.

    ``spanning[j]``: subsets spanning R^n1; ``axes[j]``: subsets whose span
    contains the first n2 axes; ``total[j] = C(P, j)``.
    """

    n1: int
    n2: int
    spanning: tuple[int, ...]
    axes: tuple[int, ...]
    flats: int

    @property
    def P(self) -> int:
        return 2**self.n1

    def total(self, j: int) -> int:
        return math.comb(self.P, j)


@lru_cache(maxsize=None)
def _exact_span_vectors(n1: int) -> tuple[tuple[Flat, ...], tuple[int, ...], int]:
    """``(flats, f, width)``: f[i] packs ``f_j(flats[i])`` for j = 0..P in fields of ``width`` bits.

    Moebius inversion over the lattice of flats (module docstring): bottom-up,
    ``f(W) = C(c(W), .) - sum_{W' < W} f(W')``. Every field holds a count of
    subsets of W, at most ``C(P, j) < 2**P``, and the sum over ``W' < W`` counts
    subsets of W too, so no field ever borrows or overflows.
    """
    lattice = flats(n1)
    P = 2**n1
    width = P + 1
    f: list[int] = []
    masks = [w.mask for w in lattice]
    ranks = [w.rank for w in lattice]
    for i, w in enumerate(lattice):
        below = 0
        inverse = ~w.mask
        for k in range(i):
            if ranks[k] < w.rank and masks[k] & inverse == 0:
                below += f[k]
        f.append(_pack([math.comb(w.size, j) for j in range(P + 1)], width) - below)
    return lattice, tuple(f), width


@lru_cache(maxsize=None)
def span_counts(n1: int, n2: int | None = None) -> SpanCounts:
    """Count, for every j at once, the j-subsets that span R^n1 and those whose span holds n2 axes.

    The inversion (:func:`_exact_span_vectors`) is done once per n1; (a) is
    the entry of the top flat, (b) the sum over the flats containing the axes.
    """
    n1, n2, _ = check_fullrank_args(n1, n2)
    lattice, f, width = _exact_span_vectors(n1)
    P = 2**n1
    axes = sum(fw for fw, w in zip(f, lattice) if w.contains_axes(n2))
    return SpanCounts(n1, n2, _unpack(f[-1], P + 1, width), _unpack(axes, P + 1, width), len(lattice))


def span_probability(n1: int, j: int) -> Fraction:
    """Probability that j distinct uniform codes span R^n1 (exact, n1 <= MAX_EXACT_N1).

    Examples
    --------
    >>> [str(span_probability(3, j)) for j in (2, 3, 4, 5)]
    ['0', '4/7', '32/35', '1']
    """
    n1, _, j = check_fullrank_args(n1, None, j)
    counts = span_counts(n1, n1)
    return Fraction(counts.spanning[j], counts.total(j))


def axes_probability(n1: int, n2: int, j: int) -> Fraction:
    """Probability that the span of j distinct uniform codes contains n2 given coordinate axes (exact)."""
    n1, n2, j = check_fullrank_args(n1, n2, j)
    counts = span_counts(n1, n2)
    return Fraction(counts.axes[j], counts.total(j))
